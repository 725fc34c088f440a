//! Storage of departments (一表通): a department belongs to a unit and reviews its subtree;
//! reviewers belong to one. Creating one is audited in its own transaction; a unit's
//! organization department (`sees_everything`) is made on demand for its reviewers.

use super::page::Window;
use super::{BeginWrite, Db, audit, on_pool};
use jianfu_core::DivisionCode;
use serde::Serialize;
use sqlx::FromRow;
use tracing::instrument;

/// The name of a unit's organization department, made for its reviewers when none is named.
pub const ORGANIZATION_DEPARTMENT: &str = "组织部门";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Department {
    pub id: i64,
    /// The unit whose subtree the department reviews.
    pub org_unit: String,
    pub name: String,
    /// The organization department: sees whole reports.
    pub sees_everything: bool,
    pub created_at: i64,
}

const COLUMNS: &str = "id, org_unit, name, sees_everything, created_at";

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("the unit already has a department with this name")]
    NameTaken { existing: Box<Department> },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Stores a department with its audit entry; a name taken in the unit changes nothing.
#[instrument(skip_all)]
pub async fn create(
    db: &Db,
    org_unit: &str,
    name: &str,
    sees_everything: bool,
    mut entry: audit::Entry,
) -> Result<Department, CreateError> {
    let insert = format!(
        "INSERT INTO departments (org_unit, name, sees_everything, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_unit, name) DO NOTHING RETURNING {COLUMNS}"
    );
    let by_name = format!("SELECT {COLUMNS} FROM departments WHERE org_unit = $1 AND name = $2");
    on_pool!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let made: Option<Department> = sqlx::query_as(&insert)
            .bind(org_unit).bind(name).bind(sees_everything).bind(entry.at)
            .fetch_optional(&mut *tx).await?;
        let Some(made) = made else {
            let existing: Department = sqlx::query_as(&by_name).bind(org_unit).bind(name).fetch_one(&mut *tx).await?;
            return Err(CreateError::NameTaken { existing: Box::new(existing) });
        };
        entry.target = format!("department:{}", made.id);
        entry.after = serde_json::to_string(&made).ok();
        audit::insert(&entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(made)
    })
}

/// The organization department of `org_unit`, made if it has none yet (the one a reviewer
/// is put in when no department is named).
#[instrument(skip_all)]
pub async fn organization_of(db: &Db, org_unit: &str, at: i64) -> Result<Department, sqlx::Error> {
    let insert = "INSERT INTO departments (org_unit, name, sees_everything, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_unit, name) DO NOTHING";
    let select = format!("SELECT {COLUMNS} FROM departments WHERE org_unit = $1 AND name = $2");
    on_pool!(db, pool => {
        let mut tx = pool.begin_write().await?;
        sqlx::query(insert).bind(org_unit).bind(ORGANIZATION_DEPARTMENT).bind(true).bind(at)
            .execute(&mut *tx).await?;
        let department: Department = sqlx::query_as(&select).bind(org_unit).bind(ORGANIZATION_DEPARTMENT)
            .fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(department)
    })
}

#[instrument(skip_all)]
pub async fn get(db: &Db, id: i64) -> Result<Option<Department>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM departments WHERE id = $1");
    on_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)
}

/// Departments whose unit lies inside `scope`, by id, one keyset page.
#[instrument(skip_all)]
pub async fn in_subtree(
    db: &Db,
    scope: &DivisionCode,
    window: &Window<i64>,
) -> Result<Vec<Department>, sqlx::Error> {
    let (low, high) = scope.subtree_bounds();
    let sql = format!(
        "SELECT {COLUMNS} FROM departments WHERE org_unit >= $1 AND org_unit < $2 AND id > $3 \
         ORDER BY id LIMIT $4"
    );
    on_pool!(db, pool => sqlx::query_as(&sql).bind(&low).bind(&high).bind(window.after).bind(window.fetch()).fetch_all(pool).await)
}

/// What one of a department's needs makes visible: where (the need's unit), and a field
/// key or an outcome category.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Answer {
    pub org_unit: String,
    pub template_id: i64,
    pub field_key: String,
    pub outcome_category: Option<String>,
}

