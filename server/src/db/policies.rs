//! Storage of what cadres report and how often: templates, policies (inherited down the
//! tree), emergencies, boundaries and data needs. Every change is written in one
//! transaction with its audit entry.

use super::{Db, audit, on_pool};
use jianfu_core::DivisionCode;
use serde::Serialize;
use sqlx::FromRow;
use tracing::instrument;

/// A template as stored; `fields` is the JSON of `jianfu_core::template::Template::fields`.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct TemplateRow {
    pub id: i64,
    pub org_unit: String,
    pub name: String,
    pub fields: String,
    pub updated_at: i64,
}

/// A policy row as stored (see the migration for the meaning of the emergency columns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct PolicyRow {
    pub org_unit: String,
    pub period_kind: String,
    pub due_offset_days: i64,
    pub grace_days: i64,
    pub lock_days: i64,
    pub template_id: i64,
    pub budget_minutes: i64,
    pub time_zone: String,
    pub emergency_id: Option<i64>,
    pub kind_after_emergency: Option<String>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow, utoipa::ToSchema)]
pub struct Emergency {
    pub id: i64,
    #[schema(example = "130928")]
    pub org_unit: String,
    #[schema(example = "暴雨防汛")]
    pub reason: String,
    /// Unix seconds.
    pub starts_at: i64,
    /// Unix seconds; the emergency is over from this instant on, by itself.
    pub ends_at: i64,
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow, utoipa::ToSchema)]
pub struct DataNeed {
    pub id: i64,
    pub org_unit: String,
    #[schema(example = "民政局")]
    pub department: String,
    pub label_zh: String,
    pub label_en: String,
    pub concept: Option<String>,
    pub template_id: i64,
    /// The template field that answers the need.
    pub field_key: String,
    /// `linked` to a field that already asked this, or `added` as a new field.
    #[schema(example = "linked")]
    pub resolution: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

const TEMPLATE_COLUMNS: &str = "id, org_unit, name, fields, updated_at";
const POLICY_COLUMNS: &str = "org_unit, period_kind, due_offset_days, grace_days, lock_days, template_id, \
     budget_minutes, time_zone, emergency_id, kind_after_emergency, updated_at";
const EMERGENCY_COLUMNS: &str = "id, org_unit, reason, starts_at, ends_at, created_by";
const DATA_NEED_COLUMNS: &str = "id, org_unit, department, label_zh, label_en, concept, template_id, \
     field_key, resolution, created_by, created_at";

#[instrument(skip_all)]
pub async fn template(db: &Db, id: i64) -> Result<Option<TemplateRow>, sqlx::Error> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = $1");
    on_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)
}

/// Templates owned by units in `scope`'s subtree, by id.
#[instrument(skip_all)]
pub async fn templates_in(
    db: &Db,
    scope: &DivisionCode,
    after: i64,
    limit: u32,
) -> Result<Vec<TemplateRow>, sqlx::Error> {
    let (low, high) = scope.subtree_bounds();
    let sql = format!(
        "SELECT {TEMPLATE_COLUMNS} FROM templates WHERE org_unit >= $1 AND org_unit < $2 AND id > $3 \
         ORDER BY id LIMIT $4"
    );
    on_pool!(db, pool => sqlx::query_as(&sql).bind(&low).bind(&high).bind(after).bind(i64::from(limit)).fetch_all(pool).await)
}

#[instrument(skip_all)]
pub async fn create_template(
    db: &Db,
    org_unit: &str,
    name: &str,
    fields: &str,
    mut entry: audit::Entry,
) -> Result<TemplateRow, sqlx::Error> {
    let sql = format!(
        "INSERT INTO templates (org_unit, name, fields, updated_at) VALUES ($1, $2, $3, $4) RETURNING {TEMPLATE_COLUMNS}"
    );
    on_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        let row: TemplateRow = sqlx::query_as(&sql)
            .bind(org_unit).bind(name).bind(fields).bind(entry.at)
            .fetch_one(&mut *tx).await?;
        entry.target = format!("template:{}", row.id);
        audit::insert(&entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    })
}

/// Replaces a template's name and fields, and records `need` (the data need that added a
/// field) in the same transaction.
#[instrument(skip_all)]
pub async fn update_template(
    db: &Db,
    id: i64,
    name: &str,
    fields: &str,
    entry: &audit::Entry,
    need: Option<&NewDataNeed>,
) -> Result<(TemplateRow, Option<DataNeed>), sqlx::Error> {
    let sql = format!(
        "UPDATE templates SET name = $1, fields = $2, updated_at = $3 WHERE id = $4 RETURNING {TEMPLATE_COLUMNS}"
    );
    on_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        let row: TemplateRow = sqlx::query_as(&sql)
            .bind(name).bind(fields).bind(entry.at).bind(id)
            .fetch_one(&mut *tx).await?;
        let stored = match need {
            Some(need) => Some(need.insert().fetch_one(&mut *tx).await?),
            None => None,
        };
        audit::insert(entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok((row, stored))
    })
}

