//! Storage of how often cadres report: policies (inherited down the tree, nearest
//! ancestor wins) and emergencies. A policy is written in the transaction that reads
//! what it is checked against ([`put`]).

use super::readers::{Reads, on_reader};
use super::templates::{ChangeError, TEMPLATE_COLUMNS, TemplateRow};
use super::{BeginWrite, Db, audit, for_update, on_pool};
use jianfu_core::DivisionCode;
use jianfu_core::period::PeriodKind;
use serde::Serialize;
use sqlx::FromRow;
use tracing::instrument;

/// A policy as stored (see the migration for the meaning of the emergency columns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRow {
    pub org_unit: String,
    pub period_kind: PeriodKind,
    pub due_offset_days: u16,
    pub grace_days: u16,
    pub lock_days: u16,
    pub template_id: i64,
    pub budget_minutes: u32,
    pub time_zone: String,
    /// The emergency that allowed a cadence below weekly.
    pub emergency_id: Option<i64>,
    /// The cadence that applies again, by itself, once that emergency is over.
    pub kind_after_emergency: Option<PeriodKind>,
    pub updated_at: i64,
}

/// A policy row as the database returns it, before its words and numbers are checked.
#[derive(Debug, FromRow)]
pub(crate) struct RawPolicy {
    org_unit: String,
    period_kind: String,
    due_offset_days: i64,
    grace_days: i64,
    lock_days: i64,
    template_id: i64,
    budget_minutes: i64,
    time_zone: String,
    emergency_id: Option<i64>,
    kind_after_emergency: Option<String>,
    updated_at: i64,
}

impl TryFrom<RawPolicy> for PolicyRow {
    type Error = sqlx::Error;

    fn try_from(raw: RawPolicy) -> Result<PolicyRow, sqlx::Error> {
        fn decode<T, E: std::error::Error + Send + Sync + 'static>(
            value: Result<T, E>,
        ) -> Result<T, sqlx::Error> {
            value.map_err(|e| sqlx::Error::Decode(Box::new(e)))
        }
        Ok(PolicyRow {
            period_kind: decode(raw.period_kind.parse())?,
            due_offset_days: decode(u16::try_from(raw.due_offset_days))?,
            grace_days: decode(u16::try_from(raw.grace_days))?,
            lock_days: decode(u16::try_from(raw.lock_days))?,
            budget_minutes: decode(u32::try_from(raw.budget_minutes))?,
            kind_after_emergency: raw
                .kind_after_emergency
                .map(|k| decode(k.parse()))
                .transpose()?,
            org_unit: raw.org_unit,
            template_id: raw.template_id,
            time_zone: raw.time_zone,
            emergency_id: raw.emergency_id,
            updated_at: raw.updated_at,
        })
    }
}

