//! Free text typed by people: one rule for what is accepted ([`TextRule`], [`clean`]) and
//! one way to compare texts ([`normalise`]), shared by reports, templates and the
//! division import.
//!
//! The rule, for every free-text input: the text is trimmed of leading and trailing
//! whitespace (Unicode `White_Space`, so U+3000 too); what is left must hold no control
//! character, and its length in characters must lie in `min..=max`. A control character
//! is one of Unicode category Cc (NUL and the rest), or U+2028/U+2029 (line and paragraph
//! separators, which break lines in JS and in logs) or U+FEFF (a byte-order mark). A
//! multi-line text may keep `\n` and `\t`, and has `\r\n` turned into `\n`; a lone `\r`
//! is refused.
//!
//! Problem codes ([`TextError::code`]), one per text, the first found:
//!
//! - `control_character`: `details: {position, code_point}`, the position
//!   counted in characters from 1 in the text as given (before trimming), the code point
//!   written `U+0000`.
//! - `required`: nothing left after trimming while `min` is at least 1.
//! - `too_short`, `too_long`: `details: {min_chars, max_chars, actual_chars}`, counted
//!   after trimming.

use std::fmt;

use serde_json::json;

use crate::problem::Problem;

/// The limits of one free-text input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// Fewest characters after trimming; 0 makes the text optional.
    pub min: usize,
    /// Most characters after trimming.
    pub max: usize,
    /// Whether `\n` and `\t` may appear inside the text.
    pub multiline: bool,
}

/// Why a text breaks its [`TextRule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    /// `character` is at `position` (from 1) of the text as given.
    ControlCharacter { position: usize, character: char },
    /// Fewer than `min` characters after trimming (0 of them: `required`).
    TooShort {
        min: usize,
        max: usize,
        actual: usize,
    },
    TooLong {
        min: usize,
        max: usize,
        actual: usize,
    },
}

impl TextRule {
    /// A single line of `min..=max` characters.
    pub const fn line(min: usize, max: usize) -> TextRule {
        TextRule {
            min,
            max,
            multiline: false,
        }
    }

    /// Text of `min..=max` characters that may span lines.
    pub const fn lines(min: usize, max: usize) -> TextRule {
        TextRule {
            min,
            max,
            multiline: true,
        }
    }

    /// The text as kept (trimmed, `\r\n` made `\n`), or why it breaks the rule.
    pub fn apply(self, value: &str) -> Result<String, TextError> {
        let leading = value.chars().take_while(|c| c.is_whitespace()).count();
        let trimmed = value.trim();
        let mut kept = String::with_capacity(trimmed.len());
        let mut chars = trimmed.chars().peekable();
        let mut position = leading;
        while let Some(c) = chars.next() {
            position += 1;
            if self.multiline && c == '\r' && chars.peek() == Some(&'\n') {
                continue;
            }
            if is_refused(c, self.multiline) {
                return Err(TextError::ControlCharacter {
                    position,
                    character: c,
                });
            }
            kept.push(c);
        }
        let (min, max) = (self.min, self.max);
        let actual = kept.chars().count();
        if actual < min {
            Err(TextError::TooShort { min, max, actual })
        } else if actual > max {
            Err(TextError::TooLong { min, max, actual })
        } else {
            Ok(kept)
        }
    }
}

/// Whether `c` may not appear inside a text (see the module's rule).
fn is_refused(c: char, multiline: bool) -> bool {
    match c {
        '\n' | '\t' => !multiline,
        '\u{2028}' | '\u{2029}' | '\u{FEFF}' => true,
        _ => c.is_control(),
    }
}

/// The text under `rule`, trimmed, or a problem on `field` that names it by its path.
#[allow(clippy::result_large_err)] // a refusal is the rare path, and the caller wants the problem
pub fn clean(field: &str, value: &str, rule: TextRule) -> Result<String, Problem> {
    rule.apply(value)
        .map_err(|e| e.to_problem(field, &format!("“{field}”"), &format!("\"{field}\"")))
}

impl TextError {
    /// The stable problem code (see the module's list).
    pub fn code(&self) -> &'static str {
        match self {
            TextError::ControlCharacter { .. } => "control_character",
            TextError::TooShort { actual: 0, .. } => "required",
            TextError::TooShort { .. } => "too_short",
            TextError::TooLong { .. } => "too_long",
        }
    }

    /// The problem on `field`, whose messages name the text `zh` and `en` (e.g. `第 1 项成果的“做了什么”`
    /// and `outcome 1's "what was done"`).
    pub fn to_problem(&self, field: &str, zh: &str, en: &str) -> Problem {
        let en = capitalise(en);
        let (message_zh, message_en, details) = match *self {
            TextError::ControlCharacter {
                position,
                character,
            } => {
                let code_point = code_point(character);
                (
                    format!("{zh}第 {position} 个字符是控制字符 {code_point}，请删除它"),
                    format!(
                        "{en} has the control character {code_point} at character {position}: delete it"
                    ),
                    json!({ "position": position, "code_point": code_point }),
                )
            }
            TextError::TooShort { min, max, actual } | TextError::TooLong { min, max, actual } => {
                let (state_zh, state_en) = match self {
                    TextError::TooShort { actual: 0, .. } => ("必须填写", "is required"),
                    TextError::TooShort { .. } => ("太短", "is too short"),
                    _ => ("太长", "is too long"),
                };
                (
                    format!("{zh}{state_zh}：现有 {actual} 个字，应为 {min} 到 {max} 个"),
                    format!(
                        "{en} {state_en}: {actual} characters, where {min} to {max} are allowed"
                    ),
                    json!({ "min_chars": min, "max_chars": max, "actual_chars": actual }),
                )
            }
        };
        Problem::error(self.code(), field, message_zh, message_en, details)
    }
}

