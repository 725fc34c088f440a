//! The admin's burden preview as JS sees it: `templateBurden` gives core's ledger with the
//! server's field names, the server's `burden_over_budget` words, and the template problems
//! the server refuses a template for, each naming its field.

use jianfu_client::template_burden;
use jianfu_core::burden;
use jianfu_core::period::PeriodKind;
use jianfu_core::template::{Field, Template};
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

/// The fields as the admin page sends them to `POST /api/v1/templates`.
fn weekly_fields() -> Value {
    json!([
        { "key": "outcomes", "label_zh": "本周成果", "label_en": "Outcomes", "type": "outcome_list",
          "max_items": 20, "required": true, "seconds_to_fill": 360 },
        { "key": "households", "label_zh": "走访户数", "label_en": "Households visited", "type": "number",
          "min": 0, "max": 500, "integer": true, "seconds_to_fill": 120 },
        { "key": "note", "label_zh": "其他说明", "label_en": "Other notes", "type": "text",
          "max_chars": 500, "seconds_to_fill": 60 },
    ])
}

fn burden_of(fields: &Value, kind: &str, budget: u32) -> Value {
    rust(
        &template_burden(&js(fields), kind, budget)
            .unwrap_or_else(|e| panic!("a burden: {:?}", rust(&e))),
    )
}

fn codes(problems: &Value) -> Vec<(String, String)> {
    problems
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| {
            let code = p["code"].as_str().expect("code").to_owned();
            (code, p["field"].as_str().expect("field").to_owned())
        })
        .collect()
}

#[wasm_bindgen_test]
pub fn the_ledger_is_cores_with_the_servers_names() {
    let fields = weekly_fields();
    let answer = burden_of(&fields, "weekly", 60);
    // 365.25 / 12 / 7 = 4.348 submissions a month × 540 s / 60 = 39.13 minutes.
    let minutes = answer["ledger"]["now"]["minutes_per_month"]
        .as_f64()
        .expect("minutes");
    assert!((minutes - 39.13).abs() < 0.005, "{answer:#}");
    assert_eq!(answer["ledger"]["now"]["seconds_per_submission"], 540);
    assert_eq!(answer["ledger"]["now"]["kind"], "weekly");
    assert_eq!(answer["ledger"]["budget_minutes_per_month"], 60);
    // The baseline it replaces: 250 / 12 working days × (180 + 1200) s = 479.17 minutes.
    let baseline = answer["ledger"]["baseline_minutes_per_month"]
        .as_f64()
        .expect("baseline");
    assert!((baseline - 479.17).abs() < 0.005, "{answer:#}");
    assert_eq!(answer["within_budget"], true);
    assert!(answer["over_budget"].is_null());
    assert_eq!(answer["problems"], json!([]));

    // Exactly what the server serialises for the same template and cadence, compared as JS
    // reads both (serde_json's own float parser may be one bit off; JSON.parse is exact).
    let template = Template {
        fields: serde_json::from_value::<Vec<Field>>(fields.clone()).expect("fields"),
    };
    let server = serde_json::to_string(&burden::ledger(PeriodKind::Weekly, &template, 60))
        .expect("a ledger");
    let server = js_sys::JSON::parse(&server).expect("JSON");
    let browser = js_sys::Reflect::get(
        &template_burden(&js(&fields), "weekly", 60).expect("a burden"),
        &"ledger".into(),
    )
    .expect("ledger");
    assert_eq!(
        js_sys::JSON::stringify(&browser).expect("text"),
        js_sys::JSON::stringify(&server).expect("text")
    );
}

