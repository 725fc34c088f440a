//! The shared report-check vectors (`core/vectors/report-check.json`) through the server's
//! own verdict, [`check_content`]: what `PUT /api/v1/reports/{id}` refuses, and in which
//! words. The browser module runs the same file (wasm-client/tests); all three must agree.

use jianfu_core::geofence::Boundary;
use jianfu_core::period::Period;
use jianfu_core::report::CheckContext;
use jianfu_core::vectors::{Expected, report_check};
use jianfu_server::service::reports::check_content;

#[test]
fn the_server_refuses_exactly_what_each_vector_expects() {
    let vectors = report_check();
    assert!(!vectors.is_empty());
    for vector in &vectors {
        let name = &vector.name;
        let period = Period::parse_key(&vector.period).expect("a period key");
        let boundary = vector
            .boundary
            .as_ref()
            .map(|geojson| Boundary::from_geojson(&geojson.to_string()).expect("a boundary"));
        let ctx = CheckContext {
            template: &vector.template,
            period: &period,
            boundary: boundary.as_ref(),
            continuable: &vector.continuable,
        };
        let actual: Vec<Expected> = match check_content(&vector.draft, &ctx) {
            Ok(_) => Vec::new(),
            Err(error) => {
                let body = jianfu_server::http::error::ApiError::from(error).body();
                assert_eq!(body.code, "report_invalid", "vector {name}");
                body.details["problems"]
                    .as_array()
                    .expect("problems listed")
                    .iter()
                    .map(|p| Expected {
                        code: p["code"].as_str().expect("code").to_owned(),
                        field: p["field"].as_str().expect("field").to_owned(),
                    })
                    .collect()
            }
        };
        assert_eq!(actual, vector.expected, "vector {name}");
    }
}