/// English, without the field's name: `name: {error}` reads as a sentence.
impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TextError::ControlCharacter {
                position,
                character,
            } => write!(
                f,
                "has the control character {} at character {position}",
                code_point(character)
            ),
            TextError::TooShort { min, max, actual } | TextError::TooLong { min, max, actual } => {
                write!(f, "must be {min} to {max} characters, found {actual}")
            }
        }
    }
}

impl std::error::Error for TextError {}

/// `U+0000`: how a message names a character it cannot show.
pub(crate) fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// The first letter in upper case, for a name that starts an English sentence.
pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A text as compared, for "asks the same thing" (template labels, R3) and "reads like last
/// period's" (similarity): full-width ASCII (`Ａ`, `１`, `？`) folded to ASCII, lowercase,
/// without whitespace (U+3000 too), invisible characters, or punctuation and symbols —
/// ASCII, Latin-1, general, CJK (`。、「」《》【】`) and full-width. Letters and numbers
/// stay, `〇` and `々` included. `走访　户数（户）。` normalises to `走访户数户`.
pub fn normalise(text: &str) -> String {
    normalised(text).collect()
}

/// The characters of [`normalise`], without collecting them.
pub fn normalised(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars()
        .map(fold_full_width)
        .filter(|c| !c.is_whitespace() && !is_ignorable(*c))
        .flat_map(char::to_lowercase)
}

