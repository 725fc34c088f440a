//! The cadre's own view: the periods around now with their deadlines and status, and
//! everything the browser needs to write one period's report offline — the template, the
//! boundary, the report so far, and a draft prefilled from the last report (R3).

use super::completeness::{self, PeriodStatus};
use super::context::{self, Setting};
use super::{Actor, Error, Result, Services, parse_period};
use crate::db::{postings, reports};
use jianfu_core::period::{Period, PeriodKind};
use jianfu_core::report::{self, Outcome, ReportContent};
use jianfu_core::template::Field;
use jianfu_core::{ReportStatus, Role, Verdict};
use serde_json::Value;

/// One period as the cadre sees it.
#[derive(Debug, Clone)]
pub struct PeriodView {
    pub period: Period,
    pub due_date: String,
    /// The last local date on which a report is on time (due date + grace).
    pub last_on_time_date: String,
    /// A report received at or after this instant (unix seconds) is late.
    pub late_after: i64,
    /// From this instant on, revisions need a reviewer to reopen the report.
    pub locks_at: i64,
    pub status: PeriodStatus,
    pub report_id: Option<String>,
}

/// The periods around now.
#[derive(Debug, Clone)]
pub struct MyPeriods {
    /// The village served today (or most recently).
    pub org_unit: String,
    pub period_kind: PeriodKind,
    pub time_zone: String,
    /// Four past periods, the current one, and the next, oldest first.
    pub periods: Vec<PeriodView>,
    /// The period the page opens on: the earliest that has ended and is neither reported
    /// nor exempt; else the latest reported one; else the current one.
    pub suggested: String,
}

/// See [`MyPeriods::suggested`].
fn suggest(
    views: &[PeriodView],
    policy: &crate::service::policy::Policy,
    now: jiff::Timestamp,
) -> String {
    let ended = |v: &PeriodView| now >= v.period.end_instant(&policy.tz);
    let unreported =
        |v: &PeriodView| matches!(v.status, PeriodStatus::Open | PeriodStatus::Missing);
    let reported = |v: &PeriodView| v.report_id.is_some();
    views
        .iter()
        .find(|v| ended(v) && unreported(v))
        .or_else(|| views.iter().rev().find(|v| reported(v)))
        .or_else(|| {
            views
                .iter()
                .rev()
                .find(|v| now >= v.period.start_instant(&policy.tz))
        })
        .map(|v| v.period.key())
        .unwrap_or_default()
}

/// Whether the cadre had a posting on the period's last day: only then is a report
/// expected (the rule completeness counts by).
async fn posted_for(s: &Services, user_id: i64, period: &Period) -> Result<bool> {
    let last = period.last_day().to_string();
    let postings = postings::of_user_overlapping(&s.db, user_id, &last, &last).await?;
    Ok(!postings.is_empty())
}

async fn view(s: &Services, user_id: i64, period: Period, setting: &Setting) -> Result<PeriodView> {
    let policy = setting.policy();
    let report = reports::of_user_period(&s.db, user_id, &period.key()).await?;
    let exemptions = postings::exemptions_of_user(
        &s.db,
        user_id,
        &period.start.to_string(),
        &period.last_day().to_string(),
    )
    .await?;
    let status = if report.is_none() && !posted_for(s, user_id, &period).await? {
        PeriodStatus::NotPosted
    } else {
        completeness::status(
            &period,
            policy,
            s.clock.timestamp(),
            report.as_ref().map(reports::ReportRow::standing),
            completeness::is_exempt(&period, &exemptions),
        )
    };
    Ok(PeriodView {
        due_date: policy.rule.due_date(&period).to_string(),
        last_on_time_date: policy.rule.last_on_time_date(&period).to_string(),
        late_after: policy.late_after(&period).as_second(),
        locks_at: policy.locks_at(&period).as_second(),
        status,
        report_id: report.map(|r| r.id),
        period,
    })
}

/// The periods around now with due dates and status (cadres).
pub async fn mine(s: &Services, actor: &Actor) -> Result<MyPeriods> {
    actor.require_role(&[Role::Cadre])?;
    let now = s.clock.now();
    // The village served in the week containing today (weekly only finds the posting;
    // its policy then gives the real cadence).
    let probe = Period::containing(
        PeriodKind::Weekly,
        s.clock.timestamp(),
        &jiff::tz::TimeZone::UTC,
    );
    let here = context::for_cadre(s, actor.id, &probe).await?;
    let policy = here.policy();
    let current = policy.current(now);
    let mut list = vec![current];
    for _ in 0..4 {
        let earlier = list[0].previous();
        list.insert(0, earlier);
    }
    list.push(current.next());
    // During an emergency the daily periods start on the day it was declared; before
    // them come the periods of the cadence it interrupted.
    list.retain(|p| policy.accepts(p) || p.start > current.start);
    if let (Some(first), Some(before)) = (list.first().copied(), policy.row.kind_after_emergency)
        && first.kind.below_weekly_floor()
        && let Ok(day_before) = first.start.yesterday()
    {
        let interrupted = Period::containing_date(before, day_before);
        list.splice(0..0, [interrupted.previous(), interrupted]);
    }
    let mut periods = Vec::with_capacity(list.len());
    for period in list {
        periods.push(view(s, actor.id, period, &here).await?);
    }
    Ok(MyPeriods {
        org_unit: here.village.to_string(),
        period_kind: policy.kind_at(now),
        time_zone: policy.row.time_zone.clone(),
        suggested: suggest(&periods, policy, s.clock.timestamp()),
        periods,
    })
}

