//! The reporting rules that need storage: the policy in force for a unit (nearest
//! ancestor wins, an emergency's cadence while it lasts), the status of a period for a
//! cadre, and completeness per unit (R2, R6). The arithmetic itself lives in `core`.

use crate::db::policies::{self, Emergency, PolicyRow};
use crate::db::postings::{self, Exemption, Posting};
use crate::db::reports::{self, ReportRow};
use crate::db::{Db, org_units};
use crate::http::error::{ApiError, ErrorCode};
use jianfu_core::DivisionCode;
use jianfu_core::period::{DeadlineRule, Period, PeriodKind};
use jianfu_core::template::Template;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The policy in force for a unit.
#[derive(Debug, Clone)]
pub struct Effective {
    pub row: PolicyRow,
    /// The cadence in force now: the stored one while its emergency lasts, then
    /// `kind_after_emergency`.
    pub kind: PeriodKind,
    pub rule: DeadlineRule,
    pub lock_days: u16,
    pub tz: TimeZone,
    pub template: Template,
    /// The emergency that allows a cadence below weekly, while active.
    pub emergency: Option<Emergency>,
}

impl Effective {
    /// Kinds a report may be filed under: the cadence now, and the other one stored on
    /// the policy (an emergency's daily periods stay reportable after it ends).
    pub fn accepts(&self, kind: PeriodKind) -> bool {
        kind == self.kind
            || self.row.period_kind == kind.as_str()
            || self.row.kind_after_emergency.as_deref() == Some(kind.as_str())
    }

    pub fn late_after(&self, period: &Period) -> Timestamp {
        self.rule.late_after(period, &self.tz)
    }

    pub fn locks_at(&self, period: &Period) -> Timestamp {
        self.rule.locks_at(period, self.lock_days, &self.tz)
    }

    /// The period in force at `now`.
    pub fn current(&self, now: Timestamp) -> Period {
        Period::containing(self.kind, now, &self.tz)
    }
}

pub fn parse_kind(text: &str) -> Result<PeriodKind, ApiError> {
    text.parse::<PeriodKind>().map_err(|e| {
        let problem = e.to_problem("period_kind");
        ApiError::new(ErrorCode::InvalidPeriod)
            .message(problem.message_zh, problem.message_en)
            .details(json!({ "reason": problem.code, "field": "period_kind" }))
    })
}

pub fn time_zone(name: &str) -> Result<TimeZone, ApiError> {
    TimeZone::get(name).map_err(|_| {
        ApiError::new(ErrorCode::UnknownTimeZone)
            .message(
                format!("未知的时区 {name:?}，例如 Asia/Shanghai"),
                format!("unknown time zone {name:?}; e.g. Asia/Shanghai"),
            )
            .details(json!({ "field": "time_zone", "value": name }))
    })
}

pub fn parse_template(fields: &str) -> Result<Template, ApiError> {
    serde_json::from_str::<Vec<jianfu_core::template::Field>>(fields)
        .map(|fields| Template { fields })
        .map_err(|e| ApiError::internal(&format!("stored template does not parse: {e}")))
}

/// Resolves a stored policy row into the policy in force at `now`.
pub async fn resolve(db: &Db, row: PolicyRow, now: i64) -> Result<Effective, ApiError> {
    let stored_kind = parse_kind(&row.period_kind)?;
    let emergency = match row.emergency_id {
        Some(id) => policies::emergency(db, id)
            .await?
            .filter(|e| e.starts_at <= now && now < e.ends_at),
        None => None,
    };
    let kind = match (&emergency, row.kind_after_emergency.as_deref()) {
        (None, Some(after)) => parse_kind(after)?,
        _ => stored_kind,
    };
    let template_row = policies::template(db, row.template_id)
        .await?
        .ok_or_else(|| {
            ApiError::internal(&format!(
                "policy refers to missing template {}",
                row.template_id
            ))
        })?;
    Ok(Effective {
        kind,
        rule: DeadlineRule {
            due_offset_days: u16::try_from(row.due_offset_days).unwrap_or(u16::MAX),
            grace_days: u16::try_from(row.grace_days).unwrap_or(u16::MAX),
        },
        lock_days: u16::try_from(row.lock_days).unwrap_or(u16::MAX),
        tz: time_zone(&row.time_zone)?,
        template: parse_template(&template_row.fields)?,
        emergency,
        row,
    })
}

/// The policy in force for `unit` at `now`, or `None` when no ancestor has one.
pub async fn effective(
    db: &Db,
    unit: &DivisionCode,
    now: i64,
) -> Result<Option<Effective>, ApiError> {
    match policies::nearest_policy(db, unit).await? {
        Some(row) => Ok(Some(resolve(db, row, now).await?)),
        None => Ok(None),
    }
}

pub fn policy_not_found(unit: &DivisionCode) -> ApiError {
    ApiError::new(ErrorCode::PolicyNotFound)
        .message(
            format!("{unit} 及其上级单位都没有设置填报规则"),
            format!("no policy on {unit} or any of its ancestors"),
        )
        .details(json!({ "unit": unit }))
}

/// Where a cadre stands for one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodStatus {
    /// Not started yet.
    Upcoming,
    /// Started, no report yet, not late yet.
    Open,
    OnTime,
    /// First received after due date + grace.
    Late,
    /// No report, and due date + grace has passed.
    Missing,
    /// An exemption touches the period: never missing, never late.
    Exempt,
}

/// The status of `period` for a cadre, given their report and whether they are exempt.
pub fn status(
    period: &Period,
    effective: &Effective,
    now: Timestamp,
    report: Option<&ReportRow>,
    exempt: bool,
) -> PeriodStatus {
    if exempt {
        PeriodStatus::Exempt
    } else if let Some(report) = report {
        if report.late != 0 {
            PeriodStatus::Late
        } else {
            PeriodStatus::OnTime
        }
    } else if now < period.start_instant(&effective.tz) {
        PeriodStatus::Upcoming
    } else if now < effective.late_after(period) {
        PeriodStatus::Open
    } else {
        PeriodStatus::Missing
    }
}

