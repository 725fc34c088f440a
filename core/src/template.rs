//! Report templates: a short list of typed fields, each with limits and an estimated
//! time to fill in seconds (R3: nothing asked twice; R4: no photo as proof).
//!
//! [`Template::check`] returns every problem at once (an empty list means the template is
//! acceptable) with these stable codes:
//!
//! - `too_many_fields`: more than [`MAX_FIELDS`] fields.
//! - `invalid_field`: a key, label or limit outside its bounds; `details.reason` says
//!   which, next to the limit and the actual value. Labels, choice options and number
//!   units keep the shared text rule ([`crate::text`]): one line, trimmed, no control
//!   character (`label_control_character` with `details.position` and `code_point`).
//! - `duplicate_field` (R3): a field asking what an earlier field already asks (same key,
//!   same concept, or the same normalised Chinese or English label).
//! - `photo_required` (R4): a required photo, screenshot or video attachment, or a
//!   required field whose label asks for one.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::problem::Problem;
use crate::text::{TextError, TextRule, code_point, normalise};

/// At most this many fields in a template.
pub const MAX_FIELDS: usize = 20;
/// A field key is `[a-z][a-z0-9_]{0,31}`: at most this many characters.
pub const MAX_KEY_CHARS: usize = 32;
/// A label (Chinese or English) or a choice option has at most this many characters.
pub const MAX_LABEL_CHARS: usize = 64;
/// The estimate for one field is at most half an hour.
pub const MAX_SECONDS_PER_FIELD: u32 = 1800;
/// A text field's `max_chars` is at most this.
pub const MAX_TEXT_CHARS: u32 = 2000;
/// A choice has at least 2 and at most this many options.
pub const MAX_CHOICES: usize = 20;
/// An outcome list's `max_items` is at most this.
pub const MAX_OUTCOME_ITEMS: u32 = 50;

/// Words that make a label ask for a photo, screenshot or video (R4). They are matched
/// against the normalised label (see [`normalise`]: lowercase, without whitespace
/// or punctuation), so `照 片` and `Screen-shot` match too.
pub const PHOTO_WORDS: [&str; 12] = [
    "照片",
    "相片",
    "拍照",
    "图片",
    "截图",
    "截屏",
    "视频",
    "录像",
    "photo",
    "picture",
    "screenshot",
    "video",
];

/// A template: the fields a cadre fills in once per period, besides the outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Template {
    pub fields: Vec<Field>,
}

/// One question of a template; its `type` and the type's limits are flattened into it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify), tsify(rename = "TemplateField"))]
pub struct Field {
    /// Machine key, `[a-z][a-z0-9_]{0,31}`, unique in the template.
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    // Not `extends FieldKind`: a union cannot be extended, only intersected.
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", tsify(type = "FieldKind"))]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// Estimated seconds a cadre needs to fill this field in (burden, R5).
    pub seconds_to_fill: u32,
    /// What the field asks, as a canonical concept shared by templates and data needs,
    /// e.g. `households_visited`. Two fields with one concept ask the same thing (R3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concept: Option<String>,
    /// A stable fact (e.g. the village's population) carried forward, prefilled, from
    /// the last report (R3).
    #[serde(default)]
    pub stable: bool,
}

/// The type of a field and its limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    Text {
        max_chars: u32,
    },
    Number {
        min: f64,
        max: f64,
        #[serde(default)]
        integer: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
    },
    Choice {
        options: Vec<String>,
        #[serde(default)]
        multiple: bool,
    },
    Date,
    OutcomeList {
        max_items: u32,
    },
    Geotag,
    /// An optional attachment; never counted, and never required when it is a photo,
    /// screenshot or video (R4).
    Attachment {
        media: Media,
    },
}

/// What an attachment holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Media {
    Photo,
    Screenshot,
    Video,
    Document,
}

impl Media {
    pub fn as_str(self) -> &'static str {
        match self {
            Media::Photo => "photo",
            Media::Screenshot => "screenshot",
            Media::Video => "video",
            Media::Document => "document",
        }
    }

    /// A photo, screenshot or video: never allowed to be required (R4).
    pub fn is_visual(self) -> bool {
        self != Media::Document
    }
}

/// A lean reader of the wire form, for the browser module: the same result as
/// `serde_json::from_value::<Field>` for every field serde accepts (unknown keys ignored,
/// defaults for `required`, `stable`, `integer`, `multiple`), and an error naming the
/// first key that is missing or of the wrong type otherwise. serde's derive for a
/// flattened, internally tagged enum buffers every value first, and that machinery was the
/// largest single part of the module (see `scripts/bench-wasm.sh`).
pub mod wire {
    use super::{Field, FieldKind, Media};
    use serde_json::{Map, Value};

    type Object = Map<String, Value>;

    fn missing(key: &str) -> String {
        format!("missing field `{key}`")
    }

    fn wrong(key: &str, expected: &str) -> String {
        format!("`{key}` is not {expected}")
    }

    pub(crate) fn string(object: &Object, key: &str) -> Result<String, String> {
        match object.get(key) {
            None => Err(missing(key)),
            Some(Value::String(text)) => Ok(text.clone()),
            Some(_) => Err(wrong(key, "a string")),
        }
    }

    /// An optional string: absent or null is `None`.
    pub(crate) fn optional_string(object: &Object, key: &str) -> Result<Option<String>, String> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(wrong(key, "a string")),
        }
    }

    /// A boolean with a default of `false` when absent.
    fn flag(object: &Object, key: &str) -> Result<bool, String> {
        match object.get(key) {
            None => Ok(false),
            Some(Value::Bool(flag)) => Ok(*flag),
            Some(_) => Err(wrong(key, "a boolean")),
        }
    }

    fn whole(object: &Object, key: &str) -> Result<u32, String> {
        let value = object.get(key).ok_or_else(|| missing(key))?;
        value
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| wrong(key, "a whole number in 0..=4294967295"))
    }

    pub(crate) fn number(object: &Object, key: &str) -> Result<f64, String> {
        let value = object.get(key).ok_or_else(|| missing(key))?;
        value.as_f64().ok_or_else(|| wrong(key, "a number"))
    }

    fn kind(object: &Object) -> Result<FieldKind, String> {
        Ok(match string(object, "type")?.as_str() {
            "text" => FieldKind::Text {
                max_chars: whole(object, "max_chars")?,
            },
            "number" => FieldKind::Number {
                min: number(object, "min")?,
                max: number(object, "max")?,
                integer: flag(object, "integer")?,
                unit: optional_string(object, "unit")?,
            },
            "choice" => FieldKind::Choice {
                options: match object.get("options") {
                    None => return Err(missing("options")),
                    Some(Value::Array(items)) => items
                        .iter()
                        .map(|item| item.as_str().map(str::to_owned))
                        .collect::<Option<Vec<String>>>()
                        .ok_or_else(|| wrong("options", "a list of strings"))?,
                    Some(_) => return Err(wrong("options", "a list of strings")),
                },
                multiple: flag(object, "multiple")?,
            },
            "date" => FieldKind::Date,
            "outcome_list" => FieldKind::OutcomeList {
                max_items: whole(object, "max_items")?,
            },
            "geotag" => FieldKind::Geotag,
            "attachment" => FieldKind::Attachment {
                media: match string(object, "media")?.as_str() {
                    "photo" => Media::Photo,
                    "screenshot" => Media::Screenshot,
                    "video" => Media::Video,
                    "document" => Media::Document,
                    other => return Err(format!("unknown media `{other}`")),
                },
            },
            other => return Err(format!("unknown field type `{other}`")),
        })
    }

    /// One template field from its JSON form.
    pub fn field(value: &Value) -> Result<Field, String> {
        let object = value
            .as_object()
            .ok_or_else(|| "a template field is not an object".to_owned())?;
        Ok(Field {
            key: string(object, "key")?,
            label_zh: string(object, "label_zh")?,
            label_en: string(object, "label_en")?,
            kind: kind(object)?,
            required: flag(object, "required")?,
            seconds_to_fill: whole(object, "seconds_to_fill")?,
            concept: optional_string(object, "concept")?,
            stable: flag(object, "stable")?,
        })
    }
}

