//! The content of a report (outcomes, the template's fields, days in the village) and the
//! checks that accept or refuse it. The server and the browser run exactly these.
//!
//! [`parse_and_check`] walks the raw JSON so that a wrong type is one problem on one
//! field rather than one serde error for the whole report; [`verdict`] adds the payload
//! size. Every problem is an error; hints (such as similarity to the last period) live in
//! [`crate::similarity`]. Codes, each on a `field` path such as `outcomes[2].what`,
//! `fields.households` or `days_in_village`:
//!
//! - `payload_too_large`: more than [`MAX_PAYLOAD_BYTES`] of JSON.
//! - `no_outcomes`, `too_many_outcomes`: the outcome list is missing, empty or longer than
//!   [`MAX_OUTCOMES`] (or the template's outcome list `max_items`, when smaller).
//! - `invalid_outcome_id`, `duplicate_outcome_id`: an id is not 1..=64 of `[A-Za-z0-9_-]`,
//!   or repeats an earlier outcome's.
//! - `required`: a required text is missing or only whitespace, or a required template
//!   field has no value.
//! - `too_long`: a text over its limit, counted in characters after trimming.
//! - `control_character`: a text holding NUL or another control character (`details.position`,
//!   `details.code_point`); only `what` and the template's text fields may hold line breaks
//!   and tabs. Every text keeps the shared rule of [`crate::text`].
//! - `out_of_range`: a number outside its limits (`details.min`, `details.max`).
//! - `unknown_field`: a key the report shape or the template does not have. A template's
//!   outcome-list field is not a key of `fields` either: outcomes live in `outcomes`.
//! - `wrong_type`: a value of the wrong JSON type (`details.expected`), or a number that
//!   must be whole and is not, or a date not written `YYYY-MM-DD`.
//! - `invalid_choice`: a status or a choice that is not one of the options.
//! - `date_outside_period`: a template date outside the report's period.
//! - `invalid_geotag`, `geotag_not_rounded`, `geotag_outside_boundary` (R7).
//! - `unknown_continued_outcome`: `continues` names no earlier outcome of this cadre's.
//!
//! Problems come in document order: the outcome list, then each outcome (id, category,
//! what, for_whom, status, quantity, geotag, continues, unknown keys), then the template's
//! fields in template order followed by unknown keys of `fields`, then `days_in_village`,
//! then unknown top-level keys. Unknown keys come in alphabetical order.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::geofence::{BUFFER_METRES, Boundary, GEOTAG_DECIMALS, Geotag};
use crate::period::Period;
use crate::problem::Problem;
use crate::template::{Field, FieldKind, Template};
use crate::text::{TextRule, capitalise};

/// At most this many outcomes in one report.
pub const MAX_OUTCOMES: usize = 20;
/// An outcome id is 1 to this many characters of `[A-Za-z0-9_-]`.
pub const MAX_OUTCOME_ID_CHARS: usize = 64;
/// An outcome's category has at most this many characters.
pub const MAX_CATEGORY_CHARS: usize = 32;
/// What was done: at most this many characters.
pub const MAX_WHAT_CHARS: usize = 500;
/// For whom: at most this many characters.
pub const MAX_FOR_WHOM_CHARS: usize = 200;
/// A quantity's value is finite and in `0..=MAX_QUANTITY`.
pub const MAX_QUANTITY: f64 = 1e9;
/// A quantity's unit (户, 米, km) has at most this many characters.
pub const MAX_UNIT_CHARS: usize = 16;
/// An attachment reference (never the attachment itself) has at most this many characters.
pub const MAX_ATTACHMENT_REF_CHARS: usize = 200;
/// A report's JSON is at most this many bytes.
pub const MAX_PAYLOAD_BYTES: usize = 32 * 1024;

/// The rules of an outcome's texts: only `what` may span lines (a text area on the page).
const CATEGORY_RULE: TextRule = TextRule::line(1, MAX_CATEGORY_CHARS);
const WHAT_RULE: TextRule = TextRule::lines(1, MAX_WHAT_CHARS);
const FOR_WHOM_RULE: TextRule = TextRule::line(1, MAX_FOR_WHOM_CHARS);
const UNIT_RULE: TextRule = TextRule::line(1, MAX_UNIT_CHARS);

/// What a cadre reports for one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct ReportContent {
    pub outcomes: Vec<Outcome>,
    /// The template's fields by key (outcome-list fields excluded).
    #[serde(default)]
    #[cfg_attr(feature = "ts", tsify(type = "Record<string, unknown>"))]
    pub fields: BTreeMap<String, Value>,
    /// Self-declared days spent in the village during the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_in_village: Option<u16>,
}

/// One real outcome: what was done, for whom, and how far it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// Made by the client; unique in the report: 1 to 64 of `[A-Za-z0-9_-]`.
    pub id: String,
    pub category: String,
    pub what: String,
    pub for_whom: String,
    pub status: OutcomeStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    /// Where the outcome is (the repaired road), rounded; never where the cadre is (R7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geotag: Option<Geotag>,
    /// The id of an outcome of an earlier report of this cadre's that this one continues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continues: Option<String>,
}

/// How far an outcome got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    Done,
    InProgress,
    HandedOff,
    Blocked,
}

impl OutcomeStatus {
    pub const ALL: [OutcomeStatus; 4] = [
        OutcomeStatus::Done,
        OutcomeStatus::InProgress,
        OutcomeStatus::HandedOff,
        OutcomeStatus::Blocked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::Done => "done",
            OutcomeStatus::InProgress => "in_progress",
            OutcomeStatus::HandedOff => "handed_off",
            OutcomeStatus::Blocked => "blocked",
        }
    }

    /// Still this cadre's to finish: in progress or blocked. A handed-off outcome is
    /// someone else's now, so it is not carried forward.
    pub fn is_unfinished(self) -> bool {
        matches!(self, OutcomeStatus::InProgress | OutcomeStatus::Blocked)
    }

    fn parse(text: &str) -> Option<OutcomeStatus> {
        OutcomeStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// How much, e.g. 12 户 or 350 米.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    pub value: f64,
    pub unit: String,
}

