//! The village boundary as the browser reads it: a lean GeoJSON reader (no serde derive,
//! no geojson crate) for what `Boundary::from_geojson_value` accepts — a Polygon or
//! MultiPolygon geometry, a Feature holding one, or a FeatureCollection of exactly one
//! such Feature — handing the polygons to core's own `Boundary::new`, which checks them.
//! The geojson crate's deserialisers were a tenth of the module.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use jianfu_core::Boundary;
use serde_json::Value;

/// The boundary in a GeoJSON value, or why it is not one.
pub fn read(value: &Value) -> Result<Boundary, String> {
    let geometry = match value["type"].as_str() {
        Some("Feature") => &value["geometry"],
        Some("FeatureCollection") => match value["features"].as_array().map(Vec::as_slice) {
            Some([feature]) => &feature["geometry"],
            Some(features) => {
                return Err(format!(
                    "a feature collection must hold exactly one feature, not {}",
                    features.len()
                ));
            }
            None => return Err("a feature collection without features".to_owned()),
        },
        _ => value,
    };
    if geometry.is_null() {
        return Err("the feature has no geometry".to_owned());
    }
    let coordinates = &geometry["coordinates"];
    let polygons = match geometry["type"].as_str() {
        Some("Polygon") => vec![polygon(coordinates)?],
        Some("MultiPolygon") => items(coordinates, "polygons")?
            .iter()
            .map(polygon)
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(format!("expected a Polygon or MultiPolygon, not a {other}")),
        None => return Err("not a GeoJSON geometry".to_owned()),
    };
    Boundary::new(MultiPolygon::new(polygons)).map_err(|e| e.to_string())
}

fn items<'v>(value: &'v Value, what: &str) -> Result<&'v Vec<Value>, String> {
    value
        .as_array()
        .ok_or_else(|| format!("the {what} are not a list"))
}

fn polygon(value: &Value) -> Result<Polygon<f64>, String> {
    let mut rings = items(value, "rings")?.iter().map(ring);
    let exterior = rings.next().ok_or("a polygon without a ring")??;
    Ok(Polygon::new(exterior, rings.collect::<Result<_, _>>()?))
}

fn ring(value: &Value) -> Result<LineString<f64>, String> {
    items(value, "positions")?
        .iter()
        .map(|position| match position.as_array().map(Vec::as_slice) {
            Some([x, y, ..]) => match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => Ok(Coord { x, y }),
                _ => Err("a position is not two numbers".to_owned()),
            },
            _ => Err("a position is not a list of two or three numbers".to_owned()),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(LineString::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The lean reader agrees with core's geojson-based reader, accepting and refusing alike.
    #[test]
    fn reads_what_core_reads() {
        let square = json!([[
            [116.40, 37.60],
            [116.41, 37.60],
            [116.41, 37.61],
            [116.40, 37.61],
            [116.40, 37.60]
        ]]);
        let geometry = json!({ "type": "Polygon", "coordinates": square });
        let cases = [
            geometry.clone(),
            json!({ "type": "MultiPolygon", "coordinates": [square, square] }),
            json!({ "type": "Feature", "properties": {}, "geometry": geometry }),
            json!({ "type": "FeatureCollection", "features": [{ "type": "Feature", "properties": null, "geometry": geometry }] }),
            json!({ "type": "FeatureCollection", "features": [] }),
            json!({ "type": "Feature", "properties": {}, "geometry": null }),
            json!({ "type": "Point", "coordinates": [116.4, 37.6] }),
            json!({ "type": "Polygon", "coordinates": [[[116.4, 37.6], [116.41, 37.6], [116.4, 37.6]]] }),
            json!({ "type": "Polygon", "coordinates": [[[216.4, 37.6], [116.41, 37.6], [116.41, 37.61], [216.4, 37.6]]] }),
        ];
        for case in cases {
            let by_core = Boundary::from_geojson_value(case.clone()).ok();
            assert_eq!(read(&case).ok(), by_core, "{case}");
        }
    }
}