/// Full-width ASCII variants (U+FF01..U+FF5E) to their ASCII forms.
fn fold_full_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Punctuation, symbols and invisible characters that do not change what a text says.
/// Blocks that also hold letters or numbers (Latin-1, CJK symbols) give up only the rest;
/// those are listed by hand, as `char::is_alphanumeric` would bring Unicode's tables into
/// the browser module.
fn is_ignorable(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c,
            '\u{00A0}'..='\u{00BF}' // Latin-1 punctuation and symbols: ¡ § « · » ¿ ¥ ©
                | '\u{00D7}'
                | '\u{00F7}'
                | '\u{2000}'..='\u{206F}' // general punctuation: “” ‘’ — … · and zero-width
                | '\u{3000}'..='\u{303F}' // CJK punctuation: 。、《》「」【】〔〕
                | '\u{30FB}' // katakana middle dot
                | '\u{FE10}'..='\u{FE19}' // vertical forms
                | '\u{FE30}'..='\u{FE6B}' // CJK compatibility and small forms
                | '\u{FEFF}'
                | '\u{FF5F}'..='\u{FF65}' // half-width CJK punctuation
                | '\u{FFE0}'..='\u{FFEE}' // full-width ￥ ￠ and half-width symbols
        ) && !matches!(
            c,
            // ª ² ³ µ ¹ º ¼ ½ ¾: letters and numbers of Latin-1
            '\u{00AA}' | '\u{00B2}' | '\u{00B3}' | '\u{00B5}' | '\u{00B9}' | '\u{00BA}'
                | '\u{00BC}'..='\u{00BE}'
                // 々 〆 〇, the Hangzhou numerals 〡…〩 〸 〹 〺 and the kana repeat marks
                | '\u{3005}'..='\u{3007}'
                | '\u{3021}'..='\u{3029}'
                | '\u{3031}'..='\u{3035}'
                | '\u{3038}'..='\u{303C}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn refused(value: &str, rule: TextRule) -> TextError {
        rule.apply(value).expect_err(value)
    }

    #[test]
    fn text_is_trimmed_of_all_whitespace_including_full_width() {
        let rule = TextRule::line(1, 10);
        assert_eq!(rule.apply("\u{3000} 走访 \t\n").unwrap(), "走访");
        assert_eq!(rule.apply(" a b ").unwrap(), "a b");
        assert_eq!(TextRule::line(0, 10).apply(" \u{3000} ").unwrap(), "");
    }

    #[test]
    fn control_characters_are_refused_with_their_position_and_code_point() {
        let err = refused("走访\0户", TextRule::lines(1, 10));
        assert_eq!(
            err,
            TextError::ControlCharacter {
                position: 3,
                character: '\0',
            }
        );
        // The position counts from the text as given, leading spaces included.
        let problem = clean("what", "  ab\u{7}", TextRule::line(1, 10)).unwrap_err();
        assert_eq!(problem.code, "control_character");
        assert_eq!(
            problem.details,
            json!({ "position": 5, "code_point": "U+0007" })
        );
        assert!(
            problem.message_zh.contains("第 5 个字符") && problem.message_zh.contains("U+0007")
        );
        assert!(problem.message_en.contains("U+0007 at character 5"));
        for bad in [
            "a\u{1B}b",
            "a\u{7F}b",
            "a\u{85}b",
            "a\u{2028}b",
            "a\u{2029}b",
            "\u{FEFF}ab",
            "a\rb",
        ] {
            for rule in [TextRule::line(0, 10), TextRule::lines(0, 10)] {
                assert_eq!(refused(bad, rule).code(), "control_character", "{bad:?}");
            }
        }
    }

    #[test]
    fn line_breaks_and_tabs_only_in_multi_line_text() {
        let text = "第一行\r\n第二行\t（完）\n第三行";
        assert_eq!(
            TextRule::lines(1, 50).apply(text).unwrap(),
            "第一行\n第二行\t（完）\n第三行"
        );
        let err = refused(text, TextRule::line(1, 50));
        assert_eq!(
            err,
            TextError::ControlCharacter {
                position: 4,
                character: '\r',
            }
        );
        assert_eq!(
            refused("a\tb", TextRule::line(1, 5)).code(),
            "control_character"
        );
    }

    #[test]
    fn length_is_counted_in_characters_after_trimming() {
        let rule = TextRule::line(2, 3);
        assert_eq!(rule.apply(" 走访户 ").unwrap(), "走访户");
        let long = clean("unit", "走访户数", rule).unwrap_err();
        assert_eq!(long.code, "too_long");
        assert_eq!(
            long.details,
            json!({ "min_chars": 2, "max_chars": 3, "actual_chars": 4 })
        );
        assert_eq!(long.message_zh, "“unit”太长：现有 4 个字，应为 2 到 3 个");
        assert_eq!(
            long.message_en,
            "\"unit\" is too long: 4 characters, where 2 to 3 are allowed"
        );
        assert_eq!(refused("走", rule).code(), "too_short");
        let blank = clean("unit", " \u{3000}", rule).unwrap_err();
        assert_eq!(blank.code, "required");
        assert_eq!(
            blank.message_en,
            "\"unit\" is required: 0 characters, where 2 to 3 are allowed"
        );
        assert_eq!(
            TextRule::line(0, 2).apply("abc").unwrap_err().to_string(),
            "must be 0 to 2 characters, found 3"
        );
    }

    #[test]
    fn normalise_folds_width_case_spaces_and_punctuation() {
        assert_eq!(normalise("走访 户数。"), "走访户数");
        assert_eq!(normalise("「走访」户数（户）"), "走访户数户");
        assert_eq!(
            normalise(" Households\u{200B} Visited?! "),
            "householdsvisited"
        );
        assert_eq!(normalise("ＡＢＣ１２３"), "abc123");
        assert_eq!(normalise("，。、；：？！…—·《》“”【】〔〕・￥×"), "");
        // Letters and numbers of the symbol blocks stay, and only they.
        assert_eq!(normalise("二〇二六年 m² 々"), "二〇二六年m²々");
        for c in ('\u{00A0}'..='\u{00BF}')
            .chain('\u{3000}'..='\u{302F}')
            .chain('\u{3030}'..='\u{303F}')
        {
            let combining = ('\u{302A}'..='\u{302F}').contains(&c);
            assert_eq!(is_ignorable(c), !c.is_alphanumeric() || combining, "{c:?}");
        }
    }

    #[test]
    fn templates_and_similarity_normalise_alike() {
        let text = "走访　户数（户）。";
        assert_eq!(normalise(text), "走访户数户");
        assert_eq!(crate::template::normalise_label(text), normalise(text));
        let same = crate::similarity::similarity(text, "走访户数户");
        assert!((same - 1.0).abs() < f64::EPSILON, "{same}");
    }

    fn any_rule() -> impl Strategy<Value = TextRule> {
        (0usize..4, 0usize..24, any::<bool>()).prop_map(|(min, extra, multiline)| TextRule {
            min,
            max: min + extra,
            multiline,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn text_prop_clean_keeps_the_rule_and_is_idempotent(
            value in prop_oneof![
                any::<String>(),
                "[a走访 \u{3000}\u{0}\u{1F}\u{7F}\u{85}\u{2028}\u{FEFF}\r\n\t]{0,30}",
            ],
            rule in any_rule(),
        ) {
            if let Ok(kept) = clean("f", &value, rule) {
                let chars = kept.chars().count();
                prop_assert!((rule.min..=rule.max).contains(&chars));
                prop_assert!(kept.chars().all(|c| !is_refused(c, rule.multiline)));
                prop_assert!(!kept.contains('\r'));
                prop_assert_eq!(kept.trim(), kept.as_str());
                prop_assert_eq!(clean("f", &kept, rule), Ok(kept.clone()));
            }
        }
    }
}
