//! One period's report in the browser: the context the server sent (template, period,
//! cached village boundary, last period's outcomes), the draft checked with core's own
//! verdict, and the sealed payload with the report id that makes every retry safe.
//!
//! The module keeps no state of its own beyond the context: drafts and the outbox live in
//! IndexedDB (web/js/store.js), and the module decides what a draft may become and what to
//! do with an upload's answer ([`upload_step`]). It never sees a raw location: the page
//! rounds a position with [`round_geotag`] the moment it has one, and [`Client::seal_draft`]
//! rounds again before anything enters the payload.

use std::collections::BTreeSet;

use jianfu_core::geofence::Boundary;
use jianfu_core::period::Period;
use jianfu_core::report::{parse_and_check, verdict};
use jianfu_core::similarity::similar_outcome_warnings;
use jianfu_core::template::{self, Field, FieldKind, Template};
use jianfu_core::{Geotag, Outcome, Problem, ReportContent};
use serde::Serialize;
use serde_json::{Value, json};
use wasm_bindgen::prelude::{JsValue, wasm_bindgen};

use crate::error::{ClientError, to_js};

/// The parts of `GET /api/v1/me/periods/{key}` the module needs; other keys are ignored.
/// Read by hand from the parsed JSON (no serde derive: see [`jianfu_core::template::wire`]).
#[derive(Debug)]
struct PeriodContext {
    key: String,
    template: Vec<Field>,
    boundary: Option<Value>,
    report: Option<ExistingReport>,
    prefill: Option<Value>,
    last_outcomes: Vec<Outcome>,
    continuable: BTreeSet<String>,
}

#[derive(Debug)]
struct ExistingReport {
    id: String,
    revision: Option<i64>,
    content: Value,
}

/// `value[key]` as a list, each item read by `read`; absent or null is empty.
fn list<T>(
    value: &Value,
    key: &str,
    read: impl Fn(&Value) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    match &value[key] {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items.iter().map(read).collect(),
        _ => Err(format!("`{key}` is not a list")),
    }
}

/// `value[key]` unless absent or null.
fn present(value: &Value, key: &str) -> Option<Value> {
    Some(value[key].clone()).filter(|v| !v.is_null())
}

fn text(value: &Value, key: &str) -> Result<String, String> {
    value[key]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("`{key}` is missing or not a string"))
}

impl PeriodContext {
    fn read(value: &Value) -> Result<PeriodContext, String> {
        if !value.is_object() {
            return Err("the context is not an object".to_owned());
        }
        let report = match present(value, "report") {
            None => None,
            Some(report) => Some(ExistingReport {
                id: text(&report, "id")?,
                revision: report["revision"].as_i64(),
                content: report["content"].clone(),
            }),
        };
        Ok(PeriodContext {
            key: text(&value["period"], "key")?,
            template: list(value, "template", template::wire::field)?,
            boundary: present(value, "boundary"),
            report,
            prefill: present(value, "prefill"),
            last_outcomes: list(value, "last_outcomes", Outcome::from_json)?,
            continuable: list(value, "continuable", |id| {
                id.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| "`continuable` is not a list of strings".to_owned())
            })?
            .into_iter()
            .collect(),
        })
    }
}

/// A draft as the page hands it back to [`Client::seal_draft`]: what [`NewDraft`] gave,
/// edited.
#[derive(Debug)]
struct Draft {
    report_id: String,
    period: String,
    content: Value,
}

impl Draft {
    fn read(value: &Value) -> Result<Draft, String> {
        Ok(Draft {
            report_id: text(value, "reportId")?,
            period: text(value, "period")?,
            content: present(value, "content").ok_or("`content` is missing")?,
        })
    }
}

/// A draft: one per period, as the page keeps it. Keep `reportId` for good: it is the
/// idempotency key.
// Its own type rather than `Draft` plus a field: the module never reads `basedOn` back, so
// it carries no code to.
#[derive(Debug, Serialize, tsify::Tsify)]
#[serde(rename_all = "camelCase")]
#[tsify(rename = "Draft")]
struct NewDraft {
    report_id: String,
    /// The period key, e.g. `weekly:2026-11-16`.
    period: String,
    // Kept raw: a draft may be anything while it is written; the checks name what is wrong.
    #[tsify(type = "ReportContent")]
    content: Value,
    /// Where the first content came from, only on `Client.newDraft`'s result: `report` (a
    /// revision), `prefill`, or `empty`.
    #[tsify(optional, type = r#""report" | "prefill" | "empty""#)]
    based_on: &'static str,
    /// The stored revision this draft edits (send it as `base_revision`), or null for a new
    /// report.
    #[tsify(optional)]
    base_revision: Option<i64>,
}

