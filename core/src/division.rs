//! Official administrative division codes (统计用区划代码) and the tree they form.
//!
//! A code is kept in its significant-digit form: 2 digits for a province, 4 for a
//! city, 6 for a county, 9 for a township and 12 for a village. The 12-digit padded
//! form is not unique (中山市 is both the city `4420` and the county `442000`), so it
//! is only a display form. Every code starts with its parent's code, which makes
//! "is X inside Y's subtree" a prefix test and a subtree a contiguous key range.

use serde::{Deserialize, Serialize};
use serde_json::json;
use std::fmt;
use std::str::FromStr;

use crate::problem::Problem;
use crate::text::{TextError, TextRule};

/// The five levels of the administrative tree, root first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify), tsify(rename = "DivisionLevel"))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
    Township,
    Village,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Province,
        Level::City,
        Level::County,
        Level::Township,
        Level::Village,
    ];

    /// How many significant digits a code at this level has.
    pub const fn digits(self) -> usize {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::County => 6,
            Level::Township => 9,
            Level::Village => 12,
        }
    }

    pub fn from_digits(digits: usize) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.digits() == digits)
    }

    pub fn parent(self) -> Option<Level> {
        match self {
            Level::Province => None,
            Level::City => Some(Level::Province),
            Level::County => Some(Level::City),
            Level::Township => Some(Level::County),
            Level::Village => Some(Level::Township),
        }
    }

    /// The level directly below, `None` for a village.
    pub fn child(self) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.parent() == Some(self))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
            Level::Village => "village",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = DivisionRowError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| DivisionRowError::UnknownLevel(s.to_owned()))
    }
}

impl TryFrom<String> for Level {
    type Error = DivisionRowError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// Why a text is not a division code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DivisionCodeError {
    #[error("a division code has only the digits 0-9, found {0:?}")]
    NotDigits(String),
    #[error("a division code has 2, 4, 6, 9 or 12 digits, found {0}")]
    BadLength(usize),
}

impl DivisionCodeError {
    /// The `invalid_division_code` problem for the argument or key `field`, worded once
    /// for the server and the browser: `details` holds `field` and the refused `value`
    /// (not digits) or its number of `digits` (a wrong length).
    pub fn to_problem(&self, field: &str) -> Problem {
        // One details object, one key added: this runs in the browser module too, where
        // every `json!` costs code.
        let mut details = json!({ "field": field });
        let zh = match self {
            DivisionCodeError::NotDigits(text) => {
                details["value"] = json!(text);
                format!("行政区划代码只能由数字组成，收到 {text:?}")
            }
            DivisionCodeError::BadLength(digits) => {
                details["digits"] = json!(digits);
                format!("行政区划代码应为 2、4、6、9 或 12 位数字，收到 {digits} 位")
            }
        };
        Problem::error(
            "invalid_division_code",
            field,
            zh,
            self.to_string(),
            details,
        )
    }
}

/// A division code in significant-digit form (2, 4, 6, 9 or 12 digits); the only way in
/// is `DivisionCode::parse`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

