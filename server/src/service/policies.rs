//! Setting how often a subtree reports: a policy with the cadence floor (R1, daily only
//! during an emergency), fair deadlines (R6) and the burden budget (R5), checked in the
//! transaction that writes it; and reading the policy in force with its ledger.

use super::policy::{self, Policy, parse_template};
use super::templates::change_error;
use super::{Actor, Error, Result, Services, in_range, parse_code};
use crate::db::audit::Entry;
use crate::db::org_units;
use crate::db::policies::{self as stored, PolicyInputs, PolicyRow};
use jianfu_core::burden;
use jianfu_core::period::{DeadlineRule, PeriodKind};
use jianfu_core::{DivisionCode, Role};
use std::sync::Arc;

/// The longest delay before a period locks, after due date + grace, in days.
pub const MAX_LOCK_DAYS: u16 = 90;
/// The highest budget an admin may set, in minutes per cadre per month.
pub const MAX_BUDGET_MINUTES: u32 = 600;
/// The time zone of a policy that names none.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// The policy in force for a unit, and where it comes from.
#[derive(Debug, Clone)]
pub struct InForce {
    pub unit: DivisionCode,
    pub policy: Arc<Policy>,
    pub now: i64,
}

/// The policy in force for a unit (admins, reviewers), inherited from the nearest ancestor.
pub async fn get(s: &Services, actor: &Actor, unit: &str) -> Result<InForce> {
    actor.require_role(&[Role::Admin, Role::Reviewer])?;
    let unit = parse_code(unit, "org_unit")?;
    actor.require_scope(&unit)?;
    let policy = policy::required(s, &unit).await?;
    Ok(InForce {
        unit,
        policy,
        now: s.clock.now(),
    })
}

/// A policy as an admin asks for it.
#[derive(Debug, Clone)]
pub struct PolicyRequest {
    pub period_kind: String,
    pub due_offset_days: u16,
    pub grace_days: u16,
    pub lock_days: Option<u16>,
    pub template_id: i64,
    pub budget_minutes_per_month: u32,
    pub time_zone: Option<String>,
}

/// The parts of a policy request that need nothing stored to check.
struct Checked {
    kind: PeriodKind,
    rule: DeadlineRule,
    lock_days: u16,
    budget: u32,
    time_zone: String,
}

fn checked(request: &PolicyRequest) -> Result<Checked> {
    let kind = parse_kind(&request.period_kind)?;
    let rule = DeadlineRule {
        due_offset_days: request.due_offset_days,
        grace_days: request.grace_days,
    };
    rule.check().map_err(|e| {
        let mut problem = e.to_problem(e.code());
        e.code().clone_into(&mut problem.code);
        Error::invalid_period(problem)
    })?;
    let lock_days = request.lock_days.unwrap_or(7);
    let lock_days = in_range(
        "lock_days",
        lock_days,
        0,
        MAX_LOCK_DAYS,
        "锁定天数",
        "lock_days",
    )?;
    let budget = in_range(
        "budget_minutes_per_month",
        request.budget_minutes_per_month,
        1,
        MAX_BUDGET_MINUTES,
        "预算（分钟/月）",
        "the budget in minutes per month",
    )?;
    let time_zone = request
        .time_zone
        .clone()
        .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_owned());
    policy::time_zone(&time_zone)?;
    Ok(Checked {
        kind,
        rule,
        lock_days,
        budget,
        time_zone,
    })
}

/// A policy request checked against everything that needs no transaction: the actor's
/// role and scope, the unit, the words and numbers, and the template's owner.
struct Asked {
    unit: DivisionCode,
    checked: Checked,
    template_id: i64,
}

async fn asked(s: &Services, actor: &Actor, unit: &str, request: &PolicyRequest) -> Result<Asked> {
    actor.require_role(&[Role::Admin])?;
    let unit = parse_code(unit, "org_unit")?;
    actor.require_scope(&unit)?;
    if org_units::get(&s.db, &unit).await?.is_none() {
        return Err(Error::OrgUnitNotFound(unit));
    }
    let checked = checked(request)?;
    // The template must be one the actor may use here: of an ancestor of the unit.
    let template_row = super::templates::visible(s, actor, request.template_id, false).await?;
    let owner = parse_code(&template_row.org_unit, "template_id")?;
    if !owner.contains(&unit) {
        return Err(Error::invalid(jianfu_core::Problem::error(
            "template_not_usable",
            "template_id",
            format!("模板 {} 属于 {owner}，不能用于 {unit}", template_row.id),
            format!(
                "template {} belongs to {owner} and cannot be used for {unit}",
                template_row.id
            ),
            serde_json::json!({ "field": "template_id", "template_org_unit": owner, "org_unit": unit }),
        )));
    }
    Ok(Asked {
        unit,
        checked,
        template_id: request.template_id,
    })
}

