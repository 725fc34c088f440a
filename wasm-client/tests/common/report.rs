//! Report checks as JS sees them: the shared vectors give the server's verdict, the draft's
//! life (new, checked, sealed) and what the outbox does with an upload's answer.

use jianfu_client::report::decide_upload;
use jianfu_client::{Client, new_report_id, round_geotag, upload_step};
use jianfu_core::vectors::{Vector, report_check};
use serde_json::{Value, json};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn js(value: &Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).expect("valid JSON")
}

fn rust(value: &JsValue) -> Value {
    let text = js_sys::JSON::stringify(value)
        .expect("plain data")
        .as_string()
        .expect("a string");
    serde_json::from_str(&text).expect("JSON")
}

fn client(context: &Value) -> Client {
    Client::new(&js(context)).unwrap_or_else(|e| panic!("a context: {:?}", rust(&e)))
}

/// A context as `GET /me/periods/{key}` sends it, from a vector's parts.
fn context_of(vector: &Vector, last_outcomes: &Value) -> Value {
    json!({
        "period": { "key": vector.period, "status": "open" },
        "org_unit": "130928101201",
        "template": vector.template.fields,
        "boundary": vector.boundary,
        "report": null,
        "prefill": null,
        "last_outcomes": last_outcomes,
        "continuable": vector.continuable,
    })
}

fn codes(problems: &Value, severity: &str) -> Vec<(String, String)> {
    problems
        .as_array()
        .expect("an array")
        .iter()
        .filter(|p| p["severity"] == severity)
        .map(|p| {
            (
                p["code"].as_str().expect("code").to_owned(),
                p["field"].as_str().expect("field").to_owned(),
            )
        })
        .collect()
}

/// The same vectors core/tests/vectors.rs and the server's tests run.
fn valid_vector() -> Vector {
    report_check()
        .into_iter()
        .find(|v| v.name == "valid_minimal")
        .expect("the valid_minimal vector")
}