impl ReportContent {
    /// A lean reader of the wire form (no serde derive: the browser module reads reports
    /// with it), strict as the derive is: the same result as
    /// `serde_json::from_value::<ReportContent>` for every input, unknown keys refused.
    pub fn from_json(value: &Value) -> Result<ReportContent, String> {
        let object = strict_object(value, "the report", &TOP_KEYS)?;
        let outcomes = match object.get("outcomes") {
            None => return Err("missing field `outcomes`".to_owned()),
            Some(Value::Array(items)) => items
                .iter()
                .map(Outcome::from_json)
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return Err("`outcomes` is not a list".to_owned()),
        };
        let fields = match object.get("fields") {
            None => BTreeMap::new(),
            Some(Value::Object(fields)) => {
                fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
            }
            Some(_) => return Err("`fields` is not an object".to_owned()),
        };
        let days_in_village = match object.get("days_in_village") {
            None | Some(Value::Null) => None,
            Some(days) => Some(
                days.as_u64()
                    .and_then(|n| u16::try_from(n).ok())
                    .ok_or_else(|| {
                        "`days_in_village` is not a whole number in 0..=65535".to_owned()
                    })?,
            ),
        };
        Ok(ReportContent {
            outcomes,
            fields,
            days_in_village,
        })
    }
}

impl Outcome {
    /// A lean reader of one outcome's wire form, strict as the derive is (see
    /// [`ReportContent::from_json`]).
    pub fn from_json(value: &Value) -> Result<Outcome, String> {
        use crate::template::wire::{number, optional_string, string};
        let object = strict_object(value, "an outcome", &OUTCOME_KEYS)?;
        let status = string(object, "status")?;
        let quantity = match object.get("quantity") {
            None | Some(Value::Null) => None,
            Some(quantity) => {
                let quantity = strict_object(quantity, "a quantity", &["value", "unit"])?;
                Some(Quantity {
                    value: number(quantity, "value")?,
                    unit: string(quantity, "unit")?,
                })
            }
        };
        let geotag = match object.get("geotag") {
            None | Some(Value::Null) => None,
            Some(tag) => {
                let tag = strict_object(tag, "a geotag", &["lat", "lon"])?;
                Some(Geotag {
                    lat: number(tag, "lat")?,
                    lon: number(tag, "lon")?,
                })
            }
        };
        Ok(Outcome {
            id: string(object, "id")?,
            category: string(object, "category")?,
            what: string(object, "what")?,
            for_whom: string(object, "for_whom")?,
            status: OutcomeStatus::parse(&status)
                .ok_or_else(|| format!("unknown outcome status `{status}`"))?,
            quantity,
            geotag,
            continues: optional_string(object, "continues")?,
        })
    }
}

/// `value` as an object holding only `keys` (serde's `deny_unknown_fields`).
fn strict_object<'v>(
    value: &'v Value,
    what: &str,
    keys: &[&str],
) -> Result<&'v Map<String, Value>, String> {
    let object = value
        .as_object()
        .ok_or_else(|| format!("{what} is not an object"))?;
    match object.keys().find(|key| !keys.contains(&key.as_str())) {
        Some(unknown) => Err(format!("unknown field `{unknown}` in {what}")),
        None => Ok(object),
    }
}

/// What a report is checked against.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    pub template: &'a Template,
    pub period: &'a Period,
    /// The cadre's village (or township) boundary, when one is known.
    pub boundary: Option<&'a Boundary>,
    /// Outcome ids of this cadre's earlier reports that an outcome may continue.
    pub continuable: &'a BTreeSet<String>,
}

/// `payload_too_large` when a report's JSON has more than [`MAX_PAYLOAD_BYTES`].
pub fn check_payload_size(bytes: usize) -> Option<Problem> {
    (bytes > MAX_PAYLOAD_BYTES).then(|| {
        let kib = bytes.div_ceil(1024);
        let max_kib = MAX_PAYLOAD_BYTES / 1024;
        Problem::error(
            "payload_too_large",
            "",
            format!("报告有 {bytes} 字节（约 {kib} KB），最多 {MAX_PAYLOAD_BYTES} 字节（{max_kib} KB）：请精简文字"),
            format!("The report is {bytes} bytes (about {kib} KB); at most {MAX_PAYLOAD_BYTES} bytes ({max_kib} KB) are allowed: shorten the text"),
            json!({ "max": MAX_PAYLOAD_BYTES, "actual": bytes }),
        )
    })
}

/// Every error in a raw report, in document order, or the report it holds.
pub fn parse_and_check(raw: &Value, ctx: &CheckContext) -> Result<ReportContent, Vec<Problem>> {
    let problems = Checker::run(raw, ctx);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut content = ReportContent::from_json(raw).map_err(|e| {
        // Unreachable while the walk and the types agree; kept as a refusal, not a panic.
        vec![Problem::error(
            "wrong_type",
            "",
            format!("报告格式不对：{e}"),
            format!("The report is malformed: {e}"),
            json!({ "reason": e }),
        )]
    })?;
    for outcome in &mut content.outcomes {
        clean_in_place(&mut outcome.category, CATEGORY_RULE);
        clean_in_place(&mut outcome.what, WHAT_RULE);
        clean_in_place(&mut outcome.for_whom, FOR_WHOM_RULE);
        if let Some(quantity) = &mut outcome.quantity {
            clean_in_place(&mut quantity.unit, UNIT_RULE);
        }
    }
    for field in &ctx.template.fields {
        if let (Some(rule), Some(Value::String(text))) =
            (text_rule(field), content.fields.get_mut(&field.key))
        {
            clean_in_place(text, rule);
        }
    }
    Ok(content)
}

/// Every error in a report already typed (the same walk as [`parse_and_check`]).
pub fn check(content: &ReportContent, ctx: &CheckContext) -> Vec<Problem> {
    match serde_json::to_value(content) {
        Ok(raw) => Checker::run(&raw, ctx),
        Err(e) => vec![Problem::error(
            "wrong_type",
            "",
            format!("报告无法序列化：{e}"),
            format!("The report cannot be serialised: {e}"),
            json!({ "reason": e.to_string() }),
        )],
    }
}

