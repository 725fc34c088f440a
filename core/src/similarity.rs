//! "This reads like last period's — is it the same outcome continuing?" A hint shown
//! before submission, never a refusal: the warnings here are never errors.

use serde_json::json;

use crate::problem::Problem;
use crate::report::{Outcome, ReportContent};
use crate::text::normalised;

/// Two outcomes this similar (or more) draw a [`similar_outcome_warnings`] hint.
pub const SIMILARITY_THRESHOLD: f64 = 0.8;

/// How alike two texts read, from 0.0 (nothing shared) to 1.0 (the same).
///
/// The Dice coefficient of the character bigrams (a multiset) of both texts after
/// [`crate::text::normalise`]; Chinese has no spaces, so character pairs rather than words. A text of a
/// single character compares by that character; two texts empty after normalisation are
/// the same (1.0), one empty and one not share nothing (0.0).
pub fn similarity(a: &str, b: &str) -> f64 {
    Grams::new(a).similarity(&Grams::new(b))
}

/// Two field labels at least this similar read as one concept (R3: warned, never refused).
pub const LABEL_SIMILARITY_THRESHOLD: f64 = 0.7;

/// How alike two field labels read, or `None` when they read as different things: the
/// same concept with a qualifier (one normalised label contains the other, e.g. 走访户数 /
/// 入户走访户数, 帮扶户数 / 结对帮扶户数), or a [`similarity`] of at least
/// [`LABEL_SIMILARITY_THRESHOLD`]. The score is the [`similarity`] either way.
pub fn labels_alike(a: &str, b: &str) -> Option<f64> {
    let (short, long) = {
        let (a, b) = (crate::text::normalise(a), crate::text::normalise(b));
        if a.chars().count() <= b.chars().count() {
            (a, b)
        } else {
            (b, a)
        }
    };
    if short.is_empty() {
        return None;
    }
    let score = similarity(&short, &long);
    let qualified = short.chars().count() >= 2 && long.contains(short.as_str());
    (qualified || score >= LABEL_SIMILARITY_THRESHOLD).then_some(score)
}

/// A text prepared for comparison once: its normalised characters and their bigrams,
/// sorted, so comparing two texts is one merge (a draft's outcomes are compared with every
/// outcome of the last period on each check, in the browser, at every keystroke).
struct Grams {
    chars: Vec<char>,
    bigrams: Vec<u64>,
}

impl Grams {
    fn new(text: &str) -> Grams {
        let chars: Vec<char> = normalised(text).collect();
        let mut bigrams: Vec<u64> = chars
            .windows(2)
            .map(|pair| (u64::from(pair[0]) << 32) | u64::from(pair[1]))
            .collect();
        bigrams.sort_unstable();
        Grams { chars, bigrams }
    }

    /// See [`similarity`].
    fn similarity(&self, other: &Grams) -> f64 {
        if self.chars == other.chars {
            return 1.0;
        }
        if self.chars.is_empty() || other.chars.is_empty() {
            return 0.0;
        }
        let (shared, total) = if self.chars.len() == 1 || other.chars.len() == 1 {
            let unigrams = |chars: &[char]| {
                let mut grams: Vec<u64> = chars.iter().map(|c| u64::from(*c)).collect();
                grams.sort_unstable();
                grams
            };
            let (a, b) = (unigrams(&self.chars), unigrams(&other.chars));
            (shared_count(&a, &b), a.len() + b.len())
        } else {
            (
                shared_count(&self.bigrams, &other.bigrams),
                self.bigrams.len() + other.bigrams.len(),
            )
        };
        #[allow(clippy::cast_precision_loss)] // counts of a few hundred characters
        let score = (2 * shared) as f64 / total as f64;
        score
    }
}