/// Every vector through the exported check: exactly the server's (code, field) list.
#[wasm_bindgen_test]
pub fn every_vector_gets_the_servers_verdict() {
    let vectors = report_check();
    assert!(vectors.len() >= 25, "{}", vectors.len());
    for vector in &vectors {
        let name = vector.name.as_str();
        let client = client(&context_of(vector, &json!([])));
        let problems = rust(&client.check_draft(&js(&vector.draft)).expect("checks"));
        let expected: Vec<(String, String)> = vector
            .expected
            .iter()
            .map(|e| (e.code.clone(), e.field.clone()))
            .collect();
        assert_eq!(
            codes(&problems, "error"),
            expected,
            "vector {name}: {problems:#}"
        );
        assert_eq!(
            codes(&problems, "warning"),
            [],
            "vector {name}: no last period"
        );
        for problem in problems.as_array().expect("array") {
            assert!(
                problem["message_zh"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
            assert!(
                problem["message_en"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
            assert!(problem["details"].is_object(), "{name}");
        }
        // Sealing agrees, once it has rounded the geotags (so "not rounded" is gone).
        let after_rounding: Vec<(String, String)> = expected
            .iter()
            .filter(|(code, _)| code != "geotag_not_rounded")
            .cloned()
            .collect();
        let draft = json!({ "reportId": new_report_id(), "period": vector.period, "content": vector.draft });
        let sealed = client.seal_draft(&js(&draft));
        if after_rounding.is_empty() {
            let sealed = rust(&sealed.unwrap_or_else(|e| panic!("{name}: {:?}", rust(&e))));
            assert_eq!(sealed["period"], vector.period);
        } else {
            let thrown = rust(&sealed.expect_err(name));
            assert_eq!(thrown["code"], "report_invalid", "{name}");
            assert_eq!(
                codes(&thrown["details"]["problems"], "error"),
                after_rounding,
                "vector {name}"
            );
        }
    }
}

#[wasm_bindgen_test]
pub fn similar_outcomes_warn_but_never_block() {
    let vector = valid_vector();
    let mut draft = vector.draft.clone();
    let what = draft["outcomes"][0]["what"]
        .as_str()
        .expect("what")
        .to_owned();
    draft["outcomes"][0]
        .as_object_mut()
        .expect("outcome")
        .remove("continues");
    let last = json!([{ "id": "prev-visit", "category": "民生", "what": format!("{what}。"),
                        "for_whom": "低保户", "status": "done" }]);
    let client = client(&context_of(&vector, &last));
    let problems = rust(&client.check_draft(&js(&draft)).expect("checks"));
    assert_eq!(codes(&problems, "error"), [], "{problems:#}");
    assert_eq!(
        codes(&problems, "warning"),
        [(
            "similar_to_last_period".to_owned(),
            "outcomes[0].what".to_owned()
        )]
    );
    assert_eq!(problems[0]["details"]["earlier_outcome_id"], "prev-visit");
    let sealed = client.seal_draft(&js(&json!({
        "reportId": new_report_id(), "period": vector.period, "content": draft })));
    assert!(sealed.is_ok(), "a warning does not block sealing");
}

#[wasm_bindgen_test]
pub fn sealing_rounds_geotags_and_trims() {
    let vector = valid_vector();
    let mut content = vector.draft.clone();
    content["outcomes"][0]["geotag"] = json!({ "lat": 37.605_123_4, "lon": 116.406_987_6 });
    content["outcomes"][0]["what"] = json!("  修好村东道路\r\n（全长 350 米）  ");
    let client = client(&context_of(&vector, &json!([])));
    let problems = rust(&client.check_draft(&js(&content)).expect("checks"));
    assert!(
        codes(&problems, "error").contains(&(
            "geotag_not_rounded".to_owned(),
            "outcomes[0].geotag".to_owned()
        )),
        "a raw position is what the server refuses: {problems:#}"
    );
    let id = new_report_id();
    let draft = json!({ "reportId": id, "period": vector.period, "content": content });
    let sealed = rust(&client.seal_draft(&js(&draft)).expect("seals"));
    assert_eq!(sealed["reportId"], id.as_str());
    assert_eq!(
        sealed["content"]["outcomes"][0]["geotag"],
        json!({ "lat": 37.605, "lon": 116.407 })
    );
    assert_eq!(
        sealed["content"]["outcomes"][0]["what"], "修好村东道路\n（全长 350 米）",
        "trimmed, and the line break kept as the server stores it"
    );
    assert_eq!(
        rust(&round_geotag(37.605_123_4, 116.406_987_6).expect("a place")),
        json!({ "lat": 37.605, "lon": 116.407 })
    );
    let thrown = rust(&round_geotag(95.0, 0.0).expect_err("not on Earth"));
    assert_eq!(thrown["code"], "invalid_geotag");
}

#[wasm_bindgen_test]
pub fn a_draft_outside_the_village_cannot_be_sealed() {
    let vector = valid_vector();
    let mut content = vector.draft.clone();
    content["outcomes"][0]["geotag"] = json!({ "lat": 37.7, "lon": 116.406 });
    let client = client(&context_of(&vector, &json!([])));
    let draft = json!({ "reportId": new_report_id(), "period": vector.period, "content": content });
    let thrown = rust(&client.seal_draft(&js(&draft)).expect_err("outside"));
    assert_eq!(thrown["code"], "report_invalid");
    assert_eq!(
        codes(&thrown["details"]["problems"], "error"),
        [(
            "geotag_outside_boundary".to_owned(),
            "outcomes[0].geotag".to_owned()
        )]
    );
    for bad in [
        json!({ "reportId": "not-a-uuid", "period": vector.period, "content": vector.draft }),
        json!({ "reportId": new_report_id(), "period": "weekly:2026-11-23", "content": vector.draft }),
    ] {
        let thrown = rust(&client.seal_draft(&js(&bad)).expect_err("bad draft"));
        assert_eq!(thrown["code"], "invalid_input", "{bad}");
    }
}

#[wasm_bindgen_test]
pub fn a_new_draft_keeps_the_stored_reports_id() {
    let vector = valid_vector();
    let mut context = context_of(&vector, &json!([]));
    let fresh = rust(&client(&context).new_draft());
    assert_eq!(fresh["basedOn"], "empty");
    assert_eq!(fresh["content"], json!({ "outcomes": [], "fields": {} }));
    let id = fresh["reportId"].as_str().expect("an id");
    assert_ne!(
        rust(&client(&context).new_draft())["reportId"].as_str(),
        Some(id),
        "a new id each time a new draft is made"
    );
    context["prefill"] = json!({ "outcomes": [], "fields": { "population": 830 } });
    let prefilled = rust(&client(&context).new_draft());
    assert_eq!(prefilled["basedOn"], "prefill");
    assert_eq!(prefilled["content"]["fields"]["population"], 830);
    let stored = "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab";
    context["report"] =
        json!({ "id": stored, "revision": 2, "status": "submitted", "content": vector.draft });
    let revision = rust(&client(&context).new_draft());
    assert_eq!(revision["reportId"], stored);
    assert_eq!(revision["basedOn"], "report");
    assert_eq!(revision["baseRevision"], 2, "the revision the draft edits");
    assert_eq!(
        prefilled["baseRevision"],
        Value::Null,
        "a new report has no base"
    );
    assert_eq!(revision["content"], vector.draft);
    assert_eq!(client(&context).period_key(), vector.period.as_str());
    let thrown = Client::new(&js(
        &json!({ "period": { "key": "weekly:2026-11-17" }, "template": [] }),
    ))
    .expect_err("not a Monday");
    assert_eq!(rust(&thrown)["code"], "invalid_input");
}

#[wasm_bindgen_test]
pub fn report_ids_are_uuid_v7_growing_with_the_clock() {
    let before = js_sys::Date::now();
    let ids: Vec<String> = (0..50).map(|_| new_report_id()).collect();
    let after = js_sys::Date::now();
    let distinct: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 50, "74 random bits each");
    for id in &ids {
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12],
            "{id}"
        );
        assert!(parts[2].starts_with('7'), "version 7: {id}");
        assert!(
            matches!(parts[3].chars().next(), Some('8' | '9' | 'a' | 'b')),
            "the RFC 9562 variant: {id}"
        );
        assert!(
            id.chars()
                .all(|c| c == '-' || matches!(c, '0'..='9' | 'a'..='f'))
        );
        let millis = u64::from_str_radix(&format!("{}{}", parts[0], parts[1]), 16).expect("hex");
        #[allow(clippy::cast_precision_loss)] // ms since 1970 fit in f64
        let millis = millis as f64;
        assert!(before <= millis && millis <= after, "the clock in ms: {id}");
    }
    // An id of a later millisecond sorts after the earlier ones.
    let later = loop {
        let id = new_report_id();
        if id[..13] != ids[49][..13] {
            break id;
        }
    };
    assert!(ids.iter().all(|id| *id < later), "{later} after {ids:?}");
}

#[wasm_bindgen_test]
pub fn the_outbox_retries_revises_or_stops() {
    let existing = "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab";
    let step = |status, body: Value, attempts| rust(&upload_step(status, &js(&body), attempts));
    assert_eq!(step(201, json!({}), 0)["action"], "done");
    assert_eq!(step(200, json!({}), 3)["action"], "done");
    let retry = step(0, Value::Null, 0);
    assert_eq!(
        retry,
        json!({ "action": "retry", "delayMs": 2000, "existingId": null })
    );
    assert_eq!(step(503, Value::Null, 2)["delayMs"], 8000);
    assert_eq!(step(0, Value::Null, 40)["delayMs"], 300_000, "capped");
    let conflict = json!({ "code": "report_exists_for_period",
                           "details": { "existing_id": existing, "period": "weekly:2026-11-16" } });
    assert_eq!(
        step(409, conflict, 0),
        json!({ "action": "revise", "delayMs": null, "existingId": existing })
    );
    assert_eq!(
        step(409, json!({ "code": "period_locked" }), 0)["action"],
        "refused"
    );
    assert_eq!(
        step(422, json!({ "code": "report_invalid" }), 0)["action"],
        "refused"
    );
    assert_eq!(
        step(401, json!({ "code": "unauthenticated" }), 0)["action"],
        "sign_in"
    );
    assert_eq!(decide_upload(429, &Value::Null, 1).delay_ms, Some(4000));
    // A newer revision on the server: the cadre chooses, nothing is resent by itself.
    let latest = json!({ "code": "revision_conflict", "details": { "base_revision": 1,
        "latest": { "revision": 2, "content": { "outcomes": [] }, "received_at": 1_764_300_000, "status": "acknowledged" } } });
    assert_eq!(step(409, latest, 0)["action"], "conflict");
    assert_eq!(
        step(
            409,
            json!({ "code": "revision_conflict", "details": {} }),
            0
        )["action"],
        "refused",
        "a conflict without the latest revision cannot be shown"
    );
    // The device's clock is too far off for its seal time: send again without it.
    let clock = json!({ "code": "validation_failed", "details": { "field": "sealed_at" } });
    assert_eq!(step(422, clock, 0)["action"], "drop_sealed_at");
    let other = json!({ "code": "validation_failed", "details": { "field": "period" } });
    assert_eq!(step(422, other, 0)["action"], "refused");
}