/// What the server and the browser both answer for a raw report: the size problem, if
/// any (measured on the compact JSON), then every error of [`parse_and_check`].
pub fn verdict(raw: &Value, ctx: &CheckContext) -> Vec<Problem> {
    let bytes = serde_json::to_vec(raw).map_or(0, |b| b.len());
    let mut problems: Vec<Problem> = check_payload_size(bytes).into_iter().collect();
    problems.extend(Checker::run(raw, ctx));
    problems
}

/// The draft for the next period, prefilled from the last report (R3): the template's
/// stable fields, and each unfinished outcome (in progress or blocked) again, with a new
/// id from `next_id` and `continues` naming the old one. Days in the village start empty.
pub fn carry_forward(
    last: &ReportContent,
    template: &Template,
    mut next_id: impl FnMut() -> String,
) -> ReportContent {
    let fields = template
        .fields
        .iter()
        .filter(|field| field.stable && !matches!(field.kind, FieldKind::OutcomeList { .. }))
        .filter_map(|field| {
            last.fields
                .get(&field.key)
                .filter(|value| !value.is_null())
                .map(|value| (field.key.clone(), value.clone()))
        })
        .collect();
    let outcomes = last
        .outcomes
        .iter()
        .filter(|outcome| outcome.status.is_unfinished())
        .map(|outcome| Outcome {
            id: next_id(),
            continues: Some(outcome.id.clone()),
            ..outcome.clone()
        })
        .collect();
    ReportContent {
        outcomes,
        fields,
        days_in_village: None,
    }
}

