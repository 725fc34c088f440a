//! Who a genuine token speaks for, checked against the account as it is now: it must
//! exist, be enabled, and carry the account's current token version (a sign-out, a
//! password reset, a role or unit change or disabling bumps it). The role and unit used
//! are the account's, never the token's.
//!
//! Each check costs a map lookup under a lock on a hit (well under a microsecond); a miss
//! reads one row by primary key. An entry is forgotten when this node changes the
//! account, and is trusted for at most [`FRESH_FOR`] in any case, which bounds how long
//! another node may act on a changed account before it reads it again.

use super::{Actor, Error, Result, Services};
use crate::auth::jwt::Claims;
use crate::db::users::{self, Account};
use jianfu_core::DivisionCode;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long an account read is trusted without reading it again.
pub const FRESH_FOR: Duration = Duration::from_secs(10);

/// How many accounts are kept; past it, those read longer ago than [`FRESH_FOR`] are
/// dropped (they would be read again anyway), or all of them if half are fresh, so a
/// national week's 620k cadres, each signing in once, never stay resident together.
const MAX_CACHED_ACCOUNTS: usize = 50_000;

/// Accounts by user id, as last read.
#[derive(Debug, Default)]
pub struct Cache {
    accounts: Mutex<HashMap<i64, (Arc<Account>, Instant)>>,
}

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, (Arc<Account>, Instant)>> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The account of `id`, from the cache while fresh, else read.
    async fn account(&self, s: &Services, id: i64) -> Result<Option<Arc<Account>>> {
        if let Some((account, read_at)) = self.lock().get(&id)
            && read_at.elapsed() < FRESH_FOR
        {
            return Ok(Some(account.clone()));
        }
        let Some(account) = users::account(s.readers(), id).await? else {
            self.forget(id);
            return Ok(None);
        };
        let account = Arc::new(account);
        let mut accounts = self.lock();
        if accounts.len() >= MAX_CACHED_ACCOUNTS {
            accounts.retain(|_, (_, read_at)| read_at.elapsed() < FRESH_FOR);
            // Half full still: start again empty, so the next sweep is as far away.
            if accounts.len() >= MAX_CACHED_ACCOUNTS / 2 {
                accounts.clear();
            }
        }
        accounts.insert(id, (account.clone(), Instant::now()));
        Ok(Some(account))
    }

    /// Forgets user `id`: called by each change of an account on this node.
    pub fn forget(&self, id: i64) {
        self.lock().remove(&id);
    }

    /// Forgets everyone (another node announced a change).
    pub fn forget_all(&self) {
        self.lock().clear();
    }
}

/// The actor a token's claims speak for, or why they no longer do.
pub async fn actor(s: &Services, claims: &Claims) -> Result<Actor> {
    let id = claims.user_id().map_err(|_| Error::TokenRevoked {
        reason: "sub is not a user id",
    })?;
    let Some(account) = s.sessions.account(s, id).await? else {
        return Err(Error::UnknownAccount);
    };
    if account.disabled {
        return Err(Error::AccountDisabled);
    }
    if claims.ver != account.token_version {
        return Err(Error::TokenRevoked {
            reason: "signed out, or the account changed since the token was issued",
        });
    }
    let unit = DivisionCode::parse(&account.user.org_unit).map_err(Error::internal)?;
    Ok(Actor {
        id,
        role: account.user.role,
        unit,
        username: account.user.username.clone(),
        department: account.user.department_id,
    })
}