/// The policy row `asked` makes, given what it is checked against (R1, R5).
fn decide(asked: &Asked, inputs: &PolicyInputs, now: i64) -> Result<PolicyRow> {
    let (unit, c) = (&asked.unit, &asked.checked);
    let template = inputs.template.as_ref().ok_or(Error::TemplateNotFound {
        id: asked.template_id,
    })?;
    let template = parse_template(&template.fields)?;
    let (emergency_id, kind_after_emergency) = cadence_floor(unit, c.kind, inputs)?;
    burden::check_budget(c.kind, &template, c.budget).map_err(|problem| {
        Error::BurdenOverBudget {
            problem: Box::new(problem),
            unit: unit.to_string(),
        }
    })?;
    Ok(PolicyRow {
        org_unit: unit.to_string(),
        period_kind: c.kind,
        due_offset_days: c.rule.due_offset_days,
        grace_days: c.rule.grace_days,
        lock_days: c.lock_days,
        template_id: asked.template_id,
        budget_minutes: c.budget,
        time_zone: c.time_zone.clone(),
        emergency_id,
        kind_after_emergency,
        updated_at: now,
    })
}

/// Set the policy of a unit (admins). Refuses a cadence below weekly without an active
/// emergency (R1), and a policy whose burden exceeds its budget (R5).
pub async fn put(
    s: &Services,
    actor: &Actor,
    unit: &str,
    request: PolicyRequest,
) -> Result<InForce> {
    let asked = asked(s, actor, unit, &request).await?;
    let now = s.clock.now();
    let mut entry = super::audit::entry(
        s,
        actor,
        "policies.put",
        asked.unit.as_str(),
        format!("policy:{}", asked.unit),
    );
    let template_id = asked.template_id;
    let write = |inputs: &PolicyInputs| -> Result<(PolicyRow, Entry)> {
        let row = decide(&asked, inputs, now)?;
        entry.before = inputs
            .before
            .as_ref()
            .and_then(|b| serde_json::to_string(b).ok());
        entry.after = serde_json::to_string(&row).ok();
        Ok((row, entry))
    };
    stored::put(&s.db, &asked.unit, template_id, now, write)
        .await
        .map_err(|e| change_error(e, template_id))?;
    s.contexts.invalidate();
    let policy = policy::required(s, &asked.unit).await?;
    Ok(InForce {
        unit: asked.unit,
        policy,
        now,
    })
}

/// What setting this policy would do, without storing anything (admins): the same checks
/// and refusals, the policy as it would be in force, and its next `periods` periods with
/// their deadlines in local time.
pub async fn preview(
    s: &Services,
    actor: &Actor,
    unit: &str,
    request: PolicyRequest,
    periods: usize,
) -> Result<(InForce, Vec<super::calendar::PeriodInfo>)> {
    let asked = asked(s, actor, unit, &request).await?;
    let now = s.clock.now();
    let inputs = stored::inputs(&s.db, &asked.unit, asked.template_id, now).await?;
    let row = decide(&asked, &inputs, now)?;
    let template = inputs.template.as_ref().ok_or(Error::TemplateNotFound {
        id: asked.template_id,
    })?;
    let policy = Policy::resolve(row, template, inputs.emergency.clone())?;
    let next = super::calendar::upcoming(&policy, now, periods);
    let in_force = InForce {
        unit: asked.unit,
        policy: Arc::new(policy),
        now,
    };
    Ok((in_force, next))
}

/// A cadence word, or `invalid_period` naming the allowed ones.
pub fn parse_kind(text: &str) -> Result<PeriodKind> {
    text.parse::<PeriodKind>().map_err(|e| {
        let mut problem = e.to_problem("period_kind");
        e.code().clone_into(&mut problem.code);
        Error::invalid_period(problem)
    })
}

/// R1: a cadence below weekly only with an active emergency on the unit's path. Returns
/// the emergency and the cadence that applies again, by itself, when it ends (the one
/// stored before, or weekly).
fn cadence_floor(
    unit: &DivisionCode,
    kind: PeriodKind,
    inputs: &PolicyInputs,
) -> Result<(Option<i64>, Option<PeriodKind>)> {
    if !kind.below_weekly_floor() {
        return Ok((None, None));
    }
    let Some(emergency) = &inputs.emergency else {
        return Err(Error::CadenceBelowFloor {
            unit: unit.clone(),
            kind,
        });
    };
    let after = inputs
        .before
        .as_ref()
        .map(|b| b.kind_after_emergency.unwrap_or(b.period_kind))
        .filter(|k| !k.below_weekly_floor())
        .unwrap_or(PeriodKind::Weekly);
    Ok((Some(emergency.id), Some(after)))
}

/// The policies stored inside a subtree, resolved in bulk, in code order (for the
/// burden ledger).
pub async fn stored_in(s: &Services, unit: &DivisionCode) -> Result<Vec<Arc<Policy>>> {
    let rows = stored::in_subtree(&s.db, unit).await?;
    let policies = policy::Policies::resolve_all(s, rows).await?;
    let mut list: Vec<Arc<Policy>> = policies.iter().cloned().collect();
    list.sort_by(|a, b| a.row.org_unit.cmp(&b.row.org_unit));
    Ok(list)
}
