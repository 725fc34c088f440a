//! jianfu-server: the HTTP API, its storage and its command line.
//!
//! A reading guide, from the outside in. Dependencies only point down this list:
//! `http` → `service` → `db`, with `state` tying them together for the router and `auth`
//! proving who calls; nothing below `http` knows HTTP, nothing below `service` knows the
//! rules.

/// Startup: database, keys, router, listener; `Application` for tests and `main`.
pub mod app;
/// Passwords (argon2) and tokens (JWT), with their own errors.
pub mod auth;
/// `jianfu backup` and `jianfu restore`: a consistent copy of a live SQLite database.
pub mod backup;
/// What each subcommand does.
pub mod cli;
/// The domain clock (settable in tests).
pub mod clock;
/// Several API nodes on one PostgreSQL: keeping their caches in step (LISTEN/NOTIFY and the audit stamp).
pub mod cluster;
/// The command line and its environment variables.
pub mod config;
/// Storage on SQLite or PostgreSQL with one behaviour; typed rows, keyset pages.
pub mod db;
/// The demo county and its logins.
pub mod demo;
/// The HTTP API: thin handlers per resource, wire types, the error model, the OpenAPI document.
pub mod http;
/// Request ids, the access log, Prometheus metrics, the log format.
pub mod observe;
/// The use cases: each checks the actor's role and scope, then the rules, then stores.
pub mod service;
/// What every request handler can reach.
pub mod state;
