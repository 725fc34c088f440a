//! Reporting periods in local time and their fair deadlines (R1, R6).

use jiff::civil::{Date, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Span, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::problem::Problem;

/// How often a cadre reports. Daily exists only for a declared emergency (R1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Daily,
    Weekly,
    Biweekly,
    Monthly,
    Quarterly,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 5] = [
        PeriodKind::Daily,
        PeriodKind::Weekly,
        PeriodKind::Biweekly,
        PeriodKind::Monthly,
        PeriodKind::Quarterly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Daily => "daily",
            PeriodKind::Weekly => "weekly",
            PeriodKind::Biweekly => "biweekly",
            PeriodKind::Monthly => "monthly",
            PeriodKind::Quarterly => "quarterly",
        }
    }

    /// Shorter than a week: refused unless an emergency is active for the scope (R1).
    pub fn below_weekly_floor(self) -> bool {
        self == PeriodKind::Daily
    }

    /// Average submissions per month (a month being 365.25 / 12 days).
    pub fn submissions_per_month(self) -> f64 {
        const DAYS_PER_MONTH: f64 = 365.25 / 12.0;
        match self {
            PeriodKind::Daily => DAYS_PER_MONTH,
            PeriodKind::Weekly => DAYS_PER_MONTH / 7.0,
            PeriodKind::Biweekly => DAYS_PER_MONTH / 14.0,
            PeriodKind::Monthly => 1.0,
            PeriodKind::Quarterly => 1.0 / 3.0,
        }
    }
}

impl std::fmt::Display for PeriodKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for PeriodKind {
    type Error = PeriodError;

    fn try_from(text: String) -> Result<PeriodKind, PeriodError> {
        text.parse()
    }
}

impl std::str::FromStr for PeriodKind {
    type Err = PeriodError;

    /// Parses the names `as_str` gives (`daily`, `weekly`, ...); nothing else.
    fn from_str(text: &str) -> Result<PeriodKind, PeriodError> {
        PeriodKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| PeriodError::UnknownKind {
                kind: text.to_owned(),
            })
    }
}

/// Biweekly periods are 14-day blocks counted from this Monday, before and after it.
pub const BIWEEKLY_ANCHOR: Date = Date::constant(2024, 1, 1);

/// Earliest year a period key may name (all arithmetic is exact inside the range).
pub const MIN_KEY_YEAR: i16 = 1;
/// Latest year a period key may name (all arithmetic is exact inside the range).
pub const MAX_KEY_YEAR: i16 = 9998;

/// A reporting period: local dates [start, end), end exclusive.
///
/// The fields are public for reading and pattern matching; build one with
/// [`Period::containing_date`], [`Period::containing`], [`Period::starting`] or
/// [`Period::parse_key`] so that `start` is a period start of `kind` and `end` follows
/// from it. Deserializing checks exactly that, so stored data cannot smuggle in a
/// misaligned period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PeriodFields")]
#[must_use]
pub struct Period {
    pub kind: PeriodKind,
    pub start: Date,
    pub end: Date,
}

/// The serialized shape of [`Period`], checked before it becomes one.
#[derive(Deserialize)]
struct PeriodFields {
    kind: PeriodKind,
    start: Date,
    end: Date,
}

impl TryFrom<PeriodFields> for Period {
    type Error = PeriodError;

    fn try_from(fields: PeriodFields) -> Result<Period, PeriodError> {
        let period = Period::starting(fields.kind, fields.start)?;
        if period.end != fields.end {
            return Err(PeriodError::WrongEnd {
                kind: fields.kind,
                start: fields.start,
                end: fields.end,
                expected_end: period.end,
            });
        }
        Ok(period)
    }
}

/// A `YYYY-MM-DD` date and nothing else (no time, offset or annotation), read by hand:
/// jiff's general parser would add tens of kilobytes to the browser module for a format
/// this simple.
pub fn parse_plain_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let plain = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, byte)| {
            if i == 4 || i == 7 {
                *byte == b'-'
            } else {
                byte.is_ascii_digit()
            }
        });
    if !plain {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        bytes[range]
            .iter()
            .fold(0_i16, |n, digit| n * 10 + i16::from(digit - b'0'))
    };
    let month = i8::try_from(number(5..7)).ok()?;
    let day = i8::try_from(number(8..10)).ok()?;
    Date::new(number(0..4), month, day).ok()
}

fn add_days(date: Date, days: i64) -> Date {
    // `try_days` rather than `days`: the panicking form carries jiff's whole error
    // catalogue into the browser module (about 60 KB) for a panic that cannot happen here.
    match Span::new().try_days(days) {
        Ok(span) => date.saturating_add(span),
        Err(_) if days < 0 => Date::MIN,
        Err(_) => Date::MAX,
    }
}

fn add_months(date: Date, months: i64) -> Date {
    Span::new()
        .try_months(months)
        .map_or(Date::MAX, |span| date.saturating_add(span))
}

/// Whole civil days from `from` to `to` (negative when `to` is earlier).
fn days_between(from: Date, to: Date) -> i64 {
    to.duration_since(from).as_secs().div_euclid(86_400)
}