/// What `PUT /api/v1/reports/{reportId}` takes as `{period, content}`, plus the id.
#[derive(Debug, Serialize, tsify::Tsify)]
#[serde(rename_all = "camelCase")]
struct SealedReport {
    report_id: String,
    period: String,
    content: ReportContent,
}

/// A period's template, period, boundary and history, parsed once; checks run against it.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Client {
    template: Template,
    period: Period,
    boundary: Option<Boundary>,
    continuable: BTreeSet<String>,
    last_outcomes: Vec<Outcome>,
    existing: Option<ExistingReport>,
    prefill: Option<Value>,
}

/// A JS value as JSON: through `JSON.stringify` and one text parser; every shape is then
/// read by hand (no serde derive), which keeps the module small.
pub(crate) fn from_js(value: &JsValue, what: &str) -> Result<Value, ClientError> {
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    serde_json::from_str::<Value>(&text)
        .map_err(|e| ClientError::invalid_input(what, &e.to_string()))
}

fn context_error(reason: &str) -> ClientError {
    ClientError::invalid_input("context", reason)
}

#[wasm_bindgen]
impl Client {
    /// Parses the answer of `GET /api/v1/me/periods/{key}` (kept in IndexedDB, so this works
    /// offline).
    ///
    /// @throws {JianfuError} `invalid_input` with `details: {what: "context", reason}`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "PeriodContext")] context: &JsValue,
    ) -> Result<Client, JsValue> {
        let context =
            PeriodContext::read(&from_js(context, "context")?).map_err(|e| context_error(&e))?;
        let period = Period::parse_key(&context.key).map_err(|e| context_error(&e.to_string()))?;
        let boundary = match &context.boundary {
            Some(geojson) => Some(crate::boundary::read(geojson).map_err(|e| context_error(&e))?),
            None => None,
        };
        Ok(Client {
            template: Template {
                fields: context.template,
            },
            period,
            boundary,
            continuable: context.continuable,
            last_outcomes: context.last_outcomes,
            existing: context.report,
            prefill: context.prefill,
        })
    }

    /// The period key, e.g. `weekly:2026-11-16`.
    #[wasm_bindgen(getter, js_name = periodKey)]
    pub fn period_key(&self) -> String {
        self.period.key()
    }

    /// A first draft for this period. With a report already stored, its id and content (the
    /// draft becomes a revision); otherwise a fresh report id and the carried-forward prefill
    /// (or empty content). Call once per period and keep the result: the id is the
    /// idempotency key.
    #[wasm_bindgen(js_name = newDraft, unchecked_return_type = "Draft")]
    pub fn new_draft(&self) -> JsValue {
        let draft = match (&self.existing, &self.prefill) {
            (Some(report), _) => NewDraft {
                report_id: report.id.clone(),
                period: self.period.key(),
                content: report.content.clone(),
                based_on: "report",
                base_revision: report.revision,
            },
            (None, Some(prefill)) => NewDraft {
                report_id: new_report_id(),
                period: self.period.key(),
                content: prefill.clone(),
                based_on: "prefill",
                base_revision: None,
            },
            (None, None) => NewDraft {
                report_id: new_report_id(),
                period: self.period.key(),
                content: json!({ "outcomes": [], "fields": {} }),
                based_on: "empty",
                base_revision: None,
            },
        };
        to_js(&draft)
    }

    /// Every problem of a draft's content: first the server's own verdict (errors, in the
    /// server's order), then `similar_to_last_period` warnings. Warnings never block sealing.
    #[wasm_bindgen(js_name = checkDraft, unchecked_return_type = "Problem[]")]
    pub fn check_draft(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ReportContent")] content: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let raw = from_js(content, "content")?;
        Ok(to_js(&self.problems(&raw)))
    }

    /// The payload to upload, or a throw when the draft has errors. Geotags are rounded
    /// first (they never leave the module unrounded) and texts are trimmed as the server
    /// stores them.
    ///
    /// @throws {JianfuError} `report_invalid` with `details.problems` (errors only), or
    /// `invalid_input` when the draft is not a draft of this period.
    #[wasm_bindgen(js_name = sealDraft, unchecked_return_type = "SealedReport")]
    pub fn seal_draft(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Draft")] draft: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let mut draft = Draft::read(&from_js(draft, "draft")?)
            .map_err(|e| ClientError::invalid_input("draft", &e))?;
        if !is_uuid(&draft.report_id) {
            return Err(ClientError::invalid_input("draft", "reportId is not a UUID").into());
        }
        if draft.period != self.period.key() {
            return Err(
                ClientError::invalid_input("draft", "the draft is of another period").into(),
            );
        }
        round_geotags(&mut draft.content, &self.template);
        let errors: Vec<Problem> = verdict(&draft.content, &self.context())
            .into_iter()
            .filter(Problem::is_error)
            .collect();
        if !errors.is_empty() {
            return Err(ClientError::report_invalid(&errors).into());
        }
        let content = parse_and_check(&draft.content, &self.context())
            .map_err(|problems| ClientError::report_invalid(&problems))?;
        Ok(to_js(&SealedReport {
            report_id: draft.report_id,
            period: draft.period,
            content,
        }))
    }
}

