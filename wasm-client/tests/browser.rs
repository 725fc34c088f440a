//! The browser module's exports, run in headless Chromium.
#![cfg(target_arch = "wasm32")]

mod common;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use wasm_bindgen_test::wasm_bindgen_test;

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
