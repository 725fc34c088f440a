//! Burden arithmetic (R5): minutes per cadre per month = submissions per month × the sum
//! of the template's fields' seconds to fill.
//!
//! The values in [`Burden`] and [`Ledger`] are unrounded, so comparisons are exact; the
//! numbers shown to people (messages, `arithmetic`) are rounded to 0.1 minute and 0.01
//! per month, and the numbers in a problem's `details` to 2 decimals.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::period::PeriodKind;
use crate::problem::Problem;
use crate::template::Template;

/// Working days per month assumed for the baseline: 250 working days a year.
pub const WORKING_DAYS_PER_MONTH: f64 = 250.0 / 12.0;
/// Baseline assumption: seconds for one daily GPS punch-in (open the app, wait for a
/// fix, take the selfie, submit), once per working day.
pub const PUNCH_IN_SECONDS: u32 = 180;
/// Baseline assumption: seconds to write one daily work log, once per working day.
pub const DAILY_LOG_SECONDS: u32 = 1200;

/// Tolerance when comparing minutes with the budget, so floating-point noise
/// (e.g. ⅓ × 5400 s) never refuses a burden exactly equal to the budget.
const BUDGET_TOLERANCE_MINUTES: f64 = 1e-9;

/// The estimated burden of a policy: one cadre, one month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Burden {
    pub kind: PeriodKind,
    /// Average submissions per month for `kind`.
    pub submissions_per_month: f64,
    /// Sum of the template's fields' seconds to fill.
    pub seconds_per_submission: u32,
    /// `submissions_per_month × seconds_per_submission / 60`.
    pub minutes_per_month: f64,
}

impl Burden {
    /// Whether the burden is at most the budget (equal is allowed).
    pub fn within(&self, budget_minutes_per_month: u32) -> bool {
        self.minutes_per_month <= f64::from(budget_minutes_per_month) + BUDGET_TOLERANCE_MINUTES
    }
}

/// The burden of `template` reported once per `kind` period.
pub fn estimate(kind: PeriodKind, template: &Template) -> Burden {
    let submissions_per_month = kind.submissions_per_month();
    let seconds_per_submission = template.seconds_per_submission();
    Burden {
        kind,
        submissions_per_month,
        seconds_per_submission,
        minutes_per_month: submissions_per_month * f64::from(seconds_per_submission) / 60.0,
    }
}

/// The burden if it is within the budget (equal allowed), otherwise a
/// `burden_over_budget` problem showing the arithmetic.
#[allow(
    clippy::result_large_err,
    reason = "a refusal is rare and Problem is the shared error shape of every check"
)]
pub fn check_budget(
    kind: PeriodKind,
    template: &Template,
    budget_minutes_per_month: u32,
) -> Result<Burden, Problem> {
    let burden = estimate(kind, template);
    if burden.within(budget_minutes_per_month) {
        return Ok(burden);
    }
    let budget = budget_minutes_per_month;
    let rate = format!("{:.2}", burden.submissions_per_month);
    let seconds = burden.seconds_per_submission;
    let minutes = minutes_over(burden.minutes_per_month, budget);
    let arithmetic = format!(
        "{rate} submissions/month × {seconds} s = {minutes} min/month > budget {budget} min/month"
    );
    let fields: Vec<serde_json::Value> = template
        .fields
        .iter()
        .map(|field| json!({ "key": field.key, "seconds_to_fill": field.seconds_to_fill }))
        .collect();
    Err(Problem::error(
        "burden_over_budget",
        "",
        format!(
            "填报负担超出预算：每月 {rate} 次 × 每次 {seconds} 秒 = 每月 {minutes} 分钟，超过预算每月 {budget} 分钟。请删减字段或放长填报周期"
        ),
        format!("Reporting burden over budget: {arithmetic}. Remove fields or lengthen the period"),
        json!({
            "kind": kind.as_str(),
            "submissions_per_month": round2(burden.submissions_per_month),
            "seconds_per_submission": seconds,
            "minutes_per_month": round2(burden.minutes_per_month),
            "budget_minutes_per_month": budget,
            "over_by_minutes": round2(burden.minutes_per_month - f64::from(budget)),
            "fields": fields,
            "arithmetic": arithmetic,
        }),
    ))
}

/// The burden now against the daily punch-in + daily log baseline it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    pub now: Burden,
    /// Things a cadre must do per month now: one submission per period.
    pub actions_per_month: f64,
    pub budget_minutes_per_month: u32,
    /// `WORKING_DAYS_PER_MONTH × (PUNCH_IN_SECONDS + DAILY_LOG_SECONDS) / 60`.
    pub baseline_minutes_per_month: f64,
    /// A punch-in and a log each working day: `2 × WORKING_DAYS_PER_MONTH`.
    pub baseline_actions_per_month: f64,
    /// Baseline minus now; negative if the policy costs more than the baseline.
    pub minutes_saved_per_month: f64,
    /// Now as a share of the baseline (0.08 = 8 %).
    pub share_of_baseline: f64,
}

