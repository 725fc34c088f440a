//! R7: a geotag belongs to an outcome (the repaired road), never to a person. The phone
//! rounds it to [`GEOTAG_DECIMALS`] decimals (about 110 m) before it leaves the device, and
//! the server admits it only inside the village (or township) [`Boundary`] plus
//! [`BUFFER_METRES`].

use std::f64::consts::PI;

use geo::{Coord, Distance, Euclidean, MapCoords, MultiPolygon, Point, Polygon};
use geojson::{GeoJson, Geometry, GeometryValue};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::problem::Problem;

/// A geotag keeps this many decimals of a degree: 0.001° is about 110 m of latitude.
pub const GEOTAG_DECIMALS: i32 = 3;
/// How far outside the boundary a geotag is still admitted, in metres.
pub const BUFFER_METRES: f64 = 500.0;
/// A boundary has at most this many vertices (every ring's points, closing points included).
pub const MAX_BOUNDARY_VERTICES: usize = 10_000;
/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_METRES: f64 = 6_371_008.8;
/// How far a coordinate may sit from its rounded value and still count as rounded.
const ROUNDING_TOLERANCE: f64 = 1e-9;

/// A point in WGS 84 degrees, as the device sends it (already rounded to 3 decimals,
/// about 110 m): where an outcome is, never a person's track.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct Geotag {
    pub lat: f64,
    pub lon: f64,
}

impl Geotag {
    /// The geotag the device sends: both coordinates rounded to [`GEOTAG_DECIMALS`].
    pub fn rounded(lat: f64, lon: f64) -> Geotag {
        Geotag {
            lat: round_degrees(lat),
            lon: round_degrees(lon),
        }
    }

    /// Finite, latitude in −90..=90 and longitude in −180..=180.
    pub fn is_valid(&self) -> bool {
        self.lat.is_finite()
            && self.lon.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
    }

    /// Whether both coordinates already have at most [`GEOTAG_DECIMALS`] decimals
    /// (tolerant to the noise of binary floating point).
    pub fn is_rounded(&self) -> bool {
        let close = |x: f64| (x - round_degrees(x)).abs() <= ROUNDING_TOLERANCE;
        close(self.lat) && close(self.lon)
    }
}

fn round_degrees(x: f64) -> f64 {
    let scale = 10f64.powi(GEOTAG_DECIMALS);
    (x * scale).round() / scale
}

/// Why a boundary was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoundaryError {
    #[error("invalid boundary: {reason}")]
    Invalid { reason: String },
    #[error("the boundary has {actual} vertices; at most {max} are allowed")]
    TooManyVertices { actual: usize, max: usize },
}

impl BoundaryError {
    /// Stable machine-readable code: `invalid_boundary` or `too_many_vertices`.
    pub fn code(&self) -> &'static str {
        match self {
            BoundaryError::Invalid { .. } => "invalid_boundary",
            BoundaryError::TooManyVertices { .. } => "too_many_vertices",
        }
    }

    /// The same refusal as a [`Problem`] on `field`.
    pub fn to_problem(&self, field: &str) -> Problem {
        match self {
            BoundaryError::Invalid { reason } => Problem::error(
                self.code(),
                field,
                format!("边界无效：{reason}（须为 GeoJSON 的 Polygon 或 MultiPolygon）"),
                format!("{self} (it must be a GeoJSON Polygon or MultiPolygon)"),
                json!({ "reason": reason }),
            ),
            BoundaryError::TooManyVertices { actual, max } => Problem::error(
                self.code(),
                field,
                format!("边界有 {actual} 个顶点，最多允许 {max} 个，请先简化"),
                format!("{self}; simplify it first"),
                json!({ "actual": actual, "max": max }),
            ),
        }
    }

    fn invalid(reason: impl Into<String>) -> BoundaryError {
        BoundaryError::Invalid {
            reason: reason.into(),
        }
    }
}

/// A village (or township) area in WGS 84 degrees (x = longitude, y = latitude).
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    area: MultiPolygon<f64>,
}