fn typed(rows: Vec<RawPolicy>) -> Result<Vec<PolicyRow>, sqlx::Error> {
    rows.into_iter().map(PolicyRow::try_from).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Emergency {
    pub id: i64,
    pub org_unit: String,
    pub reason: String,
    /// Unix seconds.
    pub starts_at: i64,
    /// Unix seconds; the emergency is over from this instant on, by itself.
    pub ends_at: i64,
    pub created_by: Option<i64>,
}

pub(crate) const POLICY_COLUMNS: &str = "org_unit, period_kind, due_offset_days, grace_days, lock_days, template_id, \
     budget_minutes, time_zone, emergency_id, kind_after_emergency, updated_at";
const EMERGENCY_COLUMNS: &str = "id, org_unit, reason, starts_at, ends_at, created_by";

/// The codes from the province down to `unit`, padded with empty strings (no code is
/// empty) to the five levels, for an `IN ($1, …, $5)` over the whole path.
fn path_of(unit: &DivisionCode) -> [String; 5] {
    let mut codes: [String; 5] = Default::default();
    for (slot, code) in codes.iter_mut().zip(unit.path()) {
        code.as_str().clone_into(slot);
    }
    codes
}

/// The policy nearest `$1..$5`, the path's codes (see [`path_of`]): the longest code wins.
const NEAREST: &str =
    "FROM policies WHERE org_unit IN ($1, $2, $3, $4, $5) ORDER BY LENGTH(org_unit) DESC LIMIT 1";

/// The nearest policy on the path from `unit` up to the province (nearest ancestor wins).
#[instrument(skip_all)]
pub async fn nearest(
    src: &impl Reads,
    unit: &DivisionCode,
) -> Result<Option<PolicyRow>, sqlx::Error> {
    let [p0, p1, p2, p3, p4] = path_of(unit);
    let sql = format!("SELECT {POLICY_COLUMNS} {NEAREST}");
    let raw: Option<RawPolicy> = on_reader!(src, c => sqlx::query_as(&sql)
        .bind(&p0).bind(&p1).bind(&p2).bind(&p3).bind(&p4)
        .fetch_optional(&mut **c).await)?;
    raw.map(PolicyRow::try_from).transpose()
}

/// A policy with the outline of the village it applies to, read together.
#[derive(Debug, FromRow)]
struct RawPolicyWithOutline {
    #[sqlx(flatten)]
    policy: RawPolicy,
    outline: Option<String>,
}

/// For a village: the nearest policy on its path (as [`nearest`]) and the outline its
/// geotags are checked against, the village's own else its township's, in one statement:
/// a village's first report of the week needs both, and a national week has 620,573 first
/// reports. `None` when no policy applies (the outline is then of no use).
#[instrument(skip_all)]
pub async fn nearest_with_outline(
    src: &impl Reads,
    village: &DivisionCode,
) -> Result<Option<(PolicyRow, Option<String>)>, sqlx::Error> {
    let [p0, p1, p2, p3, p4] = path_of(village);
    let township = village.parent().map_or_else(String::new, |t| t.to_string());
    let sql = format!(
        "SELECT {POLICY_COLUMNS}, \
         (SELECT b.geojson FROM boundaries b WHERE b.org_unit IN ($6, $7) \
          ORDER BY LENGTH(b.org_unit) DESC LIMIT 1) AS outline {NEAREST}"
    );
    let raw: Option<RawPolicyWithOutline> = on_reader!(src, c => sqlx::query_as(&sql)
        .bind(&p0).bind(&p1).bind(&p2).bind(&p3).bind(&p4).bind(village.as_str()).bind(&township)
        .fetch_optional(&mut **c).await)?;
    raw.map(|r| Ok((PolicyRow::try_from(r.policy)?, r.outline)))
        .transpose()
}

/// Every policy that can apply inside `scope`: those on its ancestors and itself, and
/// those stored inside its subtree, in code order.
#[instrument(skip_all)]
pub async fn governing(db: &Db, scope: &DivisionCode) -> Result<Vec<PolicyRow>, sqlx::Error> {
    let [p0, p1, p2, p3, p4] = path_of(scope);
    let (low, high) = scope.subtree_bounds();
    let sql = format!(
        "SELECT {POLICY_COLUMNS} FROM policies WHERE org_unit IN ($1, $2, $3, $4, $5) \
         OR (org_unit >= $6 AND org_unit < $7) ORDER BY org_unit"
    );
    let raw: Vec<RawPolicy> = on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(&p0).bind(&p1).bind(&p2).bind(&p3).bind(&p4).bind(&low).bind(&high)
        .fetch_all(pool).await)?;
    typed(raw)
}

/// Policies stored on units inside `scope`'s subtree, in code order.
#[instrument(skip_all)]
pub async fn in_subtree(db: &Db, scope: &DivisionCode) -> Result<Vec<PolicyRow>, sqlx::Error> {
    let (low, high) = scope.subtree_bounds();
    let sql = format!(
        "SELECT {POLICY_COLUMNS} FROM policies WHERE org_unit >= $1 AND org_unit < $2 ORDER BY org_unit"
    );
    let raw: Vec<RawPolicy> =
        on_pool!(db, pool => sqlx::query_as(&sql).bind(&low).bind(&high).fetch_all(pool).await)?;
    typed(raw)
}

/// What a new policy is checked against, read inside the transaction that writes it.
#[derive(Debug, Clone)]
pub struct PolicyInputs {
    /// The template the policy is to use (its row locked), if it exists.
    pub template: Option<TemplateRow>,
    /// The policy stored on the unit until now.
    pub before: Option<PolicyRow>,
    /// The emergency active on the unit's path at `now`, the latest to end first.
    pub emergency: Option<Emergency>,
}

