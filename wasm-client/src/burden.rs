//! The admin's live burden preview (R5): as a template is edited, what it costs a cadre per
//! month at a cadence, against the budget and the daily punch-in + daily log baseline it
//! replaces, and every problem the server would refuse the template for (R3, R4, limits),
//! all computed by core's own code — the figures and words the server gives.

use jianfu_core::Problem;
use jianfu_core::burden::{self, Ledger};
use jianfu_core::period::PeriodKind;
use jianfu_core::template::{self, Template};
use serde::Serialize;
use serde_json::{Value, json};
use wasm_bindgen::prelude::{JsValue, wasm_bindgen};

use crate::error::{ClientError, to_js};
use crate::report::from_js;

/// What `templateBurden` gives: the ledger as the server's `GET /api/v1/burden` and
/// `GET /api/v1/policies/{unit}` show it, and the problems as the server's refusals carry
/// them in `details.problems`.
#[derive(Debug, Serialize, tsify::Tsify)]
pub struct TemplateBurden {
    /// Minutes and actions per cadre per month, the budget and the baseline: core's
    /// `burden::ledger`, unrounded, with the server's field names.
    #[tsify(type = "BurdenLedger")]
    pub ledger: Ledger,
    /// The burden is at most the budget (equal allowed).
    pub within_budget: bool,
    /// The `burden_over_budget` problem the server refuses with, worded as it words it
    /// (with `details.arithmetic`); null within the budget.
    pub over_budget: Option<Problem>,
    /// Every problem of the template (`too_many_fields`, `invalid_field`,
    /// `duplicate_field`, `photo_required`), in the server's order; `field` is the field's
    /// key (or `fields[i]` when the key is malformed) and `details.index` its position.
    pub problems: Vec<Problem>,
}

#[wasm_bindgen(typescript_custom_section)]
const BURDEN_LEDGER: &str = r#"
/** The burden ledger of core (`burden::Ledger`), as the server sends it. */
export interface BurdenLedger {
  now: { kind: string; submissions_per_month: number; seconds_per_submission: number; minutes_per_month: number };
  actions_per_month: number;
  budget_minutes_per_month: number;
  baseline_minutes_per_month: number;
  baseline_actions_per_month: number;
  minutes_saved_per_month: number;
  share_of_baseline: number;
}
"#;

/// The cadence word, refused as the server refuses it (`invalid_period`, `details.reason`).
fn period_kind(text: &str) -> Result<PeriodKind, ClientError> {
    text.parse::<PeriodKind>().map_err(|e| {
        let problem = e.to_problem("period_kind");
        ClientError {
            code: "invalid_period",
            message_zh: problem.message_zh,
            message_en: problem.message_en,
            details: problem.details,
        }
    })
}

/// The fields as the server reads a template request's `fields` (`template::wire`, which
/// agrees with serde's derive), or which one is malformed and why.
fn read_fields(value: &Value) -> Result<Template, ClientError> {
    let items = value
        .as_array()
        .ok_or_else(|| ClientError::invalid_input("fields", "not a list"))?;
    let fields = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            template::wire::field(item).map_err(|reason| ClientError {
                details: json!({ "what": "fields", "reason": reason, "index": index }),
                ..ClientError::invalid_input("fields", &reason)
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Template { fields })
}

/// The burden of `fields` (a template's `fields`, as `POST /api/v1/templates` takes them)
/// reported once per `periodKind` period, against `budgetMinutesPerMonth` and the daily
/// baseline, and the template's problems. Nothing is sent anywhere.
///
/// @throws {JianfuError} `invalid_period` for an unknown cadence; `invalid_input` with
/// `details: {what: "fields", reason, index?}` when a field is not a template field.
#[wasm_bindgen(js_name = templateBurden, unchecked_return_type = "TemplateBurden")]
pub fn template_burden(
    #[wasm_bindgen(unchecked_param_type = "TemplateField[]")] fields: &JsValue,
    period_kind_name: &str,
    budget_minutes_per_month: u32,
) -> Result<JsValue, JsValue> {
    let kind = period_kind(period_kind_name)?;
    let template = read_fields(&from_js(fields, "fields")?)?;
    Ok(to_js(&burden_of(&template, kind, budget_minutes_per_month)))
}

/// [`template_burden`] on Rust values, for tests on the host.
pub fn burden_of(template: &Template, kind: PeriodKind, budget: u32) -> TemplateBurden {
    let ledger = burden::ledger(kind, template, budget);
    TemplateBurden {
        within_budget: ledger.within_budget(),
        over_budget: burden::check_budget(kind, template, budget).err(),
        problems: template.check(),
        ledger,
    }
}
