//! Storage of village and township outlines (GeoJSON text, already checked and normalised).

use super::{BeginWrite, Db, audit, on_pool};
use tracing::instrument;

/// The outline stored on exactly `unit`.
#[instrument(skip_all)]
pub async fn get(db: &Db, unit: &str) -> Result<Option<String>, sqlx::Error> {
    const SQL: &str = "SELECT geojson FROM boundaries WHERE org_unit = $1";
    on_pool!(db, pool => sqlx::query_scalar(SQL).bind(unit).fetch_optional(pool).await)
}

/// Stores the outline of `unit`; the audit entry records the one it replaces, read in the
/// same transaction.
#[instrument(skip_all)]
pub async fn put(
    db: &Db,
    unit: &str,
    geojson: &str,
    mut entry: audit::Entry,
) -> Result<(), sqlx::Error> {
    const BEFORE: &str = "SELECT geojson FROM boundaries WHERE org_unit = $1";
    const UPSERT: &str = "INSERT INTO boundaries (org_unit, geojson, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (org_unit) DO UPDATE SET geojson = excluded.geojson, updated_at = excluded.updated_at";
    on_pool!(db, pool => {
        let mut tx = pool.begin_write().await?;
        entry.before = sqlx::query_scalar(BEFORE).bind(unit).fetch_optional(&mut *tx).await?;
        entry.after = Some(geojson.to_owned());
        sqlx::query(UPSERT).bind(unit).bind(geojson).bind(entry.at).execute(&mut *tx).await?;
        audit::insert(&entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    })
}
