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
use jianfu_core::template::{Field, similar_field_warning};
use jianfu_core::text::TextRule;
use jianfu_core::{Problem, Role};
use serde_json::json;

/// A need as a department states it.
#[derive(Debug, Clone)]
pub struct NeedRequest {
    /// Whose template the need concerns (the policy in force there).
    pub org_unit: String,
    /// The department whose need it is.
    pub department_id: i64,
    pub label_zh: String,
    pub label_en: String,
    /// A stable concept name shared by departments, e.g. `households_visited`.
    pub concept: Option<String>,
    /// The field to add if no existing field answers the need.
    pub field: Option<Field>,
    /// The existing field that answers the need, named by the department.
    pub field_key: Option<String>,
    /// Or: the outcome category whose outcomes answer the need.
    pub outcome_category: Option<String>,
}

/// A need as stored, with the warnings of its saving (a field added that reads like one
/// the template already had: R3, to be linked instead).
#[derive(Debug, Clone)]
pub struct Registered {
    pub need: DataNeed,
    pub warnings: Vec<Problem>,
}

/// How a need will be answered, as asked.
enum Answer {
    /// By the template: an equivalent field, the field named, or a field added.
    Field {
        key: Option<String>,
        field: Option<Field>,
    },
    /// By the outcomes of a category.
    Outcomes(String),
}

fn answer_of(request: &mut NeedRequest) -> Result<Answer> {
    let Some(category) = request.outcome_category.take() else {
        return Ok(Answer::Field {
            key: request.field_key.take(),
            field: request.field.take(),
        });
    };
    if request.field.is_some() || request.field_key.is_some() {
        return Err(Error::invalid(Problem::error(
            "one_answer",
            "outcome_category",
            "一项需求由字段或成果类别之一回答，不能两者都填",
            "a need is answered by a field or by an outcome category, not both",
            json!({ "field": "outcome_category" }),
        )));
    }
    Ok(Answer::Outcomes(clean_text(
        "outcome_category",
        &category,
        TextRule::line(1, 32),
    )?))
}

/// The department of a need on `unit`: one the admin may name, on the same line of the
/// tree as the unit (it reviews the unit's subtree, or the unit lies in its own).
async fn department_for(
    s: &Services,
    actor: &Actor,
    id: i64,
    unit: &jianfu_core::DivisionCode,
) -> Result<crate::db::departments::Department> {
    let department = super::departments::nameable(s, Some(actor), id).await?;
    let home = parse_code(&department.org_unit, "org_unit")?;
    if home.contains(unit) || unit.contains(&home) {
        return Ok(department);
    }
    Err(Error::invalid(Problem::error(
        "department_outside_unit",
        "department_id",
        format!(
            "部门“{}”属于 {home}，与 {unit} 不在同一管辖链上",
            department.name
        ),
        format!(
            "the department {:?} belongs to {home}, which neither contains nor lies in {unit}",
            department.name
        ),
        json!({ "field": "department_id", "department_unit": home, "unit": unit }),
    )))
}

/// Register a data need of a department (admins): answered by the outcomes of a category,
/// by the field it names, by a field that already asks it (report once), or by a field
/// added only if every policy using the template stays within its budget. A field added
/// whose label reads like an existing field's is stored with a `similar_field` warning
/// naming the field to link to; one with an existing field's concept is refused.
#[allow(clippy::too_many_lines, reason = "one decision, read top to bottom")]
pub async fn register(s: &Services, actor: &Actor, mut request: NeedRequest) -> Result<Registered> {
    actor.require_role(&[Role::Admin])?;
    let unit = parse_code(&request.org_unit, "org_unit")?;
    actor.require_scope(&unit)?;
    let label_zh = clean_text("label_zh", &request.label_zh, TextRule::line(1, 64))?;
    let label_en = clean_text("label_en", &request.label_en, TextRule::line(0, 64))?;
    let concept = request
        .concept
        .as_deref()
        .map(|c| clean_text("concept", c, TextRule::line(1, 64)))
        .transpose()?;
    let answer = answer_of(&mut request)?;
    let department = department_for(s, actor, request.department_id, &unit).await?;
    let template_id = policy::required(s, &unit).await?.row.template_id;
    let owner_row = visible(s, actor, template_id, false).await?;
    let now = s.clock.now();
    let mut need = NewDataNeed {
        org_unit: unit.to_string(),
        department: department.name.clone(),
        label_zh,
        label_en,
        concept,
        template_id,
        field_key: String::new(),
        resolution: Resolution::Linked,
        created_by: Some(actor.id),
        created_at: now,
        department_id: Some(department.id),
        outcome_category: None,
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
    let mut warnings = Vec::new();
    let decide = |current: &templates::TemplateRow,
                  policies: &[PolicyRow]|
     -> Result<TemplateChange> {
        let mut template = parse_template(&current.fields)?;
        let (key, field) = match answer {
            Answer::Outcomes(category) => {
                need.outcome_category = Some(category.clone());
                entry.after = Some(
                    json!({ "department": need.department, "department_id": need.department_id,
                                "label_zh": need.label_zh, "outcome_category": category })
                    .to_string(),
                );
                return Ok(TemplateChange {
                    rewrite: None,
                    need: Some(need),
                    entry,
                });
            }
            Answer::Field { key, field } => (key, field),
        };
        let named = match key {
                Some(key) => Some(template.fields.iter().find(|f| f.key == key).ok_or_else(|| {
                    Error::invalid(Problem::error(
                        "unknown_field",
                        "field_key",
                        format!("模板 {template_id} 没有字段 {key}"),
                        format!("template {template_id} has no field {key}"),
                        json!({ "field": "field_key", "value": key,
                                "fields": template.fields.iter().map(|f| f.key.clone()).collect::<Vec<_>>() }),
                    ))
                })?),
                None => template.find_equivalent(need.concept.as_deref(), &need.label_zh, &need.label_en),
            };
        if let Some(existing) = named {
            need.field_key.clone_from(&existing.key);
            entry.after = Some(
                json!({ "department": need.department, "department_id": need.department_id,
                            "label_zh": need.label_zh, "linked_to": existing.key })
                .to_string(),
            );
            return Ok(TemplateChange {
                rewrite: None,
                need: Some(need),
                entry,
            });
        }
        let Some(mut field) = field else {
            return Err(Error::DataNeedUnmatched {
                template_id,
                label_zh: need.label_zh.clone(),
                label_en: need.label_en.clone(),
                fields: template.fields.iter().map(|f| f.key.clone()).collect(),
                similar: template
                    .most_like(&need.label_zh, &need.label_en)
                    .map(|(f, score)| Box::new((f.key.clone(), f.label_zh.clone(), score))),
            });
        };
        may_add?;
        if field.concept.is_none() {
            field.concept.clone_from(&need.concept);
        }
        if let Some((existing, score)) = template.most_like(&field.label_zh, &field.label_en) {
            warnings.push(similar_field_warning(
                field.key.clone(),
                &field,
                existing,
                score,
            ));
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
    let need = stored.ok_or_else(|| Error::internal("the data need was not stored"))?;
    Ok(Registered { need, warnings })
}

/// Data needs registered in a subtree, by id (admins, reviewers).
pub async fn list(s: &Services, actor: &Actor, page: IdPage<'_>) -> Result<Page<DataNeed, i64>> {
    let (unit, window) = page.scoped(actor, &[Role::Admin, Role::Reviewer])?;
    let rows = data_needs::in_subtree(&s.db, &unit, &window).await?;
    Ok(window.page(rows, |n| n.id))
}