impl Ledger {
    /// Whether the burden now is within the budget (equal is allowed).
    pub fn within_budget(&self) -> bool {
        self.now.within(self.budget_minutes_per_month)
    }
}

/// The burden ledger of `template` reported once per `kind` period.
pub fn ledger(kind: PeriodKind, template: &Template, budget_minutes_per_month: u32) -> Ledger {
    let now = estimate(kind, template);
    let baseline_minutes_per_month =
        WORKING_DAYS_PER_MONTH * f64::from(PUNCH_IN_SECONDS + DAILY_LOG_SECONDS) / 60.0;
    Ledger {
        now,
        actions_per_month: now.submissions_per_month,
        budget_minutes_per_month,
        baseline_minutes_per_month,
        baseline_actions_per_month: 2.0 * WORKING_DAYS_PER_MONTH,
        minutes_saved_per_month: baseline_minutes_per_month - now.minutes_per_month,
        share_of_baseline: now.minutes_per_month / baseline_minutes_per_month,
    }
}

/// Rounded to 2 decimals, for `details`.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Minutes over the budget for people: 0.1 minute, with more decimals (up to 4) only when
/// 0.1 would read as not over the budget (1801 s a month is 30.02 min, not 30.0).
fn minutes_over(minutes: f64, budget: u32) -> String {
    let budget = f64::from(budget);
    for decimals in 1..=4 {
        let shown = format!("{minutes:.decimals$}");
        if shown.parse::<f64>().is_ok_and(|value| value > budget) {
            return shown;
        }
    }
    format!("{minutes:.4}")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::template::{Field, FieldKind};

    fn template(seconds: &[u32]) -> Template {
        Template {
            fields: seconds
                .iter()
                .enumerate()
                .map(|(i, &seconds_to_fill)| Field {
                    key: format!("f{i}"),
                    label_zh: format!("问题{i}"),
                    label_en: format!("Question {i}"),
                    kind: FieldKind::Text { max_chars: 500 },
                    required: false,
                    seconds_to_fill,
                    concept: None,
                    stable: false,
                })
                .collect(),
        }
    }

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance
    }

    #[test]
    fn weekly_540_seconds_is_39_13_minutes() {
        let burden = estimate(PeriodKind::Weekly, &template(&[60, 120, 360]));
        assert_eq!(burden.kind, PeriodKind::Weekly);
        assert_eq!(burden.seconds_per_submission, 540);
        // 365.25 / 12 / 7 = 4.3482 submissions a month; × 540 s / 60 = 39.13 min.
        assert!(
            close(burden.submissions_per_month, 4.3482, 0.0001),
            "{burden:?}"
        );
        assert!(close(burden.minutes_per_month, 39.13, 0.005), "{burden:?}");
    }

    #[test]
    fn every_kind_by_hand() {
        let t = template(&[600]); // 10 minutes a submission
        for (kind, minutes) in [
            (PeriodKind::Daily, 304.375),    // 365.25 / 12 × 10
            (PeriodKind::Weekly, 43.482),    // 365.25 / 12 / 7 × 10
            (PeriodKind::Biweekly, 21.741),  // 365.25 / 12 / 14 × 10
            (PeriodKind::Monthly, 10.0),     // 1 × 10
            (PeriodKind::Quarterly, 3.3333), // 10 / 3
        ] {
            assert!(
                close(estimate(kind, &t).minutes_per_month, minutes, 0.001),
                "{kind}"
            );
        }
        assert!(close(
            estimate(PeriodKind::Weekly, &Template::default()).minutes_per_month,
            0.0,
            0.0
        ));
    }

    #[test]
    fn equal_to_the_budget_passes_one_second_more_fails() {
        // Monthly: 1800 s = 30.0 min.
        let burden = check_budget(PeriodKind::Monthly, &template(&[900, 900]), 30).unwrap();
        assert!(close(burden.minutes_per_month, 30.0, 0.0));

        let problem = check_budget(PeriodKind::Monthly, &template(&[900, 901]), 30).unwrap_err();
        assert_eq!(problem.code, "burden_over_budget");
        assert_eq!(problem.field, "");
        assert!(problem.is_error());
        // 1801 s / 60 = 30.0167 min: shown as 30.02, not as a confusing "30.0 > 30".
        let arithmetic = "1.00 submissions/month × 1801 s = 30.02 min/month > budget 30 min/month";
        assert_eq!(
            problem.details,
            json!({
                "kind": "monthly",
                "submissions_per_month": 1.0,
                "seconds_per_submission": 1801,
                "minutes_per_month": 30.02,
                "budget_minutes_per_month": 30,
                "over_by_minutes": 0.02,
                "fields": [{ "key": "f0", "seconds_to_fill": 900 }, { "key": "f1", "seconds_to_fill": 901 }],
                "arithmetic": arithmetic,
            })
        );
        assert!(
            problem.message_en.contains(arithmetic),
            "{}",
            problem.message_en
        );
        assert!(
            problem
                .message_zh
                .contains("每月 1.00 次 × 每次 1801 秒 = 每月 30.02 分钟"),
            "{}",
            problem.message_zh
        );
        assert!(
            problem.message_zh.contains("预算每月 30 分钟"),
            "{}",
            problem.message_zh
        );

        // Quarterly: ⅓ × 5400 s = 30 min exactly, despite floating point; 5401 s is over.
        assert!(check_budget(PeriodKind::Quarterly, &template(&[1800, 1800, 1800]), 30).is_ok());
        assert!(check_budget(PeriodKind::Quarterly, &template(&[1800, 1800, 1801]), 30).is_err());
    }

    #[test]
    fn weekly_over_budget_shows_the_arithmetic() {
        let t = template(&[60, 120, 360]);
        assert!(check_budget(PeriodKind::Weekly, &t, 40).is_ok()); // 39.13 <= 40
        let problem = check_budget(PeriodKind::Weekly, &t, 30).unwrap_err();
        let arithmetic = "4.35 submissions/month × 540 s = 39.1 min/month > budget 30 min/month";
        assert_eq!(problem.details["arithmetic"], arithmetic);
        assert_eq!(problem.details["submissions_per_month"], 4.35);
        assert_eq!(problem.details["minutes_per_month"], 39.13);
        assert_eq!(problem.details["over_by_minutes"], 9.13);
        assert_eq!(problem.details["fields"].as_array().unwrap().len(), 3);
        assert!(problem.message_en.contains(arithmetic));
        assert!(
            problem
                .message_zh
                .contains("每月 4.35 次 × 每次 540 秒 = 每月 39.1 分钟")
        );
        // A zero budget refuses anything but an empty template.
        assert!(check_budget(PeriodKind::Quarterly, &Template::default(), 0).is_ok());
        assert!(check_budget(PeriodKind::Quarterly, &template(&[1]), 0).is_err());
    }

    #[test]
    fn ledger_against_the_daily_baseline() {
        let ledger = ledger(PeriodKind::Weekly, &template(&[60, 120, 360]), 30);
        // 250 / 12 × (180 + 1200) / 60 = 479.17 min; 2 × 250 / 12 = 41.67 actions.
        assert!(
            close(ledger.baseline_minutes_per_month, 479.17, 0.005),
            "{ledger:?}"
        );
        assert!(
            close(ledger.baseline_actions_per_month, 41.67, 0.005),
            "{ledger:?}"
        );
        assert!(close(ledger.actions_per_month, 4.35, 0.005), "{ledger:?}");
        assert_eq!(
            ledger.now,
            estimate(PeriodKind::Weekly, &template(&[60, 120, 360]))
        );
        assert_eq!(ledger.budget_minutes_per_month, 30);
        // 479.17 − 39.13 = 440.03 min saved; 39.13 / 479.17 = 8.17 %.
        assert!(
            close(ledger.minutes_saved_per_month, 440.03, 0.01),
            "{ledger:?}"
        );
        assert!(
            close(ledger.share_of_baseline, 0.0817, 0.0001),
            "{ledger:?}"
        );
        assert!(!ledger.within_budget());

        // Daily reporting of a long template costs more than the baseline: negative saving.
        let daily = super::ledger(PeriodKind::Daily, &template(&[1800]), 1000);
        assert!(
            daily.minutes_saved_per_month < 0.0 && daily.share_of_baseline > 1.0,
            "{daily:?}"
        );
        assert!(daily.within_budget());
    }

    #[test]
    fn burden_and_ledger_serialise() {
        let ledger = ledger(PeriodKind::Monthly, &template(&[600]), 30);
        let json = serde_json::to_value(ledger).unwrap();
        assert_eq!(json["now"]["kind"], "monthly");
        assert_eq!(json["now"]["seconds_per_submission"], 600);
        assert_eq!(serde_json::from_value::<Ledger>(json).unwrap(), ledger);
    }

    proptest! {
        #[test]
        fn estimate_is_monotone_in_each_fields_seconds(
            seconds in proptest::collection::vec(1u32..=1800, 1..=20),
            which in any::<prop::sample::Index>(),
            more in 1u32..=1800,
            kind in prop::sample::select(PeriodKind::ALL.to_vec()),
        ) {
            let before = estimate(kind, &template(&seconds));
            let mut bumped = seconds.clone();
            let i = which.index(bumped.len());
            bumped[i] += more;
            let after = estimate(kind, &template(&bumped));
            prop_assert_eq!(after.seconds_per_submission, before.seconds_per_submission + more);
            prop_assert!(after.minutes_per_month > before.minutes_per_month, "{:?} -> {:?}", before, after);
            prop_assert!(after.minutes_per_month >= before.minutes_per_month);
        }
    }
}
