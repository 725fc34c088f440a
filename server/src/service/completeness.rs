//! Completeness (R2, R6): for one period and subtree, who reported on time, late, who is
//! missing, exempt or not yet due — counts per unit and names, never a ranking.
//!
//! A cadre's verdict for a period depends only on the person and the period: the village
//! of their posting on the period's last day (and that village's policy), their report
//! (found by author, not by unit) and their exemptions (found by person, not by home
//! unit). So the village, the township, the county and the province all give the same
//! verdict for the same person, whoever asks. Policies are resolved in bulk: three
//! queries for the whole subtree, each distinct policy once.

use super::policy::{Policies, Policy};
use super::{Actor, Result, Services, parse_period, policy};
use crate::db::org_units;
use crate::db::postings::{self, Exemption, Posting};
use crate::db::reports::{self, ReportRow};
use jianfu_core::period::Period;
use jianfu_core::{DivisionCode, Role};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Where a cadre stands for one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodStatus {
    /// Not started yet.
    Upcoming,
    /// Started, no report yet, not late yet.
    Open,
    OnTime,
    /// First received after due date + grace.
    Late,
    /// First received after due date + grace but sealed on the device before it
    /// (按时封存，迟送达): the device's claim, never counted as late.
    SealedOnTime,
    /// No report, and due date + grace has passed.
    Missing,
    /// An exemption touches the period: never missing, never late.
    Exempt,
    /// No posting on the period's last day: no report is expected (a cadre's own view
    /// only; completeness counts the posted).
    NotPosted,
}

/// The status of `period` for a cadre, given their report and whether they are exempt.
pub fn status(
    period: &Period,
    policy: &Policy,
    now: Timestamp,
    report: Option<&ReportRow>,
    exempt: bool,
) -> PeriodStatus {
    if exempt {
        PeriodStatus::Exempt
    } else if let Some(report) = report {
        match (report.late, report.sealed_on_time) {
            (false, _) => PeriodStatus::OnTime,
            (true, true) => PeriodStatus::SealedOnTime,
            (true, false) => PeriodStatus::Late,
        }
    } else if now < period.start_instant(&policy.tz) {
        PeriodStatus::Upcoming
    } else if now < policy.late_after(period) {
        PeriodStatus::Open
    } else {
        PeriodStatus::Missing
    }
}

/// Whether any exemption shares a day with the period. A partly covered period is exempt
/// as a whole: the cadre was away for part of it, so nothing about it may count against
/// them (a report sent anyway is kept and shown).
pub fn is_exempt(period: &Period, exemptions: &[Exemption]) -> bool {
    exemptions.iter().any(|e| {
        match (
            jianfu_core::period::parse_plain_date(&e.starts_on),
            jianfu_core::period::parse_plain_date(&e.ends_on),
        ) {
            (Some(from), Some(to)) => period.overlaps(from, to),
            _ => false,
        }
    })
}

/// A person in a completeness list: who, and where they serve. Never a count of anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// The village of the posting.
    pub org_unit: String,
    pub village_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Cadres posted on the period's last day, whose policy has this cadence.
    pub expected: u32,
    pub on_time: u32,
    pub late: u32,
    /// Sealed on the device before due date + grace, delivered after.
    pub sealed_on_time: u32,
    pub missing: u32,
    pub exempt: u32,
    /// Not yet due (due date + grace has not passed).
    pub open: u32,
}

