//! A benchmark, not a test: how long the browser takes to check a 20-outcome draft through
//! the exported `checkDraft` (JSON across the boundary, the verdict, the similarity hints
//! against 20 outcomes of last period). Run by scripts/bench-wasm.sh only; it prints the
//! median and asserts no timing.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use jianfu_core::vectors::{Vector, report_check};
use serde_json::{Value, json};
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

/// Samples; each times a batch, since Chromium coarsens `performance.now()` (100 µs
/// without cross-origin isolation).
const SAMPLES: usize = 200;
const BATCH: u32 = 10;

fn now() -> f64 {
    let performance =
        js_sys::Reflect::get(&js_sys::global(), &"performance".into()).expect("performance");
    let now: js_sys::Function = js_sys::Reflect::get(&performance, &"now".into())
        .expect("now")
        .into();
    now.call0(&performance)
        .expect("now()")
        .as_f64()
        .expect("a number")
}

fn outcome(i: usize, what: &str) -> Value {
    json!({ "id": format!("o{i}"), "category": "民生", "what": what,
            "for_whom": "村民", "status": "done", "quantity": { "value": 12, "unit": "户" },
            "geotag": { "lat": 37.605, "lon": 116.406 } })
}

/// Median and 90th percentile of one check, in ms.
fn time_checks(client: &jianfu_client::Client, draft: &wasm_bindgen::JsValue) -> (f64, f64) {
    client.check_draft(draft).expect("checks"); // warm up
    let mut times: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let start = now();
            for _ in 0..BATCH {
                client.check_draft(draft).expect("checks");
            }
            (now() - start) / f64::from(BATCH)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[SAMPLES / 2], times[SAMPLES * 9 / 10])
}

fn client(vector: &Vector, last: &[Value]) -> jianfu_client::Client {
    let context = json!({ "period": { "key": vector.period }, "template": vector.template.fields,
        "boundary": vector.boundary, "continuable": vector.continuable, "last_outcomes": last });
    jianfu_client::Client::new(&js_sys::JSON::parse(&context.to_string()).expect("json"))
        .expect("context")
}

#[wasm_bindgen_test]
fn median_time_to_check_a_20_outcome_draft() {
    let vectors = report_check();
    let vector = &vectors[0];
    let last: Vec<Value> = (0..20)
        .map(|i| {
            outcome(
                i,
                &format!("上期走访低保户第{i}组，核实收入情况并登记帮扶需求"),
            )
        })
        .collect();
    let mut draft = vector.draft.clone();
    draft["outcomes"] = (0..20)
        .map(|i| {
            outcome(
                i,
                &format!("走访低保户第{i}组，核实收入情况，登记帮扶需求并安排下一步"),
            )
        })
        .collect();
    let draft = js_sys::JSON::parse(&draft.to_string()).expect("json");
    let full = client(vector, &last);
    let problems = js_sys::Array::from(&full.check_draft(&draft).expect("checks")).length();
    let (median, p90) = time_checks(&full, &draft);
    console_log!(
        "BENCH check a 20-outcome draft (verdict + similarity to 20 outcomes of last period, {problems} problems): median {median:.3} ms, p90 {p90:.3} ms ({SAMPLES} samples of {BATCH})"
    );
    let (median, p90) = time_checks(&client(vector, &[]), &draft);
    console_log!(
        "BENCH   of which the verdict alone (no last period): median {median:.3} ms, p90 {p90:.3} ms"
    );
}
