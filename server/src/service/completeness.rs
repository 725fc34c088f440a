//! Completeness (R2, R6): for one period and subtree, who reported on time, late, who is
//! missing, exempt or not yet due — counts per unit and names, never a ranking.
//!
//! A cadre's verdict for a period depends only on the person and the period: the village
//! of their posting on the period's last day (and that village's policy), their report
//! (found by author, not by unit) and their exemptions (found by person, not by home
//! unit). So the village, the township, the county and the province all give the same
//! verdict for the same person, whoever asks. Policies are resolved in bulk: three
//! queries for the whole subtree, each distinct policy once.
//!
//! Two ways to the same answer: the API's counts are made by the database in groups of
//! villages under one policy ([`count`]); where every person's verdict is needed (a
//! department's share, the grid, the export) they are made one by one ([`compute`]). The
//! test `verdicts::the_counts_and_the_export_agree_under_policies_below_the_city` holds
//! them to the same answer at every level.

use super::policy::{Policies, Policy};
use super::{Actor, Error, Result, Services, parse_period, policy};
pub use crate::db::completeness::Person;
use crate::db::completeness::{self as counted, Listed, Scope};
use crate::db::postings::{self, Exemption};
use crate::db::reports::Standing;
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
        self.add_many(status, 1);
    }

    /// Counts `n` people with `status`.
    pub(crate) fn add_many(&mut self, status: PeriodStatus, n: u32) {
        self.expected += n;
        *match status {
            PeriodStatus::OnTime => &mut self.on_time,
            PeriodStatus::Late => &mut self.late,
            PeriodStatus::SealedOnTime => &mut self.sealed_on_time,
            PeriodStatus::Missing => &mut self.missing,
            PeriodStatus::Exempt => &mut self.exempt,
            PeriodStatus::Open | PeriodStatus::Upcoming | PeriodStatus::NotPosted => &mut self.open,
        } += n;
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
///
/// Whoever sees the whole subtree gets it counted by the database ([`count`]); a
/// department that receives only some villages, or a list asked for whole, gets it from
/// everyone's verdict ([`compute`]). The two give the same answer (tested).
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
    match limit {
        Some(limit) if !view.is_partial() => count(s, &unit, &period, limit).await,
        _ => {
            let mut result = view.completeness(compute(s, &unit, &period).await?);
            name_lists(s, &mut result, limit).await?;
            Ok(result)
        }
    }
}

impl Completeness {
    /// Nothing counted yet.
    fn empty(unit: &DivisionCode, period: &Period, capacity: usize) -> Completeness {
        Completeness {
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
            everyone: Vec::with_capacity(capacity),
        }
    }
}

/// The rows of `units`: each child's counts under its name, in code order.
async fn name_units(s: &Services, by_child: BTreeMap<String, Counts>) -> Result<Vec<UnitCounts>> {
    let codes: Vec<&str> = by_child.keys().map(String::as_str).collect();
    let names: HashMap<String, String> = org_units::get_many(&s.db, &codes)
        .await?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect();
    Ok(by_child
        .into_iter()
        .map(|(code, counts)| UnitCounts {
            name: names.get(&code).cloned().unwrap_or_default(),
            code,
            counts,
        })
        .collect())
}

/// Completeness of `period` inside `unit` counted by the database, each list naming the
/// first `limit` people; `everyone` stays empty.
///
/// The cadres are counted in groups of villages that share one policy and one child unit:
/// the units of the finest level at which either changes (a child of `unit`, or the
/// deepest unit inside it that holds a policy). A province under provincial and county
/// policies is a few hundred rows, whatever its size. The exempt are read apart (few).
/// A list is read only if its count is not zero, and only from the groups where that
/// verdict falls.
pub async fn count(
    s: &Services,
    unit: &DivisionCode,
    period: &Period,
    limit: usize,
) -> Result<Completeness> {
    let now = s.clock.timestamp();
    let scope = Scope::of(unit, period);
    let policies = Policies::governing(s, unit).await?;
    let child_digits = unit.level().child().map(jianfu_core::Level::digits);
    let digits = policies
        .holders()
        .filter(|holder| holder.len() > unit.as_str().len() && holder.starts_with(unit.as_str()))
        .map(str::len)
        .chain(child_digits)
        .max()
        .unwrap_or(unit.as_str().len());
    let mut groups = Groups {
        policies,
        resolved: HashMap::new(),
    };
    let mut result = Completeness::empty(unit, period, 0);
    let mut by_child: BTreeMap<String, Counts> = BTreeMap::new();
    let mut count_in = |result: &mut Completeness, code: &str, verdict: PeriodStatus, n: u32| {
        result.counts.add_many(verdict, n);
        if let Some(digits) = child_digits {
            let child = code.get(..digits).unwrap_or(code);
            by_child
                .entry(child.to_owned())
                .or_default()
                .add_many(verdict, n);
        }
    };
    // Where each list's people are: the groups where the verdict is theirs, and whether
    // that is short of every group with people standing so.
    let (mut missing_in, mut accepted_in) = (Vec::new(), Vec::new());
    let (mut missing_elsewhere, mut refused_elsewhere) = (false, false);
    for tally in counted::tally(&s.db, &scope, digits).await? {
        let n = u32::try_from(tally.count).unwrap_or(u32::MAX);
        let (group, policy) = groups.get(&tally.unit)?;
        let Some(policy) = policy.filter(|p| p.accepts(period)) else {
            result.other_cadence += n;
            refused_elsewhere = true;
            missing_elsewhere |= tally.late.is_none();
            continue;
        };
        let verdict = status(period, &policy, now, tally.standing(), false);
        match verdict {
            PeriodStatus::Missing => missing_in.push(group.clone()),
            PeriodStatus::Open | PeriodStatus::Upcoming => missing_elsewhere = true,
            _ => {}
        }
        accepted_in.push(group);
        count_in(&mut result, &tally.unit, verdict, n);
    }
    let mut exempt = Vec::new();
    for person in counted::exempted(&s.db, &scope).await? {
        let group = person.org_unit.get(..digits).unwrap_or(&person.org_unit);
        match groups.get(group)?.1 {
            Some(policy) if policy.accepts(period) => {
                count_in(&mut result, &person.org_unit, PeriodStatus::Exempt, 1);
                exempt.push(Counted {
                    user_id: person.user_id,
                    org_unit: person.org_unit,
                    status: PeriodStatus::Exempt,
                });
            }
            _ => result.other_cadence += 1,
        }
    }
    result.units = name_units(s, by_child).await?;
    for units in [&mut missing_in, &mut accepted_in] {
        units.sort_unstable();
        units.dedup();
    }
    let lists = Lists {
        exempt,
        missing_in: missing_elsewhere.then_some(missing_in.as_slice()),
        accepted_in: refused_elsewhere.then_some(accepted_in.as_slice()),
    };
    lists.read(s, &scope, &mut result, limit).await?;
    Ok(result)
}