/// The policy stored on exactly this unit.
#[instrument(skip_all)]
pub async fn policy_of(db: &Db, unit: &str) -> Result<Option<PolicyRow>, sqlx::Error> {
    let sql = format!("SELECT {POLICY_COLUMNS} FROM policies WHERE org_unit = $1");
    on_pool!(db, pool => sqlx::query_as(&sql).bind(unit).fetch_optional(pool).await)
}

/// The codes from the province down to `unit`, padded with empty strings (no code is
/// empty) to the five levels, for an `IN ($1, …, $5)` over the whole path.
fn path_of(unit: &DivisionCode) -> [String; 5] {
    let mut codes: [String; 5] = Default::default();
    for (slot, code) in codes.iter_mut().zip(unit.path()) {
        code.as_str().clone_into(slot);
    }
    codes
}

/// The nearest policy on the path from `unit` up to the province (nearest ancestor wins).
#[instrument(skip_all)]
pub async fn nearest_policy(
    db: &Db,
    unit: &DivisionCode,
) -> Result<Option<PolicyRow>, sqlx::Error> {
    let [p0, p1, p2, p3, p4] = path_of(unit);
    let sql = format!(
        "SELECT {POLICY_COLUMNS} FROM policies WHERE org_unit IN ($1, $2, $3, $4, $5) \
         ORDER BY LENGTH(org_unit) DESC LIMIT 1"
    );
    on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(&p0).bind(&p1).bind(&p2).bind(&p3).bind(&p4)
        .fetch_optional(pool).await)
}

/// Policies that use `template_id`, wherever they are.
#[instrument(skip_all)]
pub async fn policies_using(db: &Db, template_id: i64) -> Result<Vec<PolicyRow>, sqlx::Error> {
    let sql =
        format!("SELECT {POLICY_COLUMNS} FROM policies WHERE template_id = $1 ORDER BY org_unit");
    on_pool!(db, pool => sqlx::query_as(&sql).bind(template_id).fetch_all(pool).await)
}

/// Policies stored on units inside `scope`'s subtree, in code order.
#[instrument(skip_all)]
pub async fn policies_in(db: &Db, scope: &DivisionCode) -> Result<Vec<PolicyRow>, sqlx::Error> {
    let (low, high) = scope.subtree_bounds();
    let sql = format!(
        "SELECT {POLICY_COLUMNS} FROM policies WHERE org_unit >= $1 AND org_unit < $2 ORDER BY org_unit"
    );
    on_pool!(db, pool => sqlx::query_as(&sql).bind(&low).bind(&high).fetch_all(pool).await)
}

/// Inserts or replaces the policy of `row.org_unit`, with its audit entry.
#[instrument(skip_all)]
pub async fn put_policy(db: &Db, row: &PolicyRow, entry: &audit::Entry) -> Result<(), sqlx::Error> {
    const SQL: &str = "INSERT INTO policies (org_unit, period_kind, due_offset_days, grace_days, lock_days, \
         template_id, budget_minutes, time_zone, emergency_id, kind_after_emergency, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (org_unit) DO UPDATE SET period_kind = excluded.period_kind, \
         due_offset_days = excluded.due_offset_days, grace_days = excluded.grace_days, \
         lock_days = excluded.lock_days, template_id = excluded.template_id, \
         budget_minutes = excluded.budget_minutes, time_zone = excluded.time_zone, \
         emergency_id = excluded.emergency_id, kind_after_emergency = excluded.kind_after_emergency, \
         updated_at = excluded.updated_at";
    on_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        sqlx::query(SQL)
            .bind(&row.org_unit).bind(&row.period_kind).bind(row.due_offset_days)
            .bind(row.grace_days).bind(row.lock_days).bind(row.template_id)
            .bind(row.budget_minutes).bind(&row.time_zone).bind(row.emergency_id)
            .bind(row.kind_after_emergency.as_deref()).bind(row.updated_at)
            .execute(&mut *tx).await?;
        audit::insert(entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    })
}

#[instrument(skip_all)]
pub async fn emergency(db: &Db, id: i64) -> Result<Option<Emergency>, sqlx::Error> {
    let sql = format!("SELECT {EMERGENCY_COLUMNS} FROM emergencies WHERE id = $1");
    on_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)
}

