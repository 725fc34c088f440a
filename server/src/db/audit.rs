//! The audit log: every configuration change, who made it, when, before and after.
//! Rows are only ever inserted (the schema's triggers refuse UPDATE and DELETE), and
//! always in the same transaction as the change they describe.

use sqlx::query::Query;
use sqlx::{Database, Encode, Type};

/// One configuration change, as it will be appended.
#[derive(Debug, Clone)]
pub struct Entry {
    pub at: i64,
    /// `None` when the change came from the command line.
    pub actor_id: Option<i64>,
    /// The username, or `cli` for the command line.
    pub actor: String,
    /// What happened, e.g. `org_units.import`, `users.create`.
    pub action: &'static str,
    /// The unit whose subtree the change belongs to: who may read the entry.
    pub scope: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

const INSERT: &str = "INSERT INTO audit_log (at, actor_id, actor, action, scope, target, before, after) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// The INSERT for `entry`, ready to run inside the caller's transaction on either engine.
pub fn insert<'q, DB>(entry: &'q Entry) -> Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    DB: Database,
    i64: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
{
    sqlx::query(INSERT)
        .bind(entry.at)
        .bind(entry.actor_id)
        .bind(entry.actor.as_str())
        .bind(entry.action)
        .bind(entry.scope.as_str())
        .bind(entry.target.as_str())
        .bind(entry.before.as_deref())
        .bind(entry.after.as_deref())
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Stored {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub scope: String,
    pub target: String,
    /// JSON text of the state before, when there was one.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Which entries to list besides the scope.
#[derive(Debug, Clone, Default)]
pub struct Filter<'a> {
    /// Entries by this actor (a username, or `cli`).
    pub actor: Option<&'a str>,
    /// Entries of this kind: an action (`users.disable`) or an area (`users`).
    pub kind: Option<&'a str>,
}

/// Entries whose scope lies inside `scope`'s subtree, newest first, ids below
/// `window.after` (the page goes backwards in time).
#[tracing::instrument(skip_all)]
pub async fn list(
    db: &super::Db,
    scope: &jianfu_core::DivisionCode,
    filter: &Filter<'_>,
    window: &super::page::Window<i64>,
) -> Result<Vec<Stored>, sqlx::Error> {
    const SQL: &str = "SELECT id, at, actor_id, actor, action, scope, target, before, after FROM audit_log \
         WHERE scope >= $1 AND scope < $2 AND id < $3 AND ($4 IS NULL OR actor = $4) \
         AND ($5 IS NULL OR action = $5 OR action LIKE $6) ORDER BY id DESC LIMIT $7";
    let (low, high) = scope.subtree_bounds();
    let area = filter
        .kind
        .map(|k| format!("{}.%", k.replace(['%', '_'], "")));
    super::on_pool!(db, pool => sqlx::query_as(SQL)
        .bind(&low).bind(&high).bind(window.after).bind(filter.actor).bind(filter.kind)
        .bind(area.as_deref()).bind(window.fetch())
        .fetch_all(pool).await)
}