/// Every need of a department: what answers it and where.
#[instrument(skip_all)]
pub async fn answers(db: &Db, department_id: i64) -> Result<Vec<Answer>, sqlx::Error> {
    const SQL: &str = "SELECT org_unit, template_id, field_key, outcome_category FROM data_needs \
         WHERE department_id = $1 ORDER BY id";
    on_pool!(db, pool => sqlx::query_as(SQL).bind(department_id).fetch_all(pool).await)
}

/// Whose reviews make a status: the organization (every department that sees
/// everything, and reviews made before departments) shares one; any other department has
/// its own. As a bound parameter, the organization is `0` (ids start at 1).
pub const ORGANIZATION: i64 = 0;

/// Reviews `dv` of the reviewing body `{param}` (a department id, or [`ORGANIZATION`]).
fn by_body(param: &str) -> String {
    format!(
        "(dv.department_id = {param} OR ({param} = 0 AND (dv.department_id IS NULL OR \
          dv.department_id IN (SELECT o.id FROM departments o WHERE o.sees_everything))))"
    )
}

/// The latest review by `body` (a department id or [`ORGANIZATION`]) of each of
/// `report_ids`: `(report_id, revision, verdict)`.
#[instrument(skip_all, fields(reports = report_ids.len()))]
pub async fn latest_reviews(
    db: &Db,
    body: i64,
    report_ids: &[&str],
) -> Result<Vec<(String, i64, String)>, sqlx::Error> {
    if report_ids.is_empty() {
        return Ok(Vec::new());
    }
    on_pool!(db, pool => {
        let mut query = sqlx::QueryBuilder::new(
            "SELECT v.report_id, v.revision, v.verdict FROM reviews v WHERE v.id = \
             (SELECT MAX(dv.id) FROM reviews dv WHERE dv.report_id = v.report_id AND (dv.department_id = ",
        );
        query.push_bind(body).push(" OR (").push_bind(body).push(
            " = 0 AND (dv.department_id IS NULL OR \
             dv.department_id IN (SELECT o.id FROM departments o WHERE o.sees_everything))))) \
             AND v.report_id IN (",
        );
        let mut list = query.separated(", ");
        for id in report_ids {
            list.push_bind(*id);
        }
        query.push(")");
        query.build_query_as().fetch_all(pool).await
    })
}

/// A reviewing body's state of a report, as SQL over `r` (the report row) for a list
/// filter: `submitted` (not reviewed since the latest revision), `acknowledged`,
/// `needs_clarification`, or `revised` (revised since its question). `param` is the body
/// (a department id, or [`ORGANIZATION`]).
pub fn state_sql(param: &str) -> String {
    format!(
        "COALESCE((SELECT CASE WHEN dv.revision < r.revision THEN \
           (CASE WHEN dv.verdict = 'needs_clarification' THEN 'revised' ELSE 'submitted' END) \
           ELSE dv.verdict END FROM reviews dv WHERE dv.report_id = r.id AND {} \
           ORDER BY dv.id DESC LIMIT 1), 'submitted')",
        by_body(param)
    )
}

/// One data need on a template, with its department, for the burden ledger.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct NeedOnTemplate {
    pub department_id: Option<i64>,
    pub department: String,
    pub field_key: String,
    pub outcome_category: Option<String>,
    pub resolution: String,
}

/// Every data need registered on template `template_id`, oldest first.
#[instrument(skip_all)]
pub async fn needs_on_template(
    db: &Db,
    template_id: i64,
) -> Result<Vec<NeedOnTemplate>, sqlx::Error> {
    const SQL: &str = "SELECT n.department_id, COALESCE(d.name, n.department) AS department, n.field_key, \
         n.outcome_category, n.resolution FROM data_needs n LEFT JOIN departments d ON d.id = n.department_id \
         WHERE n.template_id = $1 ORDER BY n.id";
    on_pool!(db, pool => sqlx::query_as(SQL).bind(template_id).fetch_all(pool).await)
}
