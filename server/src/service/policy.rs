//! The policy in force for a unit: the one stored on the unit or its nearest ancestor,
//! resolved once into what applying it needs (the template parsed, the time zone found,
//! the emergency read). The cadence in force depends on the moment asked about (an
//! emergency ends by itself), so a resolved [`Policy`] is timeless and answers for any
//! `now`; that is what lets it be cached and shared. [`Policies`] resolves every policy of
//! a subtree at once, each distinct policy once.

use super::{Error, Result, Services};
use crate::db::policies::{self, Emergency, PolicyRow};
use crate::db::templates::{self, TemplateRow};
use jianfu_core::DivisionCode;
use jianfu_core::period::{DeadlineRule, Period, PeriodKind};
use jianfu_core::template::{Field, Template};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::collections::HashMap;
use std::sync::Arc;

/// A stored policy with everything applying it needs.
#[derive(Debug, Clone)]
pub struct Policy {
    pub row: PolicyRow,
    pub rule: DeadlineRule,
    pub tz: TimeZone,
    pub template: Template,
    /// The emergency the stored cadence relies on, whether or not it is still active.
    pub emergency: Option<Emergency>,
}

impl Policy {
    /// Resolves a row with its template and emergency.
    pub fn resolve(
        row: PolicyRow,
        template: &TemplateRow,
        emergency: Option<Emergency>,
    ) -> Result<Policy> {
        Ok(Policy {
            rule: DeadlineRule {
                due_offset_days: row.due_offset_days,
                grace_days: row.grace_days,
            },
            tz: time_zone(&row.time_zone)?,
            template: parse_template(&template.fields)?,
            emergency,
            row,
        })
    }

    /// The emergency, while it is active at `now`.
    pub fn active_emergency(&self, now: i64) -> Option<&Emergency> {
        self.emergency
            .as_ref()
            .filter(|e| e.starts_at <= now && now < e.ends_at)
    }

    /// The cadence in force at `now`: the stored one while its emergency lasts, then the
    /// one stored to apply after it.
    pub fn kind_at(&self, now: i64) -> PeriodKind {
        match (self.active_emergency(now), self.row.kind_after_emergency) {
            (None, Some(after)) => after,
            _ => self.row.period_kind,
        }
    }

    /// Whether a report is expected and accepted for `period` under this policy: a period
    /// of the stored cadence or of the one after its emergency; a period shorter than weekly
    /// only from the day the emergency was declared on and while it lasted (an emergency
    /// declared on a Monday makes no daily period of the Friday before it due).
    pub fn accepts(&self, period: &Period) -> bool {
        if !period.kind.below_weekly_floor() {
            return self.row.period_kind == period.kind
                || self.row.kind_after_emergency == Some(period.kind);
        }
        if self.row.period_kind != period.kind {
            return false;
        }
        self.emergency.as_ref().is_some_and(|e| {
            let declared_on = Timestamp::from_second(e.starts_at)
                .map(|t| t.to_zoned(self.tz.clone()).date())
                .ok();
            declared_on.is_some_and(|day| period.start >= day)
                && period.start_instant(&self.tz).as_second() < e.ends_at
        })
    }

    pub fn late_after(&self, period: &Period) -> Timestamp {
        self.rule.late_after(period, &self.tz)
    }

    pub fn locks_at(&self, period: &Period) -> Timestamp {
        self.rule.locks_at(period, self.row.lock_days, &self.tz)
    }

    /// The period in force at `now`.
    pub fn current(&self, now: i64) -> Period {
        let instant = Timestamp::from_second(now).unwrap_or(Timestamp::UNIX_EPOCH);
        Period::containing(self.kind_at(now), instant, &self.tz)
    }
}

pub fn time_zone(name: &str) -> Result<TimeZone> {
    TimeZone::get(name).map_err(|_| Error::UnknownTimeZone {
        name: name.to_owned(),
    })
}

/// A stored template's fields; a template that does not parse is our own fault.
pub fn parse_template(fields: &str) -> Result<Template> {
    serde_json::from_str::<Vec<Field>>(fields)
        .map(|fields| Template { fields })
        .map_err(|e| Error::internal(format!("stored template does not parse: {e}")))
}

/// The policy in force for `unit` (nearest ancestor wins), `None` when there is none.
pub async fn in_force(s: &Services, unit: &DivisionCode) -> Result<Option<Arc<Policy>>> {
    Ok(s.contexts.unit(s, unit).await?.map(|c| c.policy.clone()))
}

/// Like [`in_force`], refused with `policy_not_found` when there is none.
pub async fn required(s: &Services, unit: &DivisionCode) -> Result<Arc<Policy>> {
    in_force(s, unit)
        .await?
        .ok_or_else(|| Error::PolicyNotFound { unit: unit.clone() })
}

/// Resolves one stored row: its template and emergency read.
pub async fn resolve_one(s: &Services, row: PolicyRow) -> Result<Policy> {
    let template = templates::get(&s.db, row.template_id)
        .await?
        .ok_or_else(|| missing_template(&row))?;
    let emergency = match row.emergency_id {
        Some(id) => policies::emergency(&s.db, id).await?,
        None => None,
    };
    Policy::resolve(row, &template, emergency)
}

fn missing_template(row: &PolicyRow) -> Error {
    Error::internal(format!(
        "the policy of {} refers to the missing template {}",
        row.org_unit, row.template_id
    ))
}

/// Every policy that can apply inside a subtree, resolved once each: three queries
/// whatever the size of the subtree.
#[derive(Debug, Default)]
pub struct Policies {
    by_unit: HashMap<String, Arc<Policy>>,
}

impl Policies {
    /// The policies on `scope`'s path and inside its subtree.
    pub async fn governing(s: &Services, scope: &DivisionCode) -> Result<Policies> {
        let rows = policies::governing(&s.db, scope).await?;
        Policies::resolve_all(s, rows).await
    }

    /// Resolves `rows`, reading their templates and emergencies in one query each.
    pub async fn resolve_all(s: &Services, rows: Vec<PolicyRow>) -> Result<Policies> {
        let mut template_ids: Vec<i64> = rows.iter().map(|r| r.template_id).collect();
        template_ids.sort_unstable();
        template_ids.dedup();
        let templates: HashMap<i64, TemplateRow> = templates::get_many(&s.db, &template_ids)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let emergency_ids: Vec<i64> = rows.iter().filter_map(|r| r.emergency_id).collect();
        let emergencies: HashMap<i64, Emergency> =
            policies::emergencies_by_id(&s.db, &emergency_ids)
                .await?
                .into_iter()
                .map(|e| (e.id, e))
                .collect();
        let mut by_unit = HashMap::with_capacity(rows.len());
        for row in rows {
            let template = templates
                .get(&row.template_id)
                .ok_or_else(|| missing_template(&row))?;
            let emergency = row
                .emergency_id
                .and_then(|id| emergencies.get(&id).cloned());
            let unit = row.org_unit.clone();
            by_unit.insert(unit, Arc::new(Policy::resolve(row, template, emergency)?));
        }
        Ok(Policies { by_unit })
    }

    /// The policy in force for `unit`: its own or its nearest ancestor's among those read.
    pub fn for_unit(&self, unit: &DivisionCode) -> Option<&Arc<Policy>> {
        unit.path()
            .iter()
            .rev()
            .find_map(|code| self.by_unit.get(code.as_str()))
    }

    /// The units holding the policies read, in no particular order.
    pub fn holders(&self) -> impl Iterator<Item = &str> {
        self.by_unit.keys().map(String::as_str)
    }

    /// The resolved policies, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Policy>> {
        self.by_unit.values()
    }
}