/// The report of a period so far: what the cadre's receipt shows.
#[derive(Debug, Clone)]
pub struct CurrentReport {
    pub id: String,
    pub revision: i64,
    pub status: ReportStatus,
    pub content: Value,
    /// When the latest revision was received.
    pub received_at: i64,
    /// When the latest revision was sealed on the device (its own claim).
    pub sealed_at: Option<i64>,
    pub late: bool,
    pub sealed_on_time: bool,
    /// The reviewer's open question, while the status is needs_clarification.
    pub question: Option<String>,
    /// Every question reviewers asked, oldest first.
    pub questions: Vec<Question>,
    /// The questions no revision has answered yet, grouped by department (by name, then
    /// oldest first): one revision answers them all.
    pub open_questions: Vec<Question>,
}

/// A reviewer's question and whether a revision has answered it.
#[derive(Debug, Clone)]
pub struct Question {
    pub id: i64,
    pub question: String,
    pub asked_at: i64,
    /// A later revision exists: the cadre's next revision answers every open question.
    pub answered: bool,
    /// The department that asked.
    pub department: Option<String>,
}

/// Everything needed to write one period's report offline.
#[derive(Debug, Clone)]
pub struct PeriodContext {
    pub period: PeriodView,
    pub org_unit: String,
    pub template: Vec<Field>,
    /// The village (or township) outline as GeoJSON, to check geotags offline.
    pub boundary: Option<Value>,
    pub report: Option<CurrentReport>,
    /// A draft prefilled from the last report: its stable fields and unfinished outcomes,
    /// each marked as continuing the earlier one (R3). `None` when there is a report.
    pub prefill: Option<ReportContent>,
    /// The last report's outcomes, for the "this reads like last time" hint.
    pub last_outcomes: Vec<Outcome>,
    /// Outcome ids of earlier reports that a new outcome may continue.
    pub continuable: Vec<String>,
}

/// Everything needed to write the report of the period `key` offline (cadres).
pub async fn context_of(s: &Services, actor: &Actor, key: &str) -> Result<PeriodContext> {
    actor.require_role(&[Role::Cadre])?;
    let period = parse_period(key)?;
    let here = context::for_cadre(s, actor.id, &period).await?;
    let period_view = view(s, actor.id, period, &here).await?;
    let current = match &period_view.report_id {
        Some(id) => Some(current_report(s, id).await?),
        None => None,
    };
    let start = period.start.to_string();
    let last_content = match reports::last_before(&s.db, actor.id, &start).await? {
        Some(row) => {
            let text = reports::latest_content(&s.db, &row.id)
                .await?
                .unwrap_or_default();
            Some(serde_json::from_str::<ReportContent>(&text).map_err(Error::internal)?)
        }
        None => None,
    };
    let prefill = match (&current, &last_content) {
        (None, Some(last)) => Some(report::carry_forward(last, &here.policy().template, || {
            uuid::Uuid::new_v4().to_string()
        })),
        _ => None,
    };
    let boundary = here
        .context
        .boundary
        .as_ref()
        .and_then(|b| serde_json::from_str(&b.to_geojson()).ok());
    Ok(PeriodContext {
        period: period_view,
        org_unit: here.village.to_string(),
        template: here.policy().template.fields.clone(),
        boundary,
        report: current,
        prefill,
        last_outcomes: last_content.map(|c| c.outcomes).unwrap_or_default(),
        continuable: reports::continuable_ids(&s.db, actor.id, &start).await?,
    })
}

async fn current_report(s: &Services, id: &str) -> Result<CurrentReport> {
    let row = reports::get(&s.db, id)
        .await?
        .ok_or_else(|| Error::internal("a listed report vanished"))?;
    let revisions = reports::revisions(&s.db, id).await?;
    let latest = revisions
        .last()
        .ok_or_else(|| Error::internal("a report without revisions"))?;
    let questions: Vec<Question> = crate::db::reviews::of_report(&s.db, id)
        .await?
        .into_iter()
        .filter(|r| r.verdict == Verdict::NeedsClarification)
        .map(|r| Question {
            answered: r.revision < row.revision,
            id: r.id,
            question: r.question.unwrap_or_default(),
            asked_at: r.created_at,
            department: r.department,
        })
        .collect();
    let mut open_questions: Vec<Question> =
        questions.iter().filter(|q| !q.answered).cloned().collect();
    open_questions.sort_by(|a, b| (&a.department, a.id).cmp(&(&b.department, b.id)));
    let question = (row.status == ReportStatus::NeedsClarification)
        .then(|| questions.last().map(|q| q.question.clone()))
        .flatten();
    Ok(CurrentReport {
        content: serde_json::from_str(&latest.content).map_err(Error::internal)?,
        received_at: latest.received_at,
        sealed_at: latest.sealed_at,
        id: row.id,
        revision: row.revision,
        status: row.status,
        late: row.late,
        sealed_on_time: row.sealed_on_time,
        question,
        questions,
        open_questions,
    })
}