impl Boundary {
    /// Checks the polygons: at least one, every ring closed with at least three corners,
    /// coordinates finite and in range, at most [`MAX_BOUNDARY_VERTICES`] vertices.
    pub fn new(area: MultiPolygon<f64>) -> Result<Boundary, BoundaryError> {
        let vertices: usize = area.iter().map(vertex_count).sum();
        if vertices > MAX_BOUNDARY_VERTICES {
            return Err(BoundaryError::TooManyVertices {
                actual: vertices,
                max: MAX_BOUNDARY_VERTICES,
            });
        }
        if area.0.is_empty() {
            return Err(BoundaryError::invalid("no polygon"));
        }
        for polygon in &area {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                // geo closes rings itself, so a triangle has four points.
                if ring.0.len() < 4 {
                    return Err(BoundaryError::invalid(
                        "a ring has fewer than three distinct points",
                    ));
                }
                let out_of_range = ring
                    .0
                    .iter()
                    .find(|c| !(Geotag { lat: c.y, lon: c.x }).is_valid());
                if let Some(c) = out_of_range {
                    return Err(BoundaryError::invalid(format!(
                        "coordinate [{}, {}] is not a longitude, latitude pair in range",
                        c.x, c.y
                    )));
                }
            }
        }
        Ok(Boundary { area })
    }

    /// Reads a GeoJSON Polygon or MultiPolygon geometry, a Feature holding one, or a
    /// FeatureCollection of exactly one such Feature.
    pub fn from_geojson(text: &str) -> Result<Boundary, BoundaryError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| BoundaryError::invalid(e.to_string()))?;
        Boundary::from_geojson_value(value)
    }

    /// Like [`Boundary::from_geojson`], from JSON already parsed (the browser module has it
    /// as a value; going through a value also keeps one JSON reader in the module).
    pub fn from_geojson_value(value: serde_json::Value) -> Result<Boundary, BoundaryError> {
        let parsed: GeoJson =
            serde_json::from_value(value).map_err(|e| BoundaryError::invalid(e.to_string()))?;
        let geometry = match parsed {
            GeoJson::Geometry(geometry) => geometry,
            GeoJson::Feature(feature) => feature
                .geometry
                .ok_or_else(|| BoundaryError::invalid("the feature has no geometry"))?,
            GeoJson::FeatureCollection(collection) => {
                let count = collection.features.len();
                let mut features = collection.features.into_iter();
                match (features.next(), count) {
                    (Some(feature), 1) => feature
                        .geometry
                        .ok_or_else(|| BoundaryError::invalid("the feature has no geometry"))?,
                    _ => {
                        return Err(BoundaryError::invalid(format!(
                            "a feature collection must hold exactly one feature, not {count}"
                        )));
                    }
                }
            }
        };
        let area = match &geometry.value {
            GeometryValue::Polygon { .. } => MultiPolygon::new(vec![
                Polygon::try_from(&geometry.value)
                    .map_err(|e| BoundaryError::invalid(e.to_string()))?,
            ]),
            GeometryValue::MultiPolygon { .. } => MultiPolygon::try_from(&geometry.value)
                .map_err(|e| BoundaryError::invalid(e.to_string()))?,
            other => {
                return Err(BoundaryError::invalid(format!(
                    "expected a Polygon or MultiPolygon, not a {}",
                    other.type_name()
                )));
            }
        };
        Boundary::new(area)
    }

    /// The boundary as a GeoJSON MultiPolygon geometry, for storing; reads back with
    /// [`Boundary::from_geojson`].
    pub fn to_geojson(&self) -> String {
        let geometry = Geometry::new(GeometryValue::from(&self.area));
        serde_json::to_string(&geometry).expect("finite coordinates always serialise")
    }

    /// The polygons, in degrees.
    pub fn area(&self) -> &MultiPolygon<f64> {
        &self.area
    }

    /// How many vertices the boundary has (closing points included).
    pub fn vertex_count(&self) -> usize {
        self.area.iter().map(vertex_count).sum()
    }

    /// Metres from the geotag to the nearest point of the boundary; 0 inside.
    ///
    /// The boundary is projected onto a plane tangent at the geotag (equirectangular,
    /// longitude scaled by the cosine of the geotag's latitude), where geo's Euclidean
    /// distance applies. Within a few kilometres, the scale of the buffer, the error is
    /// well below a metre; far away the figure is only approximate, yet still far above
    /// the buffer. An invalid geotag (see [`Geotag::is_valid`]) gives NaN.
    pub fn distance_metres(&self, tag: &Geotag) -> f64 {
        let metres_per_degree = EARTH_RADIUS_METRES * PI / 180.0;
        let x_scale = metres_per_degree * tag.lat.to_radians().cos();
        let projected = self.area.map_coords(|c| Coord {
            x: (c.x - tag.lon + 180.0).rem_euclid(360.0) - 180.0,
            y: c.y - tag.lat,
        });
        let projected = projected.map_coords(|c| Coord {
            x: c.x * x_scale,
            y: c.y * metres_per_degree,
        });
        Euclidean.distance(&Point::new(0.0, 0.0), &projected)
    }

    /// Whether the geotag lies inside the boundary or within [`BUFFER_METRES`] of it.
    pub fn admits(&self, tag: &Geotag) -> bool {
        self.distance_metres(tag) <= BUFFER_METRES
    }
}