/// Which rule a refused template breaks: that of its first problem, in the order of
/// [`Template::check`] (too many fields, a field's limits, a duplicate, a required photo).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooManyFields,
    InvalidField,
    DuplicateField,
    PhotoRequired,
}

impl Template {
    /// `Ok` when the template is acceptable (warnings aside), else the rule it breaks
    /// and every error found.
    pub fn verdict(&self) -> Result<(), (Refusal, Vec<Problem>)> {
        let errors: Vec<Problem> = self.check().into_iter().filter(Problem::is_error).collect();
        let Some(first) = errors.first() else {
            return Ok(());
        };
        let refusal = match first.code.as_str() {
            "too_many_fields" => Refusal::TooManyFields,
            "duplicate_field" => Refusal::DuplicateField,
            "photo_required" => Refusal::PhotoRequired,
            _ => Refusal::InvalidField,
        };
        Err((refusal, errors))
    }

    /// Every problem with this template; an empty list means it is acceptable.
    pub fn check(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.fields.len() > MAX_FIELDS {
            let actual = self.fields.len();
            problems.push(Problem::error(
                "too_many_fields",
                "",
                format!("模板有 {actual} 个字段，最多允许 {MAX_FIELDS} 个"),
                format!("The template has {actual} fields; at most {MAX_FIELDS} are allowed"),
                json!({ "max": MAX_FIELDS, "actual": actual }),
            ));
        }
        for (index, field) in self.fields.iter().enumerate() {
            field.check_limits(index, &mut problems);
        }
        self.check_duplicates(&mut problems);
        for (index, field) in self.fields.iter().enumerate() {
            field.check_photo(index, &mut problems);
        }
        problems
    }

    /// Seconds to fill in one submission: the sum of all fields' estimates (saturating).
    pub fn seconds_per_submission(&self) -> u32 {
        self.fields
            .iter()
            .fold(0u32, |sum, field| sum.saturating_add(field.seconds_to_fill))
    }

    /// The existing field that already asks this (R3): first a field with the same
    /// concept, otherwise one with the same normalised Chinese or English label (see
    /// [`normalise`]). A concept or label that is empty (after normalisation)
    /// matches nothing.
    pub fn find_equivalent(
        &self,
        concept: Option<&str>,
        label_zh: &str,
        label_en: &str,
    ) -> Option<&Field> {
        if let Some(concept) = concept.and_then(normalise_concept) {
            let by_concept = self.fields.iter().find(|field| {
                field
                    .concept
                    .as_deref()
                    .and_then(normalise_concept)
                    .as_deref()
                    == Some(concept.as_str())
            });
            if by_concept.is_some() {
                return by_concept;
            }
        }
        let zh = normalise(label_zh);
        let en = normalise(label_en);
        self.fields.iter().find(|field| {
            (!zh.is_empty() && normalise(&field.label_zh) == zh)
                || (!en.is_empty() && normalise(&field.label_en) == en)
        })
    }

    /// R3, as a warning: one `similar_field` problem for each field whose label reads like an
    /// earlier field's (see [`crate::similarity::labels_alike`]) without asking the same
    /// thing by key, concept or label (those are `duplicate_field` errors). The warning names
    /// the earlier field: if both ask one thing, give them one concept (then the template is
    /// refused) or keep one.
    pub fn similar_fields(&self) -> Vec<Problem> {
        let mut warnings = Vec::new();
        for (later, field) in self.fields.iter().enumerate() {
            for other in self.fields.iter().take(later) {
                let Some(score) = field.reads_like(other) else {
                    continue;
                };
                warnings.push(similar_field_warning(
                    field.locator(later),
                    field,
                    other,
                    score,
                ));
                break;
            }
        }
        warnings
    }

    /// The field whose labels read most like `label_zh` / `label_en` (see
    /// [`crate::similarity::labels_alike`]), with the score.
    pub fn most_like(&self, label_zh: &str, label_en: &str) -> Option<(&Field, f64)> {
        self.fields
            .iter()
            .filter_map(|field| {
                let zh = crate::similarity::labels_alike(label_zh, &field.label_zh);
                let en = crate::similarity::labels_alike(label_en, &field.label_en);
                best_of(zh, en).map(|score| (field, score))
            })
            .fold(
                None,
                |best: Option<(&Field, f64)>, (field, score)| match best {
                    Some((_, top)) if top >= score => best,
                    _ => Some((field, score)),
                },
            )
    }