/// Whether `id` is 1..=[`MAX_OUTCOME_ID_CHARS`] characters of `[A-Za-z0-9_-]`.
pub fn is_valid_outcome_id(id: &str) -> bool {
    (1..=MAX_OUTCOME_ID_CHARS).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The text as stored: trimmed, line breaks as `\n`. Only called on checked texts, so the
/// rule holds; a text that broke it would be left as it was.
fn clean_in_place(text: &mut String, rule: TextRule) {
    if let Ok(kept) = rule.apply(text) {
        *text = kept;
    }
}

/// The text rule of a template field that holds free text: a text field (which may span
/// lines) or an attachment reference.
fn text_rule(field: &Field) -> Option<TextRule> {
    let min = usize::from(field.required);
    match field.kind {
        FieldKind::Text { max_chars } => {
            let max = usize::try_from(max_chars).unwrap_or(usize::MAX);
            Some(TextRule::lines(min, max))
        }
        // An attachment is never required (R4).
        FieldKind::Attachment { .. } => Some(TextRule::line(0, MAX_ATTACHMENT_REF_CHARS)),
        _ => None,
    }
}

const TOP_KEYS: [&str; 3] = ["outcomes", "fields", "days_in_village"];
const OUTCOME_KEYS: [&str; 8] = [
    "id",
    "category",
    "what",
    "for_whom",
    "status",
    "quantity",
    "geotag",
    "continues",
];

/// Where a problem is: the path, and how to name it in Chinese and English.
struct Place {
    path: String,
    zh: String,
    en: String,
}

impl Place {
    fn new(path: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> Place {
        Place {
            path: path.into(),
            zh: zh.into(),
            en: en.into(),
        }
    }

    fn outcome(index: usize, key: &str, zh: &str, en: &str) -> Place {
        let position = index + 1;
        Place::new(
            format!("outcomes[{index}].{key}"),
            format!("第 {position} 项成果的“{zh}”"),
            format!("outcome {position}'s {en}"),
        )
    }

    fn field(field: &Field) -> Place {
        Place::new(
            format!("fields.{}", field.key),
            format!("“{}”", field.label_zh),
            format!("\"{}\"", field.label_en),
        )
    }
}

/// The JSON type of a value, as named in `details.actual`.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// One walk over a raw report, collecting errors in document order.
struct Checker<'c, 'a> {
    ctx: &'c CheckContext<'a>,
    problems: Vec<Problem>,
}

impl Checker<'_, '_> {
    fn run(raw: &Value, ctx: &CheckContext) -> Vec<Problem> {
        let mut checker = Checker {
            ctx,
            problems: Vec::new(),
        };
        checker.report(raw);
        checker.problems
    }

    fn report(&mut self, raw: &Value) {
        let Some(object) = raw.as_object() else {
            let whole = Place::new("", "报告", "the report");
            self.wrong_type(&whole, raw, "object", "一个对象", "an object");
            return;
        };
        self.outcomes(object.get("outcomes"));
        self.fields(object.get("fields"));
        self.days_in_village(object.get("days_in_village"));
        self.unknown_keys(object, &TOP_KEYS, "", "报告", "the report");
    }

    // ── outcomes ────────────────────────────────────────────────────────────────

    fn outcomes(&mut self, value: Option<&Value>) {
        let none = Vec::new();
        let items = match value {
            None | Some(Value::Null) => &none,
            Some(Value::Array(items)) => items,
            Some(other) => {
                let place = Place::new("outcomes", "成果列表", "the outcome list");
                self.wrong_type(&place, other, "array", "一个列表", "a list");
                return;
            }
        };
        if items.is_empty() {
            self.error(
                "no_outcomes",
                "outcomes",
                "报告里没有成果：请至少写一项做成的事".to_owned(),
                "The report has no outcome: write at least one thing that was done".to_owned(),
                json!({ "min": 1, "actual": 0 }),
            );
        }
        let max = self.max_outcomes();
        if items.len() > max {
            let actual = items.len();
            self.error(
                "too_many_outcomes",
                "outcomes",
                format!("报告有 {actual} 项成果，最多 {max} 项：请合并同类成果"),
                format!("The report has {actual} outcomes; at most {max} are allowed: merge similar ones"),
                json!({ "max": max, "actual": actual }),
            );
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, item) in items.iter().enumerate() {
            self.outcome(index, item, &mut seen);
        }
    }

    /// [`MAX_OUTCOMES`], or the template's outcome list `max_items` when smaller.
    fn max_outcomes(&self) -> usize {
        self.ctx
            .template
            .fields
            .iter()
            .filter_map(|field| match field.kind {
                FieldKind::OutcomeList { max_items } => usize::try_from(max_items).ok(),
                _ => None,
            })
            .fold(MAX_OUTCOMES, usize::min)
    }

    fn outcome<'v>(&mut self, index: usize, item: &'v Value, seen: &mut BTreeMap<&'v str, usize>) {
        let position = index + 1;
        let Some(object) = item.as_object() else {
            let place = Place::new(
                format!("outcomes[{index}]"),
                format!("第 {position} 项成果"),
                format!("outcome {position}"),
            );
            self.wrong_type(&place, item, "object", "一个对象", "an object");
            return;
        };
        self.outcome_id(index, object.get("id"), seen);
        for (key, zh, en, rule) in [
            ("category", "类别", "category", CATEGORY_RULE),
            ("what", "做了什么", "\"what was done\"", WHAT_RULE),
            ("for_whom", "为谁", "\"for whom\"", FOR_WHOM_RULE),
        ] {
            self.text(&Place::outcome(index, key, zh, en), object.get(key), rule);
        }
        self.status(index, object.get("status"));
        self.quantity(index, object.get("quantity"));
        if let Some(value) = object.get("geotag").filter(|v| !v.is_null()) {
            self.geotag(&Place::outcome(index, "geotag", "位置", "geotag"), value);
        }
        self.continues(index, object.get("continues"));
        self.unknown_keys(
            object,
            &OUTCOME_KEYS,
            &format!("outcomes[{index}]."),
            &format!("第 {position} 项成果"),
            &format!("outcome {position}"),
        );
    }

    fn outcome_id<'v>(
        &mut self,
        index: usize,
        value: Option<&'v Value>,
        seen: &mut BTreeMap<&'v str, usize>,
    ) {
        let place = Place::outcome(index, "id", "编号", "id");
        match value {
            None | Some(Value::Null) => self.required(&place),
            Some(Value::String(id)) if !is_valid_outcome_id(id) => {
                let chars = id.chars().count();
                self.error(
                    "invalid_outcome_id",
                    &place.path,
                    format!("{}“{id}”不合格：须为 1 到 {MAX_OUTCOME_ID_CHARS} 个英文字母、数字、下划线或连字符（现为 {chars} 个字符）", place.zh),
                    format!("{} \"{id}\" is invalid: it must be 1 to {MAX_OUTCOME_ID_CHARS} of A-Z, a-z, 0-9, _ and - (it has {chars} characters)", capitalise(&place.en)),
                    json!({ "pattern": "[A-Za-z0-9_-]{1,64}", "max_chars": MAX_OUTCOME_ID_CHARS, "actual_chars": chars }),
                );
            }
            Some(Value::String(id)) => {
                if let Some(&first) = seen.get(id.as_str()) {
                    let first_position = first + 1;
                    self.error(
                        "duplicate_outcome_id",
                        &place.path,
                        format!("{}“{id}”与第 {first_position} 项成果重复：每项成果的编号须不同", place.zh),
                        format!("{} \"{id}\" repeats outcome {first_position}'s: every outcome needs its own id", capitalise(&place.en)),
                        json!({ "id": id, "first_index": first }),
                    );
                } else {
                    seen.insert(id, index);
                }
            }
            Some(other) => self.wrong_type(&place, other, "string", "文字", "text"),
        }
    }

    fn status(&mut self, index: usize, value: Option<&Value>) {
        let place = Place::outcome(index, "status", "状态", "status");
        let options: Vec<&str> = OutcomeStatus::ALL.iter().map(|s| s.as_str()).collect();
        match value {
            None | Some(Value::Null) => self.required(&place),
            Some(Value::String(text)) => {
                if OutcomeStatus::parse(text).is_none() {
                    self.invalid_choice(&place, text, &options);
                }
            }
            Some(other) => self.wrong_type(&place, other, "string", "文字", "text"),
        }
    }

    fn quantity(&mut self, index: usize, value: Option<&Value>) {
        let place = Place::outcome(index, "quantity", "数量", "quantity");
        let object = match value {
            None | Some(Value::Null) => return,
            Some(Value::Object(object)) => object,
            Some(other) => {
                self.wrong_type(
                    &place,
                    other,
                    "object",
                    "{value, unit} 对象",
                    "a {value, unit} object",
                );
                return;
            }
        };
        let value_place = Place::outcome(index, "quantity.value", "数量", "quantity value");
        match object.get("value") {
            None | Some(Value::Null) => self.required(&value_place),
            Some(Value::Number(number)) => {
                let x = number.as_f64().unwrap_or(f64::NAN);
                if !(0.0..=MAX_QUANTITY).contains(&x) {
                    self.out_of_range(&value_place, x, 0.0, MAX_QUANTITY);
                }
            }
            Some(other) => self.wrong_type(&value_place, other, "number", "数字", "a number"),
        }
        let unit_place = Place::outcome(index, "quantity.unit", "单位", "quantity unit");
        self.text(&unit_place, object.get("unit"), UNIT_RULE);
        let position = index + 1;
        self.unknown_keys(
            object,
            &["value", "unit"],
            &format!("outcomes[{index}].quantity."),
            &format!("第 {position} 项成果的数量"),
            &format!("outcome {position}'s quantity"),
        );
    }

    fn continues(&mut self, index: usize, value: Option<&Value>) {
        let place = Place::outcome(index, "continues", "接续的成果", "continued outcome");
        match value {
            None | Some(Value::Null) => {}
            Some(Value::String(id)) => {
                if !self.ctx.continuable.contains(id) {
                    self.error(
                        "unknown_continued_outcome",
                        &place.path,
                        format!("{}“{id}”不是你以往报告里的成果：请从上期成果中选择", place.zh),
                        format!("{} \"{id}\" is not an outcome of your earlier reports: pick one from last period's", capitalise(&place.en)),
                        json!({ "continues": id }),
                    );
                }
            }
            Some(other) => self.wrong_type(&place, other, "string", "文字", "text"),
        }
    }

    // ── template fields ─────────────────────────────────────────────────────────

    fn fields(&mut self, value: Option<&Value>) {
        let empty = Map::new();
        let values = match value {
            None => &empty,
            Some(Value::Object(values)) => values,
            Some(other) => {
                let place = Place::new("fields", "模板字段", "the template fields");
                self.wrong_type(&place, other, "object", "一个对象", "an object");
                return;
            }
        };
        let template = self.ctx.template;
        for field in &template.fields {
            self.template_field(field, values.get(&field.key));
        }
        for key in values.keys() {
            let field = template.fields.iter().find(|field| &field.key == key);
            match field.map(|field| &field.kind) {
                None => self.unknown_field(
                    &format!("fields.{key}"),
                    format!("模板里没有字段“{key}”"),
                    format!("The template has no field \"{key}\""),
                ),
                Some(FieldKind::OutcomeList { .. }) => self.unknown_field(
                    &format!("fields.{key}"),
                    format!("“{key}”是成果列表：成果请写在 outcomes 里，不在 fields 里"),
                    format!(
                        "\"{key}\" is the outcome list: outcomes go in outcomes, not in fields"
                    ),
                ),
                Some(_) => {}
            }
        }
    }

    fn template_field(&mut self, field: &Field, value: Option<&Value>) {
        let place = Place::field(field);
        // Outcomes live in `outcomes`; an attachment is never required (R4).
        let required = field.required && !matches!(field.kind, FieldKind::Attachment { .. });
        let value = match value {
            _ if matches!(field.kind, FieldKind::OutcomeList { .. }) => return,
            None | Some(Value::Null) => {
                if required {
                    self.required(&place);
                }
                return;
            }
            Some(value) => value,
        };
        match &field.kind {
            FieldKind::Text { .. } | FieldKind::Attachment { .. } => {
                if let Some(rule) = text_rule(field) {
                    self.text(&place, Some(value), rule);
                }
            }
            FieldKind::Number {
                min, max, integer, ..
            } => self.number(&place, value, *min, *max, *integer),
            FieldKind::Choice { options, multiple } => {
                let options: Vec<&str> = options.iter().map(String::as_str).collect();
                if *multiple {
                    self.choices(&place, value, &options, required);
                } else if let Value::String(text) = value {
                    if !options.contains(&text.as_str()) {
                        self.invalid_choice(&place, text, &options);
                    }
                } else {
                    self.wrong_type(&place, value, "string", "一个选项", "one of the options");
                }
            }
            FieldKind::Date => self.date(&place, value),
            FieldKind::Geotag => self.geotag(&place, value),
            FieldKind::OutcomeList { .. } => {}
        }
    }

    fn number(&mut self, place: &Place, value: &Value, min: f64, max: f64, integer: bool) {
        let Some(x) = value.as_f64() else {
            self.wrong_type(place, value, "number", "数字", "a number");
            return;
        };
        if integer && x.fract() != 0.0 {
            self.error(
                "wrong_type",
                &place.path,
                format!("{}须为整数，现为 {x}", place.zh),
                format!("{} must be a whole number, not {x}", capitalise(&place.en)),
                json!({ "expected": "integer", "actual": x }),
            );
        } else if x < min || x > max {
            self.out_of_range(place, x, min, max);
        }
    }

    fn choices(&mut self, place: &Place, value: &Value, options: &[&str], required: bool) {
        let Some(items) = value.as_array() else {
            self.wrong_type(place, value, "array", "选项列表", "a list of options");
            return;
        };
        if let Some(item) = items.iter().find(|item| !item.is_string()) {
            self.wrong_type(
                place,
                item,
                "string",
                "由选项组成的列表",
                "a list of options",
            );
            return;
        }
        if items.is_empty() && required {
            self.required(place);
            return;
        }
        let mut chosen = BTreeSet::new();
        let refused: Vec<&str> = items
            .iter()
            .filter_map(Value::as_str)
            .filter(|text| !options.contains(text) || !chosen.insert(*text))
            .collect();
        if !refused.is_empty() {
            let list = refused.join("、");
            self.error(
                "invalid_choice",
                &place.path,
                format!(
                    "{}里的“{list}”不是可选项（或重复选择）：可选 {}",
                    place.zh,
                    options.join("、")
                ),
                format!(
                    "{} has \"{}\", not an option (or chosen twice): the options are {}",
                    capitalise(&place.en),
                    refused.join("\", \""),
                    options.join(", ")
                ),
                json!({ "options": options, "actual": refused }),
            );
        }
    }

    fn date(&mut self, place: &Place, value: &Value) {
        let parsed = value.as_str().and_then(parse_plain_date);
        let Some(date) = parsed else {
            self.error(
                "wrong_type",
                &place.path,
                format!("{}须为日期，格式 YYYY-MM-DD（如 2026-11-20）", place.zh),
                format!(
                    "{} must be a date written YYYY-MM-DD (e.g. 2026-11-20)",
                    capitalise(&place.en)
                ),
                json!({ "expected": "date", "format": "YYYY-MM-DD", "actual": value }),
            );
            return;
        };
        let period = self.ctx.period;
        if !period.contains_date(date) {
            let (start, last) = (period.start, period.last_day());
            self.error(
                "date_outside_period",
                &place.path,
                format!("{}为 {date}，不在本期 {start} 至 {last} 之内", place.zh),
                format!("{} is {date}, outside this period, {start} to {last}", capitalise(&place.en)),
                json!({ "actual": date.to_string(), "start": start.to_string(), "last_day": last.to_string() }),
            );
        }
    }

    fn geotag(&mut self, place: &Place, value: &Value) {
        let coordinates = value.as_object().and_then(|object| {
            let lat = object.get("lat")?.as_f64()?;
            let lon = object.get("lon")?.as_f64()?;
            Some((object, Geotag { lat, lon }))
        });
        let Some((object, tag)) = coordinates else {
            self.wrong_type(
                place,
                value,
                "geotag",
                "{lat, lon} 两个数字",
                "a {lat, lon} pair of numbers",
            );
            return;
        };
        if tag.is_valid() {
            self.geotag_position(place, tag);
        } else {
            let Geotag { lat, lon } = tag;
            self.error(
                "invalid_geotag",
                &place.path,
                format!("{}（纬度 {lat}，经度 {lon}）无效：纬度须在 −90 到 90 之间，经度须在 −180 到 180 之间", place.zh),
                format!("{} (lat {lat}, lon {lon}) is invalid: latitude must be within −90..90 and longitude within −180..180", capitalise(&place.en)),
                json!({ "lat": lat, "lon": lon }),
            );
        }
        self.unknown_keys(
            object,
            &["lat", "lon"],
            &format!("{}.", place.path),
            &place.zh,
            &place.en,
        );
    }

    /// R7: rounded on the phone, and inside the boundary plus the buffer.
    fn geotag_position(&mut self, place: &Place, tag: Geotag) {
        let Geotag { lat, lon } = tag;
        if !tag.is_rounded() {
            self.error(
                "geotag_not_rounded",
                &place.path,
                format!("{}（纬度 {lat}，经度 {lon}）未取整：位置只保留小数点后 {GEOTAG_DECIMALS} 位（约 110 米），请更新应用后重试", place.zh),
                format!("{} (lat {lat}, lon {lon}) is not rounded: a location keeps {GEOTAG_DECIMALS} decimals (about 110 m); update the app and retry", capitalise(&place.en)),
                json!({ "lat": lat, "lon": lon, "decimals": GEOTAG_DECIMALS }),
            );
        }
        if let Some(boundary) = self.ctx.boundary {
            let distance = boundary.distance_metres(&tag);
            if distance > BUFFER_METRES {
                let metres = distance.round();
                self.error(
                    "geotag_outside_boundary",
                    &place.path,
                    format!("{}在村界外约 {metres} 米，超出允许的 {BUFFER_METRES} 米", place.zh),
                    format!("{} is about {metres} m outside the village boundary; at most {BUFFER_METRES} m is allowed", capitalise(&place.en)),
                    json!({ "distance_metres": metres, "buffer_metres": BUFFER_METRES }),
                );
            }
        }
    }

    fn days_in_village(&mut self, value: Option<&Value>) {
        let place = Place::new("days_in_village", "在村天数", "days in the village");
        let max = self.ctx.period.days();
        let value = match value {
            None | Some(Value::Null) => return,
            Some(value) => value,
        };
        match (value.as_u64(), value.as_i64()) {
            (Some(days), _) => {
                if days > u64::try_from(max).unwrap_or(0) {
                    #[allow(clippy::cast_precision_loss)] // at most a few hundred days
                    self.out_of_range(&place, days as f64, 0.0, f64::from(max));
                }
            }
            (None, Some(negative)) => {
                #[allow(clippy::cast_precision_loss)]
                self.out_of_range(&place, negative as f64, 0.0, f64::from(max));
            }
            (None, None) => {
                self.wrong_type(
                    &place,
                    value,
                    "integer",
                    "整数天数",
                    "a whole number of days",
                );
            }
        }
    }

    // ── shared checks and problems ──────────────────────────────────────────────

    /// A text under `rule` ([`crate::text`]): `required` when missing, or blank while the
    /// rule's `min` is at least 1; otherwise the rule's own problem, if any.
    fn text(&mut self, place: &Place, value: Option<&Value>, rule: TextRule) {
        match value {
            None | Some(Value::Null) => {
                if rule.min > 0 {
                    self.required(place);
                }
            }
            Some(Value::String(text)) => {
                if let Err(error) = rule.apply(text) {
                    let problem = error.to_problem(&place.path, &place.zh, &place.en);
                    self.problems.push(problem);
                }
            }
            Some(other) => self.wrong_type(place, other, "string", "文字", "text"),
        }
    }

    fn required(&mut self, place: &Place) {
        self.error(
            "required",
            &place.path,
            format!("{}必须填写", place.zh),
            format!("{} is required", capitalise(&place.en)),
            json!({}),
        );
    }

    fn wrong_type(&mut self, place: &Place, value: &Value, expected: &str, zh: &str, en: &str) {
        let actual = json_type(value);
        self.error(
            "wrong_type",
            &place.path,
            format!("{}应为{zh}，现为 {actual}", place.zh),
            format!("{} must be {en}, not {actual}", capitalise(&place.en)),
            json!({ "expected": expected, "actual": actual }),
        );
    }

    fn out_of_range(&mut self, place: &Place, actual: f64, min: f64, max: f64) {
        self.error(
            "out_of_range",
            &place.path,
            format!("{}为 {actual}，须在 {min} 到 {max} 之间", place.zh),
            format!(
                "{} is {actual}; it must be between {min} and {max}",
                capitalise(&place.en)
            ),
            json!({ "min": min, "max": max, "actual": actual }),
        );
    }

    fn invalid_choice(&mut self, place: &Place, actual: &str, options: &[&str]) {
        self.error(
            "invalid_choice",
            &place.path,
            format!(
                "{}“{actual}”不是可选项：可选 {}",
                place.zh,
                options.join("、")
            ),
            format!(
                "{} \"{actual}\" is not an option: the options are {}",
                capitalise(&place.en),
                options.join(", ")
            ),
            json!({ "options": options, "actual": actual }),
        );
    }

    fn unknown_field(&mut self, path: &str, zh: String, en: String) {
        self.error("unknown_field", path, zh, en, json!({}));
    }

    /// `unknown_field` for each key of `object` not in `known`, in alphabetical order.
    fn unknown_keys(
        &mut self,
        object: &Map<String, Value>,
        known: &[&str],
        prefix: &str,
        zh: &str,
        en: &str,
    ) {
        let mut unknown: Vec<&String> = object
            .keys()
            .filter(|key| !known.contains(&key.as_str()))
            .collect();
        unknown.sort();
        for key in unknown {
            self.unknown_field(
                &format!("{prefix}{key}"),
                format!("{zh}没有“{key}”这一项"),
                format!("{} has no \"{key}\"", capitalise(en)),
            );
        }
    }

    fn error(&mut self, code: &str, field: &str, zh: String, en: String, details: Value) {
        self.problems
            .push(Problem::error(code, field, zh, en, details));
    }
}