impl Client {
    fn context(&self) -> jianfu_core::CheckContext<'_> {
        jianfu_core::CheckContext {
            template: &self.template,
            period: &self.period,
            boundary: self.boundary.as_ref(),
            continuable: &self.continuable,
        }
    }

    /// The verdict, then the similarity hints for whatever parses as a report.
    pub fn problems(&self, raw: &Value) -> Vec<Problem> {
        let mut problems = verdict(raw, &self.context());
        if let Ok(content) = ReportContent::from_json(raw) {
            problems.extend(similar_outcome_warnings(&content, &self.last_outcomes));
        }
        problems
    }
}

/// Rounds every well-formed geotag in place: on outcomes and in the template's geotag
/// fields. Anything malformed is left for the check to name.
fn round_geotags(content: &mut Value, template: &Template) {
    let round = |tag: &mut Value| {
        if let (Some(lat), Some(lon)) = (tag["lat"].as_f64(), tag["lon"].as_f64()) {
            let rounded = Geotag::rounded(lat, lon);
            tag["lat"] = json!(rounded.lat);
            tag["lon"] = json!(rounded.lon);
        }
    };
    if let Some(outcomes) = content.get_mut("outcomes").and_then(Value::as_array_mut) {
        for outcome in outcomes {
            if let Some(tag) = outcome.get_mut("geotag").filter(|t| t.is_object()) {
                round(tag);
            }
        }
    }
    for field in &template.fields {
        if matches!(field.kind, FieldKind::Geotag)
            && let Some(tag) = content
                .get_mut("fields")
                .and_then(|f| f.get_mut(&field.key))
                .filter(|t| t.is_object())
        {
            round(tag);
        }
    }
}

/// A position as it may be kept and sent: both coordinates rounded to 3 decimals (about
/// 110 m). Call it the moment the page has a position; never store the raw one.
///
/// @throws {JianfuError} `invalid_geotag` when the numbers are not a place on Earth.
#[wasm_bindgen(js_name = roundGeotag, unchecked_return_type = "Geotag")]
pub fn round_geotag(lat: f64, lon: f64) -> Result<JsValue, JsValue> {
    let tag = Geotag::rounded(lat, lon);
    if !tag.is_valid() {
        return Err(ClientError {
            code: "invalid_geotag",
            message_zh: "位置无效：纬度应在 −90 到 90 之间，经度在 −180 到 180 之间".to_owned(),
            message_en: "not a valid location: latitude is in −90..90, longitude in −180..180"
                .to_owned(),
            details: json!({}),
        }
        .into());
    }
    Ok(to_js(&tag))
}

