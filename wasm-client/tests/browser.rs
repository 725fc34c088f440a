//! The browser module's exports, run in headless Chromium.
#![cfg(target_arch = "wasm32")]

mod common;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn version_is_the_crate_version() {
    common::version_is_the_crate_version();
}

#[wasm_bindgen_test]
fn a_village_code_is_taken_apart() {
    common::a_village_code_is_taken_apart();
}

#[wasm_bindgen_test]
fn every_level_parses_and_a_province_has_no_parent() {
    common::every_level_parses_and_a_province_has_no_parent();
}

#[wasm_bindgen_test]
fn a_code_of_the_wrong_length_throws_the_server_error_shape() {
    common::a_code_of_the_wrong_length_throws_the_server_error_shape();
}

#[wasm_bindgen_test]
fn a_code_with_other_characters_throws() {
    common::a_code_with_other_characters_throws();
}

#[wasm_bindgen_test]
fn containment_follows_the_tree() {
    common::containment_follows_the_tree();
}

#[wasm_bindgen_test]
fn containment_names_the_bad_argument() {
    common::containment_names_the_bad_argument();
}

#[wasm_bindgen_test]
fn every_vector_gets_the_servers_verdict() {
    common::report::every_vector_gets_the_servers_verdict();
}

#[wasm_bindgen_test]
fn similar_outcomes_warn_but_never_block() {
    common::report::similar_outcomes_warn_but_never_block();
}

#[wasm_bindgen_test]
fn sealing_rounds_geotags_and_trims() {
    common::report::sealing_rounds_geotags_and_trims();
}

#[wasm_bindgen_test]
fn a_draft_outside_the_village_cannot_be_sealed() {
    common::report::a_draft_outside_the_village_cannot_be_sealed();
}

#[wasm_bindgen_test]
fn a_new_draft_keeps_the_stored_reports_id() {
    common::report::a_new_draft_keeps_the_stored_reports_id();
}

#[wasm_bindgen_test]
fn report_ids_are_random_uuid_v4() {
    common::report::report_ids_are_random_uuid_v4();
}

#[wasm_bindgen_test]
fn the_outbox_retries_revises_or_stops() {
    common::report::the_outbox_retries_revises_or_stops();
}

#[wasm_bindgen_test]
fn this_is_a_browser_with_storage() {
    let global = js_sys::global();
    let document = js_sys::Reflect::get(&global, &"document".into()).expect("global");
    assert!(document.is_object(), "runs in a browser page");
    // What offline drafts will rely on: a parsed code survives a trip through localStorage.
    let storage = js_sys::Reflect::get(&global, &"localStorage".into()).expect("localStorage");
    let call = |name: &str, args: &js_sys::Array| {
        let method: js_sys::Function = js_sys::Reflect::get(&storage, &name.into())
            .expect(name)
            .into();
        method.apply(&storage, args).expect(name)
    };
    let info = jianfu_client::parse_division_code("130928101").expect("a township");
    let json = js_sys::JSON::stringify(&info).expect("plain data");
    call("setItem", &js_sys::Array::of2(&"jianfu.test".into(), &json));
    let back = call("getItem", &js_sys::Array::of1(&"jianfu.test".into()));
    let back = js_sys::JSON::parse(&back.as_string().expect("stored text")).expect("JSON");
    let level = js_sys::Reflect::get(&back, &"level".into()).expect("level");
    assert_eq!(level.as_string().as_deref(), Some("township"));
    call("removeItem", &js_sys::Array::of1(&"jianfu.test".into()));
}
