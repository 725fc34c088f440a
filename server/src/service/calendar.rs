//! The periods of a unit as its reviewers and admins see them: the last few with their
//! deadlines in local time and whether they are closed (due date + grace has passed), and
//! the status grid — child units (or a township's cadres) × those periods — that a
//! department looks at instead of a league table (R2): in tree order, never by counts.

use super::completeness::{self, Counts, PeriodStatus};
use super::policy::{self, Policy};
use super::{Actor, Result, Services, in_range};
use jianfu_core::period::Period;
use jianfu_core::{Level, Role};
use std::collections::BTreeMap;

/// The most periods asked for at once.
pub const MAX_PERIODS: u32 = 26;

/// One period of a unit's policy.
#[derive(Debug, Clone)]
pub struct PeriodInfo {
    pub period: Period,
    pub due_date: String,
    /// The last local date on which a report is on time.
    pub last_on_time_date: String,
    /// A report received at or after this instant (unix seconds) is late.
    pub late_after: i64,
    /// Due date + grace has passed: what is missing now is missing.
    pub closed: bool,
}

/// The `count` periods of `policy` up to the current one, oldest first (periods an
/// emergency did not cover are left out of a daily cadence).
fn recent(policy: &Policy, now: i64, count: u32) -> Vec<PeriodInfo> {
    let mut periods = vec![policy.current(now)];
    while periods.len() < count as usize {
        let earlier = periods[0].previous();
        if !policy.accepts(&earlier) {
            break;
        }
        periods.insert(0, earlier);
    }
    periods.into_iter().map(|p| info(policy, p, now)).collect()
}

/// The `count` periods of `policy` from the current one on, as they would come.
pub fn upcoming(policy: &Policy, now: i64, count: usize) -> Vec<PeriodInfo> {
    let mut periods = vec![policy.current(now)];
    while periods.len() < count {
        let after = periods[periods.len() - 1].next();
        periods.push(after);
    }
    periods.into_iter().map(|p| info(policy, p, now)).collect()
}

/// A period with its deadlines under `policy`.
pub fn info(policy: &Policy, period: Period, now: i64) -> PeriodInfo {
    let late_after = policy.late_after(&period).as_second();
    PeriodInfo {
        due_date: policy.rule.due_date(&period).to_string(),
        last_on_time_date: policy.rule.last_on_time_date(&period).to_string(),
        late_after,
        closed: now >= late_after,
        period,
    }
}

/// The last `count` (default 12) periods of the policy in force for `unit` (reviewers, admins).
pub async fn periods(
    s: &Services,
    actor: &Actor,
    unit: Option<&str>,
    count: Option<u32>,
) -> Result<(String, Vec<PeriodInfo>)> {
    actor.require_role(&[Role::Reviewer, Role::Admin])?;
    let unit = actor.scoped(unit)?;
    let count = in_range(
        "count",
        count.unwrap_or(12),
        1,
        MAX_PERIODS,
        "周期数",
        "count",
    )?;
    let policy = policy::required(s, &unit).await?;
    Ok((
        policy.row.time_zone.clone(),
        recent(&policy, s.clock.now(), count),
    ))
}

/// One row of the grid: a child unit with its counts per period, or (for a township) one
/// cadre with their status per period (`None`: not posted there then).
#[derive(Debug, Clone)]
pub enum GridRow {
    Unit {
        code: String,
        name: String,
        counts: Vec<Counts>,
    },
    Cadre {
        username: String,
        display_name: String,
        village: String,
        village_name: String,
        statuses: Vec<Option<PeriodStatus>>,
    },
}

/// A cadre and their status in each period, while the grid is filled.
type CadreRow = (completeness::Person, Vec<Option<PeriodStatus>>);

/// Rows × the last `count` periods, in tree order (a township's cadres by village, then name).
pub async fn grid(
    s: &Services,
    actor: &Actor,
    unit: Option<&str>,
    count: Option<u32>,
) -> Result<(Vec<PeriodInfo>, Vec<GridRow>)> {
    actor.require_role(&[Role::Reviewer, Role::Admin])?;
    let code = actor.scoped(unit)?;
    let (_, periods) = periods(s, actor, Some(code.as_str()), count).await?;
    let by_cadre = matches!(code.level(), Level::Township | Level::Village);
    let mut units: BTreeMap<String, (String, Vec<Counts>)> = BTreeMap::new();
    let mut cadres: BTreeMap<(String, String, String), CadreRow> = BTreeMap::new();
    let view = super::departments::View::of(s, actor).await?;
    for (column, info) in periods.iter().enumerate() {
        let figures = view.completeness(completeness::compute(s, &code, &info.period).await?);
        if by_cadre {
            let mut named = completeness::people(s, figures.everyone.iter()).await?;
            for counted in figures.everyone {
                let (Some(person), status) = (named.remove(&counted.user_id), counted.status)
                else {
                    continue;
                };
                let key = (
                    person.org_unit.clone(),
                    person.display_name.clone(),
                    person.username.clone(),
                );
                let row = cadres
                    .entry(key)
                    .or_insert_with(|| (person, vec![None; periods.len()]));
                row.1[column] = Some(status);
            }
        } else {
            for unit in figures.units {
                let row = units
                    .entry(unit.code)
                    .or_insert_with(|| (unit.name, vec![Counts::default(); periods.len()]));
                row.1[column] = unit.counts;
            }
        }
    }
    let rows = if by_cadre {
        cadres
            .into_values()
            .map(|(person, statuses)| GridRow::Cadre {
                username: person.username,
                display_name: person.display_name,
                village: person.org_unit,
                village_name: person.village_name,
                statuses,
            })
            .collect()
    } else {
        units
            .into_iter()
            .map(|(code, (name, counts))| GridRow::Unit { code, name, counts })
            .collect()
    };
    Ok((periods, rows))
}
