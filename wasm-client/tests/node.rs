//! The browser module's exports, run in node (the default for `wasm-bindgen-test`).
#![cfg(target_arch = "wasm32")]

mod common;

use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn this_is_node() {
    let process = js_sys::Reflect::get(&js_sys::global(), &"process".into()).expect("global");
    assert!(process.is_object(), "runs in node, not a browser");
}