/// What a policy for `unit` would be checked against, read now (for a preview: nothing
/// is written, so nothing is locked).
#[instrument(skip_all)]
pub async fn inputs(
    db: &Db,
    unit: &DivisionCode,
    template_id: i64,
    now: i64,
) -> Result<PolicyInputs, sqlx::Error> {
    let template_sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = $1");
    let before_sql = format!("SELECT {POLICY_COLUMNS} FROM policies WHERE org_unit = $1");
    let [p0, p1, p2, p3, p4] = path_of(unit);
    let emergency_sql = format!(
        "SELECT {EMERGENCY_COLUMNS} FROM emergencies WHERE org_unit IN ($1, $2, $3, $4, $5) \
         AND starts_at <= $6 AND ends_at > $6 ORDER BY ends_at DESC, id DESC LIMIT 1"
    );
    on_pool!(db, pool => {
        let template = sqlx::query_as(&template_sql).bind(template_id).fetch_optional(pool).await?;
        let before: Option<RawPolicy> = sqlx::query_as(&before_sql).bind(unit.as_str()).fetch_optional(pool).await?;
        let emergency = sqlx::query_as(&emergency_sql)
            .bind(&p0).bind(&p1).bind(&p2).bind(&p3).bind(&p4).bind(now)
            .fetch_optional(pool).await?;
        Ok(PolicyInputs { template, before: before.map(PolicyRow::try_from).transpose()?, emergency })
    })
}

/// Inserts or replaces the policy of `unit` as `decide` says, given what it is checked
/// against as it stands in the same transaction (the template's row is locked, so a
/// concurrent change of the template waits for this one, and the other way round).
#[instrument(skip_all)]
pub async fn put<E: Send>(
    db: &Db,
    unit: &DivisionCode,
    template_id: i64,
    now: i64,
    decide: impl FnOnce(&PolicyInputs) -> Result<(PolicyRow, audit::Entry), E> + Send,
) -> Result<PolicyRow, ChangeError<E>> {
    const UPSERT: &str = "INSERT INTO policies (org_unit, period_kind, due_offset_days, grace_days, lock_days, \
         template_id, budget_minutes, time_zone, emergency_id, kind_after_emergency, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (org_unit) DO UPDATE SET period_kind = excluded.period_kind, \
         due_offset_days = excluded.due_offset_days, grace_days = excluded.grace_days, \
         lock_days = excluded.lock_days, template_id = excluded.template_id, \
         budget_minutes = excluded.budget_minutes, time_zone = excluded.time_zone, \
         emergency_id = excluded.emergency_id, kind_after_emergency = excluded.kind_after_emergency, \
         updated_at = excluded.updated_at";
    let before_sql = format!("SELECT {POLICY_COLUMNS} FROM policies WHERE org_unit = $1");
    let [p0, p1, p2, p3, p4] = path_of(unit);
    let emergency_sql = format!(
        "SELECT {EMERGENCY_COLUMNS} FROM emergencies WHERE org_unit IN ($1, $2, $3, $4, $5) \
         AND starts_at <= $6 AND ends_at > $6 ORDER BY ends_at DESC, id DESC LIMIT 1"
    );
    on_pool!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let template_sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = $1{}", for_update(pool));
        let template = sqlx::query_as(&template_sql).bind(template_id).fetch_optional(&mut *tx).await?;
        let before: Option<RawPolicy> = sqlx::query_as(&before_sql).bind(unit.as_str()).fetch_optional(&mut *tx).await?;
        let emergency = sqlx::query_as(&emergency_sql)
            .bind(&p0).bind(&p1).bind(&p2).bind(&p3).bind(&p4).bind(now)
            .fetch_optional(&mut *tx).await?;
        let inputs = PolicyInputs { template, before: before.map(PolicyRow::try_from).transpose()?, emergency };
        let (row, entry) = decide(&inputs).map_err(ChangeError::Refused)?;
        sqlx::query(UPSERT)
            .bind(&row.org_unit).bind(row.period_kind.as_str()).bind(i64::from(row.due_offset_days))
            .bind(i64::from(row.grace_days)).bind(i64::from(row.lock_days)).bind(row.template_id)
            .bind(i64::from(row.budget_minutes)).bind(&row.time_zone).bind(row.emergency_id)
            .bind(row.kind_after_emergency.map(PeriodKind::as_str)).bind(row.updated_at)
            .execute(&mut *tx).await?;
        audit::insert(&entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    })
}