fn vertex_count(polygon: &Polygon<f64>) -> usize {
    polygon.exterior().0.len() + polygon.interiors().iter().map(|r| r.0.len()).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// About 1.1 km × 1.1 km in 吴桥县, Hebei: 37.600..37.610 N, 116.400..116.4125 E.
    const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[116.4,37.6],[116.4125,37.6],[116.4125,37.61],[116.4,37.61],[116.4,37.6]]]}"#;

    fn square() -> Boundary {
        Boundary::from_geojson(SQUARE).unwrap()
    }

    /// Metres per 0.001° of latitude.
    const MILLI_DEGREE: f64 = 111.195;

    #[test]
    fn geofence_inside_is_zero() {
        let b = square();
        let tag = Geotag::rounded(37.605, 116.406);
        assert!(tag.is_rounded());
        assert!(b.distance_metres(&tag).abs() < f64::EPSILON);
        assert!(b.admits(&tag));
    }

    #[test]
    fn geofence_just_outside_within_buffer() {
        let b = square();
        // 0.004° south of the southern edge: about 445 m.
        let tag = Geotag::rounded(37.596, 116.406);
        let d = b.distance_metres(&tag);
        assert!((d - 4.0 * MILLI_DEGREE).abs() < 1.0, "{d}");
        assert!(b.admits(&tag));
        // East of the eastern edge by 0.0055° of longitude at 37.6°N: about 485 m.
        let east = Geotag {
            lat: 37.605,
            lon: 116.418,
        };
        let d = b.distance_metres(&east);
        let expected = 5.5 * MILLI_DEGREE * 37.605f64.to_radians().cos();
        assert!((d - expected).abs() < 1.0, "{d} vs {expected}");
        assert!(b.admits(&east));
    }

    #[test]
    fn geofence_two_km_outside_is_refused() {
        let b = square();
        let tag = Geotag::rounded(37.628, 116.406); // 0.018° north: about 2 km
        let d = b.distance_metres(&tag);
        assert!((d - 18.0 * MILLI_DEGREE).abs() < 2.0, "{d}");
        assert!(!b.admits(&tag));
        // Corner distance is diagonal, not the larger leg.
        let corner = Geotag {
            lat: 37.613,
            lon: 116.4165,
        };
        let d = b.distance_metres(&corner);
        let dy = 3.0 * MILLI_DEGREE;
        let dx = 4.0 * MILLI_DEGREE * 37.613f64.to_radians().cos();
        assert!((d - dx.hypot(dy)).abs() < 1.0, "{d}");
    }

    #[test]
    fn geofence_multipolygon_and_feature_forms() {
        let multi = r#"{"type":"Feature","properties":{"name":"两片村"},"geometry":{"type":"MultiPolygon","coordinates":[
            [[[116.4,37.6],[116.41,37.6],[116.41,37.61],[116.4,37.61],[116.4,37.6]]],
            [[[116.5,37.7],[116.51,37.7],[116.51,37.71],[116.5,37.71],[116.5,37.7]]]]}}"#;
        let b = Boundary::from_geojson(multi).unwrap();
        assert_eq!(b.area().0.len(), 2);
        assert_eq!(b.vertex_count(), 10);
        assert!(b.admits(&Geotag::rounded(37.705, 116.505)));
        assert!(b.admits(&Geotag::rounded(37.605, 116.405)));
        assert!(!b.admits(&Geotag::rounded(37.655, 116.455)));
        let collection = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":null,"geometry":{SQUARE}}}]}}"#
        );
        assert_eq!(Boundary::from_geojson(&collection).unwrap(), square());
        // Round trip through storage.
        assert_eq!(Boundary::from_geojson(&b.to_geojson()).unwrap(), b);
    }

    #[test]
    fn geofence_hole_is_outside() {
        let with_hole = r#"{"type":"Polygon","coordinates":[
            [[116.3,37.5],[116.5,37.5],[116.5,37.7],[116.3,37.7],[116.3,37.5]],
            [[116.35,37.55],[116.45,37.55],[116.45,37.65],[116.35,37.65],[116.35,37.55]]]}"#;
        let b = Boundary::from_geojson(with_hole).unwrap();
        let centre = Geotag::rounded(37.6, 116.4);
        assert!(
            (b.distance_metres(&centre) - 50.0 * MILLI_DEGREE * 37.6f64.to_radians().cos()).abs()
                < 5.0
        );
        assert!(!b.admits(&centre));
    }

    #[test]
    fn geofence_rounding() {
        let tag = Geotag::rounded(37.604_449, 116.406_500_1);
        assert_eq!(
            tag,
            Geotag {
                lat: 37.604,
                lon: 116.407
            }
        );
        assert!(tag.is_rounded());
        assert!(
            !Geotag {
                lat: 37.6044,
                lon: 116.406
            }
            .is_rounded()
        );
        assert!(
            Geotag {
                lat: 0.1 + 0.2,
                lon: -0.0
            }
            .is_rounded(),
            "float noise"
        );
        assert!(
            Geotag {
                lat: 90.0,
                lon: -180.0
            }
            .is_valid()
        );
        assert!(
            !Geotag {
                lat: 90.001,
                lon: 0.0
            }
            .is_valid()
        );
        assert!(
            !Geotag {
                lat: 0.0,
                lon: 180.5
            }
            .is_valid()
        );
        assert!(
            !Geotag {
                lat: f64::NAN,
                lon: 0.0
            }
            .is_valid()
        );
    }

    #[test]
    fn geofence_invalid_geojson() {
        let refused = |text: &str| Boundary::from_geojson(text).unwrap_err();
        for text in [
            "",
            "not json",
            r#"{"type":"Point","coordinates":[116.4,37.6]}"#,
            r#"{"type":"Polygon","coordinates":[[[116.4,37.6],[116.41,37.6],[116.4,37.6]]]}"#,
            r#"{"type":"Polygon","coordinates":[[[216.4,37.6],[216.41,37.6],[216.41,37.61],[216.4,37.6]]]}"#,
            r#"{"type":"MultiPolygon","coordinates":[]}"#,
            r#"{"type":"Feature","properties":{},"geometry":null}"#,
            r#"{"type":"FeatureCollection","features":[]}"#,
        ] {
            let e = refused(text);
            assert_eq!(e.code(), "invalid_boundary", "{text}: {e}");
            let p = e.to_problem("boundary");
            assert_eq!(p.code, "invalid_boundary");
            assert!(!p.message_zh.is_empty() && !p.message_en.is_empty());
        }
        let ring: Vec<String> = (0..=MAX_BOUNDARY_VERTICES)
            .map(|i| {
                let angle = 2.0 * PI * f64::from(u32::try_from(i).unwrap()) / 10_001.0;
                format!(
                    "[{},{}]",
                    116.4 + 0.01 * angle.cos(),
                    37.6 + 0.01 * angle.sin()
                )
            })
            .collect();
        let big = format!(
            r#"{{"type":"Polygon","coordinates":[[{}]]}}"#,
            ring.join(",")
        );
        let e = refused(&big);
        assert_eq!(e.code(), "too_many_vertices");
        assert!(matches!(
            e,
            BoundaryError::TooManyVertices { max: 10_000, .. }
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn geofence_prop_rounding_idempotent_and_close(lat in -90.0f64..=90.0, lon in -180.0f64..=180.0) {
            let tag = Geotag::rounded(lat, lon);
            prop_assert!(tag.is_rounded());
            prop_assert!(tag.is_valid());
            prop_assert_eq!(Geotag::rounded(tag.lat, tag.lon), tag);
            prop_assert!((tag.lat - lat).abs() <= 0.0005 + 1e-12);
            prop_assert!((tag.lon - lon).abs() <= 0.0005 + 1e-12);
        }

        #[test]
        fn geofence_prop_inside_square_is_admitted(lat in 37.6f64..=37.61, lon in 116.4f64..=116.4125) {
            let tag = Geotag { lat, lon };
            prop_assert!(square().distance_metres(&tag) < 1e-6);
        }
    }
}