/// Where [`count`]'s lists come from: the exempt, already read; the others from the
/// groups where their verdict falls (`None`: every group).
struct Lists<'a> {
    exempt: Vec<Counted>,
    /// The groups where no report means missing.
    missing_in: Option<&'a [DivisionCode]>,
    /// The groups whose policy has the period's cadence.
    accepted_in: Option<&'a [DivisionCode]>,
}

impl Lists<'_> {
    /// Fills `result`'s lists, each the first `limit` by village then username, reading
    /// only those whose count is not zero.
    async fn read(
        self,
        s: &Services,
        scope: &Scope,
        result: &mut Completeness,
        limit: usize,
    ) -> Result<()> {
        // The exempt are few and already read: named as `name_lists` names them.
        let exempt: Vec<&Counted> = self.exempt.iter().collect();
        let taken = first_villages(&exempt, Some(limit));
        let named = people(s, taken.iter().copied()).await?;
        result.exempt = sorted(
            taken.iter().filter_map(|c| named.get(&c.user_id).cloned()),
            Some(limit),
        );
        let counts = &result.counts;
        for (which, among, count, list) in [
            (
                Listed::Unreported,
                self.missing_in,
                counts.missing,
                &mut result.missing,
            ),
            (
                Listed::LateNotSealed,
                self.accepted_in,
                counts.late,
                &mut result.late,
            ),
            (
                Listed::LateSealed,
                self.accepted_in,
                counts.sealed_on_time,
                &mut result.sealed_on_time,
            ),
        ] {
            if count > 0 {
                *list = counted::listed(&s.db, scope, which, among, limit).await?;
            }
        }
        result.lists_cut = [
            (&result.missing, counts.missing),
            (&result.exempt, counts.exempt),
            (&result.late, counts.late),
            (&result.sealed_on_time, counts.sealed_on_time),
        ]
        .iter()
        .any(|(list, count)| list.len() < *count as usize);
        Ok(())
    }
}

/// The groups of villages [`count`] counts by: each group's unit and policy, resolved once.
struct Groups {
    policies: Policies,
    resolved: HashMap<String, (DivisionCode, Option<Arc<Policy>>)>,
}

impl Groups {
    fn get(&mut self, code: &str) -> Result<(DivisionCode, Option<Arc<Policy>>)> {
        if let Some(found) = self.resolved.get(code) {
            return Ok(found.clone());
        }
        let unit = super::parse_code(code, "org_unit")?;
        let found = (unit.clone(), self.policies.for_unit(&unit).cloned());
        self.resolved.insert(code.to_owned(), found.clone());
        Ok(found)
    }
}

/// `people` by village then username, the first `limit` of them (`None`: all).
fn sorted(people: impl Iterator<Item = Person>, limit: Option<usize>) -> Vec<Person> {
    let mut list: Vec<Person> = people.collect();
    list.sort_by(|a, b| (&a.org_unit, &a.username).cmp(&(&b.org_unit, &b.username)));
    list.truncate(limit.unwrap_or(usize::MAX));
    list
}

/// Completeness of `period` inside `unit`, for whoever may see it: the counts and
/// everyone's verdict, the lists still empty ([`name_lists`] fills them).
pub async fn compute(s: &Services, unit: &DivisionCode, period: &Period) -> Result<Completeness> {
    let now = s.clock.timestamp();
    let scope = Scope::of(unit, period);
    let posted = counted::everyone(&s.db, &scope).await?;
    let mut exemptions: HashMap<i64, Vec<Exemption>> = HashMap::new();
    for e in
        postings::exemptions_of_posted(&s.db, unit, &scope.last, &scope.first, &scope.last).await?
    {
        exemptions.entry(e.user_id).or_default().push(e);
    }
    let policies = Policies::governing(s, unit).await?;
    let child_digits = unit.level().child().map(jianfu_core::Level::digits);
    let mut result = Completeness::empty(unit, period, posted.len());
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
        let verdict = status(period, &policy, now, posting.standing(), exempt);
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
    result.units = name_units(s, by_child).await?;
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
        sorted(
            list.into_iter()
                .filter_map(|c| named.get(&c.user_id).cloned()),
            limit,
        )
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
