//! Division codes in the browser: check a typed code before asking the server, take it
//! apart, and test whether one unit lies inside another. Core's rules, unchanged.

use crate::error::{ClientError, to_js};
use jianfu_core::{DivisionCode, Level};
use serde::Serialize;
use wasm_bindgen::prelude::{JsValue, wasm_bindgen};

/// A division code taken apart by `parseDivisionCode`.
#[derive(Debug, Serialize, tsify::Tsify)]
struct DivisionCodeInfo {
    /// The code as given, in significant-digit form (2, 4, 6, 9 or 12 digits).
    code: DivisionCode,
    // Core declares `Level` under its TypeScript name; a reference has to say it too.
    #[tsify(type = "DivisionLevel")]
    level: Level,
    /// The unit directly above; `null` for a province.
    parent: Option<DivisionCode>,
    /// Codes from the province down to this unit, this unit last.
    path: Vec<DivisionCode>,
}

fn parse(value: &str, field: &str) -> Result<DivisionCode, ClientError> {
    DivisionCode::parse(value).map_err(|e| ClientError::invalid_division_code(field, value, &e))
}

/// Takes a division code apart: its level, its parent and its path from the province.
/// The code must be in significant-digit form, exactly as typed (no trimming).
///
/// @throws {JianfuError} `invalid_division_code` with `details: {field: "code", value}`.
#[wasm_bindgen(js_name = parseDivisionCode, unchecked_return_type = "DivisionCodeInfo")]
pub fn parse_division_code(code: &str) -> Result<JsValue, JsValue> {
    let code = parse(code, "code")?;
    Ok(to_js(&DivisionCodeInfo {
        level: code.level(),
        parent: code.parent(),
        path: code.path(),
        code,
    }))
}

/// True when `descendant` is `ancestor` itself or lies anywhere below it.
///
/// @throws {JianfuError} `invalid_division_code`, `details.field` naming the bad argument.
#[wasm_bindgen(js_name = unitContains)]
pub fn unit_contains(ancestor: &str, descendant: &str) -> Result<bool, JsValue> {
    let ancestor = parse(ancestor, "ancestor")?;
    let descendant = parse(descendant, "descendant")?;
    Ok(ancestor.contains(&descendant))
}
