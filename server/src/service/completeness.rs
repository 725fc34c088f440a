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
use super::{Actor, Error, Result, Services, parse_period, policy};
use crate::db::postings::{self, Exemption};
use crate::db::reports::{self, Standing};
use crate::db::{org_units, users};
use jianfu_core::period::Period;
use jianfu_core::{DivisionCode, Role};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

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
    report: Option<Standing>,
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

/// Someone counted, with their verdict: who and where, without names (a province counts
/// tens of thousands; names are read only for those shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub user_id: i64,
    /// The village of the posting.
    pub org_unit: String,
    pub status: PeriodStatus,
}

/// How many people each list of the API's answer names at most: a county's lists are
/// whole; a province's are cut, and its full lists are in the export.
pub const LIST_LIMIT: usize = 1_000;

/// The list limit asked for: 1 to [`LIST_LIMIT`], that by default.
pub fn list_limit(asked: Option<usize>) -> Result<usize> {
    match asked {
        None => Ok(LIST_LIMIT),
        Some(n) if (1..=LIST_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(Error::invalid_query(jianfu_core::Problem::error(
            "names_out_of_range",
            "names",
            "每份名单列出的人数须在 1 到 1000 之间",
            "names must be between 1 and 1000",
            serde_json::json!({ "field": "names", "actual": n, "min": 1, "max": LIST_LIMIT }),
        ))),
    }
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
    /// Whether a list names fewer people than its count: cut at the limit asked for, the
    /// first by village then username.
    pub lists_cut: bool,
    /// Cadres posted in the subtree whose policy has another cadence: not counted here.
    pub other_cadence: u32,
    /// Everyone counted with their verdict, by village then user id (for the grid and a
    /// department's share).
    #[serde(skip)]
    pub everyone: Vec<Counted>,
}

/// Completeness of `period` (default: the one in force now for the unit's policy) for the
/// cadres posted inside `unit` (default: the actor's own), each list naming at most
/// `limit` people (`None`: everyone). Reviewers and admins.
pub async fn of_unit(
    s: &Services,
    actor: &Actor,
    unit: Option<&str>,
    period: Option<&str>,
    limit: Option<usize>,
) -> Result<Completeness> {
    actor.require_role(&[Role::Reviewer, Role::Admin])?;
    let unit = actor.scoped(unit)?;
    let period = match period {
        Some(key) => parse_period(key)?,
        None => policy::required(s, &unit).await?.current(s.clock.now()),
    };
    let view = super::departments::View::of(s, actor).await?;
    let mut result = view.completeness(compute(s, &unit, &period).await?);
    name_lists(s, &mut result, limit).await?;
    Ok(result)
}

/// Completeness of `period` inside `unit`, for whoever may see it: the counts and
/// everyone's verdict, the lists still empty ([`name_lists`] fills them).
pub async fn compute(s: &Services, unit: &DivisionCode, period: &Period) -> Result<Completeness> {
    let now = s.clock.timestamp();
    let (first, last) = (period.start.to_string(), period.last_day().to_string());
    let posted = postings::posted_on(&s.db, unit, &last).await?;
    let mut exemptions: HashMap<i64, Vec<Exemption>> = HashMap::new();
    for e in postings::exemptions_of_posted(&s.db, unit, &last, &first, &last).await? {
        exemptions.entry(e.user_id).or_default().push(e);
    }
    let reports: HashMap<i64, Standing> =
        reports::standing_for_period_of_posted(&s.db, unit, &last, &period.key())
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
        lists_cut: false,
        other_cadence: 0,
        everyone: Vec::with_capacity(posted.len()),
    };
    let mut by_child: BTreeMap<String, Counts> = BTreeMap::new();
    let mut seen = HashSet::with_capacity(posted.len());
    // The previous posting's village and its policy: a village's cadres come in a row.
    let mut last_village: Option<(String, Option<Arc<Policy>>)> = None;
    for posting in posted {
        if !seen.insert(posting.user_id) {
            continue;
        }
        let policy = match &last_village {
            Some((code, policy)) if *code == posting.org_unit => policy.clone(),
            _ => {
                let village = super::parse_code(&posting.org_unit, "org_unit")?;
                let policy = policies.for_unit(&village).cloned();
                last_village = Some((posting.org_unit.clone(), policy.clone()));
                policy
            }
        };
        let Some(policy) = policy.filter(|p| p.accepts(period)) else {
            result.other_cadence += 1;
            continue;
        };
        let exempt = exemptions
            .get(&posting.user_id)
            .is_some_and(|list| is_exempt(period, list));
        let verdict = status(
            period,
            &policy,
            now,
            reports.get(&posting.user_id).copied(),
            exempt,
        );
        result.counts.add(verdict);
        if let Some(digits) = child_digits {
            let child = posting.org_unit.get(..digits).unwrap_or(&posting.org_unit);
            match by_child.get_mut(child) {
                Some(counts) => counts.add(verdict),
                None => by_child.entry(child.to_owned()).or_default().add(verdict),
            }
        }
        result.everyone.push(Counted {
            user_id: posting.user_id,
            org_unit: posting.org_unit,
            status: verdict,
        });
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

/// Fills the lists of who is missing, exempt, late and sealed on time from `everyone`,
/// each with at most `limit` people (`None`: all), by village then username.
pub async fn name_lists(
    s: &Services,
    result: &mut Completeness,
    limit: Option<usize>,
) -> Result<()> {
    let mut chosen: Vec<Vec<&Counted>> = Vec::new();
    for status in [
        PeriodStatus::Missing,
        PeriodStatus::Exempt,
        PeriodStatus::Late,
        PeriodStatus::SealedOnTime,
    ] {
        let all: Vec<&Counted> = result
            .everyone
            .iter()
            .filter(|c| c.status == status)
            .collect();
        let taken = first_villages(&all, limit);
        result.lists_cut |= taken.len() < all.len();
        chosen.push(taken);
    }
    let named = people(s, chosen.iter().flatten().copied()).await?;
    let mut lists = chosen.into_iter().map(|list| {
        let mut list: Vec<Person> = list
            .into_iter()
            .filter_map(|c| named.get(&c.user_id).cloned())
            .collect();
        list.sort_by(|a, b| (&a.org_unit, &a.username).cmp(&(&b.org_unit, &b.username)));
        list.truncate(limit.unwrap_or(usize::MAX));
        list
    });
    result.missing = lists.next().unwrap_or_default();
    result.exempt = lists.next().unwrap_or_default();
    result.late = lists.next().unwrap_or_default();
    result.sealed_on_time = lists.next().unwrap_or_default();
    Ok(())
}

/// The first `limit` people of `list` (in village order) and everyone else in the last
/// village taken, so that ordering them by username inside a village and cutting at
/// `limit` gives exactly the first `limit` by village then username.
fn first_villages<'a>(list: &[&'a Counted], limit: Option<usize>) -> Vec<&'a Counted> {
    let Some(limit) = limit.filter(|l| *l < list.len()) else {
        return list.to_vec();
    };
    let Some(edge) = limit.checked_sub(1).and_then(|i| list.get(i)) else {
        return Vec::new();
    };
    list.iter()
        .take_while(|c| c.org_unit <= edge.org_unit)
        .copied()
        .collect()
}

/// The people `counted` name, with their names and their village's, by user id.
pub async fn people<'a>(
    s: &Services,
    counted: impl Iterator<Item = &'a Counted>,
) -> Result<HashMap<i64, Person>> {
    let counted: Vec<&Counted> = counted.collect();
    let ids: Vec<i64> = counted.iter().map(|c| c.user_id).collect();
    let names: HashMap<i64, (String, String)> = users::names(&s.db, &ids)
        .await?
        .into_iter()
        .map(|(id, username, display_name)| (id, (username, display_name)))
        .collect();
    let mut villages: Vec<&str> = counted.iter().map(|c| c.org_unit.as_str()).collect();
    villages.sort_unstable();
    villages.dedup();
    let village_names: HashMap<String, String> = org_units::get_many(&s.db, &villages)
        .await?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect();
    Ok(counted
        .into_iter()
        .filter_map(|c| {
            let (username, display_name) = names.get(&c.user_id)?.clone();
            Some((
                c.user_id,
                Person {
                    user_id: c.user_id,
                    username,
                    display_name,
                    org_unit: c.org_unit.clone(),
                    village_name: village_names.get(&c.org_unit).cloned().unwrap_or_default(),
                },
            ))
        })
        .collect())
}
