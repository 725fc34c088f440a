//! Templates: typed fields that may not ask the same thing twice (R3) nor require a photo
//! (R4), and whose cost keeps every policy using them within its budget (R5) — checked
//! inside the transaction that changes them.

use super::policy::parse_template;
use super::{Actor, Error, IdPage, Result, Services, clean_text, parse_code};
use crate::db::page::Page;
use crate::db::policies::PolicyRow;
use crate::db::templates::{self, ChangeError, TemplateChange, TemplateRow};
use jianfu_core::Role;
use jianfu_core::burden;
use jianfu_core::template::{Field, Template};
use jianfu_core::text::TextRule;
use serde_json::{Value, json};

/// A stored template with its fields parsed.
#[derive(Debug, Clone)]
pub struct TemplateView {
    pub row: TemplateRow,
    pub template: Template,
}

impl TemplateView {
    pub fn of(row: TemplateRow) -> Result<TemplateView> {
        Ok(TemplateView {
            template: parse_template(&row.fields)?,
            row,
        })
    }
}

/// Refuses a template that breaks R3, R4 or a field limit, under the rule of its first
/// problem.
pub fn checked(template: &Template) -> Result<()> {
    template
        .verdict()
        .map_err(|(kind, problems)| Error::Template { kind, problems })
}

/// Every policy in `policies` stays within its budget with `template` (R5).
pub fn within_budgets(template: &Template, policies: &[PolicyRow]) -> Result<()> {
    for policy in policies {
        burden::check_budget(policy.period_kind, template, policy.budget_minutes).map_err(
            |problem| Error::BurdenOverBudget {
                problem: Box::new(problem),
                unit: policy.org_unit.clone(),
            },
        )?;
    }
    Ok(())
}

/// The template `id` if the actor may read it (a template of an ancestor, which their
/// policies may use, or of their subtree) or, with `write`, change it (their subtree).
pub async fn visible(s: &Services, actor: &Actor, id: i64, write: bool) -> Result<TemplateRow> {
    let row = templates::get(&s.db, id)
        .await?
        .ok_or(Error::TemplateNotFound { id })?;
    let owner = parse_code(&row.org_unit, "org_unit")?;
    if write || !owner.contains(&actor.unit) {
        actor.require_scope(&owner)?;
    }
    Ok(row)
}

fn template_name(name: &str) -> Result<String> {
    clean_text("name", name, TextRule::line(1, 64))
}

/// Create a template owned by `unit` (default: the actor's own). Admins.
pub async fn create(
    s: &Services,
    actor: &Actor,
    unit: Option<&str>,
    name: &str,
    fields: Vec<Field>,
) -> Result<TemplateView> {
    actor.require_role(&[Role::Admin])?;
    let unit = match unit {
        Some(code) => parse_code(code, "org_unit")?,
        None => actor.unit.clone(),
    };
    actor.require_scope(&unit)?;
    let name = template_name(name)?;
    let template = Template { fields };
    checked(&template)?;
    let fields = serde_json::to_string(&template.fields).map_err(Error::internal)?;
    let mut entry = super::audit::entry(s, actor, "templates.create", unit.as_str(), String::new());
    entry.after = Some(json!({ "name": name, "fields": template.fields }).to_string());
    let row = templates::create(&s.db, unit.as_str(), &name, &fields, entry).await?;
    Ok(TemplateView { row, template })
}

/// Replace a template's name and fields. Admins of its owner. Refused if any policy using
/// it would go over its budget.
pub async fn update(
    s: &Services,
    actor: &Actor,
    id: i64,
    name: &str,
    fields: Vec<Field>,
) -> Result<TemplateView> {
    actor.require_role(&[Role::Admin])?;
    let row = visible(s, actor, id, true).await?;
    let name = template_name(name)?;
    let template = Template { fields };
    checked(&template)?;
    let fields = serde_json::to_string(&template.fields).map_err(Error::internal)?;
    let mut entry = super::audit::entry(
        s,
        actor,
        "templates.update",
        &row.org_unit,
        format!("template:{id}"),
    );
    entry.after = Some(json!({ "name": name, "fields": template.fields }).to_string());
    let (updated, _) = templates::change(&s.db, id, |current, policies| {
        within_budgets(&template, policies)?;
        let before_fields: Value = serde_json::from_str(&current.fields).unwrap_or_default();
        entry.before = Some(json!({ "name": current.name, "fields": before_fields }).to_string());
        Ok::<_, Error>(TemplateChange {
            rewrite: Some((name, fields)),
            need: None,
            entry,
        })
    })
    .await
    .map_err(|e| change_error(e, id))?;
    s.contexts.invalidate();
    Ok(TemplateView {
        row: updated,
        template,
    })
}

/// A failed `templates::change` as the service's error.
pub fn change_error(e: ChangeError<Error>, id: i64) -> Error {
    match e {
        ChangeError::NotFound => Error::TemplateNotFound { id },
        ChangeError::Refused(e) => e,
        ChangeError::Db(e) => Error::Storage(e),
    }
}

/// One template (admins, reviewers): of the actor's subtree or of an ancestor.
pub async fn get(s: &Services, actor: &Actor, id: i64) -> Result<TemplateView> {
    actor.require_role(&[Role::Admin, Role::Reviewer])?;
    TemplateView::of(visible(s, actor, id, false).await?)
}

/// Templates owned by units in a subtree, by id (admins, reviewers).
pub async fn list(
    s: &Services,
    actor: &Actor,
    page: IdPage<'_>,
) -> Result<Page<TemplateView, i64>> {
    let (unit, window) = page.scoped(actor, &[Role::Admin, Role::Reviewer])?;
    let rows = templates::in_subtree(&s.db, &unit, &window).await?;
    let page = window.page(rows, |r| r.id);
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(TemplateView::of)
            .collect::<Result<_>>()?,
        next: page.next,
    })
}
