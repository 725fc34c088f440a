//! Village and township outlines (R7): geotags outside one plus a buffer are refused.

use super::{Actor, Error, Result, Services, parse_code};
use crate::db::{boundaries, org_units};
use jianfu_core::geofence::Boundary;
use jianfu_core::{Level, Problem, Role};
use serde_json::{Value, json};

/// Set the outline of a village or township (admins): GeoJSON Polygon, MultiPolygon,
/// Feature or FeatureCollection, stored normalised.
pub async fn put(s: &Services, actor: &Actor, code: &str, geojson: &Value) -> Result<()> {
    actor.require_role(&[Role::Admin])?;
    let unit = parse_code(code, "code")?;
    actor.require_scope(&unit)?;
    if !matches!(unit.level(), Level::Village | Level::Township) {
        return Err(Error::invalid(Problem::error(
            "not_a_village_or_township",
            "code",
            "只有村和乡镇可以设置边界",
            "only villages and townships have boundaries",
            json!({ "field": "code", "level": unit.level() }),
        )));
    }
    if org_units::get(&s.db, &unit).await?.is_none() {
        return Err(Error::OrgUnitNotFound(unit));
    }
    let boundary = Boundary::from_geojson(&geojson.to_string())
        .map_err(|e| Error::invalid_boundary(e.to_problem("geojson")))?;
    let entry = super::audit::entry(
        s,
        actor,
        "boundaries.put",
        unit.as_str(),
        format!("boundary:{unit}"),
    );
    boundaries::put(&s.db, unit.as_str(), &boundary.to_geojson(), entry).await?;
    s.contexts.invalidate();
    Ok(())
}

/// The stored outline of a unit as GeoJSON (anyone in scope; a cadre may also read the
/// outline of their village's township).
pub async fn get(s: &Services, actor: &Actor, code: &str) -> Result<Value> {
    let unit = parse_code(code, "code")?;
    if !(actor.role == Role::Cadre && unit.contains(&actor.unit)) {
        actor.require_scope(&unit)?;
    }
    let text = boundaries::get(&s.db, unit.as_str())
        .await?
        .ok_or(Error::NoBoundary(unit))?;
    serde_json::from_str(&text).map_err(Error::internal)
}