    /// R3: one problem for each field that asks what an earlier field already asks.
    fn check_duplicates(&self, problems: &mut Vec<Problem>) {
        let normalised: Vec<(Option<String>, String, String)> = self
            .fields
            .iter()
            .map(|field| {
                (
                    field.concept.as_deref().and_then(normalise_concept),
                    normalise(&field.label_zh),
                    normalise(&field.label_en),
                )
            })
            .collect();
        for (later, field) in self.fields.iter().enumerate() {
            let (concept, zh, en) = &normalised[later];
            for (earlier, other) in self.fields.iter().enumerate().take(later) {
                let (other_concept, other_zh, other_en) = &normalised[earlier];
                let mut same: Vec<&str> = Vec::new();
                if field.key == other.key {
                    same.push("key");
                }
                if concept.is_some() && concept == other_concept {
                    same.push("concept");
                }
                if !zh.is_empty() && zh == other_zh {
                    same.push("label_zh");
                }
                if !en.is_empty() && en == other_en {
                    same.push("label_en");
                }
                if same.is_empty() {
                    continue;
                }
                let why_zh: Vec<&str> = same
                    .iter()
                    .map(|s| match *s {
                        "key" => "键相同",
                        "concept" => "概念相同",
                        "label_zh" => "中文标签相同",
                        _ => "英文标签相同",
                    })
                    .collect();
                let why_en: Vec<&str> = same
                    .iter()
                    .map(|s| match *s {
                        "key" => "same key",
                        "concept" => "same concept",
                        "label_zh" => "same Chinese label",
                        _ => "same English label",
                    })
                    .collect();
                let (key, other_key) = (&field.key, &other.key);
                let (position, other_position) = (later + 1, earlier + 1);
                problems.push(Problem::error(
                    "duplicate_field",
                    field.locator(later),
                    format!(
                        "第 {position} 个字段“{key}”与第 {other_position} 个字段“{other_key}”问的是同一件事（{}）：同一件事只问一次",
                        why_zh.join("、")
                    ),
                    format!(
                        "Field {position} \"{key}\" asks what field {other_position} \"{other_key}\" already asks ({}): ask each thing once",
                        why_en.join(", ")
                    ),
                    json!({
                        "key": key,
                        "index": later,
                        "other_key": other_key,
                        "other_index": earlier,
                        "same": same,
                        "concept": concept,
                    }),
                ));
                break;
            }
        }
    }
}

/// The higher of two likenesses, if any.
fn best_of(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The `similar_field` warning: `field` reads like `other`, which it may mean to be.
pub fn similar_field_warning(at: String, field: &Field, other: &Field, score: f64) -> Problem {
    let (label, other_label, other_key) = (&field.label_zh, &other.label_zh, &other.key);
    let percent = (score * 100.0).round();
    Problem::warning(
        "similar_field",
        at,
        format!(
            "“{label}”与已有字段“{other_label}”（{other_key}）相似（{percent}%）：如果问的是同一件事，请关联已有字段，不要再问一次"
        ),
        format!(
            "\"{}\" reads like the existing field \"{}\" ({other_key}, {percent}%): if it asks the same thing, link to that field instead of asking again",
            field.label_en, other.label_en
        ),
        json!({ "key": field.key, "existing_key": other_key, "similarity": (score * 100.0).round() / 100.0 }),
    )
}

impl Field {
    /// How alike this field's labels read to `other`'s, when they are alike but not the
    /// same (a same label is a duplicate, not a likeness).
    fn reads_like(&self, other: &Field) -> Option<f64> {
        let same = |a: &str, b: &str| {
            let a = normalise(a);
            !a.is_empty() && a == normalise(b)
        };
        if self.key == other.key
            || same(&self.label_zh, &other.label_zh)
            || same(&self.label_en, &other.label_en)
        {
            return None;
        }
        let zh = crate::similarity::labels_alike(&self.label_zh, &other.label_zh);
        let en = crate::similarity::labels_alike(&self.label_en, &other.label_en);
        best_of(zh, en)
    }

    /// Where a problem with this field is shown: its key, or `fields[i]` when the key
    /// itself is malformed.
    fn locator(&self, index: usize) -> String {
        if is_valid_key(&self.key) {
            self.key.clone()
        } else {
            format!("fields[{index}]")
        }
    }

    /// `invalid_field`: the key, the labels, the estimate and the kind's limits.
    #[allow(clippy::too_many_lines)] // one flat list of checks reads best
    fn check_limits(&self, index: usize, problems: &mut Vec<Problem>) {
        let at = self.locator(index);
        let position = index + 1;
        let mut invalid = |zh: String, en: String, details: serde_json::Value| {
            problems.push(Problem::error(
                "invalid_field",
                at.clone(),
                format!("第 {position} 个字段：{zh}"),
                format!("Field {position}: {en}"),
                details,
            ));
        };

        if !is_valid_key(&self.key) {
            let key = &self.key;
            let chars = key.chars().count();
            invalid(
                format!(
                    "键“{key}”不合格：须以小写字母开头，只含小写字母、数字和下划线，最多 {MAX_KEY_CHARS} 个字符（现为 {chars} 个）"
                ),
                format!(
                    "key \"{key}\" is invalid: it must start with a lowercase letter and use only a-z, 0-9 and _, at most {MAX_KEY_CHARS} characters (it has {chars})"
                ),
                json!({
                    "reason": "key_format",
                    "index": index,
                    "key": key,
                    "pattern": "[a-z][a-z0-9_]{0,31}",
                    "max_chars": MAX_KEY_CHARS,
                    "actual_chars": chars,
                }),
            );
        }

        for (name, language_zh, language_en, label) in [
            ("label_zh", "中文标签", "Chinese label", &self.label_zh),
            ("label_en", "英文标签", "English label", &self.label_en),
        ] {
            let extra = json!({ "label": name });
            let the_label = format!("the {language_en}");
            let naming = (language_zh, the_label.as_str());
            match text_limits(label, LABEL_RULE, naming, "label", extra) {
                Err((zh, en, details)) => invalid(zh, en, details),
                Ok(kept) if normalise(&kept).is_empty() => {
                    let (zh, en, details) =
                        empty_text(&kept, naming, "label", json!({ "label": name }));
                    invalid(zh, en, details);
                }
                Ok(_) => {}
            }
        }

        let seconds = self.seconds_to_fill;
        if seconds == 0 || seconds > MAX_SECONDS_PER_FIELD {
            invalid(
                format!("预计填写时间 {seconds} 秒，须在 1 到 {MAX_SECONDS_PER_FIELD} 秒之间"),
                format!(
                    "seconds_to_fill is {seconds}; it must be between 1 and {MAX_SECONDS_PER_FIELD}"
                ),
                json!({
                    "reason": "seconds_to_fill",
                    "min": 1,
                    "max": MAX_SECONDS_PER_FIELD,
                    "actual": seconds,
                }),
            );
        }

        match &self.kind {
            FieldKind::Text { max_chars } => {
                let max_chars = *max_chars;
                if max_chars == 0 || max_chars > MAX_TEXT_CHARS {
                    invalid(
                        format!("文本最多字数为 {max_chars}，须在 1 到 {MAX_TEXT_CHARS} 之间"),
                        format!(
                            "text max_chars is {max_chars}; it must be between 1 and {MAX_TEXT_CHARS}"
                        ),
                        json!({
                            "reason": "text_max_chars",
                            "min": 1,
                            "max": MAX_TEXT_CHARS,
                            "actual": max_chars,
                        }),
                    );
                }
            }
            FieldKind::Number { min, max, unit, .. } => {
                let (min, max) = (*min, *max);
                if !min.is_finite() || !max.is_finite() {
                    invalid(
                        format!("数值范围 {min} 到 {max} 须为有限数"),
                        format!("number range {min} to {max} must be finite numbers"),
                        json!({
                            "reason": "number_not_finite",
                            "min": finite_or_null(min),
                            "max": finite_or_null(max),
                            "min_text": min.to_string(),
                            "max_text": max.to_string(),
                        }),
                    );
                } else if min >= max {
                    invalid(
                        format!("数值下限 {min} 须小于上限 {max}"),
                        format!("number min {min} must be less than max {max}"),
                        json!({ "reason": "number_range", "min": min, "max": max }),
                    );
                }
                if let Some(unit) = unit {
                    let rule = TextRule::line(1, crate::report::MAX_UNIT_CHARS);
                    let naming = ("单位", "the unit");
                    if let Err((zh, en, details)) =
                        text_limits(unit, rule, naming, "unit", json!({}))
                    {
                        invalid(zh, en, details);
                    }
                }
            }
            FieldKind::Choice { options, .. } => {
                let count = options.len();
                if !(2..=MAX_CHOICES).contains(&count) {
                    invalid(
                        format!("选择题有 {count} 个选项，须在 2 到 {MAX_CHOICES} 个之间"),
                        format!(
                            "the choice has {count} options; it needs between 2 and {MAX_CHOICES}"
                        ),
                        json!({
                            "reason": "choice_option_count",
                            "min": 2,
                            "max": MAX_CHOICES,
                            "actual": count,
                        }),
                    );
                }
                let normalised: Vec<String> = options.iter().map(|o| normalise(o)).collect();
                for (option_index, option) in options.iter().enumerate() {
                    let number = option_index + 1;
                    let (option_zh, option_en) =
                        (format!("第 {number} 个选项"), format!("option {number}"));
                    let naming = (option_zh.as_str(), option_en.as_str());
                    let extra = json!({ "option_index": option_index });
                    let kept = match text_limits(option, LABEL_RULE, naming, "choice_option", extra)
                    {
                        Err((zh, en, details)) => {
                            invalid(zh, en, details);
                            continue;
                        }
                        Ok(kept) => kept,
                    };
                    if normalised[option_index].is_empty() {
                        let extra = json!({ "option_index": option_index });
                        let (zh, en, details) = empty_text(&kept, naming, "choice_option", extra);
                        invalid(zh, en, details);
                    } else if let Some(first) = normalised[..option_index]
                        .iter()
                        .position(|earlier| *earlier == normalised[option_index])
                    {
                        let first_number = first + 1;
                        invalid(
                            format!("第 {number} 个选项“{option}”与第 {first_number} 个选项重复"),
                            format!("option {number} \"{option}\" repeats option {first_number}"),
                            json!({
                                "reason": "choice_option_repeated",
                                "option_index": option_index,
                                "first_index": first,
                                "option": option,
                            }),
                        );
                    }
                }
            }
            FieldKind::OutcomeList { max_items } => {
                let max_items = *max_items;
                if max_items == 0 || max_items > MAX_OUTCOME_ITEMS {
                    invalid(
                        format!(
                            "成果清单最多条数为 {max_items}，须在 1 到 {MAX_OUTCOME_ITEMS} 之间"
                        ),
                        format!(
                            "outcome list max_items is {max_items}; it must be between 1 and {MAX_OUTCOME_ITEMS}"
                        ),
                        json!({
                            "reason": "outcome_max_items",
                            "min": 1,
                            "max": MAX_OUTCOME_ITEMS,
                            "actual": max_items,
                        }),
                    );
                }
            }
            FieldKind::Date | FieldKind::Geotag | FieldKind::Attachment { .. } => {}
        }
    }

    /// R4 `photo_required`: a required photo/screenshot/video attachment, or a required
    /// field whose label asks for one.
    fn check_photo(&self, index: usize, problems: &mut Vec<Problem>) {
        if !self.required {
            return;
        }
        let key = &self.key;
        let position = index + 1;
        let visual_media = match self.kind {
            FieldKind::Attachment { media } if media.is_visual() => Some(media),
            _ => None,
        };
        let details = if let Some(media) = visual_media {
            json!({ "reason": "required_media", "key": key, "media": media.as_str() })
        } else if let Some((label, word)) =
            [("label_zh", &self.label_zh), ("label_en", &self.label_en)]
                .into_iter()
                .find_map(|(name, label)| asks_for_photo(label).map(|word| (name, word)))
        {
            json!({ "reason": "label_asks_for_photo", "key": key, "label": label, "word": word })
        } else {
            return;
        };
        problems.push(Problem::error(
            "photo_required",
            self.locator(index),
            format!(
                "第 {position} 个字段“{key}”把照片、截图或视频设为必填：不得以照片作证明，此类附件只能选填"
            ),
            format!(
                "Field {position} \"{key}\" makes a photo, screenshot or video required: no photo as proof, such attachments may only be optional"
            ),
            details,
        ));
    }
}

/// Whether `key` matches `[a-z][a-z0-9_]{0,31}`.
pub fn is_valid_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    matches!(bytes.first(), Some(b'a'..=b'z'))
        && bytes.len() <= MAX_KEY_CHARS
        && bytes
            .iter()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

/// The word of [`PHOTO_WORDS`] a label asks for, if any (case-insensitive, ignoring
/// whitespace and punctuation).
pub fn asks_for_photo(label: &str) -> Option<&'static str> {
    let normalised = normalise(label);
    PHOTO_WORDS
        .into_iter()
        .find(|word| normalised.contains(word))
}

