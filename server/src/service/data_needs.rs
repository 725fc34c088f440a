//! A department's data need (R3, R5): linked to the field of the template in force that
//! already asks it (report once), or added as a new field only if every policy using the
//! template stays within its budget — decided inside the transaction that records it.

use super::policy::{self, parse_template};
use super::templates::{change_error, checked, visible, within_budgets};
use super::{Actor, Error, IdPage, Result, Services, clean_text, parse_code};
use crate::db::data_needs::{self, DataNeed, NewDataNeed, Resolution};
use crate::db::page::Page;
use crate::db::policies::PolicyRow;
use crate::db::templates::{self, TemplateChange};
use jianfu_core::Role;
use jianfu_core::template::Field;
use jianfu_core::text::TextRule;
use serde_json::json;

/// A need as a department states it.
#[derive(Debug, Clone)]
pub struct NeedRequest {
    /// Whose template the need concerns (the policy in force there).
    pub org_unit: String,
    pub department: String,
    pub label_zh: String,
    pub label_en: String,
    /// A stable concept name shared by departments, e.g. `households_visited`.
    pub concept: Option<String>,
    /// The field to add if no existing field answers the need.
    pub field: Option<Field>,
}

/// Register a data need (admins).
pub async fn register(s: &Services, actor: &Actor, request: NeedRequest) -> Result<DataNeed> {
    actor.require_role(&[Role::Admin])?;
    let unit = parse_code(&request.org_unit, "org_unit")?;
    actor.require_scope(&unit)?;
    let department = clean_text("department", &request.department, TextRule::line(1, 64))?;
    let label_zh = clean_text("label_zh", &request.label_zh, TextRule::line(1, 64))?;
    let label_en = clean_text("label_en", &request.label_en, TextRule::line(0, 64))?;
    let concept = request
        .concept
        .as_deref()
        .map(|c| clean_text("concept", c, TextRule::line(1, 64)))
        .transpose()?;
    let template_id = policy::required(s, &unit).await?.row.template_id;
    let owner_row = visible(s, actor, template_id, false).await?;
    let now = s.clock.now();
    let mut need = NewDataNeed {
        org_unit: unit.to_string(),
        department,
        label_zh,
        label_en,
        concept,
        template_id,
        field_key: String::new(),
        resolution: Resolution::Linked,
        created_by: Some(actor.id),
        created_at: now,
    };
    let mut entry = super::audit::entry(
        s,
        actor,
        "data_needs.register",
        unit.as_str(),
        format!("template:{template_id}"),
    );
    // Adding a field changes the template for every unit that uses it: only an admin whose
    // subtree holds the template's owner may do that.
    let may_add = actor
        .require_scope(&parse_code(&owner_row.org_unit, "org_unit")?)
        .map(|()| true);
    let mut field = request.field;
    let decide =
        |current: &templates::TemplateRow, policies: &[PolicyRow]| -> Result<TemplateChange> {
            let mut template = parse_template(&current.fields)?;
            if let Some(existing) =
                template.find_equivalent(need.concept.as_deref(), &need.label_zh, &need.label_en)
            {
                need.field_key.clone_from(&existing.key);
                entry.after = Some(
                    json!({ "department": need.department, "label_zh": need.label_zh,
                                       "linked_to": existing.key })
                    .to_string(),
                );
                return Ok(TemplateChange {
                    rewrite: None,
                    need: Some(need),
                    entry,
                });
            }
            let Some(mut field) = field.take() else {
                return Err(Error::DataNeedUnmatched {
                    template_id,
                    label_zh: need.label_zh.clone(),
                    label_en: need.label_en.clone(),
                    fields: template.fields.iter().map(|f| f.key.clone()).collect(),
                });
            };
            may_add?;
            if field.concept.is_none() {
                field.concept.clone_from(&need.concept);
            }
            need.field_key.clone_from(&field.key);
            need.resolution = Resolution::Added;
            template.fields.push(field);
            checked(&template)?;
            within_budgets(&template, policies)?;
            let fields = serde_json::to_string(&template.fields).map_err(Error::internal)?;
            entry.action = "data_needs.add_field";
            entry.before = Some(current.fields.clone());
            entry.after = Some(fields.clone());
            Ok(TemplateChange {
                rewrite: Some((current.name.clone(), fields)),
                need: Some(need),
                entry,
            })
        };
    let (_, stored) = templates::change(&s.db, template_id, decide)
        .await
        .map_err(|e| change_error(e, template_id))?;
    s.contexts.invalidate();
    stored.ok_or_else(|| Error::internal("the data need was not stored"))
}

/// Data needs registered in a subtree, by id (admins, reviewers).
pub async fn list(s: &Services, actor: &Actor, page: IdPage<'_>) -> Result<Page<DataNeed, i64>> {
    let (unit, window) = page.scoped(actor, &[Role::Admin, Role::Reviewer])?;
    let rows = data_needs::in_subtree(&s.db, &unit, &window).await?;
    Ok(window.page(rows, |n| n.id))
}