impl DivisionCode {
    pub fn parse(text: &str) -> Result<Self, DivisionCodeError> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DivisionCodeError::NotDigits(
                text.chars().take(32).collect(),
            ));
        }
        Level::from_digits(text.len())
            .map(|_| DivisionCode(text.to_owned()))
            .ok_or(DivisionCodeError::BadLength(text.len()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> Level {
        Level::from_digits(self.0.len()).expect("length checked in parse")
    }

    /// The code of the unit directly above, `None` for a province.
    pub fn parent(&self) -> Option<DivisionCode> {
        let level = self.level().parent()?;
        Some(DivisionCode(self.0[..level.digits()].to_owned()))
    }

    /// Codes from the province down to this unit, this unit last.
    pub fn path(&self) -> Vec<DivisionCode> {
        Level::ALL
            .into_iter()
            .filter(|l| *l <= self.level())
            .map(|l| DivisionCode(self.0[..l.digits()].to_owned()))
            .collect()
    }

    /// True when `other` is this unit or lies anywhere below it.
    pub fn contains(&self, other: &DivisionCode) -> bool {
        other.0.starts_with(&self.0)
    }

    /// `[low, high)` bounds of this subtree as byte-wise ordered text: every code in the
    /// subtree, and no other, sorts inside. Used for index range scans in storage.
    pub fn subtree_bounds(&self) -> (String, String) {
        let mut high = self.0.clone().into_bytes();
        // Digits only, so bumping the last byte never overflows ('9' + 1 is ':').
        *high.last_mut().expect("codes are never empty") += 1;
        (
            self.0.clone(),
            String::from_utf8(high).expect("ASCII stays UTF-8"),
        )
    }

    /// The 12-digit padded display form (not unique across levels).
    pub fn padded(&self) -> String {
        format!("{:0<12}", self.0)
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for DivisionCode {
    type Err = DivisionCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DivisionCode::parse(s)
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = DivisionCodeError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        DivisionCode::parse(&s)
    }
}

impl From<DivisionCode> for String {
    fn from(code: DivisionCode) -> String {
        code.0
    }
}

/// The longest unit name accepted, in characters (the national file's longest is 33).
pub const MAX_NAME_CHARS: usize = 64;

/// Why a `code,name,level,parent_code` row is not a valid unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DivisionRowError {
    #[error("code: {0}")]
    Code(#[from] DivisionCodeError),
    #[error("parent_code: {0}")]
    ParentCode(DivisionCodeError),
    #[error("level: unknown level {0:?}, expected province, city, county, township or village")]
    UnknownLevel(String),
    #[error("level: {level} does not match the code's {digits} digits (a {expected} code)")]
    LevelMismatch {
        level: Level,
        digits: usize,
        expected: Level,
    },
    #[error("parent_code: expected {expected:?} (the code's own prefix), found {found:?}")]
    ParentMismatch { expected: String, found: String },
    /// The name breaks the shared text rule: one line of 1 to [`MAX_NAME_CHARS`] characters.
    #[error("name: {0}")]
    BadName(TextError),
}

impl DivisionRowError {
    /// The problem, worded in Chinese and English, on the CSV column it is in.
    pub fn to_problem(&self) -> Problem {
        let field = self.field();
        match self {
            DivisionRowError::Code(e) | DivisionRowError::ParentCode(e) => e.to_problem(field),
            DivisionRowError::UnknownLevel(level) => Problem::error(
                "unknown_level",
                field,
                format!("层级应为 province、city、county、township 或 village，收到 {level:?}"),
                self.to_string(),
                json!({ "field": field, "value": level }),
            ),
            DivisionRowError::LevelMismatch {
                level,
                digits,
                expected,
            } => Problem::error(
                "level_mismatch",
                field,
                format!("层级 {level} 与 {digits} 位代码不符（应为 {expected}）"),
                self.to_string(),
                json!({ "field": field, "level": level.as_str(), "digits": digits, "expected": expected.as_str() }),
            ),
            DivisionRowError::ParentMismatch { expected, found } => Problem::error(
                "parent_mismatch",
                field,
                format!("上级代码应为 {expected:?}（代码本身的前缀），收到 {found:?}"),
                self.to_string(),
                json!({ "field": field, "expected": expected, "found": found }),
            ),
            DivisionRowError::BadName(e) => e.to_problem(field, "名称", "the name"),
        }
    }

    /// The CSV column the problem is in.
    pub fn field(&self) -> &'static str {
        match self {
            DivisionRowError::Code(_) => "code",
            DivisionRowError::ParentCode(_) | DivisionRowError::ParentMismatch { .. } => {
                "parent_code"
            }
            DivisionRowError::UnknownLevel(_) | DivisionRowError::LevelMismatch { .. } => "level",
            DivisionRowError::BadName(_) => "name",
        }
    }
}

/// One validated unit of the tree: the parent is always the code's own prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DivisionRow {
    pub code: DivisionCode,
    pub name: String,
    pub level: Level,
}

impl DivisionRow {
    /// Checks one row as it appears in the national file; `parent` may be empty only
    /// for a province.
    pub fn parse(
        code: &str,
        name: &str,
        level: &str,
        parent: &str,
    ) -> Result<Self, DivisionRowError> {
        let code = DivisionCode::parse(code)?;
        let level: Level = level.parse()?;
        if level != code.level() {
            return Err(DivisionRowError::LevelMismatch {
                level,
                digits: code.as_str().len(),
                expected: code.level(),
            });
        }
        let expected = code.parent();
        let found = if parent.is_empty() {
            None
        } else {
            Some(DivisionCode::parse(parent).map_err(DivisionRowError::ParentCode)?)
        };
        if expected != found {
            return Err(DivisionRowError::ParentMismatch {
                expected: expected.map(String::from).unwrap_or_default(),
                found: parent.to_owned(),
            });
        }
        Self::new(code, name)
    }

    /// A unit from its code and name; the level and parent follow from the code.
    pub fn new(code: DivisionCode, name: &str) -> Result<Self, DivisionRowError> {
        let name = TextRule::line(1, MAX_NAME_CHARS)
            .apply(name)
            .map_err(DivisionRowError::BadName)?;
        Ok(DivisionRow {
            level: code.level(),
            code,
            name,
        })
    }

    pub fn parent(&self) -> Option<DivisionCode> {
        self.code.parent()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap()
    }

    #[test]
    fn levels_follow_the_number_of_digits() {
        assert_eq!(code("13").level(), Level::Province);
        assert_eq!(code("1309").level(), Level::City);
        assert_eq!(code("130928").level(), Level::County);
        assert_eq!(code("130928101").level(), Level::Township);
        assert_eq!(code("130928101201").level(), Level::Village);
    }

