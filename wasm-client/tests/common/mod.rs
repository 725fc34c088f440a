//! Checks shared by the node and the browser runs: what JS gets back from each export.
//! Each is a `#[wasm_bindgen_test]` here, so both `node.rs` and `browser.rs` (which include
//! this module) run all of them.

#[cfg(feature = "admin")]
pub mod burden;
pub mod report;

use jianfu_client::{parse_division_code, unit_contains, version};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).expect("an object")
}

fn text(object: &JsValue, key: &str) -> String {
    get(object, key)
        .as_string()
        .unwrap_or_else(|| panic!("{key} is not a string"))
}

fn strings(value: &JsValue) -> Vec<String> {
    Array::from(value)
        .iter()
        .map(|v| v.as_string().expect("a string"))
        .collect()
}

/// The thrown value is a plain object with the server's error fields, not an `Error`.
fn expect_error(thrown: &JsValue, field: &str, value: &str) -> (String, String) {
    assert!(thrown.is_object(), "an object is thrown");
    assert!(
        !thrown.is_instance_of::<js_sys::Error>(),
        "a plain object, not an Error"
    );
    assert_eq!(
        Object::get_prototype_of(thrown),
        Object::get_prototype_of(&Object::new()),
        "a plain object"
    );
    assert_eq!(text(thrown, "code"), "invalid_division_code");
    let details = get(thrown, "details");
    assert_eq!(text(&details, "field"), field);
    assert_eq!(text(&details, "value"), value);
    (text(thrown, "message_zh"), text(thrown, "message_en"))
}

#[wasm_bindgen_test]
pub fn version_is_the_crate_version() {
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
pub fn a_village_code_is_taken_apart() {
    let info = parse_division_code("130928101201").expect("a village code");
    assert_eq!(text(&info, "code"), "130928101201");
    assert_eq!(text(&info, "level"), "village");
    assert_eq!(text(&info, "parent"), "130928101");
    assert_eq!(
        strings(&get(&info, "path")),
        ["13", "1309", "130928", "130928101", "130928101201"]
    );
    assert_eq!(
        Object::keys(info.unchecked_ref::<Object>()).length(),
        4,
        "no extra fields"
    );
}

#[wasm_bindgen_test]
pub fn every_level_parses_and_a_province_has_no_parent() {
    for (code, level) in [
        ("13", "province"),
        ("1309", "city"),
        ("130928", "county"),
        ("130928101", "township"),
    ] {
        let info = parse_division_code(code).expect(code);
        assert_eq!(text(&info, "level"), level, "{code}");
        assert_eq!(
            strings(&get(&info, "path")).last().map(String::as_str),
            Some(code)
        );
    }
    let province = parse_division_code("13").expect("a province");
    assert!(
        get(&province, "parent").is_null(),
        "a province's parent is null"
    );
    assert_eq!(strings(&get(&province, "path")), ["13"]);
}

#[wasm_bindgen_test]
pub fn a_code_of_the_wrong_length_throws_the_server_error_shape() {
    let thrown = parse_division_code("13092").expect_err("5 digits");
    let (zh, en) = expect_error(&thrown, "code", "13092");
    assert_eq!(zh, "行政区划代码应为 2、4、6、9 或 12 位数字，收到 5 位");
    assert_eq!(en, "a division code has 2, 4, 6, 9 or 12 digits, found 5");
    for bad in ["1", "130", "13092810", "13092810120"] {
        let thrown = parse_division_code(bad).expect_err(bad);
        let (zh, en) = expect_error(&thrown, "code", bad);
        assert!(zh.ends_with(&format!("收到 {} 位", bad.len())), "{zh}");
        assert!(en.ends_with(&format!("found {}", bad.len())), "{en}");
    }
    let thrown = parse_division_code("1309281012011").expect_err("13 digits");
    let (zh, _) = expect_error(&thrown, "code", "1309281012011");
    assert!(zh.contains("13 位"), "{zh}");
}

#[wasm_bindgen_test]
pub fn a_code_with_other_characters_throws() {
    for bad in ["13a928", "", " 130928", "１３", "13-09"] {
        let thrown = parse_division_code(bad).expect_err(bad);
        let (zh, en) = expect_error(&thrown, "code", bad);
        assert!(zh.starts_with("行政区划代码只能由数字组成"), "{zh}");
        assert!(
            en.starts_with("a division code has only the digits 0-9"),
            "{en}"
        );
    }
}

#[wasm_bindgen_test]
pub fn containment_follows_the_tree() {
    assert_eq!(unit_contains("130928", "130928101201"), Ok(true));
    assert_eq!(
        unit_contains("130928", "130928"),
        Ok(true),
        "a unit contains itself"
    );
    assert_eq!(
        unit_contains("130928101201", "130928"),
        Ok(false),
        "not upwards"
    );
    assert_eq!(
        unit_contains("130929", "130928101201"),
        Ok(false),
        "not a sibling's"
    );
    assert_eq!(unit_contains("13", "130928101201"), Ok(true));
}

#[wasm_bindgen_test]
pub fn containment_names_the_bad_argument() {
    let thrown = unit_contains("1309x", "130928").expect_err("bad ancestor");
    expect_error(&thrown, "ancestor", "1309x");
    let thrown = unit_contains("130928", "1309281").expect_err("bad descendant");
    expect_error(&thrown, "descendant", "1309281");
}
