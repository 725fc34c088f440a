//! Where cadres serve and when they are excused: postings to a village for a date range
//! (never two sharing a day, checked in the transaction that stores one), and exemptions
//! (leave, sickness, training, disaster duty) whose periods are never missing or late (R6).

use super::{Actor, Error, IdPage, Result, Services, clean_text, parse_code, parse_date};
use crate::db::page::Page;
use crate::db::postings::{self, Exemption, NewExemption, NewPosting, Posting, PostingError};
use crate::db::{org_units, users};
use jianfu_core::text::TextRule;
use jianfu_core::{ExemptionKind, Level, Problem, Role};
use serde_json::json;

/// The longest exemption, in days.
pub const MAX_EXEMPTION_DAYS: i32 = 366;

/// The user named `username`, refused unless they are a cadre inside the actor's subtree.
async fn cadre_in_scope(s: &Services, actor: &Actor, username: &str) -> Result<users::User> {
    let user = users::by_username(&s.db, username)
        .await?
        .ok_or_else(|| Error::UserNotFound {
            username: username.to_owned(),
        })?;
    actor.require_scope(&parse_code(&user.org_unit, "org_unit")?)?;
    if user.role != Role::Cadre {
        return Err(Error::NotACadre {
            username: user.username,
            role: user.role,
        });
    }
    Ok(user)
}

/// A posting as an admin asks for it.
#[derive(Debug, Clone)]
pub struct PostingRequest<'a> {
    pub username: &'a str,
    pub org_unit: &'a str,
    pub starts_on: &'a str,
    pub ends_on: Option<&'a str>,
}

/// Post a cadre to a village (admins of both).
pub async fn create(s: &Services, actor: &Actor, request: PostingRequest<'_>) -> Result<Posting> {
    actor.require_role(&[Role::Admin])?;
    let user = cadre_in_scope(s, actor, request.username).await?;
    let village = parse_code(request.org_unit, "org_unit")?;
    actor.require_scope(&village)?;
    if village.level() != Level::Village {
        return Err(Error::invalid(Problem::error(
            "not_a_village",
            "org_unit",
            format!("驻村安排须指定到村，{village} 是 {}", village.level()),
            format!(
                "a posting is to a village; {village} is a {}",
                village.level()
            ),
            json!({ "field": "org_unit", "level": village.level() }),
        )));
    }
    if org_units::get(&s.db, &village).await?.is_none() {
        return Err(Error::OrgUnitNotFound(village));
    }
    let starts_on = parse_date(request.starts_on, "starts_on")?;
    let ends_on = request
        .ends_on
        .map(|d| parse_date(d, "ends_on"))
        .transpose()?;
    if let Some(end) = ends_on
        && end < starts_on
    {
        return Err(ends_before_start(&starts_on.to_string(), &end.to_string()));
    }
    let entry = super::audit::entry(s, actor, "postings.create", village.as_str(), String::new());
    let (from, to) = (starts_on.to_string(), ends_on.map(|d| d.to_string()));
    let new = NewPosting {
        user_id: user.id,
        org_unit: village.as_str(),
        starts_on: &from,
        ends_on: to.as_deref(),
    };
    let created = postings::create(&s.db, &new, entry)
        .await
        .map_err(|e| refused(e, to.as_deref().unwrap_or_default()))?;
    // Where the cadre reports from is cached with the reporting contexts.
    s.contexts.invalidate();
    Ok(created)
}

/// A posting refused by storage as the service's error.
fn refused(e: PostingError, ends_on: &str) -> Error {
    match e {
        PostingError::Overlaps(existing) => Error::PostingOverlaps {
            username: existing.username.clone(),
            existing,
        },
        PostingError::EndsBeforeStart(starts_on) => ends_before_start(&starts_on, ends_on),
        PostingError::Db(e) => Error::Storage(e),
    }
}

/// Ends posting `id` on `ends_on` (inclusive; admins of its village). Also moves an end
/// already set, earlier or later, as long as the posting then shares no day with another
/// of the cadre's postings.
pub async fn end(s: &Services, actor: &Actor, id: i64, ends_on: &str) -> Result<Posting> {
    actor.require_role(&[Role::Admin])?;
    let ends = parse_date(ends_on, "ends_on")?;
    let entry = super::audit::entry(s, actor, "postings.end", actor.unit.as_str(), String::new());
    let ends_on = ends.to_string();
    let ended = postings::set_end(&s.db, id, &actor.unit, &ends_on, entry)
        .await
        .map_err(|e| refused(e, &ends_on))?;
    s.contexts.invalidate();
    ended.ok_or(Error::PostingNotFound { id })
}

fn ends_before_start(starts_on: &str, ends_on: &str) -> Error {
    Error::invalid(Problem::error(
        "ends_before_start",
        "ends_on",
        "结束日期早于开始日期",
        "ends_on is before starts_on",
        json!({ "field": "ends_on", "starts_on": starts_on, "ends_on": ends_on }),
    ))
}