    #[test]
    fn refuses_what_is_not_a_code() {
        assert_eq!(
            DivisionCode::parse(""),
            Err(DivisionCodeError::NotDigits(String::new()))
        );
        assert!(matches!(
            DivisionCode::parse("13a"),
            Err(DivisionCodeError::NotDigits(_))
        ));
        assert!(matches!(
            DivisionCode::parse("１３"),
            Err(DivisionCodeError::NotDigits(_))
        ));
        assert_eq!(
            DivisionCode::parse("130"),
            Err(DivisionCodeError::BadLength(3))
        );
        assert_eq!(
            DivisionCode::parse("1309281012011"),
            Err(DivisionCodeError::BadLength(13))
        );
    }

    #[test]
    fn a_bad_code_is_one_problem_in_both_languages() {
        let problem = DivisionCode::parse("13a")
            .unwrap_err()
            .to_problem("org_unit");
        assert_eq!(problem.code, "invalid_division_code");
        assert_eq!(problem.field, "org_unit");
        assert_eq!(
            problem.message_zh,
            "行政区划代码只能由数字组成，收到 \"13a\""
        );
        assert_eq!(
            problem.message_en,
            "a division code has only the digits 0-9, found \"13a\""
        );
        assert_eq!(
            problem.details,
            json!({ "field": "org_unit", "value": "13a" })
        );
        let problem = DivisionCode::parse("13092").unwrap_err().to_problem("code");
        assert_eq!(
            problem.message_zh,
            "行政区划代码应为 2、4、6、9 或 12 位数字，收到 5 位"
        );
        assert_eq!(
            problem.message_en,
            "a division code has 2, 4, 6, 9 or 12 digits, found 5"
        );
        assert_eq!(problem.details, json!({ "field": "code", "digits": 5 }));
    }

    #[test]
    fn path_runs_from_the_province_down() {
        let path: Vec<String> = code("130928101201")
            .path()
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(path, ["13", "1309", "130928", "130928101", "130928101201"]);
        assert_eq!(code("13").parent(), None);
        assert_eq!(code("130928101").parent(), Some(code("130928")));
    }

    #[test]
    fn the_padded_form_is_not_unique_so_it_is_not_the_key() {
        assert_eq!(code("4420").padded(), code("442000").padded());
        assert_ne!(code("4420"), code("442000"));
        assert!(code("4420").contains(&code("442000")));
        assert!(!code("442000").contains(&code("4420")));
    }

    #[test]
    fn rows_are_checked_field_by_field() {
        let ok = DivisionRow::parse("130928101", " 铁城镇 ", "township", "130928").unwrap();
        assert_eq!(ok.name, "铁城镇");
        assert_eq!(ok.parent(), Some(code("130928")));
        assert!(DivisionRow::parse("13", "河北省", "province", "").is_ok());

        let err = DivisionRow::parse("130928101", "铁城镇", "village", "130928").unwrap_err();
        assert_eq!(err.field(), "level");
        let err = DivisionRow::parse("130928101", "铁城镇", "township", "130929").unwrap_err();
        assert_eq!(err.field(), "parent_code");
        let err = DivisionRow::parse("130928101", "铁城镇", "township", "").unwrap_err();
        assert_eq!(err.field(), "parent_code");
        let err = DivisionRow::parse("13", "河北省", "province", "1").unwrap_err();
        assert_eq!(err.field(), "parent_code");
        let err = DivisionRow::parse("130928101", "", "township", "130928").unwrap_err();
        assert_eq!(err.field(), "name");
        let err = DivisionRow::parse("130928101", "a\nb", "township", "130928").unwrap_err();
        assert_eq!(err.field(), "name");
        assert_eq!(
            err.to_string(),
            "name: has the control character U+000A at character 2"
        );
        let err = DivisionRow::parse("130928101", "铁城\0镇", "township", "130928").unwrap_err();
        assert_eq!(err.field(), "name");
        let long = "镇".repeat(MAX_NAME_CHARS + 1);
        let err = DivisionRow::parse("130928101", &long, "township", "130928").unwrap_err();
        assert_eq!(
            err.to_string(),
            "name: must be 1 to 64 characters, found 65"
        );
        let err = DivisionRow::parse("130928101", "铁城镇", "hamlet", "130928").unwrap_err();
        assert_eq!(err.field(), "level");
    }

    fn any_code() -> impl Strategy<Value = DivisionCode> {
        prop::sample::select(Level::ALL.to_vec())
            .prop_flat_map(|l| {
                proptest::string::string_regex(&format!("[0-9]{{{}}}", l.digits())).unwrap()
            })
            .prop_map(|s| DivisionCode::parse(&s).unwrap())
    }

    proptest! {
        #[test]
        fn subtree_bounds_hold_exactly_the_subtree(root in any_code(), other in any_code()) {
            let (low, high) = root.subtree_bounds();
            let inside = low.as_str() <= other.as_str() && other.as_str() < high.as_str();
            prop_assert_eq!(inside, root.contains(&other));
        }

        #[test]
        fn every_ancestor_contains_the_code(c in any_code()) {
            for ancestor in c.path() {
                prop_assert!(ancestor.contains(&c));
                prop_assert!(ancestor.level() <= c.level());
            }
            let path = c.path();
            prop_assert_eq!(path.last(), Some(&c));
        }
    }
}
