//! API tests: each runs against the real server, once on SQLite and once on PostgreSQL.

mod auth;
mod backoffice;
mod departments;
mod devices;
mod errors;
mod exports;
mod faults;
mod ingest;
mod invariants;
mod openapi;
mod org_units;
mod reporting;
mod roster;
mod scopes;
mod shapes;
mod storage;
mod story;
mod text_rule;
mod tokens;
mod users;
mod verdicts;