/// The size of the multiset intersection of two sorted lists.
fn shared_count(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// One `similar_to_last_period` warning for each draft outcome that does not already say
/// what it continues and whose `what` reads like an earlier outcome's (similarity at
/// least [`SIMILARITY_THRESHOLD`]); it names the most similar earlier outcome (the first
/// on a tie).
pub fn similar_outcome_warnings(draft: &ReportContent, last_period: &[Outcome]) -> Vec<Problem> {
    let mut warnings = Vec::new();
    let earlier_grams: Vec<(&Outcome, Grams)> = last_period
        .iter()
        .map(|earlier| (earlier, Grams::new(&earlier.what)))
        .collect();
    for (index, outcome) in draft.outcomes.iter().enumerate() {
        if outcome.continues.is_some() {
            continue;
        }
        let grams = Grams::new(&outcome.what);
        let best = earlier_grams
            .iter()
            .map(|(earlier, theirs)| (*earlier, grams.similarity(theirs)))
            .fold(
                None::<(&Outcome, f64)>,
                |best, (earlier, score)| match best {
                    Some((_, top)) if top >= score => best,
                    _ => Some((earlier, score)),
                },
            );
        let Some((earlier, score)) = best else {
            continue;
        };
        if score < SIMILARITY_THRESHOLD {
            continue;
        }
        let percent = (score * 100.0).round();
        let position = index + 1;
        let (earlier_id, earlier_what) = (&earlier.id, &earlier.what);
        warnings.push(Problem::warning(
            "similar_to_last_period",
            format!("outcomes[{index}].what"),
            format!(
                "第 {position} 项成果与上期的“{earlier_what}”相似度 {percent}%：如果是同一件事在继续，请标为“接续上期成果”"
            ),
            format!(
                "Outcome {position} reads {percent}% like last period's \"{earlier_what}\": if it is the same outcome continuing, mark it as continuing that outcome"
            ),
            json!({
                "similarity": (score * 100.0).round() / 100.0,
                "earlier_outcome_id": earlier_id,
                "threshold": SIMILARITY_THRESHOLD,
            }),
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::OutcomeStatus;
    use proptest::prelude::*;

    fn outcome(id: &str, what: &str) -> Outcome {
        Outcome {
            id: id.into(),
            category: "民生".into(),
            what: what.into(),
            for_whom: "低保户".into(),
            status: OutcomeStatus::InProgress,
            quantity: None,
            geotag: None,
            continues: None,
        }
    }

    #[test]
    fn similarity_chinese_phrases() {
        let a = "走访低保户12户，核实收入情况";
        let b = "走访低保户13户，核实收入情况";
        assert!(
            similarity(a, b) >= SIMILARITY_THRESHOLD,
            "{}",
            similarity(a, b)
        );
        assert!(similarity(a, "修复村东头排水沟，疏通涵洞两处") < 0.5);
        assert!(similarity("协调修复村西道路", "组织村民参加技能培训") < 0.5);
        assert!((similarity(a, a) - 1.0).abs() < f64::EPSILON);
        assert!(similarity("甲乙", "丙丁").abs() < f64::EPSILON);
    }

    #[test]
    fn similarity_ignores_punctuation_case_and_width() {
        let plain = "走访低保户核实收入";
        for variant in [
            "走访低保户，核实收入。",
            "走访 低保户、核实收入！",
            "《走访低保户》“核实收入”",
            "走访低保户：核实收入？（）",
        ] {
            assert!(
                (similarity(plain, variant) - 1.0).abs() < f64::EPSILON,
                "{variant}"
            );
        }
        assert!((similarity("Road REPAIR", "road repair") - 1.0).abs() < f64::EPSILON);
        assert!((similarity("ＡＢＣ１", "abc1") - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn similarity_single_characters() {
        assert!((similarity("路", "路。") - 1.0).abs() < f64::EPSILON);
        assert!(similarity("路", "桥").abs() < f64::EPSILON);
        // "路" against "修路": one shared unigram of three.
        assert!((similarity("路", "修路") - 2.0 / 3.0).abs() < 1e-12);
        assert!((similarity("", "，") - 1.0).abs() < f64::EPSILON);
        assert!(similarity("", "路").abs() < f64::EPSILON);
    }

    #[test]
    fn similarity_warnings_name_the_earlier_outcome() {
        let last = vec![
            outcome("o-road", "修复村西道路坑洼路段"),
            outcome("o-visit", "走访低保户12户，核实收入情况"),
        ];
        let mut again = outcome("n-1", "走访低保户13户，核实收入情况");
        let fresh = outcome("n-2", "组织村民参加电商技能培训");
        let mut continued = outcome("n-3", "修复村西道路坑洼路段");
        continued.continues = Some("o-road".into());
        let draft = ReportContent {
            outcomes: vec![again.clone(), fresh, continued],
            fields: std::collections::BTreeMap::new(),
            days_in_village: None,
        };
        let warnings = similar_outcome_warnings(&draft, &last);
        assert_eq!(warnings.len(), 1);
        let w = &warnings[0];
        assert_eq!(w.code, "similar_to_last_period");
        assert_eq!(w.field, "outcomes[0].what");
        assert!(!w.is_error());
        assert_eq!(w.details["earlier_outcome_id"], "o-visit");
        let score = w.details["similarity"].as_f64().unwrap();
        assert!((0.8..1.0).contains(&score), "{score}");
        assert!(w.message_zh.contains("接续") && w.message_en.contains("continuing"));

        again.continues = Some("o-visit".into());
        let draft = ReportContent {
            outcomes: vec![again],
            ..draft
        };
        assert!(similar_outcome_warnings(&draft, &last).is_empty());
        assert!(similar_outcome_warnings(&draft, &[]).is_empty());
    }

    #[test]
    fn labels_with_a_qualifier_read_alike() {
        for (a, b) in [
            ("走访户数", "入户走访户数"),
            ("帮扶户数", "结对帮扶户数"),
            ("Households visited", "households visited at home"),
            ("走访户数", "走访户数。"),
        ] {
            let score = labels_alike(a, b);
            assert!(score.is_some(), "{a} / {b}");
            assert_eq!(score, labels_alike(b, a), "symmetric: {a} / {b}");
        }
        for (a, b) in [
            ("走访户数", "走访人数"),
            ("走访户数", "联系电话"),
            ("户", "走访户数"),
            ("", "走访户数"),
        ] {
            assert_eq!(labels_alike(a, b), None, "{a} / {b}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn similarity_prop_symmetric_and_bounded(a in "[走访低保户修路，。 a-cA-C1-3]{0,12}", b in "[走访低保户修路，。 a-cA-C1-3]{0,12}") {
            let ab = similarity(&a, &b);
            prop_assert!((0.0..=1.0).contains(&ab));
            prop_assert!((ab - similarity(&b, &a)).abs() < 1e-12);
            prop_assert!((similarity(&a, &a) - 1.0).abs() < 1e-12);
        }
    }
}