/// The first instant whose local date in `tz` is `date`: local midnight, or, when a
/// time-zone transition skips midnight, the instant the clocks jump forward.
fn local_day_start(date: Date, tz: &TimeZone) -> Timestamp {
    let midnight = date.to_datetime(Time::midnight());
    let ambiguous = tz.to_ambiguous_timestamp(midnight);
    if let AmbiguousOffset::Gap { before, after } = ambiguous.offset() {
        // Local times [T + before, T + after) never happen, where T is the transition.
        // Midnight lies in there, so T is in (midnight - after, midnight - before]. The
        // "compatible" answer (midnight - before) is T only when the gap starts exactly
        // at midnight; a gap such as 23:30 -> 00:30 begins the day at T, 00:30 local.
        let low = after.to_timestamp(midnight).ok();
        let high = before.to_timestamp(midnight).ok();
        if let (Some(low), Some(high)) = (low, high) {
            if let Some(transition) = tz.following(low).next() {
                if transition.timestamp() <= high && transition.offset() == after {
                    return transition.timestamp();
                }
            }
        }
    }
    // Unambiguous: midnight. A fold: the earlier midnight. Only near jiff's limits does
    // this fail; saturate rather than panic.
    ambiguous.compatible().unwrap_or(if date.year() > 0 {
        Timestamp::MAX
    } else {
        Timestamp::MIN
    })
}

impl Period {
    /// The period of `kind` that contains the local date `date`.
    pub fn containing_date(kind: PeriodKind, date: Date) -> Period {
        let start = match kind {
            PeriodKind::Daily => date,
            PeriodKind::Weekly => {
                add_days(date, -i64::from(date.weekday().to_monday_zero_offset()))
            }
            PeriodKind::Biweekly => {
                add_days(date, -days_between(BIWEEKLY_ANCHOR, date).rem_euclid(14))
            }
            PeriodKind::Monthly => date.first_of_month(),
            PeriodKind::Quarterly => {
                let month = (date.month() - 1) / 3 * 3 + 1;
                Date::new(date.year(), month, 1).unwrap_or(date.first_of_month())
            }
        };
        Period {
            kind,
            start,
            end: Period::end_after(kind, start),
        }
    }

    /// The period of `kind` containing `instant`, judged by its local date in `tz`.
    pub fn containing(kind: PeriodKind, instant: Timestamp, tz: &TimeZone) -> Period {
        Period::containing_date(kind, tz.to_datetime(instant).date())
    }

    /// The period of `kind` that starts on `start`; refuses a date that is not a period
    /// start of that kind, or a year outside `MIN_KEY_YEAR..=MAX_KEY_YEAR`.
    pub fn starting(kind: PeriodKind, start: Date) -> Result<Period, PeriodError> {
        if !(MIN_KEY_YEAR..=MAX_KEY_YEAR).contains(&start.year()) {
            return Err(PeriodError::YearOutOfRange {
                year: start.year(),
                min: MIN_KEY_YEAR,
                max: MAX_KEY_YEAR,
            });
        }
        let period = Period::containing_date(kind, start);
        if period.start != start {
            return Err(PeriodError::NotPeriodStart {
                kind,
                date: start,
                expected_start: period.start,
            });
        }
        Ok(period)
    }

    fn end_after(kind: PeriodKind, start: Date) -> Date {
        match kind {
            PeriodKind::Daily => add_days(start, 1),
            PeriodKind::Weekly => add_days(start, 7),
            PeriodKind::Biweekly => add_days(start, 14),
            PeriodKind::Monthly => add_months(start, 1),
            PeriodKind::Quarterly => add_months(start, 3),
        }
    }

    /// The period right after this one.
    pub fn next(&self) -> Period {
        Period::containing_date(self.kind, self.end)
    }

    /// The period right before this one.
    pub fn previous(&self) -> Period {
        Period::containing_date(self.kind, add_days(self.start, -1))
    }

    pub fn contains_date(&self, date: Date) -> bool {
        self.start <= date && date < self.end
    }

    /// The last local day of the period (`end` - 1 day).
    pub fn last_day(&self) -> Date {
        add_days(self.end, -1)
    }

    /// How many local days the period has.
    pub fn days(&self) -> i32 {
        i32::try_from(days_between(self.start, self.end)).unwrap_or(i32::MAX)
    }

    /// The first instant of the local start date in `tz`: local midnight, or when a
    /// transition skips midnight, the first instant that exists that day.
    pub fn start_instant(&self, tz: &TimeZone) -> Timestamp {
        local_day_start(self.start, tz)
    }

    /// The first instant after the period: the next period's `start_instant`.
    pub fn end_instant(&self, tz: &TimeZone) -> Timestamp {
        local_day_start(self.end, tz)
    }

