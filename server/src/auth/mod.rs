//! Proving who someone is, with nothing of HTTP: passwords (argon2) and bearer tokens
//! (JWT, HS256). The extractor that turns a request's token into an actor lives in
//! `http::extract`; what an actor may do is checked by the services.

pub mod jwt;
pub mod password;
