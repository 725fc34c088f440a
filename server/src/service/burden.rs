//! The burden ledger (R5): minutes and actions per cadre per month that a unit's policy
//! costs, against the daily punch-in + daily log baseline it replaces, and the same for
//! every policy stored inside the subtree.

use super::policy::{self, Policy};
use super::{Actor, Result, Services, policies};
use jianfu_core::Role;
use jianfu_core::burden::{self, Ledger};
use jianfu_core::period::PeriodKind;
use std::sync::Arc;

/// One policy's ledger.
#[derive(Debug, Clone)]
pub struct PolicyLedger {
    pub org_unit: String,
    pub period_kind: PeriodKind,
    pub ledger: Ledger,
}

/// A unit's ledger and its subtree's.
#[derive(Debug, Clone)]
pub struct BurdenLedger {
    pub org_unit: String,
    pub inherited_from: String,
    pub period_kind: PeriodKind,
    pub ledger: Ledger,
    /// Each policy stored inside the subtree, in code order.
    pub subtree: Vec<PolicyLedger>,
}

/// The ledger of a policy at `now` (the cadence in force then).
pub fn ledger_of(policy: &Policy, now: i64) -> Ledger {
    burden::ledger(
        policy.kind_at(now),
        &policy.template,
        policy.row.budget_minutes,
    )
}

/// The burden ledger of a unit (admins, reviewers).
pub async fn of_unit(s: &Services, actor: &Actor, unit: Option<&str>) -> Result<BurdenLedger> {
    actor.require_role(&[Role::Admin, Role::Reviewer])?;
    let unit = actor.scoped(unit)?;
    let now = s.clock.now();
    let in_force: Arc<Policy> = policy::required(s, &unit).await?;
    let subtree = policies::stored_in(s, &unit)
        .await?
        .iter()
        .map(|p| PolicyLedger {
            org_unit: p.row.org_unit.clone(),
            period_kind: p.kind_at(now),
            ledger: ledger_of(p, now),
        })
        .collect();
    Ok(BurdenLedger {
        org_unit: unit.to_string(),
        inherited_from: in_force.row.org_unit.clone(),
        period_kind: in_force.kind_at(now),
        ledger: ledger_of(&in_force, now),
        subtree,
    })
}