/// A fresh report id: a UUID version 7 (RFC 9562), the first 48 bits the device's clock
/// in milliseconds and the other 74 from `crypto.getRandomValues` (or `Math.random` where
/// no Web Crypto exists). Ids that grow with time put each new report at the end of the
/// server's tables instead of at a random page of them.
#[wasm_bindgen(js_name = newReportId)]
pub fn new_report_id() -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = random_bytes();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // ms since 1970 < 2^48
    let millis = js_sys::Date::now() as u64;
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6] = (bytes[6] & 0x0f) | 0x70;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]])
        .map(char::from)
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn random_bytes() -> [u8; 16] {
    use wasm_bindgen::JsCast;
    let mut bytes = [0u8; 16];
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).ok();
    let method = crypto
        .as_ref()
        .and_then(|c| js_sys::Reflect::get(c, &"getRandomValues".into()).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let (Some(crypto), Some(method)) = (crypto, method) {
        let array = js_sys::Uint8Array::new_with_length(16);
        if method.call1(&crypto, &array).is_ok() {
            array.copy_to(&mut bytes);
            return bytes;
        }
    }
    for byte in &mut bytes {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0..256
        let value = (js_sys::Math::random() * 256.0) as u8;
        *byte = value;
    }
    bytes
}

fn is_uuid(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// What the outbox does after one upload attempt.
#[derive(Debug, PartialEq, Serialize, tsify::Tsify)]
#[serde(rename_all = "camelCase")]
pub struct UploadStep {
    /// `done`; `retry`: same id, after `delayMs`; `revise`: resend as `existingId` (HTTP 409
    /// `report_exists_for_period`); `conflict`: the server holds a newer revision than the
    /// one this draft edited (HTTP 409 `revision_conflict`, its `details.latest` has it): the
    /// cadre chooses; `drop_sealed_at`: the server refused the device's seal time (a clock
    /// far off), resend at once without it; `sign_in`: keep it until a new token;
    /// `refused`: keep it and show the problems.
    #[tsify(
        type = r#""done" | "retry" | "revise" | "conflict" | "drop_sealed_at" | "sign_in" | "refused""#
    )]
    pub action: &'static str,
    /// For `retry`: how long to wait before the next attempt.
    pub delay_ms: Option<u32>,
    /// For `revise`: the report already stored for the period.
    pub existing_id: Option<String>,
}

/// The first retry waits this long; each failure doubles it, up to [`MAX_RETRY_MS`].
pub const FIRST_RETRY_MS: u32 = 2_000;
/// Retries wait at most this long (the `online` event also triggers an attempt).
pub const MAX_RETRY_MS: u32 = 5 * 60 * 1000;

/// The decision after an upload: `status` is the HTTP status (0 when the network failed),
/// `body` the parsed answer (or null), `attempts` the failed attempts so far.
pub fn decide_upload(status: u16, body: &Value, attempts: u32) -> UploadStep {
    let step = |action| UploadStep {
        action,
        delay_ms: None,
        existing_id: None,
    };
    match status {
        200 | 201 => step("done"),
        409 if body["code"] == "report_exists_for_period" => {
            match body["details"]["existing_id"].as_str() {
                Some(existing) if is_uuid(existing) => UploadStep {
                    existing_id: Some(existing.to_owned()),
                    ..step("revise")
                },
                _ => step("refused"),
            }
        }
        409 if body["code"] == "revision_conflict" && body["details"]["latest"].is_object() => {
            step("conflict")
        }
        422 if body["code"] == "validation_failed" && body["details"]["field"] == "sealed_at" => {
            step("drop_sealed_at")
        }
        401 => step("sign_in"),
        0 | 408 | 429 | 500..=599 => UploadStep {
            delay_ms: Some(
                FIRST_RETRY_MS
                    .saturating_mul(1 << attempts.min(16))
                    .min(MAX_RETRY_MS),
            ),
            ..step("retry")
        },
        _ => step("refused"),
    }
}

/// What to do after uploading a sealed report: see [`UploadStep`].
#[wasm_bindgen(js_name = uploadStep, unchecked_return_type = "UploadStep")]
pub fn upload_step(status: u16, body: &JsValue, attempts: u32) -> JsValue {
    let body = from_js(body, "body").unwrap_or(Value::Null);
    to_js(&decide_upload(status, &body, attempts))
}
