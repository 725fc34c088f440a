//! Storage of the administrative tree: reads by code, children by keyset pages, and the
//! one-transaction bulk write behind every import.

use super::page::Window;
use super::{BeginWrite, Db, audit, on_pool};
use jianfu_core::{DivisionCode, DivisionRow, Level};
use serde::Serialize;
use sqlx::{FromRow, QueryBuilder};
use std::collections::HashMap;
use tracing::instrument;

/// One unit as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct OrgUnit {
    /// Significant-digit division code: 2, 4, 6, 9 or 12 digits.
    pub code: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub level: Level,
    pub parent_code: Option<String>,
}

const COLUMNS: &str = "code, name, level, parent_code";

/// Rows per statement in bulk reads and writes: under SQLite's 32,766 bound parameters.
const BATCH: usize = 5_000;

#[instrument(skip_all)]
pub async fn get(db: &Db, code: &DivisionCode) -> Result<Option<OrgUnit>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM org_units WHERE code = $1");
    on_pool!(db, pool => sqlx::query_as(&sql).bind(code.as_str()).fetch_optional(pool).await)
}

/// The stored units among `codes`, in code order.
#[instrument(skip_all, fields(codes = codes.len()))]
pub async fn get_many(db: &Db, codes: &[&str]) -> Result<Vec<OrgUnit>, sqlx::Error> {
    let mut found: Vec<OrgUnit> = Vec::with_capacity(codes.len());
    for chunk in codes.chunks(BATCH) {
        let sql = format!("SELECT {COLUMNS} FROM org_units WHERE code IN (");
        let rows: Vec<OrgUnit> = on_pool!(db, pool => {
            let mut query = QueryBuilder::new(&sql);
            let mut list = query.separated(", ");
            for code in chunk {
                list.push_bind(*code);
            }
            query.push(")");
            query.build_query_as().fetch_all(pool).await
        })?;
        found.extend(rows);
    }
    found.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(found)
}

/// The villages inside `scope` whose name is one of `names`, in code order.
#[instrument(skip_all, fields(names = names.len()))]
pub async fn villages_named(
    db: &Db,
    scope: &DivisionCode,
    names: &[&str],
) -> Result<Vec<OrgUnit>, sqlx::Error> {
    let (low, high) = scope.subtree_bounds();
    let mut found: Vec<OrgUnit> = Vec::new();
    for chunk in names.chunks(BATCH) {
        let sql = format!("SELECT {COLUMNS} FROM org_units WHERE level = 'village' AND code >= ");
        let rows: Vec<OrgUnit> = on_pool!(db, pool => {
            let mut query = QueryBuilder::new(&sql);
            query.push_bind(&low).push(" AND code < ").push_bind(&high).push(" AND name IN (");
            let mut list = query.separated(", ");
            for name in chunk {
                list.push_bind(*name);
            }
            query.push(")");
            query.build_query_as().fetch_all(pool).await
        })?;
        found.extend(rows);
    }
    found.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(found)
}

/// Children of `parent` in code order, one keyset page (`after` is a code, or empty).
#[instrument(skip_all)]
pub async fn children(
    db: &Db,
    parent: &DivisionCode,
    window: &Window<String>,
) -> Result<Vec<OrgUnit>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM org_units WHERE parent_code = $1 AND code > $2 ORDER BY code LIMIT $3"
    );
    on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(parent.as_str())
        .bind(window.after.as_str())
        .bind(window.fetch())
        .fetch_all(pool)
        .await)
}

/// From this many codes on, [`names_of`] reads the whole table once instead of looking the
/// codes up in batches: a province or national import asks about most of the table anyway.
const SCAN_FROM: usize = 20_000;

/// Stored names of the given codes (missing codes are absent from the map).
#[instrument(skip_all, fields(codes = codes.len()))]
pub async fn names_of(db: &Db, codes: &[&str]) -> Result<HashMap<String, String>, sqlx::Error> {
    if codes.len() < SCAN_FROM {
        return Ok(get_many(db, codes)
            .await?
            .into_iter()
            .map(|u| (u.code, u.name))
            .collect());
    }
    let wanted: std::collections::HashSet<&str> = codes.iter().copied().collect();
    let all: Vec<(String, String)> = on_pool!(db, pool => sqlx::query_as("SELECT code, name FROM org_units").fetch_all(pool).await)?;
    Ok(all
        .into_iter()
        .filter(|(code, _)| wanted.contains(code.as_str()))
        .collect())
}

/// What an import will write: new units (parents before children) and renamed ones.
#[derive(Debug, Default)]
pub struct ImportWrite {
    pub inserts: Vec<DivisionRow>,
    pub renames: Vec<DivisionRow>,
}

/// Writes `write` and its audit entry in one transaction: all of it or nothing.
#[instrument(skip_all, fields(inserts = write.inserts.len(), renames = write.renames.len()))]
pub async fn apply_import(
    db: &Db,
    write: &ImportWrite,
    entry: &audit::Entry,
) -> Result<(), sqlx::Error> {
    match db {
        Db::Sqlite(pool) => {
            let mut tx = pool.begin_write().await?;
            for chunk in write.inserts.chunks(BATCH) {
                let mut query =
                    QueryBuilder::new("INSERT INTO org_units (code, name, level, parent_code) ");
                query.push_values(chunk, |mut row, unit| {
                    row.push_bind(unit.code.as_str())
                        .push_bind(unit.name.as_str())
                        .push_bind(unit.level.as_str())
                        .push_bind(unit.parent().map(String::from));
                });
                query.build().execute(&mut *tx).await?;
            }
            for unit in &write.renames {
                rename(unit).execute(&mut *tx).await?;
            }
            audit::insert(entry).execute(&mut *tx).await?;
            tx.commit().await
        }
        // PostgreSQL takes whole columns as arrays: one round trip per batch, no SQL building.
        Db::Postgres(pool) => {
            let mut tx = pool.begin_write().await?;
            for chunk in write.inserts.chunks(BATCH * 4) {
                let codes: Vec<&str> = chunk.iter().map(|u| u.code.as_str()).collect();
                let names: Vec<&str> = chunk.iter().map(|u| u.name.as_str()).collect();
                let levels: Vec<&str> = chunk.iter().map(|u| u.level.as_str()).collect();
                let parents: Vec<Option<String>> =
                    chunk.iter().map(|u| u.parent().map(String::from)).collect();
                sqlx::query(
                    "INSERT INTO org_units (code, name, level, parent_code) \
                     SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[])",
                )
                .bind(&codes)
                .bind(&names)
                .bind(&levels)
                .bind(&parents)
                .execute(&mut *tx)
                .await?;
            }
            for unit in &write.renames {
                rename(unit).execute(&mut *tx).await?;
            }
            audit::insert(entry).execute(&mut *tx).await?;
            tx.commit().await
        }
    }
}

fn rename<'q, DB>(
    unit: &'q DivisionRow,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("UPDATE org_units SET name = $1 WHERE code = $2")
        .bind(unit.name.as_str())
        .bind(unit.code.as_str())
}
