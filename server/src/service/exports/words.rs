//! The words of an export, in Chinese (the default) or English: the same words the pages
//! use for statuses and timeliness, so a spreadsheet reads like the screen.

use super::super::completeness::PeriodStatus;
use super::super::{Error, Result};
use jianfu_core::report::OutcomeStatus;
use jianfu_core::{Problem, ReportStatus};
use serde_json::json;

/// The language of an export's headers and words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `zh` (the default when absent) or `en`; anything else is `invalid_query`.
    pub fn parse(text: Option<&str>) -> Result<Lang> {
        match text {
            None | Some("zh") => Ok(Lang::Zh),
            Some("en") => Ok(Lang::En),
            Some(other) => Err(Error::invalid_query(Problem::error(
                "unknown_language",
                "lang",
                format!("lang 应为 zh 或 en，收到 {other:?}"),
                format!("lang must be zh or en, got {other:?}"),
                json!({ "field": "lang", "allowed": ["zh", "en"], "actual": other }),
            ))),
        }
    }

    /// The word in this language.
    pub fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    pub fn report_status(self, status: ReportStatus) -> &'static str {
        match status {
            ReportStatus::Submitted => self.pick("已提交", "submitted"),
            ReportStatus::Acknowledged => self.pick("已确认", "acknowledged"),
            ReportStatus::NeedsClarification => self.pick("待说明", "needs clarification"),
        }
    }

    /// On time, late, or sealed on the device before due date + grace and delivered after
    /// (the device's claim, never counted as late).
    pub fn timeliness(self, late: bool, sealed_on_time: bool) -> &'static str {
        match (late, sealed_on_time) {
            (false, _) => self.pick("按时", "on time"),
            (true, true) => self.pick("按时封存，迟送达", "sealed on time, delivered late"),
            (true, false) => self.pick("迟报", "late"),
        }
    }

    pub fn outcome_status(self, status: OutcomeStatus) -> &'static str {
        match status {
            OutcomeStatus::Done => self.pick("已完成", "done"),
            OutcomeStatus::InProgress => self.pick("进行中", "in progress"),
            OutcomeStatus::HandedOff => self.pick("已移交", "handed off"),
            OutcomeStatus::Blocked => self.pick("受阻", "blocked"),
        }
    }

    /// A cadre's standing for one period, as a completeness list names it.
    pub fn period_status(self, status: PeriodStatus) -> &'static str {
        match status {
            PeriodStatus::Upcoming => self.pick("未开始", "not started"),
            PeriodStatus::Open => self.pick("未到期", "not yet due"),
            PeriodStatus::OnTime => self.pick("按时", "on time"),
            PeriodStatus::Late => self.pick("迟报", "late"),
            PeriodStatus::SealedOnTime => {
                self.pick("按时封存，迟送达", "sealed on time, delivered late")
            }
            PeriodStatus::Missing => self.pick("未报", "missing"),
            PeriodStatus::Exempt => self.pick("免报", "exempt"),
            PeriodStatus::NotPosted => self.pick("未派驻", "not posted"),
        }
    }

    pub fn yes_no(self, yes: bool) -> &'static str {
        if yes {
            self.pick("是", "yes")
        } else {
            self.pick("否", "no")
        }
    }

    /// How the items of a multiple choice are joined in one cell.
    pub fn list_separator(self) -> &'static str {
        self.pick("、", "; ")
    }
}