/// A label or a choice option: one line of 1 to [`MAX_LABEL_CHARS`] characters.
const LABEL_RULE: TextRule = TextRule::line(1, MAX_LABEL_CHARS);

/// What `invalid_field` says of a text, a label say: its words in Chinese and English and
/// its details.
type Invalid = (String, String, serde_json::Value);

/// A label, an option or a unit under the shared text rule: the text as kept, or what
/// `invalid_field` says, with `details.reason` `{reason}_empty`, `{reason}_too_long` or
/// `{reason}_control_character` next to the keys of `extra` (which label, which option).
/// `naming` names the text in both languages (`中文标签`, `the Chinese label`).
fn text_limits(
    text: &str,
    rule: TextRule,
    naming: (&str, &str),
    reason: &str,
    extra: serde_json::Value,
) -> Result<String, Invalid> {
    let (zh, en) = naming;
    let (message_zh, message_en, details) = match rule.apply(text) {
        Ok(kept) => return Ok(kept),
        Err(TextError::TooShort { actual: 0, .. }) => {
            return Err(empty_text("", naming, reason, extra));
        }
        Err(TextError::ControlCharacter {
            position,
            character,
            ..
        }) => {
            let code_point = code_point(character);
            (
                format!("{zh}第 {position} 个字符是控制字符 {code_point}，请删除它"),
                format!(
                    "{en} has the control character {code_point} at character {position}; delete it"
                ),
                json!({ "reason": format!("{reason}_control_character"), "position": position, "code_point": code_point }),
            )
        }
        Err(TextError::TooShort { min, actual, .. }) => (
            format!("{zh}有 {actual} 个字符，至少 {min} 个"),
            format!("{en} has {actual} characters; at least {min}"),
            json!({ "reason": format!("{reason}_too_short"), "min_chars": min, "actual_chars": actual }),
        ),
        Err(TextError::TooLong { max, actual, .. }) => (
            format!("{zh}有 {actual} 个字符，最多 {max} 个"),
            format!("{en} has {actual} characters; at most {max}"),
            json!({ "reason": format!("{reason}_too_long"), "max_chars": max, "actual_chars": actual }),
        ),
    };
    Err((message_zh, message_en, merge(details, extra)))
}