    /// A stable text key, `kind:start`, e.g. `weekly:2026-11-16`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind, self.start)
    }

    /// Reads a key made by [`Period::key`]. Refuses unknown kinds, anything but a
    /// `YYYY-MM-DD` date, and a date that is not a period start of that kind.
    pub fn parse_key(text: &str) -> Result<Period, PeriodError> {
        let (kind_text, date_text) =
            text.split_once(':')
                .ok_or_else(|| PeriodError::MalformedKey {
                    key: text.to_owned(),
                })?;
        let kind: PeriodKind = kind_text.parse()?;
        let bad_date = || PeriodError::BadDate {
            text: date_text.to_owned(),
        };
        let date = parse_plain_date(date_text).ok_or_else(bad_date)?;
        Period::starting(kind, date)
    }

    /// Whether the period shares at least one day with `[from, to_inclusive]`.
    pub fn overlaps(&self, from: Date, to_inclusive: Date) -> bool {
        from <= to_inclusive && from < self.end && self.start <= to_inclusive
    }

    /// Whether every day of the period lies in `[from, to_inclusive]`.
    pub fn covered_by(&self, from: Date, to_inclusive: Date) -> bool {
        from <= self.start && self.last_day() <= to_inclusive
    }
}

/// When a period's report is due and when it becomes late (R6).
///
/// due date = last day of the period + `due_offset_days`; a report is late only when it
/// arrives on or after the local day after (due date + `grace_days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRule {
    pub due_offset_days: u16,
    pub grace_days: u16,
}

impl DeadlineRule {
    pub const MAX_DUE_OFFSET_DAYS: u16 = 31;
    pub const MAX_GRACE_DAYS: u16 = 14;

    /// Refuses a due offset above `MAX_DUE_OFFSET_DAYS` or grace above `MAX_GRACE_DAYS`.
    pub fn check(&self) -> Result<(), PeriodError> {
        if self.due_offset_days > Self::MAX_DUE_OFFSET_DAYS {
            return Err(PeriodError::DueOffsetTooLong {
                days: self.due_offset_days,
                max: Self::MAX_DUE_OFFSET_DAYS,
            });
        }
        if self.grace_days > Self::MAX_GRACE_DAYS {
            return Err(PeriodError::GraceTooLong {
                days: self.grace_days,
                max: Self::MAX_GRACE_DAYS,
            });
        }
        Ok(())
    }

    /// The local date the report is due: last day + `due_offset_days`.
    pub fn due_date(&self, p: &Period) -> Date {
        add_days(p.last_day(), i64::from(self.due_offset_days))
    }

    /// The last local date on which a report is still on time: due date + grace.
    pub fn last_on_time_date(&self, p: &Period) -> Date {
        add_days(self.due_date(p), i64::from(self.grace_days))
    }

    /// Start of the local day after (due date + grace): a report received strictly
    /// before this instant is on time.
    pub fn late_after(&self, p: &Period, tz: &TimeZone) -> Timestamp {
        local_day_start(add_days(self.last_on_time_date(p), 1), tz)
    }

    /// Received at or after [`DeadlineRule::late_after`].
    pub fn is_late(&self, p: &Period, received: Timestamp, tz: &TimeZone) -> bool {
        received >= self.late_after(p, tz)
    }

    /// Start of the local day (due date + grace + 1 + `lock_days`): from then on, a
    /// revision needs a reviewer to reopen the report.
    pub fn locks_at(&self, p: &Period, lock_days: u16, tz: &TimeZone) -> Timestamp {
        let day = add_days(self.last_on_time_date(p), 1 + i64::from(lock_days));
        local_day_start(day, tz)
    }
}

/// Why a period key, a stored period or a deadline rule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("period key {key:?} is not of the form kind:YYYY-MM-DD (e.g. weekly:2026-11-16)")]
    MalformedKey { key: String },
    #[error(
        "unknown period kind {kind:?}; expected one of daily, weekly, biweekly, monthly, quarterly"
    )]
    UnknownKind { kind: String },
    #[error("{text:?} is not a valid date of the form YYYY-MM-DD")]
    BadDate { text: String },
    #[error("year {year} is outside the supported range {min}..={max}")]
    YearOutOfRange { year: i16, min: i16, max: i16 },
    #[error(
        "{date} is not the start of a {kind} period; the {kind} period containing it starts on {expected_start}"
    )]
    NotPeriodStart {
        kind: PeriodKind,
        date: Date,
        expected_start: Date,
    },
    #[error("a {kind} period starting {start} ends on {expected_end}, not {end}")]
    WrongEnd {
        kind: PeriodKind,
        start: Date,
        end: Date,
        expected_end: Date,
    },
    #[error("due offset of {days} days exceeds the limit of {max} days after the period ends")]
    DueOffsetTooLong { days: u16, max: u16 },
    #[error("grace of {days} days exceeds the limit of {max} days")]
    GraceTooLong { days: u16, max: u16 },
}

/// The kind's name in a Chinese message.
fn kind_zh(kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Daily => "每日",
        PeriodKind::Weekly => "每周",
        PeriodKind::Biweekly => "每两周",
        PeriodKind::Monthly => "每月",
        PeriodKind::Quarterly => "每季度",
    }
}

