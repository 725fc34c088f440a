//! What every request handler can reach: the services (storage, clock, caches) and the
//! keys that sign and check tokens. Built once at start; cloning is cheap.

use crate::auth::jwt::Keys;
use crate::service::Services;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct AppState {
    pub services: Services,
    pub keys: Arc<Keys>,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
}
