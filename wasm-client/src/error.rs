//! What the module throws: core's errors in the server's error shape, turned into plain
//! JS objects.

use jianfu_core::{DivisionCodeError, Problem};
use serde::Serialize;
use serde_json::{Value, json};
use wasm_bindgen::JsValue;

/// What every function of this module throws: `{code, message_zh, message_en, details}`,
/// the same shape as the server's errors.
#[derive(Debug, Clone, PartialEq, Serialize, tsify::Tsify)]
#[tsify(rename = "JianfuError")]
pub struct ClientError {
    /// Stable machine-readable code, e.g. `invalid_division_code`: the server's code for the
    /// same problem, so the page can treat both alike.
    pub code: &'static str,
    pub message_zh: String,
    pub message_en: String,
    /// The facts behind the error, e.g. `{field, value}`; an object, never null.
    #[tsify(type = "Record<string, unknown>")]
    pub details: Value,
}

impl ClientError {
    /// `value`, given as the argument `field`, is not a division code: core's
    /// `invalid_division_code` problem, worded as the server words it, with the whole
    /// `value` in `details` (the page knows what it passed; core may keep only its length).
    pub fn invalid_division_code(field: &str, value: &str, err: &DivisionCodeError) -> Self {
        let Problem {
            message_zh,
            message_en,
            mut details,
            ..
        } = err.to_problem(field);
        details["value"] = json!(value);
        ClientError {
            code: "invalid_division_code",
            message_zh,
            message_en,
            details,
        }
    }

    /// An argument from JS is not the shape the module takes (`what` names it).
    pub fn invalid_input(what: &str, reason: &str) -> Self {
        ClientError {
            code: "invalid_input",
            message_zh: format!("数据格式不对（{what}）：{reason}"),
            message_en: format!("the {what} is malformed: {reason}"),
            details: json!({ "what": what, "reason": reason }),
        }
    }

    /// A draft with errors cannot be sealed: the server's `report_invalid`, with the same
    /// `details.problems`.
    pub fn report_invalid(problems: &[Problem]) -> Self {
        let n = problems.len();
        ClientError {
            code: "report_invalid",
            message_zh: format!("报告有 {n} 处需要修改，暂不能提交"),
            message_en: format!("the report has {n} problem(s) to fix before it can be sent"),
            details: json!({ "problems": problems }),
        }
    }
}

impl From<ClientError> for JsValue {
    fn from(err: ClientError) -> JsValue {
        to_js(&err)
    }
}

/// Plain data to a plain JS object, through JSON: serde_json is in the module anyway, so
/// this costs no extra code size.
pub fn to_js<T: Serialize>(value: &T) -> JsValue {
    let text = serde_json::to_string(value).expect("plain data always serializes");
    js_sys::JSON::parse(&text).expect("serde_json writes valid JSON")
}
