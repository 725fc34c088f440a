//! Emergencies: declared for a subtree with a reason, at most 14 days, over by
//! themselves; while one is active, a cadence down to daily may be set there (R1).

use super::{Actor, Error, Result, Services, clean_text, parse_code};
use crate::db::policies::{self, Emergency, NewEmergency};
use jianfu_core::Role;
use jianfu_core::text::TextRule;

/// The longest emergency, in days.
pub const MAX_EMERGENCY_DAYS: u32 = 14;

/// Declare an emergency for the subtree of `unit` (admins).
pub async fn declare(
    s: &Services,
    actor: &Actor,
    unit: &str,
    reason: &str,
    days: u32,
) -> Result<Emergency> {
    actor.require_role(&[Role::Admin])?;
    let unit = parse_code(unit, "org_unit")?;
    actor.require_scope(&unit)?;
    let reason = clean_text("reason", reason, TextRule::lines(1, 500))?;
    if days == 0 || days > MAX_EMERGENCY_DAYS {
        return Err(Error::EmergencyTooLong { days });
    }
    let now = s.clock.now();
    let entry = super::audit::entry(
        s,
        actor,
        "emergencies.declare",
        unit.as_str(),
        String::new(),
    );
    let new = NewEmergency {
        org_unit: unit.as_str(),
        reason: &reason,
        starts_at: now,
        ends_at: now + i64::from(days) * 86_400,
        created_by: Some(actor.id),
    };
    let emergency = policies::create_emergency(&s.db, &new, entry).await?;
    s.contexts.invalidate();
    Ok(emergency)
}

/// Emergencies declared in a subtree, newest first, at most one page (admins, reviewers).
pub async fn list(s: &Services, actor: &Actor, unit: Option<&str>) -> Result<Vec<Emergency>> {
    actor.require_role(&[Role::Admin, Role::Reviewer])?;
    let unit = actor.scoped(unit)?;
    Ok(policies::emergencies_in(&s.db, &unit, super::MAX_PAGE).await?)
}

/// Ends an emergency now, before its time (admins of its subtree). The cadence it allowed
/// gives way to the one stored after it at once. An emergency already over is left as it is.
pub async fn end(s: &Services, actor: &Actor, id: i64) -> Result<Emergency> {
    actor.require_role(&[Role::Admin])?;
    let emergency = policies::emergency(&s.db, id)
        .await?
        .ok_or(Error::EmergencyNotFound { id })?;
    actor.require_scope(&parse_code(&emergency.org_unit, "org_unit")?)?;
    let entry = super::audit::entry(
        s,
        actor,
        "emergencies.end",
        &emergency.org_unit,
        format!("emergency:{id}"),
    );
    let ended = policies::end_emergency(&s.db, id, s.clock.now(), entry)
        .await?
        .ok_or(Error::EmergencyNotFound { id })?;
    s.contexts.invalidate();
    Ok(ended)
}
