//! A problem found by a check: the same shape on the server (inside an error's
//! `details`) and in the browser (shown next to the field), so both speak alike.

use serde::{Deserialize, Serialize};

/// How much a problem matters: an error blocks, a warning only informs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One thing wrong (or worth a second look) with a template, a policy or a report; the
/// server uses the same shape in `details.problems`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
pub struct Problem {
    /// Stable machine-readable code, e.g. `too_many_fields`.
    pub code: String,
    /// Where: a field key or a path such as `outcomes[2].what`; empty for the whole.
    pub field: String,
    /// Errors block (a report cannot be sealed); warnings, such as
    /// `similar_to_last_period`, only inform.
    pub severity: Severity,
    pub message_zh: String,
    pub message_en: String,
    /// The numbers behind the problem (limits, actual values); an object.
    #[cfg_attr(feature = "ts", tsify(type = "Record<string, unknown>"))]
    pub details: serde_json::Value,
}

impl Problem {
    pub fn error(
        code: &str,
        field: impl Into<String>,
        zh: impl Into<String>,
        en: impl Into<String>,
        details: serde_json::Value,
    ) -> Problem {
        Problem {
            code: code.to_owned(),
            field: field.into(),
            severity: Severity::Error,
            message_zh: zh.into(),
            message_en: en.into(),
            details,
        }
    }

    pub fn warning(
        code: &str,
        field: impl Into<String>,
        zh: impl Into<String>,
        en: impl Into<String>,
        details: serde_json::Value,
    ) -> Problem {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(code, field, zh, en, details)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