/// Whether any exemption shares a day with the period. A partly covered period is exempt
/// as a whole: the cadre was away for part of it, so nothing about it may count against
/// them (a report sent anyway is kept and shown).
pub fn is_exempt(period: &Period, exemptions: &[Exemption]) -> bool {
    exemptions
        .iter()
        .any(|e| match (e.starts_on.parse(), e.ends_on.parse()) {
            (Ok(from), Ok(to)) => period.overlaps(from, to),
            _ => false,
        })
}

/// A person in a completeness list: who, and where they serve. Never a count of anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// The village of the posting.
    pub org_unit: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Counts {
    /// Cadres posted on the period's last day, whose policy has this cadence.
    pub expected: u32,
    pub on_time: u32,
    pub late: u32,
    pub missing: u32,
    pub exempt: u32,
    /// Not yet due (due date + grace has not passed).
    pub open: u32,
}

impl Counts {
    fn add(&mut self, status: PeriodStatus) {
        self.expected += 1;
        match status {
            PeriodStatus::OnTime => self.on_time += 1,
            PeriodStatus::Late => self.late += 1,
            PeriodStatus::Missing => self.missing += 1,
            PeriodStatus::Exempt => self.exempt += 1,
            PeriodStatus::Open | PeriodStatus::Upcoming => self.open += 1,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitCounts {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Completeness {
    pub unit: String,
    #[schema(example = "weekly:2026-11-16")]
    pub period: String,
    pub counts: Counts,
    /// One row per direct child unit that has expected cadres, in code order.
    pub units: Vec<UnitCounts>,
    /// Who has not reported although due date + grace has passed, by village then username.
    pub missing: Vec<Person>,
    /// Who is exempt for this period, by village then username.
    pub exempt: Vec<Person>,
    /// Who reported late, by village then username.
    pub late: Vec<Person>,
    /// Cadres posted in the subtree whose policy has another cadence: not counted here.
    pub other_cadence: u32,
}

/// Completeness of `period` for the cadres posted inside `unit` (R2, R6).
pub async fn completeness(
    db: &Db,
    unit: &DivisionCode,
    period: &Period,
    now: i64,
) -> Result<Completeness, ApiError> {
    let now_ts = Timestamp::from_second(now).unwrap_or(Timestamp::UNIX_EPOCH);
    let last_day = period.last_day().to_string();
    let first_day = period.start.to_string();
    let posted: Vec<Posting> = postings::in_subtree_on(db, unit, &last_day).await?;
    let exemptions = postings::exemptions_overlapping(db, unit, &first_day, &last_day).await?;
    let mut exempt_users: HashMap<i64, Vec<Exemption>> = HashMap::new();
    for e in exemptions {
        exempt_users.entry(e.user_id).or_default().push(e);
    }
    let reports: HashMap<i64, ReportRow> = reports::for_period_in(db, unit, &period.key())
        .await?
        .into_iter()
        .map(|r| (r.user_id, r))
        .collect();
    // Policies per village, resolved once each.
    let mut policies_by_village: HashMap<String, Option<Effective>> = HashMap::new();
    let child_level_digits = unit.level().child().map(jianfu_core::Level::digits);
    let mut counts = Counts::default();
    let mut by_child: BTreeMap<String, Counts> = BTreeMap::new();
    let (mut missing, mut exempt, mut late) = (Vec::new(), Vec::new(), Vec::new());
    let mut other_cadence = 0;
    let mut seen = HashSet::new();
    for posting in posted {
        if !seen.insert(posting.user_id) {
            continue;
        }
        if !policies_by_village.contains_key(&posting.org_unit) {
            let village = DivisionCode::parse(&posting.org_unit)?;
            let resolved = effective(db, &village, now).await?;
            policies_by_village.insert(posting.org_unit.clone(), resolved);
        }
        let Some(policy) = policies_by_village
            .get(&posting.org_unit)
            .and_then(Option::as_ref)
        else {
            other_cadence += 1;
            continue;
        };
        if !policy.accepts(period.kind) {
            other_cadence += 1;
            continue;
        }
        let is_exempt_now = exempt_users
            .get(&posting.user_id)
            .is_some_and(|list| is_exempt(period, list));
        let s = status(
            period,
            policy,
            now_ts,
            reports.get(&posting.user_id),
            is_exempt_now,
        );
        counts.add(s);
        if let Some(digits) = child_level_digits {
            let child = posting
                .org_unit
                .get(..digits)
                .unwrap_or(&posting.org_unit)
                .to_owned();
            by_child.entry(child).or_default().add(s);
        }
        let person = Person {
            user_id: posting.user_id,
            username: posting.username,
            display_name: posting.display_name,
            org_unit: posting.org_unit,
        };
        match s {
            PeriodStatus::Missing => missing.push(person),
            PeriodStatus::Exempt => exempt.push(person),
            PeriodStatus::Late => late.push(person),
            _ => {}
        }
    }
    let codes: Vec<&str> = by_child.keys().map(String::as_str).collect();
    let names: HashMap<String, String> = org_units::get_many(db, &codes)
        .await?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect();
    let units = by_child
        .into_iter()
        .map(|(code, counts)| UnitCounts {
            name: names.get(&code).cloned().unwrap_or_default(),
            code,
            counts,
        })
        .collect();
    Ok(Completeness {
        unit: unit.to_string(),
        period: period.key(),
        counts,
        units,
        missing,
        exempt,
        late,
        other_cadence,
    })
}
