//! Storage of report templates. A change that must keep the policies using the template
//! within their budgets is decided inside the write transaction that makes it, from the
//! template and those policies as they stand then ([`change`]).

use super::data_needs::{DataNeed, NewDataNeed};
use super::page::Window;
use super::policies::{POLICY_COLUMNS, PolicyRow, RawPolicy};
use super::{BeginWrite, Db, audit, for_update, on_pool};
use jianfu_core::DivisionCode;
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

pub(crate) const TEMPLATE_COLUMNS: &str = "id, org_unit, name, fields, updated_at";

#[instrument(skip_all)]
pub async fn get(db: &Db, id: i64) -> Result<Option<TemplateRow>, sqlx::Error> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = $1");
    on_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)
}

/// Templates owned by units in `scope`'s subtree, by id, one keyset page.
#[instrument(skip_all)]
pub async fn in_subtree(
    db: &Db,
    scope: &DivisionCode,
    window: &Window<i64>,
) -> Result<Vec<TemplateRow>, sqlx::Error> {
    let (low, high) = scope.subtree_bounds();
    let sql = format!(
        "SELECT {TEMPLATE_COLUMNS} FROM templates WHERE org_unit >= $1 AND org_unit < $2 AND id > $3 \
         ORDER BY id LIMIT $4"
    );
    on_pool!(db, pool => sqlx::query_as(&sql).bind(&low).bind(&high).bind(window.after).bind(window.fetch()).fetch_all(pool).await)
}

/// The templates with these ids (for resolving many policies at once).
#[instrument(skip_all, fields(ids = ids.len()))]
pub async fn get_many(db: &Db, ids: &[i64]) -> Result<Vec<TemplateRow>, sqlx::Error> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let list = super::id_list(chunk);
        let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id IN ({list})");
        let rows: Vec<TemplateRow> =
            on_pool!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await)?;
        found.extend(rows);
    }
    Ok(found)
}

#[instrument(skip_all)]
pub async fn create(
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
        let mut tx = pool.begin_write().await?;
        let row: TemplateRow = sqlx::query_as(&sql)
            .bind(org_unit).bind(name).bind(fields).bind(entry.at)
            .fetch_one(&mut *tx).await?;
        entry.target = format!("template:{}", row.id);
        audit::insert(&entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    })
}

/// What a change of a template writes, decided from the template and the policies using
/// it as they stand inside the write transaction.
#[derive(Debug, Clone)]
pub struct TemplateChange {
    /// The new name and fields (JSON), or `None` to leave the template as it is.
    pub rewrite: Option<(String, String)>,
    /// A data need recorded with the change.
    pub need: Option<NewDataNeed>,
    pub entry: audit::Entry,
}

/// A change refused by the caller's decision, or impossible.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError<E> {
    #[error("no such row")]
    NotFound,
    #[error("refused")]
    Refused(E),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Changes template `id` as `decide` says, given the template and every policy that uses
/// it, read in the same transaction that writes (the template's row is locked), so a
/// budget checked by `decide` still holds when the change commits.
#[instrument(skip_all)]
pub async fn change<E: Send>(
    db: &Db,
    id: i64,
    decide: impl FnOnce(&TemplateRow, &[PolicyRow]) -> Result<TemplateChange, E> + Send,
) -> Result<(TemplateRow, Option<DataNeed>), ChangeError<E>> {
    let using =
        format!("SELECT {POLICY_COLUMNS} FROM policies WHERE template_id = $1 ORDER BY org_unit");
    let update = format!(
        "UPDATE templates SET name = $1, fields = $2, updated_at = $3 WHERE id = $4 RETURNING {TEMPLATE_COLUMNS}"
    );
    on_pool!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let select = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = $1{}", for_update(pool));
        let Some(row): Option<TemplateRow> = sqlx::query_as(&select).bind(id).fetch_optional(&mut *tx).await? else {
            return Err(ChangeError::NotFound);
        };
        let raw: Vec<RawPolicy> = sqlx::query_as(&using).bind(id).fetch_all(&mut *tx).await?;
        let policies = raw.into_iter().map(PolicyRow::try_from).collect::<Result<Vec<_>, _>>()?;
        let change = decide(&row, &policies).map_err(ChangeError::Refused)?;
        let row = match &change.rewrite {
            Some((name, fields)) => sqlx::query_as(&update)
                .bind(name).bind(fields).bind(change.entry.at).bind(id)
                .fetch_one(&mut *tx).await?,
            None => row,
        };
        let need = match &change.need {
            Some(need) => Some(need.insert().fetch_one(&mut *tx).await?),
            None => None,
        };
        audit::insert(&change.entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok((row, need))
    })
}