#[wasm_bindgen_test]
pub fn over_the_budget_says_it_in_the_servers_words() {
    let fields = weekly_fields();
    let answer = burden_of(&fields, "weekly", 30);
    assert_eq!(answer["within_budget"], false);
    let problem = &answer["over_budget"];
    assert_eq!(problem["code"], "burden_over_budget");
    let template = Template {
        fields: serde_json::from_value::<Vec<Field>>(fields.clone()).expect("fields"),
    };
    let server = burden::check_budget(PeriodKind::Weekly, &template, 30).expect_err("over");
    assert_eq!(problem["message_zh"], server.message_zh.as_str());
    assert_eq!(problem["message_en"], server.message_en.as_str());
    assert!(
        server
            .message_zh
            .contains("每月 4.35 次 × 每次 540 秒 = 每月 39.1 分钟"),
        "{}",
        server.message_zh
    );
    assert_eq!(
        problem["details"]["arithmetic"],
        "4.35 submissions/month × 540 s = 39.1 min/month > budget 30 min/month"
    );
    // Monthly, the same template is within 30 minutes: 540 s = 9 minutes.
    let monthly = burden_of(&fields, "monthly", 30);
    assert_eq!(monthly["within_budget"], true);
    assert_eq!(monthly["ledger"]["now"]["minutes_per_month"], 9.0);
    // Daily (an emergency's cadence) costs more than the punch-in it replaces: said so.
    let daily = burden_of(&fields, "daily", 600);
    assert!(
        daily["ledger"]["minutes_saved_per_month"]
            .as_f64()
            .is_some_and(|m| m > 0.0),
        "9 min a day is 274 min a month, still under the 479 of the baseline: {daily:#}"
    );
}

#[wasm_bindgen_test]
pub fn each_refusal_names_its_field() {
    let mut fields = weekly_fields();
    let list = fields.as_array_mut().expect("a list");
    // R3: the same question twice (by label), R4: a required photo, and a broken limit.
    list.push(
        json!({ "key": "visits", "label_zh": "走访户数", "label_en": "Visits", "type": "number",
                      "min": 0, "max": 100, "seconds_to_fill": 60 }),
    );
    list.push(json!({ "key": "proof", "label_zh": "现场照片", "label_en": "Site photo", "type": "attachment",
                      "media": "photo", "required": true, "seconds_to_fill": 60 }));
    list.push(
        json!({ "key": "Bad Key", "label_zh": "备注二", "label_en": "Note two", "type": "text",
                      "max_chars": 0, "seconds_to_fill": 0 }),
    );
    let answer = burden_of(&fields, "weekly", 60);
    assert_eq!(
        codes(&answer["problems"]),
        [
            ("invalid_field", "fields[5]"),
            ("invalid_field", "fields[5]"),
            ("invalid_field", "fields[5]"),
            ("duplicate_field", "visits"),
            ("photo_required", "proof"),
        ]
        .map(|(c, f)| (c.to_owned(), f.to_owned()))
    );
    let duplicate = &answer["problems"][3];
    assert_eq!(duplicate["details"]["index"], 3);
    assert_eq!(duplicate["details"]["other_key"], "households");
    assert!(
        duplicate["message_zh"]
            .as_str()
            .is_some_and(|m| m.contains("问的是同一件事")),
        "{duplicate:#}"
    );
    // The same problems, in the same order and words, as the server's template check.
    let template = Template {
        fields: serde_json::from_value::<Vec<Field>>(fields).expect("fields"),
    };
    assert_eq!(
        answer["problems"],
        serde_json::to_value(template.check()).expect("problems")
    );

    // More than 20 fields.
    let many: Vec<Value> = (0..21)
        .map(|i| json!({ "key": format!("f{i}"), "label_zh": format!("问题{i}"), "label_en": format!("Question {i}"),
                         "type": "date", "seconds_to_fill": 5 }))
        .collect();
    let answer = burden_of(&Value::Array(many), "monthly", 60);
    assert_eq!(
        codes(&answer["problems"]),
        [("too_many_fields".to_owned(), String::new())]
    );
    assert_eq!(answer["problems"][0]["details"]["max"], 20);
}

#[wasm_bindgen_test]
pub fn bad_input_throws_the_error_shape() {
    let thrown = rust(&template_burden(&js(&weekly_fields()), "hourly", 60).expect_err("hourly"));
    assert_eq!(thrown["code"], "invalid_period");
    assert!(
        thrown["message_zh"].as_str().is_some_and(|m| !m.is_empty()),
        "{thrown:#}"
    );

    let mut fields = weekly_fields();
    fields[1]["seconds_to_fill"] = json!("two minutes");
    let thrown = rust(&template_burden(&js(&fields), "weekly", 60).expect_err("a string"));
    assert_eq!(thrown["code"], "invalid_input");
    assert_eq!(thrown["details"]["index"], 1);
    assert!(
        thrown["details"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("seconds_to_fill")),
        "{thrown:#}"
    );
    let thrown = rust(&template_burden(&js(&json!({})), "weekly", 60).expect_err("an object"));
    assert_eq!(thrown["code"], "invalid_input");
}