/// `{reason}_empty`: nothing left of `kept` once spaces and punctuation are ignored.
fn empty_text(kept: &str, naming: (&str, &str), reason: &str, extra: serde_json::Value) -> Invalid {
    let (zh, en) = naming;
    let details = json!({ "reason": format!("{reason}_empty"), "min_chars": 1, "actual_chars": kept.chars().count() });
    (
        format!("{zh}为空（或只有空格和标点）"),
        format!("{en} is empty (or only spaces and punctuation)"),
        merge(details, extra),
    )
}

/// `details` with the keys of `extra` added (both objects).
fn merge(mut details: serde_json::Value, extra: serde_json::Value) -> serde_json::Value {
    if let (Some(details), serde_json::Value::Object(extra)) = (details.as_object_mut(), extra) {
        details.extend(extra);
    }
    details
}

/// A label as compared for "asks the same thing" (R3): the shared [`normalise`], so
/// `走访 户数。` and `走访户数` normalise alike. Kept under this name for callers.
pub use crate::text::normalise as normalise_label;

/// A concept as compared: trimmed, ASCII-lowercased; empty means none.
fn normalise_concept(concept: &str) -> Option<String> {
    let trimmed = concept.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_ascii_lowercase())
}

fn finite_or_null(x: f64) -> serde_json::Value {
    if x.is_finite() {
        json!(x)
    } else {
        serde_json::Value::Null
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lean reader agrees with serde's derive on every kind, with and without the
    /// optional keys, and refuses what serde refuses.
    #[test]
    fn the_wire_reader_reads_what_serde_reads() {
        let accepted = serde_json::json!([
            { "key": "summary", "label_zh": "小结", "label_en": "Summary", "type": "text",
              "max_chars": 500, "seconds_to_fill": 60, "extra": "ignored" },
            { "key": "population", "label_zh": "人口", "label_en": "Population", "type": "number",
              "min": 0, "max": 100_000.5, "integer": true, "unit": "人", "required": true,
              "seconds_to_fill": 10, "concept": "population", "stable": true },
            { "key": "weather", "label_zh": "天气", "label_en": "Weather", "type": "choice",
              "options": ["晴", "雨"], "multiple": true, "seconds_to_fill": 5, "concept": null },
            { "key": "on", "label_zh": "日期", "label_en": "Date", "type": "date", "seconds_to_fill": 5 },
            { "key": "outcomes", "label_zh": "成果", "label_en": "Outcomes", "type": "outcome_list",
              "max_items": 20, "required": true, "seconds_to_fill": 600 },
            { "key": "place", "label_zh": "地点", "label_en": "Place", "type": "geotag", "seconds_to_fill": 5 },
            { "key": "minutes", "label_zh": "纪要", "label_en": "Minutes", "type": "attachment",
              "media": "document", "seconds_to_fill": 30 },
        ]);
        for value in accepted.as_array().expect("fields") {
            let by_serde: Field = serde_json::from_value(value.clone()).expect("serde reads it");
            assert_eq!(wire::field(value), Ok(by_serde), "{value}");
        }
        let refused = serde_json::json!([
            [],
            { "label_zh": "小结", "label_en": "Summary", "type": "text", "max_chars": 5, "seconds_to_fill": 6 },
            { "key": "a", "label_zh": "小结", "label_en": "Summary", "type": "prose", "seconds_to_fill": 6 },
            { "key": "a", "label_zh": "小结", "label_en": "Summary", "type": "text", "max_chars": 5.5, "seconds_to_fill": 6 },
            { "key": "a", "label_zh": "小结", "label_en": "Summary", "type": "text", "max_chars": -1, "seconds_to_fill": 6 },
            { "key": "a", "label_zh": "小结", "label_en": "Summary", "type": "text", "max_chars": 5, "seconds_to_fill": 6, "required": null },
            { "key": "a", "label_zh": "选", "label_en": "Pick", "type": "choice", "options": ["x", 1], "seconds_to_fill": 6 },
            { "key": "a", "label_zh": "附", "label_en": "File", "type": "attachment", "media": "audio", "seconds_to_fill": 6 },
            { "key": "a", "label_zh": "数", "label_en": "N", "type": "number", "min": "0", "max": 1, "seconds_to_fill": 6 },
        ]);
        for value in refused.as_array().expect("fields") {
            assert!(
                serde_json::from_value::<Field>(value.clone()).is_err(),
                "{value}"
            );
            assert!(wire::field(value).is_err(), "{value}");
        }
    }

    fn field(key: &str, label_zh: &str, label_en: &str, kind: FieldKind, seconds: u32) -> Field {
        Field {
            key: key.to_owned(),
            label_zh: label_zh.to_owned(),
            label_en: label_en.to_owned(),
            kind,
            required: false,
            seconds_to_fill: seconds,
            concept: None,
            stable: false,
        }
    }

    fn text(key: &str, label_zh: &str, label_en: &str) -> Field {
        field(
            key,
            label_zh,
            label_en,
            FieldKind::Text { max_chars: 500 },
            60,
        )
    }

    fn number(min: f64, max: f64) -> FieldKind {
        FieldKind::Number {
            min,
            max,
            integer: true,
            unit: None,
        }
    }

    fn choice(options: &[&str]) -> FieldKind {
        FieldKind::Choice {
            options: options.iter().map(|o| (*o).to_owned()).collect(),
            multiple: false,
        }
    }

    fn attachment(media: Media, required: bool) -> Field {
        Field {
            required,
            ..field(
                "evidence",
                "附件",
                "Attachment",
                FieldKind::Attachment { media },
                30,
            )
        }
    }

    fn one(field: Field) -> Vec<Problem> {
        Template {
            fields: vec![field],
        }
        .check()
    }

    fn codes(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.code.as_str()).collect()
    }

    /// The single problem of `problems`, which must have `code`.
    fn only<'a>(problems: &'a [Problem], code: &str) -> &'a Problem {
        assert_eq!(codes(problems), [code], "{problems:#?}");
        &problems[0]
    }

    fn invalid_reason(problems: &[Problem]) -> &str {
        only(problems, "invalid_field").details["reason"]
            .as_str()
            .unwrap()
    }

    fn sample() -> Template {
        Template {
            fields: vec![
                Field {
                    required: true,
                    concept: Some("households_visited".to_owned()),
                    ..field(
                        "households_visited",
                        "走访户数",
                        "Households visited",
                        number(0.0, 500.0),
                        30,
                    )
                },
                field(
                    "summary",
                    "本期工作小结",
                    "Summary of the period",
                    FieldKind::Text { max_chars: 2000 },
                    300,
                ),
                field(
                    "road_status",
                    "道路状况",
                    "Road condition",
                    choice(&["良好", "一般", "损坏"]),
                    20,
                ),
                field(
                    "meeting_date",
                    "村民会议日期",
                    "Date of the village meeting",
                    FieldKind::Date,
                    15,
                ),
                field(
                    "outcomes",
                    "主要成果",
                    "Main outcomes",
                    FieldKind::OutcomeList { max_items: 50 },
                    600,
                ),
                field("where", "地点", "Where", FieldKind::Geotag, 20),
                attachment(Media::Photo, false),
                Field {
                    required: true,
                    ..field(
                        "minutes",
                        "会议纪要",
                        "Meeting minutes",
                        FieldKind::Attachment {
                            media: Media::Document,
                        },
                        60,
                    )
                },
                Field {
                    stable: true,
                    ..field(
                        "population",
                        "户籍人口",
                        "Registered population",
                        number(0.0, 100_000.0),
                        10,
                    )
                },
            ],
        }
    }

    #[test]
    fn a_sensible_template_passes() {
        assert_eq!(sample().check(), []);
        assert_eq!(Template::default().check(), []);
    }

    #[test]
    fn twenty_fields_pass_twenty_one_are_refused() {
        let fields = |n: usize| Template {
            fields: (0..n)
                .map(|i| {
                    text(
                        &format!("f{i}"),
                        &format!("问题{i}"),
                        &format!("Question {i}"),
                    )
                })
                .collect(),
        };
        assert_eq!(fields(MAX_FIELDS).check(), []);
        let problems = fields(MAX_FIELDS + 1).check();
        let problem = only(&problems, "too_many_fields");
        assert!(problem.is_error());
        assert_eq!(problem.field, "");
        assert_eq!(problem.details, json!({ "max": 20, "actual": 21 }));
        assert!(problem.message_zh.contains("21") && problem.message_zh.contains("20"));
        assert!(problem.message_en.contains("21") && problem.message_en.contains("20"));
    }

    #[test]
    fn keys_follow_the_pattern() {
        for good in ["a", "households_visited", "x9_", &"k".repeat(32)] {
            assert!(is_valid_key(good), "{good}");
            assert_eq!(one(text(good, "问题", "Question")), [], "{good}");
        }
        for bad in [
            "",
            "9a",
            "_a",
            "Households",
            "户数",
            "a-b",
            "a b",
            &"k".repeat(33),
        ] {
            assert!(!is_valid_key(bad), "{bad}");
            let problems = one(text(bad, "问题", "Question"));
            assert_eq!(invalid_reason(&problems), "key_format", "{bad}");
            assert_eq!(problems[0].field, "fields[0]");
            assert_eq!(problems[0].details["key"], bad);
        }
        let problems = one(text(&"k".repeat(33), "问题", "Question"));
        assert_eq!(problems[0].details["max_chars"], 32);
        assert_eq!(problems[0].details["actual_chars"], 33);
    }

    #[test]
    fn labels_are_non_empty_and_at_most_64_chars() {
        assert_eq!(one(text("q", &"字".repeat(64), &"a".repeat(64))), []);

        let problems = one(text("q", &"字".repeat(65), "Question"));
        assert_eq!(invalid_reason(&problems), "label_too_long");
        assert_eq!(problems[0].field, "q");
        assert_eq!(
            problems[0].details,
            json!({ "reason": "label_too_long", "label": "label_zh", "max_chars": 64, "actual_chars": 65 })
        );
        assert!(problems[0].message_en.contains("65") && problems[0].message_en.contains("64"));

        for empty in ["", "   ", "？！。", " - "] {
            let problems = one(text("q", "问题", empty));
            assert_eq!(invalid_reason(&problems), "label_empty", "{empty:?}");
            assert_eq!(problems[0].details["label"], "label_en");
        }
    }

    #[test]
    fn seconds_to_fill_between_1_and_1800() {
        for ok in [1, MAX_SECONDS_PER_FIELD] {
            assert_eq!(one(field("q", "问题", "Question", FieldKind::Date, ok)), []);
        }
        for bad in [0, MAX_SECONDS_PER_FIELD + 1] {
            let problems = one(field("q", "问题", "Question", FieldKind::Date, bad));
            assert_eq!(invalid_reason(&problems), "seconds_to_fill");
            assert_eq!(problems[0].details["max"], 1800);
            assert_eq!(problems[0].details["actual"], bad);
            assert!(problems[0].message_zh.contains(&bad.to_string()));
        }
    }

    #[test]
    fn text_max_chars_between_1_and_2000() {
        let text_of = |max_chars| field("q", "问题", "Question", FieldKind::Text { max_chars }, 60);
        assert_eq!(one(text_of(1)), []);
        assert_eq!(one(text_of(MAX_TEXT_CHARS)), []);
        for bad in [0, MAX_TEXT_CHARS + 1] {
            let problems = one(text_of(bad));
            assert_eq!(invalid_reason(&problems), "text_max_chars");
            assert_eq!(problems[0].details["max"], 2000);
            assert_eq!(problems[0].details["actual"], bad);
        }
    }

    #[test]
    fn number_ranges_are_finite_and_increasing() {
        let number_of = |min, max| field("q", "数量", "Count", number(min, max), 30);
        assert_eq!(one(number_of(-1.5, 0.0)), []);
        assert_eq!(one(number_of(0.0, 1e9)), []);
        for (min, max) in [(1.0, 1.0), (5.0, 1.0)] {
            let problems = one(number_of(min, max));
            assert_eq!(invalid_reason(&problems), "number_range");
            assert_eq!(problems[0].details["min"], min);
            assert_eq!(problems[0].details["max"], max);
        }
        for (min, max) in [
            (f64::NAN, 1.0),
            (0.0, f64::INFINITY),
            (f64::NEG_INFINITY, 0.0),
        ] {
            let problems = one(number_of(min, max));
            assert_eq!(invalid_reason(&problems), "number_not_finite");
            assert_eq!(problems[0].details["min_text"], min.to_string());
        }
    }

    #[test]
    fn choices_have_2_to_20_distinct_non_empty_options() {
        let choice_of = |options: &[&str]| field("q", "选择", "Choice", choice(options), 20);
        let twenty: Vec<String> = (0..MAX_CHOICES).map(|i| format!("选项{i}")).collect();
        let twenty: Vec<&str> = twenty.iter().map(String::as_str).collect();
        assert_eq!(one(choice_of(&["是", "否"])), []);
        assert_eq!(one(choice_of(&twenty)), []);

        let problems = one(choice_of(&["是"]));
        assert_eq!(invalid_reason(&problems), "choice_option_count");
        assert_eq!(problems[0].details["min"], 2);
        assert_eq!(problems[0].details["actual"], 1);

        let mut twenty_one = twenty.clone();
        twenty_one.push("再一个");
        let problems = one(choice_of(&twenty_one));
        assert_eq!(invalid_reason(&problems), "choice_option_count");
        assert_eq!(problems[0].details["max"], 20);
        assert_eq!(problems[0].details["actual"], 21);

        let problems = one(choice_of(&["是", " "]));
        assert_eq!(invalid_reason(&problems), "choice_option_empty");
        assert_eq!(problems[0].details["option_index"], 1);

        let problems = one(choice_of(&["是", "否", " 是。"]));
        assert_eq!(invalid_reason(&problems), "choice_option_repeated");
        assert_eq!(problems[0].details["option_index"], 2);
        assert_eq!(problems[0].details["first_index"], 0);

        let long = "长".repeat(MAX_LABEL_CHARS + 1);
        let problems = one(choice_of(&["是", &long]));
        assert_eq!(invalid_reason(&problems), "choice_option_too_long");
        assert_eq!(problems[0].details["actual_chars"], 65);
    }

    #[test]
    fn outcome_lists_hold_1_to_50_items() {
        let list_of = |max_items| {
            field(
                "q",
                "成果",
                "Outcomes",
                FieldKind::OutcomeList { max_items },
                300,
            )
        };
        assert_eq!(one(list_of(1)), []);
        assert_eq!(one(list_of(MAX_OUTCOME_ITEMS)), []);
        for bad in [0, MAX_OUTCOME_ITEMS + 1] {
            let problems = one(list_of(bad));
            assert_eq!(invalid_reason(&problems), "outcome_max_items");
            assert_eq!(problems[0].details["max"], 50);
            assert_eq!(problems[0].details["actual"], bad);
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut bad = field("Bad", "", "Question", FieldKind::Text { max_chars: 0 }, 0);
        bad.required = true;
        bad.label_en = "Upload a photo".to_owned();
        let problems = Template {
            fields: vec![bad, text("q", "问题", "Upload a photo")],
        }
        .check();
        assert_eq!(
            codes(&problems),
            [
                "invalid_field",
                "invalid_field",
                "invalid_field",
                "invalid_field",
                "duplicate_field",
                "photo_required"
            ]
        );
        assert!(problems.iter().all(Problem::is_error));
        // The bad key is located by index; the good one by key.
        assert_eq!(problems[0].field, "fields[0]");
        assert_eq!(problems[4].field, "q");
    }

    #[test]
    fn the_same_label_after_normalisation_is_a_duplicate() {
        let problems = Template {
            fields: vec![
                text("visits", "走访户数", "Visits"),
                text("households", "走访 户数。", "Households"),
            ],
        }
        .check();
        let problem = only(&problems, "duplicate_field");
        assert_eq!(problem.field, "households");
        assert_eq!(problem.details["key"], "households");
        assert_eq!(problem.details["other_key"], "visits");
        assert_eq!(problem.details["same"], json!(["label_zh"]));
        assert!(problem.message_zh.contains("visits") && problem.message_en.contains("households"));

        // English labels, case, punctuation and full-width letters.
        let problems = Template {
            fields: vec![
                text("a", "甲", "Households visited"),
                text("b", "乙", "  households-VISITED?"),
                text("c", "丙", "ＨＯＵＳＥＨＯＬＤＳ　ｖｉｓｉｔｅｄ！"),
            ],
        }
        .check();
        assert_eq!(codes(&problems), ["duplicate_field", "duplicate_field"]);
        assert_eq!(problems[0].details["same"], json!(["label_en"]));
        assert_eq!(problems[1].details["other_key"], "a");

        // Different questions are fine.
        assert_eq!(
            Template {
                fields: vec![
                    text("a", "走访户数", "Households visited"),
                    text("b", "走访人数", "People visited")
                ]
            }
            .check(),
            []
        );
    }

    #[test]
    fn the_same_concept_is_a_duplicate() {
        let with_concept = |key: &str, label_zh: &str, label_en: &str, concept: &str| Field {
            concept: Some(concept.to_owned()),
            ..text(key, label_zh, label_en)
        };
        let problems = Template {
            fields: vec![
                with_concept(
                    "visits",
                    "走访户数",
                    "Households visited",
                    "households_visited",
                ),
                with_concept(
                    "homes_seen",
                    "入户次数",
                    "Homes seen",
                    " Households_Visited ",
                ),
            ],
        }
        .check();
        let problem = only(&problems, "duplicate_field");
        assert_eq!(problem.details["same"], json!(["concept"]));
        assert_eq!(problem.details["concept"], "households_visited");

        // Different concepts, or an empty one, are fine.
        assert_eq!(
            Template {
                fields: vec![
                    with_concept(
                        "visits",
                        "走访户数",
                        "Households visited",
                        "households_visited"
                    ),
                    with_concept("people", "走访人数", "People visited", "people_visited"),
                    with_concept("x", "其他", "Other", ""),
                    with_concept("y", "备注", "Notes", " "),
                ],
            }
            .check(),
            []
        );
    }

    #[test]
    fn the_same_key_is_a_duplicate_reported_once_per_extra_field() {
        let problems = Template {
            fields: vec![
                text("q", "问题一", "One"),
                text("q", "问题二", "Two"),
                text("q", "问题三", "Three"),
            ],
        }
        .check();
        assert_eq!(codes(&problems), ["duplicate_field", "duplicate_field"]);
        assert_eq!(problems[0].details["same"], json!(["key"]));
        assert_eq!(
            (
                problems[0].details["index"].clone(),
                problems[0].details["other_index"].clone()
            ),
            (json!(1), json!(0))
        );
        assert_eq!(
            (
                problems[1].details["index"].clone(),
                problems[1].details["other_index"].clone()
            ),
            (json!(2), json!(0))
        );
    }

    #[test]
    fn a_required_photo_screenshot_or_video_attachment_is_refused() {
        for media in [Media::Photo, Media::Screenshot, Media::Video] {
            let problems = one(attachment(media, true));
            let problem = only(&problems, "photo_required");
            assert_eq!(problem.field, "evidence");
            assert_eq!(problem.details["reason"], "required_media");
            assert_eq!(problem.details["media"], media.as_str());
            // Optional is fine.
            assert_eq!(one(attachment(media, false)), []);
        }
        // A required document is fine.
        assert_eq!(one(attachment(Media::Document, true)), []);
    }

    #[test]
    fn a_required_field_asking_for_a_photo_is_refused() {
        let required = |label_zh: &str, label_en: &str| Field {
            required: true,
            ..text("proof", label_zh, label_en)
        };
        let problems = one(required("上传现场照片", "On-site evidence"));
        let problem = only(&problems, "photo_required");
        assert_eq!(
            problem.details,
            json!({ "reason": "label_asks_for_photo", "key": "proof", "label": "label_zh", "word": "照片" })
        );

        for (zh, en, word) in [
            ("现场 拍 照", "Evidence", "拍照"),
            ("截屏", "Evidence", "截屏"),
            ("证明", "Upload a PHOTO", "photo"),
            ("证明", "Screen-shot of the app", "screenshot"),
            ("证明", "Pictures of the road", "picture"),
            ("证明", "Short video", "video"),
            ("会议录像", "Recording", "录像"),
        ] {
            let problems = one(required(zh, en));
            assert_eq!(
                only(&problems, "photo_required").details["word"],
                word,
                "{zh} / {en}"
            );
        }

        // The same label on an optional field, and a required field not asking for one, pass.
        assert_eq!(one(text("proof", "上传现场照片", "On-site photo")), []);
        assert_eq!(one(required("现场情况说明", "What you found on site")), []);
        // A required document attachment whose label asks for a photo is refused too.
        let document = Field {
            required: true,
            ..field(
                "scan",
                "上传照片",
                "Scan",
                FieldKind::Attachment {
                    media: Media::Document,
                },
                30,
            )
        };
        assert_eq!(codes(&one(document)), ["photo_required"]);
    }

    #[test]
    fn seconds_per_submission_sums_and_saturates() {
        assert_eq!(Template::default().seconds_per_submission(), 0);
        assert_eq!(
            sample().seconds_per_submission(),
            30 + 300 + 20 + 15 + 600 + 20 + 30 + 60 + 10
        );
        let huge = Template {
            fields: vec![
                field("a", "甲", "A", FieldKind::Date, u32::MAX),
                field("b", "乙", "B", FieldKind::Date, 5),
            ],
        };
        assert_eq!(huge.seconds_per_submission(), u32::MAX);
    }

    #[test]
    fn find_equivalent_by_concept_then_label() {
        let template = sample();
        let by_concept = template.find_equivalent(Some("households_visited"), "入户数", "Homes");
        assert_eq!(
            by_concept.map(|f| f.key.as_str()),
            Some("households_visited")
        );
        let by_zh = template.find_equivalent(None, "  道路 状况！", "Something else");
        assert_eq!(by_zh.map(|f| f.key.as_str()), Some("road_status"));
        let by_en =
            template.find_equivalent(Some("unknown_concept"), "别的", "registered POPULATION.");
        assert_eq!(by_en.map(|f| f.key.as_str()), Some("population"));
        // The concept wins over a label that matches another field.
        let both = template.find_equivalent(Some("households_visited"), "道路状况", "");
        assert_eq!(both.map(|f| f.key.as_str()), Some("households_visited"));
        assert_eq!(
            template.find_equivalent(None, "走访人数", "People visited"),
            None
        );
        assert_eq!(template.find_equivalent(Some(" "), "", "。"), None);
    }

    #[test]
    fn labels_options_and_units_keep_the_text_rule() {
        // Trimmed before counting: 64 characters inside spaces are fine.
        let padded = format!("  {}\u{3000}", "字".repeat(64));
        assert_eq!(one(text("q", &padded, "Question")), []);

        let problems = one(text("q", "走访\0户数", "Question"));
        assert_eq!(invalid_reason(&problems), "label_control_character");
        assert_eq!(
            problems[0].details,
            json!({ "reason": "label_control_character", "label": "label_zh", "position": 3, "code_point": "U+0000" })
        );
        assert!(
            problems[0].message_zh.contains("第 3 个字符")
                && problems[0].message_en.contains("U+0000")
        );
        let problems = one(text("q", "问题", "Line one\nline two"));
        assert_eq!(problems[0].details["reason"], "label_control_character");
        assert_eq!(problems[0].details["code_point"], "U+000A");

        let problems = one(field(
            "q",
            "选择",
            "Choice",
            choice(&["是", "否\u{1B}"]),
            20,
        ));
        assert_eq!(invalid_reason(&problems), "choice_option_control_character");
        assert_eq!(problems[0].details["option_index"], 1);

        let with_unit = |unit: &str| FieldKind::Number {
            min: 0.0,
            max: 10.0,
            integer: false,
            unit: Some(unit.to_owned()),
        };
        assert_eq!(one(field("q", "面积", "Area", with_unit(" % "), 20)), []);
        for (unit, reason) in [
            (" ", "unit_empty"),
            ("户\t米", "unit_control_character"),
            ("户\u{7F}", "unit_control_character"),
        ] {
            let problems = one(field("q", "户数", "Homes", with_unit(unit), 20));
            assert_eq!(invalid_reason(&problems), reason, "{unit:?}");
        }
        let long = "米".repeat(crate::report::MAX_UNIT_CHARS + 1);
        assert_eq!(
            invalid_reason(&one(field("q", "长度", "Length", with_unit(&long), 20))),
            "unit_too_long"
        );
    }

    #[test]
    fn json_round_trip_in_the_documented_shape() {
        let documented = r#"{"fields":[{"key":"households_visited","label_zh":"走访户数","label_en":"Households visited","type":"number","min":0,"max":500,"integer":true,"required":true,"seconds_to_fill":30,"concept":"households_visited"}]}"#;
        let template: Template = serde_json::from_str(documented).unwrap();
        assert_eq!(
            template,
            Template {
                fields: vec![Field {
                    required: true,
                    concept: Some("households_visited".to_owned()),
                    ..field(
                        "households_visited",
                        "走访户数",
                        "Households visited",
                        number(0.0, 500.0),
                        30
                    )
                }],
            }
        );
        assert_eq!(template.check(), []);
        let back: Template =
            serde_json::from_str(&serde_json::to_string(&template).unwrap()).unwrap();
        assert_eq!(back, template);

        // Every kind survives the round trip.
        let sample = sample();
        let json = serde_json::to_value(&sample).unwrap();
        assert_eq!(json["fields"][2]["type"], "choice");
        assert_eq!(json["fields"][6]["media"], "photo");
        assert_eq!(json["fields"][4]["type"], "outcome_list");
        assert_eq!(serde_json::from_value::<Template>(json).unwrap(), sample);

        // An unknown type is refused.
        let unknown = documented.replace(r#""type":"number""#, r#""type":"selfie""#);
        assert!(serde_json::from_str::<Template>(&unknown).is_err());
    }
}
