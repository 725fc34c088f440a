//! jianfu-server: the HTTP API, its storage and its command line.
//!
//! A reading guide, from the outside in:

/// Checks and creation of users, shared by the CLI and the API.
pub mod accounts;
/// Startup: database, keys, router, listener; `Application` for tests and `main`.
pub mod app;
/// Passwords (argon2), tokens (JWT) and the `AuthUser` extractor with role and scope checks.
pub mod auth;
/// What each subcommand does.
pub mod cli;
/// The domain clock (settable in tests).
pub mod clock;
/// The command line and its environment variables.
pub mod config;
/// Storage on SQLite or PostgreSQL with one behaviour.
pub mod db;
/// The demo county and its logins.
pub mod demo;
/// The HTTP API: one module per resource, the error model, the OpenAPI document.
pub mod http;
/// Importing the administrative tree from the national CSV format.
pub mod import;
/// The reporting rules that need storage: the policy in force, period status, completeness.
pub mod reporting;