impl PeriodError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            PeriodError::MalformedKey { .. } => "malformed_period_key",
            PeriodError::UnknownKind { .. } => "unknown_period_kind",
            PeriodError::BadDate { .. } => "bad_period_date",
            PeriodError::YearOutOfRange { .. } => "period_year_out_of_range",
            PeriodError::NotPeriodStart { .. } => "not_period_start",
            PeriodError::WrongEnd { .. } => "wrong_period_end",
            PeriodError::DueOffsetTooLong { .. } => "due_offset_too_long",
            PeriodError::GraceTooLong { .. } => "grace_too_long",
        }
    }

    /// The refusal as a [`Problem`] (Chinese and English, with the numbers behind it).
    pub fn to_problem(&self, field: &str) -> Problem {
        let (zh, details) = match self {
            PeriodError::MalformedKey { key } => (
                format!("周期标识 {key:?} 格式不对，应为 类型:年-月-日（如 weekly:2026-11-16）"),
                json!({ "key": key }),
            ),
            PeriodError::UnknownKind { kind } => (
                format!(
                    "未知的周期类型 {kind:?}，可选 daily、weekly、biweekly、monthly、quarterly"
                ),
                json!({ "kind": kind, "allowed": PeriodKind::ALL.map(PeriodKind::as_str) }),
            ),
            PeriodError::BadDate { text } => (
                format!("{text:?} 不是有效日期，应为 YYYY-MM-DD"),
                json!({ "date": text }),
            ),
            PeriodError::YearOutOfRange { year, min, max } => (
                format!("年份 {year} 超出支持范围 {min}–{max}"),
                json!({ "year": year, "min": min, "max": max }),
            ),
            PeriodError::NotPeriodStart {
                kind,
                date,
                expected_start,
            } => (
                format!(
                    "{date} 不是{}周期的起始日；包含它的周期从 {expected_start} 开始",
                    kind_zh(*kind)
                ),
                json!({
                    "kind": kind,
                    "date": date.to_string(),
                    "expected_start": expected_start.to_string(),
                }),
            ),
            PeriodError::WrongEnd {
                kind,
                start,
                end,
                expected_end,
            } => (
                format!(
                    "从 {start} 开始的{}周期应于 {expected_end} 结束，而不是 {end}",
                    kind_zh(*kind)
                ),
                json!({
                    "kind": kind,
                    "start": start.to_string(),
                    "end": end.to_string(),
                    "expected_end": expected_end.to_string(),
                }),
            ),
            PeriodError::DueOffsetTooLong { days, max } => (
                format!("截止日设在周期结束后 {days} 天，超过上限 {max} 天"),
                json!({ "due_offset_days": days, "max": max }),
            ),
            PeriodError::GraceTooLong { days, max } => (
                format!("宽限期 {days} 天超过上限 {max} 天"),
                json!({ "grace_days": days, "max": max }),
            ),
        };
        Problem::error(self.code(), field, zh, self.to_string(), details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    const ZONES: [&str; 8] = [
        "Asia/Shanghai",
        "Asia/Urumqi",
        "America/New_York",
        "Australia/Lord_Howe",
        "Europe/London",
        // Extra: transitions at local midnight (a gap in spring, a fold in autumn).
        "America/Sao_Paulo",
        "America/Havana",
        "Asia/Beirut",
    ];

    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    fn at(tz: &TimeZone, d: Date, hour: i8, minute: i8, second: i8) -> Timestamp {
        tz.to_ambiguous_timestamp(d.at(hour, minute, second, 0))
            .compatible()
            .unwrap()
    }

    fn period(kind: PeriodKind, start: Date, end: Date) -> Period {
        Period { kind, start, end }
    }

    #[test]
    fn period_weekly_sunday_belongs_to_week_from_monday() {
        let p = Period::containing_date(PeriodKind::Weekly, date(2026, 11, 22));
        assert_eq!(
            p,
            period(PeriodKind::Weekly, date(2026, 11, 16), date(2026, 11, 23))
        );
        assert_eq!(p.days(), 7);
        assert_eq!(p.last_day(), date(2026, 11, 22));
        let monday = Period::containing_date(PeriodKind::Weekly, date(2026, 11, 16));
        assert_eq!(monday, p);
        assert_eq!(p.next().start, date(2026, 11, 23));
        assert_eq!(p.previous().start, date(2026, 11, 9));
    }

    #[test]
    fn period_monthly_leap_february() {
        let p = Period::containing_date(PeriodKind::Monthly, date(2028, 2, 15));
        assert_eq!(
            p,
            period(PeriodKind::Monthly, date(2028, 2, 1), date(2028, 3, 1))
        );
        assert_eq!(p.days(), 29);
        assert_eq!(
            Period::containing_date(PeriodKind::Monthly, date(2026, 2, 1)).days(),
            28
        );
        assert_eq!(
            Period::containing_date(PeriodKind::Monthly, date(2026, 12, 31)).end,
            date(2027, 1, 1)
        );
    }

    #[test]
    fn period_quarterly_calendar_quarters() {
        let p = Period::containing_date(PeriodKind::Quarterly, date(2026, 11, 22));
        assert_eq!(
            p,
            period(PeriodKind::Quarterly, date(2026, 10, 1), date(2027, 1, 1))
        );
        assert_eq!(p.days(), 92);
        let starts: Vec<Date> = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
            .map(|m| Period::containing_date(PeriodKind::Quarterly, date(2027, m, 10)).start)
            .to_vec();
        let q = |m| date(2027, m, 1);
        assert_eq!(
            starts,
            [
                q(1),
                q(1),
                q(1),
                q(4),
                q(4),
                q(4),
                q(7),
                q(7),
                q(7),
                q(10),
                q(10),
                q(10)
            ]
        );
        assert_eq!(
            Period::containing_date(PeriodKind::Quarterly, date(2028, 1, 1)).days(),
            91
        );
        assert_eq!(
            Period::containing_date(PeriodKind::Quarterly, date(2027, 1, 1)).days(),
            90
        );
    }

    #[test]
    fn period_daily_is_one_local_day() {
        let p = Period::containing_date(PeriodKind::Daily, date(2026, 12, 31));
        assert_eq!(
            p,
            period(PeriodKind::Daily, date(2026, 12, 31), date(2027, 1, 1))
        );
        assert_eq!(p.days(), 1);
        assert_eq!(p.last_day(), p.start);
    }

    #[test]
    fn period_biweekly_around_and_before_anchor() {
        let k = PeriodKind::Biweekly;
        assert_eq!(
            Period::containing_date(k, date(2024, 1, 1)),
            period(k, date(2024, 1, 1), date(2024, 1, 15))
        );
        assert_eq!(
            Period::containing_date(k, date(2024, 1, 14)).start,
            date(2024, 1, 1)
        );
        assert_eq!(
            Period::containing_date(k, date(2024, 1, 15)).start,
            date(2024, 1, 15)
        );
        // Just before the anchor: the block of 14 days ending on 2023-12-31.
        assert_eq!(
            Period::containing_date(k, date(2023, 12, 31)),
            period(k, date(2023, 12, 18), date(2024, 1, 1))
        );
        assert_eq!(
            Period::containing_date(k, date(2023, 12, 18)).start,
            date(2023, 12, 18)
        );
        assert_eq!(
            Period::containing_date(k, date(2023, 12, 17)).start,
            date(2023, 12, 4)
        );
        // Far away on both sides, still Mondays 14 days apart from the anchor.
        for d in [date(1990, 5, 17), date(2026, 11, 22), date(2100, 2, 28)] {
            let p = Period::containing_date(k, d);
            assert_eq!(p.start.weekday(), jiff::civil::Weekday::Monday);
            assert_eq!(days_between(BIWEEKLY_ANCHOR, p.start).rem_euclid(14), 0);
            assert!(p.contains_date(d));
            assert_eq!(p.days(), 14);
        }
        assert_eq!(
            Period::containing_date(k, date(2026, 11, 22)).start,
            date(2026, 11, 16)
        );
    }

    #[test]
    fn period_containing_uses_local_date() {
        let shanghai = tz("Asia/Shanghai");
        // 2026-11-22T17:00Z is Monday 01:00 in Shanghai: already the next week.
        let t: Timestamp = "2026-11-22T17:00:00Z".parse().unwrap();
        assert_eq!(
            Period::containing(PeriodKind::Weekly, t, &shanghai).start,
            date(2026, 11, 23)
        );
        assert_eq!(
            Period::containing(PeriodKind::Weekly, t, &TimeZone::UTC).start,
            date(2026, 11, 16)
        );
        let p = Period::containing_date(PeriodKind::Weekly, date(2026, 11, 16));
        assert_eq!(
            p.start_instant(&shanghai).to_string(),
            "2026-11-15T16:00:00Z"
        );
        assert_eq!(p.end_instant(&shanghai).to_string(), "2026-11-22T16:00:00Z");
    }

    #[test]
    fn period_start_instant_when_a_gap_swallows_midnight() {
        // Sao Paulo skipped 00:00-01:00 on 2015-10-18: the day began at 01:00 local.
        let sao_paulo = tz("America/Sao_Paulo");
        let p = Period::containing_date(PeriodKind::Daily, date(2015, 10, 18));
        assert_eq!(
            p.start_instant(&sao_paulo).to_string(),
            "2015-10-18T03:00:00Z"
        );
        assert_eq!(
            sao_paulo.to_datetime(p.start_instant(&sao_paulo)),
            date(2015, 10, 18).at(1, 0, 0, 0)
        );
        // A gap that straddles midnight, 23:30 -> 00:30: the day begins at 00:30, not at
        // the 01:00 that "compatible" disambiguation would give.
        let odd = TimeZone::posix("AAA-1BBB,M3.5.0/23:30,M10.5.0/3").unwrap();
        let monday = Period::containing_date(PeriodKind::Weekly, date(2026, 3, 30));
        assert_eq!(monday.start, date(2026, 3, 30));
        let start = monday.start_instant(&odd);
        assert_eq!(start.to_string(), "2026-03-29T22:30:00Z");
        assert_eq!(odd.to_datetime(start), date(2026, 3, 30).at(0, 30, 0, 0));
        assert_eq!(
            odd.to_datetime(start - jiff::SignedDuration::from_nanos(1))
                .date(),
            date(2026, 3, 29)
        );
        assert_eq!(monday.previous().end_instant(&odd), start);
    }

    #[test]
    fn period_start_instant_when_midnight_repeats() {
        // Havana fell back 01:00 -> 00:00 on 2023-11-05: the day starts at the first midnight.
        let havana = tz("America/Havana");
        let p = Period::containing_date(PeriodKind::Daily, date(2023, 11, 5));
        assert_eq!(p.start_instant(&havana).to_string(), "2023-11-05T04:00:00Z");
    }

    #[test]
    fn period_every_day_1990_to_2100_starts_where_the_previous_ends() {
        // Walks every local day in every test zone, so each real transition is exercised.
        for name in ZONES {
            let tz = tz(name);
            let mut day = Period::containing_date(PeriodKind::Daily, date(1990, 1, 1));
            let mut start = day.start_instant(&tz);
            while day.start.year() <= 2100 {
                let end = day.end_instant(&tz);
                assert!(start < end, "{name}: {day:?} is empty");
                assert_eq!(tz.to_datetime(start).date(), day.start, "{name}");
                assert_eq!(
                    tz.to_datetime(end - jiff::SignedDuration::from_nanos(1))
                        .date(),
                    day.start,
                    "{name}"
                );
                day = day.next();
                start = end;
            }
        }
    }

    #[test]
    fn period_key_round_trips() {
        for kind in PeriodKind::ALL {
            let p = Period::containing_date(kind, date(2026, 11, 22));
            let key = p.key();
            assert_eq!(key.split_once(':').unwrap().0, kind.as_str());
            assert_eq!(Period::parse_key(&key), Ok(p));
        }
        let week = Period::containing_date(PeriodKind::Weekly, date(2026, 11, 22));
        assert_eq!(week.key(), "weekly:2026-11-16");
        assert_eq!(
            Period::parse_key("quarterly:2026-10-01").unwrap(),
            period(PeriodKind::Quarterly, date(2026, 10, 1), date(2027, 1, 1))
        );
    }

    #[test]
    fn period_key_refusals() {
        let refused = |text: &str| Period::parse_key(text).unwrap_err();
        assert_eq!(
            refused("weekly"),
            PeriodError::MalformedKey {
                key: "weekly".into()
            }
        );
        assert_eq!(
            refused("hourly:2026-11-16"),
            PeriodError::UnknownKind {
                kind: "hourly".into()
            }
        );
        assert_eq!(
            refused("Weekly:2026-11-16"),
            PeriodError::UnknownKind {
                kind: "Weekly".into()
            }
        );
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-1-01",
            "20261116",
            "2026-11-16T00:00",
            " 2026-11-16",
            "+2026-11-16",
            "",
            "2026-11-16:x",
        ] {
            assert_eq!(
                refused(&format!("weekly:{bad}")),
                PeriodError::BadDate { text: bad.into() },
                "{bad}"
            );
        }
        assert_eq!(
            refused("weekly:2026-11-17"),
            PeriodError::NotPeriodStart {
                kind: PeriodKind::Weekly,
                date: date(2026, 11, 17),
                expected_start: date(2026, 11, 16)
            }
        );
        assert_eq!(
            refused("biweekly:2026-11-23"),
            PeriodError::NotPeriodStart {
                kind: PeriodKind::Biweekly,
                date: date(2026, 11, 23),
                expected_start: date(2026, 11, 16)
            }
        );
        assert!(matches!(
            refused("monthly:2026-11-02"),
            PeriodError::NotPeriodStart { .. }
        ));
        assert!(matches!(
            refused("quarterly:2026-11-01"),
            PeriodError::NotPeriodStart { .. }
        ));
        assert_eq!(
            refused("monthly:0000-01-01"),
            PeriodError::YearOutOfRange {
                year: 0,
                min: 1,
                max: 9998
            }
        );
        assert!(matches!(
            refused("monthly:9999-12-01"),
            PeriodError::YearOutOfRange { .. }
        ));
        let message = refused("weekly:2026-11-17").to_string();
        assert!(
            message.contains("2026-11-17") && message.contains("2026-11-16"),
            "{message}"
        );
    }

    #[test]
    fn period_serde_checks_alignment() {
        let p = Period::containing_date(PeriodKind::Weekly, date(2026, 11, 22));
        let text = serde_json::to_string(&p).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"weekly","start":"2026-11-16","end":"2026-11-23"}"#
        );
        assert_eq!(serde_json::from_str::<Period>(&text).unwrap(), p);
        let misaligned = r#"{"kind":"weekly","start":"2026-11-17","end":"2026-11-24"}"#;
        assert!(serde_json::from_str::<Period>(misaligned).is_err());
        let wrong_end = r#"{"kind":"monthly","start":"2026-11-01","end":"2026-12-02"}"#;
        let error = serde_json::from_str::<Period>(wrong_end)
            .unwrap_err()
            .to_string();
        assert!(error.contains("2026-12-01"), "{error}");
    }

    #[test]
    fn period_overlaps_and_covered_by() {
        let p = Period::containing_date(PeriodKind::Weekly, date(2026, 11, 22)); // 16..=22
        assert!(p.overlaps(date(2026, 11, 22), date(2026, 11, 30)));
        assert!(p.overlaps(date(2026, 11, 1), date(2026, 11, 16)));
        assert!(!p.overlaps(date(2026, 11, 23), date(2026, 11, 30)));
        assert!(!p.overlaps(date(2026, 11, 1), date(2026, 11, 15)));
        assert!(
            !p.overlaps(date(2026, 11, 20), date(2026, 11, 18)),
            "empty range"
        );
        assert!(p.covered_by(date(2026, 11, 16), date(2026, 11, 22)));
        assert!(p.covered_by(date(2026, 11, 1), date(2026, 11, 30)));
        assert!(!p.covered_by(date(2026, 11, 17), date(2026, 11, 30)));
        assert!(!p.covered_by(date(2026, 11, 1), date(2026, 11, 21)));
        assert!(!p.covered_by(date(2026, 11, 30), date(2026, 11, 1)));
    }

    #[test]
    fn period_deadline_weekly_due_monday_late_from_thursday() {
        let shanghai = tz("Asia/Shanghai");
        let p = Period::containing_date(PeriodKind::Weekly, date(2026, 11, 22)); // ends Sunday 22nd
        let rule = DeadlineRule {
            due_offset_days: 1,
            grace_days: 2,
        };
        assert_eq!(rule.check(), Ok(()));
        assert_eq!(rule.due_date(&p), date(2026, 11, 23));
        assert_eq!(rule.due_date(&p).weekday(), jiff::civil::Weekday::Monday);
        let late_after = rule.late_after(&p, &shanghai);
        assert_eq!(late_after, at(&shanghai, date(2026, 11, 26), 0, 0, 0));
        assert_eq!(date(2026, 11, 26).weekday(), jiff::civil::Weekday::Thursday);
        let wednesday_last_second = at(&shanghai, date(2026, 11, 25), 23, 59, 59);
        assert!(!rule.is_late(&p, wednesday_last_second, &shanghai));
        assert!(rule.is_late(&p, late_after, &shanghai));
        assert!(
            !rule.is_late(&p, at(&shanghai, date(2026, 11, 20), 9, 0, 0), &shanghai),
            "early is on time"
        );
        assert_eq!(rule.locks_at(&p, 0, &shanghai), late_after);
        assert_eq!(
            rule.locks_at(&p, 7, &shanghai),
            at(&shanghai, date(2026, 12, 3), 0, 0, 0)
        );
        // The same rule in another zone is judged by that zone's local days.
        let new_york = tz("America/New_York");
        assert_eq!(
            rule.late_after(&p, &new_york).to_string(),
            "2026-11-26T05:00:00Z"
        );
    }

    #[test]
    fn period_deadline_limits() {
        let ok = DeadlineRule {
            due_offset_days: DeadlineRule::MAX_DUE_OFFSET_DAYS,
            grace_days: DeadlineRule::MAX_GRACE_DAYS,
        };
        assert_eq!(ok.check(), Ok(()));
        let due = DeadlineRule {
            due_offset_days: 32,
            grace_days: 0,
        }
        .check()
        .unwrap_err();
        assert_eq!(due, PeriodError::DueOffsetTooLong { days: 32, max: 31 });
        assert!(due.to_string().contains("32") && due.to_string().contains("31"));
        let grace = DeadlineRule {
            due_offset_days: 0,
            grace_days: 15,
        }
        .check()
        .unwrap_err();
        assert_eq!(grace, PeriodError::GraceTooLong { days: 15, max: 14 });
        let problem = grace.to_problem("grace_days");
        assert_eq!(problem.code, "grace_too_long");
        assert_eq!(problem.field, "grace_days");
        assert_eq!(
            problem.details,
            serde_json::json!({ "grace_days": 15, "max": 14 })
        );
        assert!(problem.message_zh.contains("15") && problem.message_en.contains("15"));
    }

    #[test]
    fn period_kind_parses_its_own_names() {
        for kind in PeriodKind::ALL {
            assert_eq!(kind.as_str().parse::<PeriodKind>(), Ok(kind));
        }
        assert!("annual".parse::<PeriodKind>().is_err());
    }

    const FROM_1990: i64 = 631_152_000; // 1990-01-01T00:00:00Z
    const TO_2100: i64 = 4_133_980_799; // 2100-12-31T23:59:59Z

    fn instant() -> impl Strategy<Value = Timestamp> {
        (FROM_1990..=TO_2100, 0..1_000_000_000i32).prop_map(|(s, n)| Timestamp::new(s, n).unwrap())
    }

    fn kind() -> impl Strategy<Value = PeriodKind> {
        prop::sample::select(PeriodKind::ALL.to_vec())
    }

    fn zone() -> impl Strategy<Value = TimeZone> {
        prop::sample::select(ZONES.to_vec()).prop_map(tz)
    }

    fn holds(p: &Period, t: Timestamp, tz: &TimeZone) -> bool {
        p.start_instant(tz) <= t && t < p.end_instant(tz)
    }

    proptest! {
        // No failure persistence: a failing seed is printed, not written to a file.
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn period_prop_every_instant_in_exactly_one_period(t in instant(), kind in kind(), tz in zone()) {
            let p = Period::containing(kind, t, &tz);
            prop_assert!(holds(&p, t, &tz), "{p:?} does not hold {t}");
            prop_assert!(!holds(&p.previous(), t, &tz));
            prop_assert!(!holds(&p.next(), t, &tz));
            prop_assert!(p.contains_date(tz.to_datetime(t).date()));
        }

        #[test]
        fn period_prop_periods_tile(t in instant(), kind in kind(), tz in zone()) {
            let p = Period::containing(kind, t, &tz);
            prop_assert_eq!(Period::containing(kind, p.end_instant(&tz), &tz), p.next());
            prop_assert_eq!(Period::containing(kind, p.start_instant(&tz), &tz), p);
            let just_before_end = p.end_instant(&tz) - jiff::SignedDuration::from_nanos(1);
            prop_assert_eq!(Period::containing(kind, just_before_end, &tz), p);
            prop_assert_eq!(p.next().previous(), p);
            prop_assert_eq!(p.previous().next(), p);
            prop_assert_eq!(p.next().start, p.end);
            prop_assert_eq!(p.end_instant(&tz), p.next().start_instant(&tz));
        }

        #[test]
        fn period_prop_boundaries_at_local_day_start(t in instant(), kind in kind(), tz in zone()) {
            let p = Period::containing(kind, t, &tz);
            let start = p.start_instant(&tz);
            let local = tz.to_datetime(start);
            prop_assert_eq!(local.date(), p.start);
            let before = tz.to_datetime(start - jiff::SignedDuration::from_nanos(1));
            prop_assert!(before.date() < p.start, "{before} is still on {}", p.start);
            let midnight_exists = !matches!(
                tz.to_ambiguous_timestamp(p.start.to_datetime(Time::midnight())).offset(),
                AmbiguousOffset::Gap { .. }
            );
            if midnight_exists {
                prop_assert_eq!(local.time(), Time::midnight());
            }
        }

        #[test]
        fn period_prop_last_minute_belongs(t in instant(), kind in kind(), tz in zone()) {
            let p = Period::containing(kind, t, &tz);
            let last_minute = at(&tz, p.last_day(), 23, 59, 0);
            prop_assert_eq!(Period::containing(kind, last_minute, &tz), p);
        }

        #[test]
        fn period_prop_lateness_flips_at_late_after(
            t in instant(),
            kind in kind(),
            tz in zone(),
            due in 0..=DeadlineRule::MAX_DUE_OFFSET_DAYS,
            grace in 0..=DeadlineRule::MAX_GRACE_DAYS,
        ) {
            let p = Period::containing(kind, t, &tz);
            let rule = DeadlineRule { due_offset_days: due, grace_days: grace };
            prop_assert!(rule.check().is_ok());
            let late_after = rule.late_after(&p, &tz);
            prop_assert!(!rule.is_late(&p, late_after - jiff::SignedDuration::from_secs(1), &tz));
            prop_assert!(rule.is_late(&p, late_after, &tz));
            prop_assert_eq!(tz.to_datetime(late_after).date(), add_days(rule.due_date(&p), i64::from(grace) + 1));
            let last_instant = p.end_instant(&tz) - jiff::SignedDuration::from_nanos(1);
            prop_assert!(!rule.is_late(&p, last_instant, &tz), "a report within the period is never late");
            prop_assert!(rule.locks_at(&p, 0, &tz) == late_after);
        }

        #[test]
        fn period_prop_dates_and_keys(days in -40_000i64..40_000, kind in kind()) {
            let d = add_days(date(2000, 1, 1), days);
            let p = Period::containing_date(kind, d);
            prop_assert!(p.contains_date(d));
            prop_assert!(p.covered_by(p.start, p.last_day()));
            prop_assert!(p.overlaps(d, d));
            let range = match kind {
                PeriodKind::Daily => 1..=1,
                PeriodKind::Weekly => 7..=7,
                PeriodKind::Biweekly => 14..=14,
                PeriodKind::Monthly => 28..=31,
                PeriodKind::Quarterly => 90..=92,
            };
            prop_assert!(range.contains(&p.days()), "{p:?} has {} days", p.days());
            prop_assert_eq!(Period::parse_key(&p.key()), Ok(p));
            let json = serde_json::to_string(&p).unwrap();
            prop_assert_eq!(serde_json::from_str::<Period>(&json).unwrap(), p);
        }
    }
}
