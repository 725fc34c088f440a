//! Storage of departments' data needs. A need is recorded in the transaction that links
//! it to a template field or adds the field (`templates::change`).

use super::page::Window;
use super::{Db, on_pool};
use jianfu_core::DivisionCode;
use serde::Serialize;
use sqlx::FromRow;
use tracing::instrument;

/// How a need was answered: by a field the template already had (report once, R3), or by
/// a field added for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    Linked,
    Added,
}

impl Resolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Linked => "linked",
            Resolution::Added => "added",
        }
    }
}

impl TryFrom<String> for Resolution {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        match text.as_str() {
            "linked" => Ok(Resolution::Linked),
            "added" => Ok(Resolution::Added),
            _ => Err(format!("unknown data need resolution {text:?}")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct DataNeed {
    pub id: i64,
    pub org_unit: String,
    pub department: String,
    pub label_zh: String,
    pub label_en: String,
    pub concept: Option<String>,
    pub template_id: i64,
    /// The template field that answers the need.
    pub field_key: String,
    #[sqlx(try_from = "String")]
    pub resolution: Resolution,
    pub created_by: Option<i64>,
    pub created_at: i64,
    /// The department whose need it is.
    pub department_id: Option<i64>,
    /// The outcome category that answers the need (then `field_key` is empty).
    pub outcome_category: Option<String>,
}

const COLUMNS: &str = "id, org_unit, department, label_zh, label_en, concept, template_id, \
     field_key, resolution, created_by, created_at, department_id, outcome_category";

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
    pub resolution: Resolution,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub department_id: Option<i64>,
    pub outcome_category: Option<String>,
}

const INSERT: &str = "INSERT INTO data_needs (org_unit, department, label_zh, label_en, concept, \
     template_id, field_key, resolution, created_by, created_at, department_id, outcome_category) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
     RETURNING id, org_unit, department, label_zh, label_en, concept, template_id, field_key, resolution, \
     created_by, created_at, department_id, outcome_category";

impl NewDataNeed {
    /// The INSERT of this need, returning it as stored, for the caller's transaction.
    pub(crate) fn insert<'q, DB>(
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
        sqlx::query_as(INSERT)
            .bind(self.org_unit.as_str())
            .bind(self.department.as_str())
            .bind(self.label_zh.as_str())
            .bind(self.label_en.as_str())
            .bind(self.concept.as_deref())
            .bind(self.template_id)
            .bind(self.field_key.as_str())
            .bind(self.resolution.as_str())
            .bind(self.created_by)
            .bind(self.created_at)
            .bind(self.department_id)
            .bind(self.outcome_category.as_deref())
    }
}

/// Data needs registered on units inside `scope`'s subtree, by id, one keyset page.
#[instrument(skip_all)]
pub async fn in_subtree(
    db: &Db,
    scope: &DivisionCode,
    window: &Window<i64>,
) -> Result<Vec<DataNeed>, sqlx::Error> {
    let (low, high) = scope.subtree_bounds();
    let sql = format!(
        "SELECT {COLUMNS} FROM data_needs WHERE org_unit >= $1 AND org_unit < $2 AND id > $3 \
         ORDER BY id LIMIT $4"
    );
    on_pool!(db, pool => sqlx::query_as(&sql).bind(&low).bind(&high).bind(window.after).bind(window.fetch()).fetch_all(pool).await)
}
