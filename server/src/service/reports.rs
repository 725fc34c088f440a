//! Reports: one per cadre and period, submitted under the client's UUID (the idempotency
//! key), revised with history kept, locked after a while, read by their cadre and by
//! reviewers of the subtree. (Over 400 lines: submission, reading and listing share the
//! report's checks and views.)

use super::context::{self, Setting};
use super::{Actor, Error, Result, Services, parse_period};
use crate::db::page::{Page, Window};
use crate::db::reports::{self, Filter, Position, PutError, ReportRow, Stored, Submission};
use crate::db::reviews::{Reopening, Review};
use jianfu_core::period::Period;
use jianfu_core::report::{self, CheckContext, ReportContent};
use jianfu_core::{ReportStatus, Role};
use serde_json::Value;
use std::collections::BTreeSet;

/// A report id: a UUID, written hyphenated in lower case.
pub fn parse_id(id: &str) -> Result<String> {
    uuid::Uuid::parse_str(id)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| Error::InvalidReportId {
            value: id.chars().take(64).collect(),
        })
}

/// What a submission did, with the report as it now stands.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub stored: Stored,
    pub content: Value,
}

/// One upload of a report, as the device sends it.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    /// The report's id, made by the device: the idempotency key.
    pub id: &'a str,
    pub period: &'a str,
    pub content: &'a Value,
    /// The revision the device edited; `None` for a first submission.
    pub base_revision: Option<i64>,
    /// When the cadre sealed it on the device (the device clock's claim), unix seconds.
    pub sealed_at: Option<i64>,
}

/// How far ahead of the server's clock a device's `sealed_at` may be (clock skew).
pub const SEALED_AT_SKEW_SECONDS: i64 = 300;

/// Submit or revise the report for a period (cadres). The same id and content again
/// changes nothing; changed content is a new revision of the one the device edited (a
/// device that edited an older one is refused and shown the latest); a second id for the
/// same period is refused naming the first.
pub async fn submit(s: &Services, actor: &Actor, upload: Upload<'_>) -> Result<Submitted> {
    actor.require_role(&[Role::Cadre])?;
    let id = parse_id(upload.id)?;
    let period = parse_period(upload.period)?;
    let raw = upload.content;
    let setting = context::for_cadre(s, actor.id, &period).await?;
    let policy = setting.policy();
    if !policy.accepts(&period) {
        return Err(Error::PeriodKindMismatch {
            village: setting.village.clone(),
            policy_kind: policy.kind_at(s.clock.now()),
            period_kind: period.kind,
        });
    }
    let now = s.clock.now();
    if s.clock.timestamp() < period.start_instant(&policy.tz) {
        return Err(Error::PeriodNotStarted {
            period: period.key(),
            starts: period.start,
        });
    }
    let start = period.start.to_string();
    let named = continued_ids(raw);
    let continuable: BTreeSet<String> =
        reports::continuable_among(s.readers(), actor.id, &start, &named)
            .await?
            .into_iter()
            .collect();
    let sealed_at = upload
        .sealed_at
        .map(|at| check_sealed_at(at, now, period.start_instant(&policy.tz).as_second()))
        .transpose()?;
    let content = check_content(raw, &check_context(&setting, &period, &continuable))?;
    let canonical = serde_json::to_string(&content).map_err(Error::internal)?;
    let key = period.key();
    let late_after = policy.late_after(&period).as_second();
    let late = now >= late_after;
    let posting = &setting.posting;
    let submission = Submission {
        id: id.clone(),
        user_id: actor.id,
        username: actor.username.clone(),
        display_name: posting.display_name.clone(),
        org_unit: setting.village.to_string(),
        village_name: posting.village_name.clone(),
        period_key: key.clone(),
        period_start: start,
        period_end: period.end.to_string(),
        content: canonical,
        outcome_ids: content.outcomes.iter().map(|o| o.id.clone()).collect(),
        received_at: now,
        late,
        sealed_at,
        sealed_on_time: late && sealed_at.is_some_and(|at| at < late_after),
        base_revision: upload.base_revision,
        locks_at: policy.locks_at(&period).as_second(),
    };
    // Replays and refusals that committed state decides never wait for the writer.
    let stored = match reports::precheck(s.readers(), &submission).await {
        Ok(Some(stored)) => Ok(stored),
        Ok(None) => s.writer().put(submission).await,
        Err(refused) => Err(refused),
    }
    .map_err(|e| put_error(e, &id, &key))?;
    Ok(Submitted {
        stored,
        content: serde_json::to_value(&content).map_err(Error::internal)?,
    })
}

