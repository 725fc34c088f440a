//! Runs the shared report-check vectors (`core/vectors/report-check.json`): the server's
//! tests and the wasm tests run the same file through the same `verdict`.

use std::collections::BTreeSet;

use jianfu_core::geofence::Boundary;
use jianfu_core::period::Period;
use jianfu_core::report::{check, parse_and_check, verdict};
use jianfu_core::vectors::{Expected, report_check};

#[test]
fn report_check_vectors() {
    let vectors = report_check();
    assert!(vectors.len() >= 25);
    let mut names = BTreeSet::new();
    for vector in &vectors {
        let name = &vector.name;
        assert!(names.insert(name.clone()), "{name}: duplicate vector name");
        assert!(
            vector.template.check().is_empty(),
            "{name}: the template itself is invalid: {:?}",
            vector.template.check()
        );
        let period = Period::parse_key(&vector.period).expect("a period key");
        let boundary = vector
            .boundary
            .as_ref()
            .map(|geojson| Boundary::from_geojson(&geojson.to_string()).expect("a boundary"));
        let ctx = jianfu_core::CheckContext {
            template: &vector.template,
            period: &period,
            boundary: boundary.as_ref(),
            continuable: &vector.continuable,
        };

        let problems = verdict(&vector.draft, &ctx);
        let actual: Vec<Expected> = problems
            .iter()
            .map(|p| Expected {
                code: p.code.clone(),
                field: p.field.clone(),
            })
            .collect();
        assert_eq!(actual, vector.expected, "vector {name}: {problems:#?}");
        for problem in &problems {
            assert!(problem.is_error(), "{name}: {problem:?}");
            assert!(
                !problem.message_zh.is_empty() && !problem.message_en.is_empty(),
                "{name}"
            );
            assert!(problem.details.is_object(), "{name}: {problem:?}");
        }

        // parse_and_check agrees with verdict, and what it accepts checks clean again.
        let checked = parse_and_check(&vector.draft, &ctx);
        let size_only = vector
            .expected
            .iter()
            .all(|e| e.code == "payload_too_large");
        assert_eq!(checked.is_ok(), size_only, "vector {name}: {checked:?}");
        if let Ok(content) = checked {
            assert_eq!(check(&content, &ctx), Vec::new(), "vector {name}");
        }
    }
}