/// Postings to villages in a subtree, by id (admins, reviewers).
pub async fn list(s: &Services, actor: &Actor, page: IdPage<'_>) -> Result<Page<Posting, i64>> {
    let (unit, window) = page.scoped(actor, &[Role::Admin, Role::Reviewer])?;
    let rows = postings::in_subtree(&s.db, &unit, &window).await?;
    Ok(window.page(rows, |p| p.id))
}

/// An exemption as an admin asks for it.
#[derive(Debug, Clone)]
pub struct ExemptionRequest<'a> {
    pub username: &'a str,
    pub kind: &'a str,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
    pub note: &'a str,
}

/// Exempt a cadre for a date range (admins). Every period the range touches is exempt,
/// never missing or late — a partly covered period too.
pub async fn exempt(
    s: &Services,
    actor: &Actor,
    request: ExemptionRequest<'_>,
) -> Result<Exemption> {
    actor.require_role(&[Role::Admin])?;
    let user = cadre_in_scope(s, actor, request.username).await?;
    let kind = request.kind.parse::<ExemptionKind>().map_err(|e| {
        Error::invalid(Problem::error(
            "unknown_kind",
            "kind",
            format!(
                "免报类型应为 leave、sickness、training 或 disaster_duty，收到 {:?}",
                request.kind
            ),
            format!(
                "kind must be leave, sickness, training or disaster_duty, got {:?}",
                request.kind
            ),
            json!({ "field": "kind", "allowed": e.allowed }),
        ))
    })?;
    let starts_on = parse_date(request.starts_on, "starts_on")?;
    let ends_on = parse_date(request.ends_on, "ends_on")?;
    let days = (ends_on - starts_on).get_days() + 1;
    super::in_range(
        "ends_on",
        days,
        1,
        MAX_EXEMPTION_DAYS,
        "免报期天数",
        "the days an exemption covers",
    )?;
    let note = clean_text("note", request.note, TextRule::lines(0, 500))?;
    let entry = super::audit::entry(s, actor, "exemptions.create", &user.org_unit, String::new());
    let new = NewExemption {
        user_id: user.id,
        kind,
        starts_on: &starts_on.to_string(),
        ends_on: &ends_on.to_string(),
        note: &note,
        created_by: Some(actor.id),
    };
    Ok(postings::create_exemption(&s.db, &new, entry).await?)
}

/// A period an exemption would exempt, under the posting it falls in.
#[derive(Debug, Clone)]
pub struct Exempted {
    pub posting: Posting,
    pub time_zone: String,
    pub period: super::calendar::PeriodInfo,
}

/// The most periods an exemption preview lists.
const MAX_PREVIEW_PERIODS: usize = 400;

/// The periods an exemption of `username` from `starts_on` to `ends_on` (inclusive) would
/// exempt, before it is granted (admins): for each posting that shares a day with the
/// range, the periods of its village's cadence that the range touches, a partly covered
/// one too. Empty when the cadre serves nowhere in those dates.
pub async fn exempted_periods(
    s: &Services,
    actor: &Actor,
    username: &str,
    starts_on: &str,
    ends_on: &str,
) -> Result<Vec<Exempted>> {
    actor.require_role(&[Role::Admin])?;
    let user = cadre_in_scope(s, actor, username).await?;
    let from = parse_date(starts_on, "starts_on")?;
    let to = parse_date(ends_on, "ends_on")?;
    let days = (to - from).get_days() + 1;
    super::in_range(
        "ends_on",
        days,
        1,
        MAX_EXEMPTION_DAYS,
        "免报期天数",
        "the days an exemption covers",
    )?;
    let now = s.clock.now();
    let postings =
        postings::of_user_overlapping(&s.db, user.id, &from.to_string(), &to.to_string()).await?;
    let mut periods = Vec::new();
    for posting in postings {
        let village = parse_code(&posting.org_unit, "org_unit")?;
        let policy = super::policy::required(s, &village).await?;
        let first = parse_date(&posting.starts_on, "starts_on")?.max(from);
        let last = match &posting.ends_on {
            Some(end) => parse_date(end, "ends_on")?.min(to),
            None => to,
        };
        let mut period = jianfu_core::period::Period::containing_date(policy.kind_at(now), first);
        while period.start <= last && periods.len() < MAX_PREVIEW_PERIODS {
            if policy.accepts(&period) {
                periods.push(Exempted {
                    posting: posting.clone(),
                    time_zone: policy.row.time_zone.clone(),
                    period: super::calendar::info(&policy, period, now),
                });
            }
            period = period.next();
        }
    }
    Ok(periods)
}

/// Exemptions of cadres in a subtree, by id (admins, reviewers).
pub async fn exemptions(
    s: &Services,
    actor: &Actor,
    page: IdPage<'_>,
) -> Result<Page<Exemption, i64>> {
    let (unit, window) = page.scoped(actor, &[Role::Admin, Role::Reviewer])?;
    let rows = postings::exemptions_in(&s.db, &unit, &window).await?;
    Ok(window.page(rows, |e| e.id))
}