/// A device's `sealed_at`: not in the future (beyond the skew allowed), not before the
/// period started.
fn check_sealed_at(at: i64, now: i64, period_start: i64) -> Result<i64> {
    let latest = now + SEALED_AT_SKEW_SECONDS;
    if (period_start..=latest).contains(&at) {
        return Ok(at);
    }
    let (zh, en) = if at > latest {
        (
            "封存时间晚于服务器当前时间，请检查手机时钟",
            "sealed_at is in the future: check the device's clock",
        )
    } else {
        (
            "封存时间早于该周期开始",
            "sealed_at is before the period started",
        )
    };
    Err(Error::invalid(jianfu_core::Problem::error(
        "sealed_at_out_of_range",
        "sealed_at",
        zh,
        en,
        serde_json::json!({ "field": "sealed_at", "actual": at, "min": period_start, "max": latest }),
    )))
}

/// The outcome ids a draft's outcomes say they continue: only these are looked up.
fn continued_ids(raw: &Value) -> Vec<&str> {
    raw.get("outcomes")
        .and_then(Value::as_array)
        .map(|outcomes| {
            outcomes
                .iter()
                .filter_map(|o| o.get("continues").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}

fn check_context<'a>(
    setting: &'a Setting,
    period: &'a Period,
    continuable: &'a BTreeSet<String>,
) -> CheckContext<'a> {
    CheckContext {
        template: &setting.policy().template,
        period,
        boundary: setting.context.boundary.as_ref(),
        continuable,
    }
}

/// The server's verdict on a report's content: the size limit first, then every check of
/// `core` (the browser runs the same).
pub fn check_content(raw: &Value, ctx: &CheckContext) -> Result<ReportContent> {
    let size = serde_json::to_vec(raw).map_or(usize::MAX, |v| v.len());
    if let Some(problem) = report::check_payload_size(size) {
        return Err(Error::ReportInvalid(vec![problem]));
    }
    report::parse_and_check(raw, ctx).map_err(Error::ReportInvalid)
}

fn put_error(e: PutError, id: &str, key: &str) -> Error {
    match e {
        PutError::PeriodTaken { existing_id } => Error::ReportExistsForPeriod {
            existing_id,
            period: key.to_owned(),
        },
        PutError::IdTaken { period_key } => Error::ReportIdTaken {
            id: id.to_owned(),
            period: key.to_owned(),
            existing_period: period_key,
        },
        PutError::Locked { locks_at } => Error::PeriodLocked {
            period: key.to_owned(),
            locks_at,
        },
        PutError::Conflict { base, latest } => Error::RevisionConflict { base, latest },
        PutError::Db(e) => Error::Storage(e),
    }
}

/// The report if `actor` may read it: its cadre, or a reviewer or admin of its subtree.
pub async fn readable(s: &Services, actor: &Actor, id: &str) -> Result<ReportRow> {
    let id = parse_id(id)?;
    let row = reports::get(&s.db, &id)
        .await?
        .ok_or_else(|| Error::ReportNotFound { id: id.clone() })?;
    if actor.role == Role::Cadre {
        if row.user_id != actor.id {
            return Err(Error::NotYourReport { id });
        }
    } else {
        actor.require_scope(&super::parse_code(&row.org_unit, "org_unit")?)?;
    }
    Ok(row)
}

/// One revision of a report, its content parsed.
#[derive(Debug, Clone)]
pub struct Revision {
    pub revision: i64,
    pub content: Value,
    pub received_at: i64,
    /// The review (a question) this revision answers.
    pub answers_review_id: Option<i64>,
    /// When the device sealed it (its own claim).
    pub sealed_at: Option<i64>,
}

/// A report with its whole history.
#[derive(Debug, Clone)]
pub struct Detail {
    pub report: ReportRow,
    /// Oldest first.
    pub revisions: Vec<Revision>,
    /// Oldest first: acknowledgements and questions.
    pub reviews: Vec<Review>,
    pub reopenings: Vec<Reopening>,
    /// The earlier outcomes this report's outcomes continue, to open in place.
    pub continued: Vec<Continued>,
}

/// An earlier outcome that an outcome of this report continues.
#[derive(Debug, Clone)]
pub struct Continued {
    pub outcome_id: String,
    pub report_id: String,
    pub period_key: String,
    /// The outcome as that report's latest revision has it.
    pub outcome: Value,
}

/// The earlier outcomes named by `continues` in any revision of the report.
async fn continued_of(
    s: &Services,
    report: &ReportRow,
    revisions: &[Revision],
) -> Result<Vec<Continued>> {
    let mut ids: Vec<&str> = revisions
        .iter()
        .flat_map(|r| continued_ids(&r.content))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let rows = reports::continued(&s.db, report.user_id, &report.period_start, &ids).await?;
    let mut found: Vec<Continued> = Vec::new();
    for (outcome_id, report_id, period_key, content) in rows {
        if found.iter().any(|c| c.outcome_id == outcome_id) {
            continue; // the most recent period's, as ordered
        }
        let content: Value = serde_json::from_str(&content).map_err(Error::internal)?;
        let outcome = content["outcomes"]
            .as_array()
            .and_then(|list| list.iter().find(|o| o["id"] == outcome_id.as_str()))
            .cloned()
            .unwrap_or(Value::Null);
        found.push(Continued {
            outcome_id,
            report_id,
            period_key,
            outcome,
        });
    }
    Ok(found)
}

/// One report with its revisions, reviews and reopenings — for a department's reviewer,
/// only its part (`departments::View`).
pub async fn read(s: &Services, actor: &Actor, id: &str) -> Result<Detail> {
    let report = readable(s, actor, id).await?;
    let view = super::departments::View::of(s, actor).await?;
    view.require_receives(&report.org_unit)?;
    let mut detail = read_whole(s, report).await?;
    view.detail(s, &mut detail).await?;
    Ok(detail)
}

async fn read_whole(s: &Services, report: ReportRow) -> Result<Detail> {
    let revisions = reports::revisions(&s.db, &report.id)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Revision {
                revision: r.revision,
                content: serde_json::from_str(&r.content).map_err(Error::internal)?,
                received_at: r.received_at,
                answers_review_id: r.answers_review_id,
                sealed_at: r.sealed_at,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let reviews = crate::db::reviews::of_report(&s.db, &report.id).await?;
    let reopenings = crate::db::reviews::reopenings(&s.db, &report.id).await?;
    let continued = continued_of(s, &report, &revisions).await?;
    Ok(Detail {
        report,
        revisions,
        reviews,
        reopenings,
        continued,
    })
}

/// The filters of a report list, as given.
#[derive(Debug, Clone, Default)]
pub struct ListQuery<'a> {
    /// The subtree (reviewers, admins); ignored for cadres, who see their own.
    pub unit: Option<&'a str>,
    pub period: Option<&'a str>,
    pub status: Option<&'a str>,
    pub after: Option<String>,
    pub limit: Option<u32>,
}

/// Reports: a cadre's own, or those of a reviewer's or admin's subtree, in tree order,
/// then by the cadre's name and the period — never by a count of anything (R2). The
/// status `revised` lists the reports revised since a reviewer's question.
pub async fn list(
    s: &Services,
    actor: &Actor,
    query: ListQuery<'_>,
) -> Result<Page<ReportRow, String>> {
    let mut filter = Filter::default();
    if actor.role == Role::Cadre {
        filter.user_id = Some(actor.id);
    } else {
        filter.scope = Some(actor.scoped(query.unit)?);
    }
    if let Some(key) = query.period {
        filter.period_key = Some(parse_period(key)?.key());
    }
    match query.status {
        Some("revised") => filter.revised = true,
        Some(status) => {
            let status = status.parse::<ReportStatus>().map_err(|e| {
                let mut allowed = e.allowed;
                allowed.push("revised");
                Error::invalid_query(jianfu_core::Problem::error(
                    "unknown_status",
                    "status",
                    format!("未知的状态 {status:?}"),
                    format!("unknown status {status:?}"),
                    serde_json::json!({ "field": "status", "allowed": allowed }),
                ))
            })?;
            filter.status = Some(status);
        }
        None => {}
    }
    let after = query
        .after
        .as_deref()
        .map(decode_cursor)
        .transpose()?
        .unwrap_or_default();
    let window = Window {
        after,
        limit: super::page_limit(query.limit)?,
    };
    let view = super::departments::View::of(s, actor).await?;
    if let Some(scope) = &filter.scope {
        filter.reach = view.reach(scope);
    }
    filter.department = view.reviewing_body();
    let rows = reports::list(&s.db, &filter, &window).await?;
    let mut page = window.page(rows, |r| encode_cursor(&Position::from(r)));
    view.statuses(s, &mut page.items).await?;
    Ok(page)
}

/// A list position as an opaque, URL-safe cursor (hex of its JSON).
fn encode_cursor(position: &Position) -> String {
    use std::fmt::Write as _;
    let json = serde_json::to_string(position).unwrap_or_default();
    json.bytes()
        .fold(String::with_capacity(json.len() * 2), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

fn decode_cursor(cursor: &str) -> Result<Position> {
    let bad = || {
        Error::invalid_query(jianfu_core::Problem::error(
            "bad_cursor",
            "after",
            "after 应为上一页给出的 next_after",
            "after must be the next_after of the previous page",
            serde_json::json!({ "field": "after" }),
        ))
    };
    if cursor.len() % 2 != 0 || cursor.len() > 4096 {
        return Err(bad());
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| bad())?;
    serde_json::from_slice(&bytes).map_err(|_| bad())
}