/// A `YYYY-MM-DD` date and nothing else.
fn parse_plain_date(text: &str) -> Option<jiff::civil::Date> {
    crate::period::parse_plain_date(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::PeriodKind;
    use proptest::prelude::*;

    /// The lean reader agrees with serde's derive, accepting and refusing alike.
    #[test]
    fn the_wire_reader_reads_what_serde_reads() {
        let cases = json!([
            { "outcomes": [] },
            { "outcomes": [{ "id": "a", "category": "c", "what": "w", "for_whom": "f", "status": "done" }],
              "fields": { "n": 1, "t": "x" }, "days_in_village": 5 },
            { "outcomes": [{ "id": "a", "category": "c", "what": "w", "for_whom": "f", "status": "blocked",
                             "quantity": { "value": 2.5, "unit": "km" }, "geotag": { "lat": 37.6, "lon": 116.4 },
                             "continues": "z" }], "days_in_village": null },
            { "outcomes": [{ "id": "a", "category": "c", "what": "w", "for_whom": "f", "status": "done",
                             "quantity": null, "geotag": null, "continues": null }] },
            { "outcomes": [], "extra": 1 },
            { "fields": {} },
            { "outcomes": {} },
            { "outcomes": [], "fields": null },
            { "outcomes": [], "days_in_village": 3.0 },
            { "outcomes": [], "days_in_village": -1 },
            { "outcomes": [], "days_in_village": 70000 },
            { "outcomes": [{ "id": "a", "category": "c", "what": "w", "for_whom": "f", "status": "finished" }] },
            { "outcomes": [{ "id": "a", "category": "c", "what": "w", "status": "done" }] },
            { "outcomes": [{ "id": "a", "category": "c", "what": "w", "for_whom": "f", "status": "done", "x": 1 }] },
            { "outcomes": [{ "id": 1, "category": "c", "what": "w", "for_whom": "f", "status": "done" }] },
            { "outcomes": [{ "id": "a", "category": "c", "what": "w", "for_whom": "f", "status": "done",
                             "quantity": { "value": 1, "unit": "户", "x": 0 } }] },
            { "outcomes": [{ "id": "a", "category": "c", "what": "w", "for_whom": "f", "status": "done",
                             "geotag": { "lat": "1", "lon": 2 } }] },
            { "outcomes": [{ "id": "a", "category": "c", "what": "w", "for_whom": "f", "status": "done",
                             "continues": 5 }] },
            [],
        ]);
        for case in cases.as_array().expect("cases") {
            let by_serde = serde_json::from_value::<ReportContent>(case.clone()).ok();
            assert_eq!(ReportContent::from_json(case).ok(), by_serde, "{case}");
        }
    }

    fn template() -> Template {
        serde_json::from_value(json!({ "fields": [
            { "key": "households", "label_zh": "走访户数", "label_en": "Households visited",
              "type": "number", "min": 0, "max": 10000, "integer": true, "required": true, "seconds_to_fill": 30 },
            { "key": "population", "label_zh": "常住人口", "label_en": "Population",
              "type": "number", "min": 0, "max": 100_000, "integer": true, "stable": true, "seconds_to_fill": 30 },
        ]}))
        .unwrap()
    }

    fn period() -> Period {
        Period::parse_key("weekly:2026-11-16").unwrap()
    }

    fn outcome(id: &str, status: OutcomeStatus) -> Outcome {
        Outcome {
            id: id.into(),
            category: "基础设施".into(),
            what: "修复村西道路坑洼路段".into(),
            for_whom: "全村村民".into(),
            status,
            quantity: Some(Quantity {
                value: 350.0,
                unit: "米".into(),
            }),
            geotag: Some(Geotag::rounded(37.605, 116.406)),
            continues: None,
        }
    }

    #[test]
    fn report_status_names_and_unfinished() {
        for status in OutcomeStatus::ALL {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
            assert_eq!(OutcomeStatus::parse(status.as_str()), Some(status));
        }
        let unfinished: Vec<_> = OutcomeStatus::ALL
            .into_iter()
            .filter(|s| s.is_unfinished())
            .collect();
        assert_eq!(
            unfinished,
            [OutcomeStatus::InProgress, OutcomeStatus::Blocked]
        );
    }

    #[test]
    fn report_parse_trims_and_check_agrees() {
        let (template, period, continuable) = (template(), period(), BTreeSet::new());
        let ctx = CheckContext {
            template: &template,
            period: &period,
            boundary: None,
            continuable: &continuable,
        };
        let raw = json!({
            "outcomes": [{ "id": "o1", "category": " 民生 ", "what": " 走访低保户 ", "for_whom": "低保户",
                           "status": "done", "quantity": { "value": 12, "unit": " 户 " } }],
            "fields": { "households": 12 },
        });
        let content = parse_and_check(&raw, &ctx).unwrap();
        assert_eq!(content.outcomes[0].what, "走访低保户");
        assert_eq!(content.outcomes[0].category, "民生");
        assert_eq!(content.outcomes[0].quantity.as_ref().unwrap().unit, "户");
        assert!(check(&content, &ctx).is_empty());
        assert!(verdict(&raw, &ctx).is_empty());

        let mut bad = content.clone();
        bad.days_in_village = Some(8);
        bad.outcomes[0].what = "字".repeat(MAX_WHAT_CHARS + 1);
        let problems = check(&bad, &ctx);
        let codes: Vec<_> = problems
            .iter()
            .map(|p| (p.code.as_str(), p.field.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                ("too_long", "outcomes[0].what"),
                ("out_of_range", "days_in_village")
            ]
        );
        assert_eq!(
            problems[0].details,
            json!({ "min_chars": 1, "max_chars": 500, "actual_chars": 501 })
        );
        assert_eq!(
            problems[1].details,
            json!({ "min": 0.0, "max": 7.0, "actual": 8.0 })
        );
    }

    #[test]
    fn report_texts_keep_the_text_rule() {
        let template: Template = serde_json::from_value(json!({ "fields": [
            { "key": "summary", "label_zh": "本期小结", "label_en": "Summary",
              "type": "text", "max_chars": 50, "seconds_to_fill": 60 },
        ]}))
        .unwrap();
        let (period, continuable) = (period(), BTreeSet::new());
        let ctx = CheckContext {
            template: &template,
            period: &period,
            boundary: None,
            continuable: &continuable,
        };
        let outcome = |what: &str| json!({ "id": "o1", "category": "民生", "what": what, "for_whom": "低保户", "status": "done" });
        // Multi-line texts keep their line breaks, as `\n`, and are stored trimmed.
        let raw = json!({ "outcomes": [outcome(" 走访\r\n核实\t收入 ")], "fields": { "summary": "\u{3000}第一行\n第二行\r\n" } });
        let content = parse_and_check(&raw, &ctx).unwrap();
        assert_eq!(content.outcomes[0].what, "走访\n核实\t收入");
        assert_eq!(content.fields["summary"], "第一行\n第二行");
        assert!(check(&content, &ctx).is_empty());

        // A NUL is refused, named by place, position and code point.
        let raw =
            json!({ "outcomes": [outcome("走访\0低保户")], "fields": { "summary": "a\u{7}" } });
        let problems = verdict(&raw, &ctx);
        let places: Vec<_> = problems
            .iter()
            .map(|p| (p.code.as_str(), p.field.as_str()))
            .collect();
        assert_eq!(
            places,
            [
                ("control_character", "outcomes[0].what"),
                ("control_character", "fields.summary")
            ]
        );
        assert_eq!(
            problems[0].details,
            json!({ "position": 3, "code_point": "U+0000" })
        );
        assert_eq!(
            problems[0].message_zh,
            "第 1 项成果的“做了什么”第 3 个字符是控制字符 U+0000，请删除它"
        );
        assert_eq!(
            problems[0].message_en,
            "Outcome 1's \"what was done\" has the control character U+0000 at character 3: delete it"
        );
        // A single-line text refuses line breaks.
        let mut one_line = outcome("走访");
        one_line["for_whom"] = json!("低保\n户");
        let problems = verdict(&json!({ "outcomes": [one_line] }), &ctx);
        assert_eq!(problems[0].code, "control_character");
        assert_eq!(problems[0].field, "outcomes[0].for_whom");
        assert_eq!(problems[0].details["code_point"], "U+000A");
    }

    #[test]
    fn report_payload_size() {
        assert!(check_payload_size(MAX_PAYLOAD_BYTES).is_none());
        let p = check_payload_size(MAX_PAYLOAD_BYTES + 1).unwrap();
        assert_eq!(p.code, "payload_too_large");
        assert_eq!(p.details, json!({ "max": 32_768, "actual": 32_769 }));
    }

    #[test]
    fn report_outside_boundary_details() {
        let boundary = Boundary::from_geojson(
            r#"{"type":"Polygon","coordinates":[[[116.4,37.6],[116.4125,37.6],[116.4125,37.61],[116.4,37.61],[116.4,37.6]]]}"#,
        )
        .unwrap();
        let (template, period, continuable) = (template(), period(), BTreeSet::new());
        let ctx = CheckContext {
            template: &template,
            period: &period,
            boundary: Some(&boundary),
            continuable: &continuable,
        };
        let mut content = ReportContent {
            outcomes: vec![outcome("o1", OutcomeStatus::Done)],
            fields: BTreeMap::from([("households".to_owned(), json!(1))]),
            days_in_village: Some(3),
        };
        content.outcomes[0].geotag = Some(Geotag::rounded(37.628, 116.406));
        let problems = check(&content, &ctx);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, "geotag_outside_boundary");
        let distance = problems[0].details["distance_metres"].as_f64().unwrap();
        assert!((1995.0..=2010.0).contains(&distance), "{distance}");
        assert_eq!(problems[0].details["buffer_metres"], json!(500.0));
    }

    #[test]
    fn report_carry_forward_keeps_stable_fields_and_unfinished_outcomes() {
        let last = ReportContent {
            outcomes: vec![
                outcome("a", OutcomeStatus::Done),
                outcome("b", OutcomeStatus::InProgress),
                outcome("c", OutcomeStatus::HandedOff),
                outcome("d", OutcomeStatus::Blocked),
            ],
            fields: BTreeMap::from([
                ("households".to_owned(), json!(12)),
                ("population".to_owned(), json!(1830)),
                ("gone".to_owned(), json!("x")),
            ]),
            days_in_village: Some(5),
        };
        let mut n = 0;
        let next = carry_forward(&last, &template(), || {
            n += 1;
            format!("n{n}")
        });
        assert_eq!(
            next.fields,
            BTreeMap::from([("population".to_owned(), json!(1830))])
        );
        assert_eq!(next.days_in_village, None);
        let ids: Vec<_> = next
            .outcomes
            .iter()
            .map(|o| (o.id.as_str(), o.continues.as_deref()))
            .collect();
        assert_eq!(ids, [("n1", Some("b")), ("n2", Some("d"))]);
        assert_eq!(next.outcomes[0].what, last.outcomes[1].what);
        // The carried outcomes are valid continuations of the last report.
        let continuable: BTreeSet<String> = last.outcomes.iter().map(|o| o.id.clone()).collect();
        let (template, period) = (template(), period());
        let ctx = CheckContext {
            template: &template,
            period: &period,
            boundary: None,
            continuable: &continuable,
        };
        let problems = check(&next, &ctx);
        let codes: Vec<_> = problems.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(
            codes,
            ["required"],
            "households is not stable, so it is asked again"
        );
    }

    #[test]
    fn report_outcome_ids() {
        assert!(is_valid_outcome_id("o-1_A"));
        assert!(is_valid_outcome_id(&"x".repeat(64)));
        assert!(!is_valid_outcome_id(&"x".repeat(65)));
        assert!(!is_valid_outcome_id(""));
        assert!(!is_valid_outcome_id("成果1"));
        assert!(!is_valid_outcome_id("o.1"));
    }

    fn arbitrary_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            (-1e12f64..1e12).prop_map(|x| json!(x)),
            "[a-z_ 走访户.-]{0,8}".prop_map(Value::String),
        ];
        let keys = prop::sample::select(vec![
            "outcomes",
            "fields",
            "days_in_village",
            "id",
            "category",
            "what",
            "for_whom",
            "status",
            "quantity",
            "value",
            "unit",
            "geotag",
            "lat",
            "lon",
            "continues",
            "households",
            "population",
            "x",
        ]);
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(keys.clone().prop_map(str::to_owned), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn report_prop_never_panics_and_agrees(raw in arbitrary_json()) {
            let (template, period) = (template(), Period::containing_date(PeriodKind::Monthly, jiff::civil::date(2026, 11, 5)));
            let continuable = BTreeSet::from(["x".to_owned()]);
            let ctx = CheckContext { template: &template, period: &period, boundary: None, continuable: &continuable };
            let problems = verdict(&raw, &ctx);
            match parse_and_check(&raw, &ctx) {
                Ok(content) => {
                    prop_assert!(problems.is_empty());
                    prop_assert!(check(&content, &ctx).is_empty());
                }
                Err(errors) => prop_assert_eq!(errors, problems),
            }
        }
    }
}