#[instrument(skip_all)]
pub async fn emergency(db: &Db, id: i64) -> Result<Option<Emergency>, sqlx::Error> {
    let sql = format!("SELECT {EMERGENCY_COLUMNS} FROM emergencies WHERE id = $1");
    on_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)
}

/// The emergencies with these ids (for resolving many policies at once).
#[instrument(skip_all, fields(ids = ids.len()))]
pub async fn emergencies_by_id(db: &Db, ids: &[i64]) -> Result<Vec<Emergency>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = super::id_list(ids);
    let sql = format!("SELECT {EMERGENCY_COLUMNS} FROM emergencies WHERE id IN ({list})");
    on_pool!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await)
}

/// Emergencies declared on units inside `scope`'s subtree, newest first.
#[instrument(skip_all)]
pub async fn emergencies_in(
    db: &Db,
    scope: &DivisionCode,
    limit: u32,
) -> Result<Vec<Emergency>, sqlx::Error> {
    let (low, high) = scope.subtree_bounds();
    let sql = format!(
        "SELECT {EMERGENCY_COLUMNS} FROM emergencies WHERE org_unit >= $1 AND org_unit < $2 ORDER BY id DESC LIMIT $3"
    );
    on_pool!(db, pool => sqlx::query_as(&sql).bind(&low).bind(&high).bind(i64::from(limit)).fetch_all(pool).await)
}

/// An emergency about to be declared.
#[derive(Debug, Clone)]
pub struct NewEmergency<'a> {
    pub org_unit: &'a str,
    pub reason: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_by: Option<i64>,
}

#[instrument(skip_all)]
pub async fn create_emergency(
    db: &Db,
    new: &NewEmergency<'_>,
    mut entry: audit::Entry,
) -> Result<Emergency, sqlx::Error> {
    let sql = format!(
        "INSERT INTO emergencies (org_unit, reason, starts_at, ends_at, created_by) VALUES ($1, $2, $3, $4, $5) \
         RETURNING {EMERGENCY_COLUMNS}"
    );
    on_pool!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let row: Emergency = sqlx::query_as(&sql)
            .bind(new.org_unit).bind(new.reason).bind(new.starts_at).bind(new.ends_at).bind(new.created_by)
            .fetch_one(&mut *tx).await?;
        entry.target = format!("emergency:{}", row.id);
        entry.after = serde_json::to_string(&row).ok();
        audit::insert(&entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    })
}

/// Ends emergency `id` at `at` if it is still running (a later end is kept as it is), with
/// its audit entry; `None` when there is no such emergency.
#[instrument(skip_all)]
pub async fn end_emergency(
    db: &Db,
    id: i64,
    at: i64,
    mut entry: audit::Entry,
) -> Result<Option<Emergency>, sqlx::Error> {
    let select = format!("SELECT {EMERGENCY_COLUMNS} FROM emergencies WHERE id = $1");
    on_pool!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let locked = format!("{select}{}", for_update(pool));
        let Some(before): Option<Emergency> = sqlx::query_as(&locked).bind(id).fetch_optional(&mut *tx).await? else {
            return Ok(None);
        };
        if before.ends_at <= at {
            return Ok(Some(before));
        }
        let ends_at = at.max(before.starts_at + 1);
        sqlx::query("UPDATE emergencies SET ends_at = $1 WHERE id = $2").bind(ends_at).bind(id).execute(&mut *tx).await?;
        let after: Emergency = sqlx::query_as(&select).bind(id).fetch_one(&mut *tx).await?;
        entry.before = serde_json::to_string(&before).ok();
        entry.after = serde_json::to_string(&after).ok();
        audit::insert(&entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(after))
    })
}