/// The emergency active at `now` on `unit` or any of its ancestors, the latest to end first.
#[instrument(skip_all)]
pub async fn active_emergency(
    db: &Db,
    unit: &DivisionCode,
    now: i64,
) -> Result<Option<Emergency>, sqlx::Error> {
    let [p0, p1, p2, p3, p4] = path_of(unit);
    let sql = format!(
        "SELECT {EMERGENCY_COLUMNS} FROM emergencies WHERE org_unit IN ($1, $2, $3, $4, $5) \
         AND starts_at <= $6 AND ends_at > $6 ORDER BY ends_at DESC, id DESC LIMIT 1"
    );
    on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(&p0).bind(&p1).bind(&p2).bind(&p3).bind(&p4).bind(now)
        .fetch_optional(pool).await)
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

#[instrument(skip_all)]
pub async fn create_emergency(
    db: &Db,
    org_unit: &str,
    reason: &str,
    starts_at: i64,
    ends_at: i64,
    created_by: Option<i64>,
    mut entry: audit::Entry,
) -> Result<Emergency, sqlx::Error> {
    let sql = format!(
        "INSERT INTO emergencies (org_unit, reason, starts_at, ends_at, created_by) VALUES ($1, $2, $3, $4, $5) \
         RETURNING {EMERGENCY_COLUMNS}"
    );
    on_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        let row: Emergency = sqlx::query_as(&sql)
            .bind(org_unit).bind(reason).bind(starts_at).bind(ends_at).bind(created_by)
            .fetch_one(&mut *tx).await?;
        entry.target = format!("emergency:{}", row.id);
        entry.after = serde_json::to_string(&row).ok();
        audit::insert(&entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    })
}

/// The boundary of `unit` as GeoJSON text, if one is stored.
#[instrument(skip_all)]
pub async fn boundary(db: &Db, unit: &str) -> Result<Option<String>, sqlx::Error> {
    const SQL: &str = "SELECT geojson FROM boundaries WHERE org_unit = $1";
    on_pool!(db, pool => sqlx::query_scalar(SQL).bind(unit).fetch_optional(pool).await)
}

#[instrument(skip_all)]
pub async fn put_boundary(
    db: &Db,
    unit: &str,
    geojson: &str,
    entry: &audit::Entry,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "INSERT INTO boundaries (org_unit, geojson, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (org_unit) DO UPDATE SET geojson = excluded.geojson, updated_at = excluded.updated_at";
    on_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        sqlx::query(SQL).bind(unit).bind(geojson).bind(entry.at).execute(&mut *tx).await?;
        audit::insert(entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    })
}

/// A data need about to be stored.
#[derive(Debug, Clone)]
pub struct NewDataNeed {
    pub org_unit: String,
    pub department: String,
    pub label_zh: String,
    pub label_en: String,
    pub concept: Option<String>,
    pub template_id: i64,
    pub field_key: String,
    pub resolution: &'static str,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

const INSERT_NEED: &str = "INSERT INTO data_needs (org_unit, department, label_zh, label_en, concept, \
     template_id, field_key, resolution, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
     RETURNING id, org_unit, department, label_zh, label_en, concept, template_id, field_key, resolution, \
     created_by, created_at";

impl NewDataNeed {
    /// The INSERT of this need, returning it as stored, for the caller's transaction.
    fn insert<'q, DB>(
        &'q self,
    ) -> sqlx::query::QueryAs<'q, DB, DataNeed, <DB as sqlx::Database>::Arguments<'q>>
    where
        DB: sqlx::Database,
        DataNeed: for<'r> FromRow<'r, DB::Row>,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        sqlx::query_as(INSERT_NEED)
            .bind(self.org_unit.as_str())
            .bind(self.department.as_str())
            .bind(self.label_zh.as_str())
            .bind(self.label_en.as_str())
            .bind(self.concept.as_deref())
            .bind(self.template_id)
            .bind(self.field_key.as_str())
            .bind(self.resolution)
            .bind(self.created_by)
            .bind(self.created_at)
    }
}

/// Records a need linked to an existing field (the template is unchanged).
#[instrument(skip_all)]
pub async fn link_data_need(
    db: &Db,
    need: &NewDataNeed,
    entry: &audit::Entry,
) -> Result<DataNeed, sqlx::Error> {
    on_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        let stored = need.insert().fetch_one(&mut *tx).await?;
        audit::insert(entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(stored)
    })
}

/// Data needs registered on units inside `scope`'s subtree, by id.
#[instrument(skip_all)]
pub async fn data_needs_in(
    db: &Db,
    scope: &DivisionCode,
    after: i64,
    limit: u32,
) -> Result<Vec<DataNeed>, sqlx::Error> {
    let (low, high) = scope.subtree_bounds();
    let sql = format!(
        "SELECT {DATA_NEED_COLUMNS} FROM data_needs WHERE org_unit >= $1 AND org_unit < $2 AND id > $3 \
         ORDER BY id LIMIT $4"
    );
    on_pool!(db, pool => sqlx::query_as(&sql).bind(&low).bind(&high).bind(after).bind(i64::from(limit)).fetch_all(pool).await)
}
