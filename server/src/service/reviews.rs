//! What reviewers do with a report: acknowledge it or ask one clear question (never a
//! score), and reopen a locked period for a few days (audited).

use super::reports::readable;
use super::{Actor, Error, Result, Services, clean_text};
use crate::db::reviews::{self, Reopening, Review};
use jianfu_core::text::TextRule;
use jianfu_core::{Problem, Role, Verdict};
use serde_json::json;

/// The longest question, in characters.
pub const MAX_QUESTION_CHARS: usize = 500;
/// The longest reopening, in days.
pub const MAX_REOPEN_DAYS: u32 = 14;

/// Review the current revision of a report (reviewers of its subtree).
pub async fn review(
    s: &Services,
    actor: &Actor,
    id: &str,
    verdict: &str,
    question: Option<&str>,
) -> Result<Review> {
    actor.require_role(&[Role::Reviewer])?;
    let row = readable(s, actor, id).await?;
    let view = super::departments::View::of(s, actor).await?;
    view.require_receives(&row.org_unit)?;
    let verdict = verdict.parse::<Verdict>().map_err(|e| {
        Error::invalid(Problem::error(
            "unknown_verdict",
            "verdict",
            format!("审核结论应为 acknowledged 或 needs_clarification，收到 {verdict:?}"),
            format!("verdict must be acknowledged or needs_clarification, got {verdict:?}"),
            json!({ "field": "verdict", "allowed": e.allowed }),
        ))
    })?;
    let question = match (verdict, question) {
        (Verdict::Acknowledged, None) => None,
        (Verdict::Acknowledged, Some(_)) => {
            return Err(Error::invalid(Problem::error(
                "question_not_allowed",
                "question",
                "确认时不附问题",
                "an acknowledgement carries no question",
                json!({ "field": "question" }),
            )));
        }
        (Verdict::NeedsClarification, Some(q)) => Some(clean_text(
            "question",
            q,
            TextRule::lines(1, MAX_QUESTION_CHARS),
        )?),
        (Verdict::NeedsClarification, None) => {
            return Err(Error::invalid(Problem::error(
                "required",
                "question",
                "请写明需要说明的问题",
                "say what needs clarifying",
                json!({ "field": "question", "min": 1, "max": MAX_QUESTION_CHARS }),
            )));
        }
    };
    let new = reviews::NewReview {
        reviewer_id: actor.id,
        department_id: view.department_id(),
        verdict,
        question: question.as_deref(),
        at: s.clock.now(),
    };
    reviews::review(&s.db, &row.id, new)
        .await?
        .ok_or_else(|| Error::internal("the reviewed report vanished"))
}

/// Reopen a locked report for revisions for `days` days (reviewers of its subtree). Audited.
pub async fn reopen(
    s: &Services,
    actor: &Actor,
    id: &str,
    reason: &str,
    days: u32,
) -> Result<Reopening> {
    actor.require_role(&[Role::Reviewer])?;
    let row = readable(s, actor, id).await?;
    let reason = clean_text("reason", reason, TextRule::lines(1, 500))?;
    let days = super::in_range("days", days, 1, MAX_REOPEN_DAYS, "重新开放天数", "days")?;
    let entry = super::audit::entry(
        s,
        actor,
        "reports.reopen",
        &row.org_unit,
        format!("report:{}", row.id),
    );
    let until = entry.at + i64::from(days) * 86_400;
    Ok(reviews::reopen(&s.db, &row.id, &reason, until, actor.id, entry).await?)
}
