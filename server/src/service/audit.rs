//! The audit log: the entry of a change made by an actor, and reading the log of a
//! subtree, newest first (admins).

use super::{Actor, Result, Services};
use crate::db::audit::{self, Entry, Stored};
use crate::db::page::{Page, Window};
use jianfu_core::Role;

/// The audit entry of a change by `actor`, at the domain clock's now.
pub fn entry(
    s: &Services,
    actor: &Actor,
    action: &'static str,
    scope: &str,
    target: String,
) -> Entry {
    Entry {
        at: s.clock.now(),
        actor_id: Some(actor.id),
        actor: actor.username.clone(),
        action,
        scope: scope.to_owned(),
        target,
        before: None,
        after: None,
    }
}

/// The log of a subtree, newest first; `before` is the last id of the previous page.
pub async fn list(
    s: &Services,
    actor: &Actor,
    unit: Option<&str>,
    filter: &audit::Filter<'_>,
    before: Option<i64>,
    limit: Option<u32>,
) -> Result<Page<Stored, i64>> {
    actor.require_role(&[Role::Admin])?;
    let unit = actor.scoped(unit)?;
    let window = Window {
        after: before.unwrap_or(i64::MAX),
        limit: super::page_limit(limit)?,
    };
    let rows = audit::list(&s.db, &unit, filter, &window).await?;
    Ok(window.page(rows, |e| e.id))
}