impl Counts {
    pub(crate) fn add(&mut self, status: PeriodStatus) {
        self.expected += 1;
        match status {
            PeriodStatus::OnTime => self.on_time += 1,
            PeriodStatus::Late => self.late += 1,
            PeriodStatus::SealedOnTime => self.sealed_on_time += 1,
            PeriodStatus::Missing => self.missing += 1,
            PeriodStatus::Exempt => self.exempt += 1,
            PeriodStatus::Open | PeriodStatus::Upcoming | PeriodStatus::NotPosted => {
                self.open += 1;
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitCounts {
    pub code: String,
    pub name: String,
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize)]
pub struct Completeness {
    pub unit: String,
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
    /// Who sealed on time and delivered late, by village then username.
    pub sealed_on_time: Vec<Person>,
    /// Cadres posted in the subtree whose policy has another cadence: not counted here.
    pub other_cadence: u32,
    /// Every person counted with their verdict, by village then username (for the grid).
    #[serde(skip)]
    pub everyone: Vec<(Person, PeriodStatus)>,
}

/// Completeness of `period` (default: the one in force now for the unit's policy) for the
/// cadres posted inside `unit` (default: the actor's own). Reviewers and admins.
pub async fn of_unit(
    s: &Services,
    actor: &Actor,
    unit: Option<&str>,
    period: Option<&str>,
) -> Result<Completeness> {
    actor.require_role(&[Role::Reviewer, Role::Admin])?;
    let unit = actor.scoped(unit)?;
    let period = match period {
        Some(key) => parse_period(key)?,
        None => policy::required(s, &unit).await?.current(s.clock.now()),
    };
    let view = super::departments::View::of(s, actor).await?;
    Ok(view.completeness(compute(s, &unit, &period).await?))
}

/// Completeness of `period` inside `unit`, for whoever may see it.
pub async fn compute(s: &Services, unit: &DivisionCode, period: &Period) -> Result<Completeness> {
    let now = s.clock.timestamp();
    let (first, last) = (period.start.to_string(), period.last_day().to_string());
    let posted: Vec<Posting> = postings::in_subtree_on(&s.db, unit, &last).await?;
    let mut exemptions: HashMap<i64, Vec<Exemption>> = HashMap::new();
    for e in postings::exemptions_of_posted(&s.db, unit, &last, &first, &last).await? {
        exemptions.entry(e.user_id).or_default().push(e);
    }
    let reports: HashMap<i64, ReportRow> =
        reports::for_period_of_posted(&s.db, unit, &last, &period.key())
            .await?
            .into_iter()
            .map(|r| (r.user_id, r))
            .collect();
    let policies = Policies::governing(s, unit).await?;
    let child_digits = unit.level().child().map(jianfu_core::Level::digits);
    let mut result = Completeness {
        unit: unit.to_string(),
        period: period.key(),
        counts: Counts::default(),
        units: Vec::new(),
        missing: Vec::new(),
        exempt: Vec::new(),
        late: Vec::new(),
        sealed_on_time: Vec::new(),
        other_cadence: 0,
        everyone: Vec::new(),
    };
    let mut by_child: BTreeMap<String, Counts> = BTreeMap::new();
    let mut seen = HashSet::new();
    for posting in posted {
        if !seen.insert(posting.user_id) {
            continue;
        }
        let village = super::parse_code(&posting.org_unit, "org_unit")?;
        let Some(policy) = policies.for_unit(&village).filter(|p| p.accepts(period)) else {
            result.other_cadence += 1;
            continue;
        };
        let exempt = exemptions
            .get(&posting.user_id)
            .is_some_and(|list| is_exempt(period, list));
        let verdict = status(period, policy, now, reports.get(&posting.user_id), exempt);
        result.counts.add(verdict);
        if let Some(digits) = child_digits {
            let child = posting.org_unit.get(..digits).unwrap_or(&posting.org_unit);
            by_child.entry(child.to_owned()).or_default().add(verdict);
        }
        let person = Person {
            user_id: posting.user_id,
            username: posting.username,
            display_name: posting.display_name,
            org_unit: posting.org_unit,
            village_name: posting.village_name,
        };
        result.everyone.push((person.clone(), verdict));
        match verdict {
            PeriodStatus::Missing => result.missing.push(person),
            PeriodStatus::Exempt => result.exempt.push(person),
            PeriodStatus::Late => result.late.push(person),
            PeriodStatus::SealedOnTime => result.sealed_on_time.push(person),
            _ => {}
        }
    }
    let codes: Vec<&str> = by_child.keys().map(String::as_str).collect();
    let names: HashMap<String, String> = org_units::get_many(&s.db, &codes)
        .await?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect();
    result.units = by_child
        .into_iter()
        .map(|(code, counts)| UnitCounts {
            name: names.get(&code).cloned().unwrap_or_default(),
            code,
            counts,
        })
        .collect();
    Ok(result)
}
