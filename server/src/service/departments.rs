//! Departments (一表通): a department belongs to a unit and reviews that unit's subtree;
//! reviewers belong to one. What a department's reviewer sees of a report is decided here,
//! once, and applied by every read path (report detail, list, completeness, grid,
//! exports): the organization department sees whole reports; any other department sees
//! the report's frame (who, village, period, status) and only the template fields and
//! outcome categories that answer its data needs, and only from the villages its needs
//! reach. Each department's status of a report is its own latest review.
//! (Over 400 lines: the one place where visibility is decided, kept whole on purpose.)

use super::completeness::{Completeness, Counts};
use super::{Actor, Error, IdPage, Result, Services, clean_text, parse_code, policy};
use crate::db::departments::{self, Answer, CreateError, Department};
use crate::db::page::Page;
use crate::db::reports::ReportRow;
use jianfu_core::text::TextRule;
use jianfu_core::{DivisionCode, Problem, ReportStatus, Role};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Create a department of a unit (admins of its subtree). Audited.
pub async fn create(
    s: &Services,
    actor: &Actor,
    org_unit: &str,
    name: &str,
    sees_everything: bool,
) -> Result<Department> {
    actor.require_role(&[Role::Admin])?;
    let unit = parse_code(org_unit, "org_unit")?;
    actor.require_scope(&unit)?;
    let name = clean_text("name", name, TextRule::line(1, 64))?;
    if crate::db::org_units::get(&s.db, &unit).await?.is_none() {
        return Err(Error::OrgUnitNotFound(unit));
    }
    let entry = super::audit::entry(s, actor, "departments.create", unit.as_str(), String::new());
    departments::create(&s.db, unit.as_str(), &name, sees_everything, entry)
        .await
        .map_err(|e| match e {
            CreateError::NameTaken { existing } => Error::DepartmentExists { existing },
            CreateError::Db(e) => Error::Storage(e),
        })
}

/// Departments of a subtree, by id (admins, reviewers).
pub async fn list(s: &Services, actor: &Actor, page: IdPage<'_>) -> Result<Page<Department, i64>> {
    let (unit, window) = page.scoped(actor, &[Role::Admin, Role::Reviewer])?;
    let rows = departments::in_subtree(&s.db, &unit, &window).await?;
    Ok(window.page(rows, |d| d.id))
}

/// A department `actor` may name (one whose unit lies in their subtree; the command line
/// may name any), or `department_not_found`.
pub async fn nameable(s: &Services, actor: Option<&Actor>, id: i64) -> Result<Department> {
    let department = departments::get(&s.db, id)
        .await?
        .ok_or(Error::DepartmentNotFound { id })?;
    if let Some(actor) = actor {
        let unit = parse_code(&department.org_unit, "org_unit")?;
        if !actor.unit.contains(&unit) {
            return Err(Error::DepartmentNotFound { id });
        }
    }
    Ok(department)
}

/// The department of an account with `role` serving `unit`: a reviewer's named one (whose
/// unit must contain theirs), else their unit's organization department; nobody else has
/// one.
pub async fn for_account(
    s: &Services,
    actor: Option<&Actor>,
    role: Role,
    unit: &DivisionCode,
    asked: Option<i64>,
) -> Result<Option<i64>> {
    match (role, asked) {
        (Role::Reviewer, Some(id)) => {
            let department = nameable(s, actor, id).await?;
            let home = parse_code(&department.org_unit, "org_unit")?;
            if !home.contains(unit) {
                return Err(Error::invalid(Problem::error(
                    "department_outside_unit",
                    "department_id",
                    format!(
                        "部门“{}”属于 {home}，审核人的单位 {unit} 不在其管辖范围内",
                        department.name
                    ),
                    format!(
                        "the department {:?} belongs to {home}; the reviewer's unit {unit} is outside it",
                        department.name
                    ),
                    json!({ "field": "department_id", "department_unit": home, "unit": unit }),
                )));
            }
            Ok(Some(department.id))
        }
        (Role::Reviewer, None) => Ok(Some(
            departments::organization_of(&s.db, unit.as_str(), s.clock.now())
                .await?
                .id,
        )),
        (_, None) => Ok(None),
        (role, Some(_)) => Err(Error::invalid(Problem::error(
            "department_for_reviewers_only",
            "department_id",
            format!("只有审核人属于部门，{role} 不属于任何部门"),
            format!("only reviewers belong to a department, not a {role}"),
            json!({ "field": "department_id", "role": role }),
        ))),
    }
}

/// What one reader sees of reports: everything (cadres their own, admins, the
/// organization department), or one department's part.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// The reader's department, whose reviews make the status they see.
    pub department: Option<Department>,
    /// For a department that does not see everything: what its needs make visible.
    part: Option<Vec<Answer>>,
}

impl View {
    /// What `actor` sees.
    pub async fn of(s: &Services, actor: &Actor) -> Result<View> {
        let Some(id) = actor.department.filter(|_| actor.role == Role::Reviewer) else {
            return Ok(View::default());
        };
        let Some(department) = departments::get(&s.db, id).await? else {
            return Ok(View::default());
        };
        let part = if department.sees_everything {
            None
        } else {
            Some(departments::answers(&s.db, id).await?)
        };
        Ok(View {
            department: Some(department),
            part,
        })
    }

    /// Whether this reader sees only a department's part.
    pub fn is_partial(&self) -> bool {
        self.part.is_some()
    }

    /// The department's id, recorded with its reviews.
    pub fn department_id(&self) -> Option<i64> {
        self.department.as_ref().map(|d| d.id)
    }

    /// Whose reviews make the status this reader sees: the organization's (shared by every
    /// department that sees everything: `db::departments::ORGANIZATION`) or the
    /// department's own; `None` (admins, cadres) for the report's overall status.
    pub fn reviewing_body(&self) -> Option<i64> {
        self.department.as_ref().map(|d| {
            if d.sees_everything {
                departments::ORGANIZATION
            } else {
                d.id
            }
        })
    }

    /// The needs that reach `village` (all of them for a full view: `None`).
    fn reaching<'a>(&'a self, village: &'a str) -> Option<impl Iterator<Item = &'a Answer>> {
        self.part.as_ref().map(|answers| {
            answers
                .iter()
                .filter(move |a| village.starts_with(a.org_unit.as_str()))
        })
    }

    /// Whether the reader receives anything from reports of `village`.
    pub fn receives(&self, village: &str) -> bool {
        self.reaching(village)
            .is_none_or(|mut a| a.next().is_some())
    }

    /// The field keys visible in reports of `village`; `None` means all of them.
    pub fn fields_for(&self, village: &str) -> Option<BTreeSet<String>> {
        self.reaching(village).map(|answers| {
            answers
                .filter(|a| a.outcome_category.is_none() && !a.field_key.is_empty())
                .map(|a| a.field_key.clone())
                .collect()
        })
    }

    /// The outcome categories visible in reports of `village`; `None` means all of them.
    pub fn categories_for(&self, village: &str) -> Option<BTreeSet<String>> {
        self.reaching(village)
            .map(|answers| answers.filter_map(|a| a.outcome_category.clone()).collect())
    }

    /// Every field key the department may see anywhere; `None` means all of them.
    pub fn all_fields(&self) -> Option<BTreeSet<String>> {
        self.part.as_ref().map(|answers| {
            answers
                .iter()
                .filter(|a| a.outcome_category.is_none() && !a.field_key.is_empty())
                .map(|a| a.field_key.clone())
                .collect()
        })
    }

    /// The units whose subtrees a partial view receives, inside `scope`: `None` when the
    /// whole scope is received. Nested units are merged, so the ranges do not overlap.
    pub fn reach(&self, scope: &DivisionCode) -> Option<Vec<DivisionCode>> {
        let answers = self.part.as_ref()?;
        let mut units: Vec<DivisionCode> = Vec::new();
        for answer in answers {
            let Ok(unit) = DivisionCode::parse(&answer.org_unit) else {
                continue;
            };
            if unit.contains(scope) {
                return None;
            }
            if scope.contains(&unit) {
                units.push(unit);
            }
        }
        units.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        let mut merged: Vec<DivisionCode> = Vec::new();
        for unit in units {
            if !merged.last().is_some_and(|last| last.contains(&unit)) {
                merged.push(unit);
            }
        }
        Some(merged)
    }

    /// Refuses a report of `village` that the reader receives nothing from.
    pub fn require_receives(&self, village: &str) -> Result<()> {
        if self.receives(village) {
            return Ok(());
        }
        Err(Error::NotReceived {
            department: self
                .department
                .as_ref()
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            village: village.to_owned(),
        })
    }

    /// A report's content as the reader may see it: for a department's part, only the
    /// fields and outcomes answering its needs (and no days in the village).
    pub fn content(&self, village: &str, mut content: Value) -> Value {
        let (Some(fields), Some(categories)) =
            (self.fields_for(village), self.categories_for(village))
        else {
            return content;
        };
        if let Some(map) = content.get_mut("fields").and_then(Value::as_object_mut) {
            map.retain(|key, _| fields.contains(key));
        }
        if let Some(list) = content.get_mut("outcomes").and_then(Value::as_array_mut) {
            list.retain(|o| {
                o.get("category")
                    .and_then(Value::as_str)
                    .is_some_and(|c| categories.contains(c))
            });
        }
        if let Some(map) = content.as_object_mut() {
            map.remove("days_in_village");
        }
        content
    }

    /// Whether an outcome of `category` in a report of `village` is visible.
    pub fn sees_outcome(&self, village: &str, category: &str) -> bool {
        self.categories_for(village)
            .is_none_or(|categories| categories.contains(category))
    }

    /// Report rows with the reviewing body's status: its latest review of the latest
    /// revision, else `submitted`; `answers_question` says "revised since its question".
    pub async fn statuses(&self, s: &Services, rows: &mut [ReportRow]) -> Result<()> {
        let Some(body) = self.reviewing_body() else {
            return Ok(());
        };
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let latest: HashMap<String, (i64, String)> = departments::latest_reviews(&s.db, body, &ids)
            .await?
            .into_iter()
            .map(|(id, revision, verdict)| (id, (revision, verdict)))
            .collect();
        for row in rows {
            let (status, revised) = match latest.get(&row.id) {
                Some((revision, verdict)) if *revision == row.revision => (
                    verdict
                        .parse::<ReportStatus>()
                        .map_err(|_| Error::internal(format!("stored verdict {verdict:?}")))?,
                    false,
                ),
                Some((_, verdict)) => (
                    ReportStatus::Submitted,
                    verdict == ReportStatus::NeedsClarification.as_str(),
                ),
                None => (ReportStatus::Submitted, false),
            };
            row.status = status;
            row.answers_question = revised;
        }
        Ok(())
    }

    /// Completeness restricted to the cadres whose villages the department receives: the
    /// same counts, for what it receives. (`other_cadence` stays the whole subtree's.)
    pub fn completeness(&self, mut result: Completeness) -> Completeness {
        if !self.is_partial() {
            return result;
        }
        let names: BTreeMap<String, String> = result
            .units
            .iter()
            .map(|u| (u.code.clone(), u.name.clone()))
            .collect();
        let child_digits = parse_code(&result.unit, "unit")
            .ok()
            .and_then(|u| u.level().child().map(jianfu_core::Level::digits));
        result.everyone.retain(|c| self.receives(&c.org_unit));
        let keep = |list: &mut Vec<super::completeness::Person>| {
            list.retain(|p| self.receives(&p.org_unit));
        };
        keep(&mut result.missing);
        keep(&mut result.exempt);
        keep(&mut result.late);
        keep(&mut result.sealed_on_time);
        result.counts = Counts::default();
        let mut by_child: BTreeMap<String, Counts> = BTreeMap::new();
        for counted in &result.everyone {
            result.counts.add(counted.status);
            if let Some(digits) = child_digits {
                let child = counted.org_unit.get(..digits).unwrap_or(&counted.org_unit);
                by_child
                    .entry(child.to_owned())
                    .or_default()
                    .add(counted.status);
            }
        }
        result.units = by_child
            .into_iter()
            .map(|(code, counts)| super::completeness::UnitCounts {
                name: names.get(&code).cloned().unwrap_or_default(),
                code,
                counts,
            })
            .collect();
        result
    }
}

/// One department's line of the burden ledger (R5): how its needs were answered and the
/// minutes per cadre per month it adds.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentBurden {
    pub department_id: Option<i64>,
    pub department: String,
    pub needs: u32,
    /// Needs answered by a field that already existed (or by outcomes): report once.
    pub linked: u32,
    /// Needs for which a field was added.
    pub added: u32,
    /// The fields added for this department's needs and still in the template.
    pub fields_added: Vec<String>,
    pub seconds_per_submission: u32,
    pub minutes_per_month: f64,
}

/// The per-department ledger of the policy in force at a unit.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentLedger {
    pub org_unit: String,
    pub template_id: i64,
    pub submissions_per_month: f64,
    pub departments: Vec<DepartmentBurden>,
    /// The template's fields no department's need added: the base form.
    pub base_fields: Vec<String>,
    pub base_minutes_per_month: f64,
    /// The whole template: base + every department's.
    pub total_minutes_per_month: f64,
}

/// Who asks for what, and what it costs (admins, reviewers): per department, its needs
/// answered from existing fields vs new fields and the minutes per cadre per month its new
/// fields add. The departments' minutes and the base add up to the total.
pub async fn burden(s: &Services, actor: &Actor, unit: Option<&str>) -> Result<DepartmentLedger> {
    actor.require_role(&[Role::Admin, Role::Reviewer])?;
    let unit = actor.scoped(unit)?;
    let policy = policy::required(s, &unit).await?;
    let now = s.clock.now();
    let rate = policy.kind_at(now).submissions_per_month();
    let minutes = |seconds: u32| rate * f64::from(seconds) / 60.0;
    let template = &policy.template;
    let seconds_of: HashMap<&str, u32> = template
        .fields
        .iter()
        .map(|f| (f.key.as_str(), f.seconds_to_fill))
        .collect();
    let needs = departments::needs_on_template(&s.db, policy.row.template_id).await?;
    let mut lines: BTreeMap<(Option<i64>, String), DepartmentBurden> = BTreeMap::new();
    let mut added_keys: BTreeSet<&str> = BTreeSet::new();
    for need in &needs {
        let line = lines
            .entry((need.department_id, need.department.clone()))
            .or_insert_with(|| DepartmentBurden {
                department_id: need.department_id,
                department: need.department.clone(),
                needs: 0,
                linked: 0,
                added: 0,
                fields_added: Vec::new(),
                seconds_per_submission: 0,
                minutes_per_month: 0.0,
            });
        line.needs += 1;
        if need.resolution == "added" {
            line.added += 1;
            if let Some(seconds) = seconds_of.get(need.field_key.as_str()) {
                if added_keys.insert(need.field_key.as_str()) {
                    line.fields_added.push(need.field_key.clone());
                    line.seconds_per_submission += seconds;
                }
            }
        } else {
            line.linked += 1;
        }
    }
    let mut departments: Vec<DepartmentBurden> = lines.into_values().collect();
    for line in &mut departments {
        line.minutes_per_month = minutes(line.seconds_per_submission);
    }
    let base: Vec<&jianfu_core::template::Field> = template
        .fields
        .iter()
        .filter(|f| !added_keys.contains(f.key.as_str()))
        .collect();
    let base_seconds: u32 = base.iter().map(|f| f.seconds_to_fill).sum();
    Ok(DepartmentLedger {
        org_unit: unit.to_string(),
        template_id: policy.row.template_id,
        submissions_per_month: rate,
        departments,
        base_fields: base.iter().map(|f| f.key.clone()).collect(),
        base_minutes_per_month: minutes(base_seconds),
        total_minutes_per_month: minutes(template.seconds_per_submission()),
    })
}

impl View {
    /// A report's detail as the reader may see it: the department's status, and for a
    /// department's part only its fields and outcomes in every revision, its own reviews,
    /// and the continued outcomes of its categories.
    pub async fn detail(&self, s: &Services, detail: &mut super::reports::Detail) -> Result<()> {
        self.statuses(s, std::slice::from_mut(&mut detail.report))
            .await?;
        if !self.is_partial() {
            return Ok(());
        }
        let village = detail.report.org_unit.clone();
        for revision in &mut detail.revisions {
            revision.content = self.content(&village, std::mem::take(&mut revision.content));
        }
        let own = self.department_id();
        detail.reviews.retain(|r| r.department_id == own);
        detail.continued.retain(|c| {
            c.outcome
                .get("category")
                .and_then(Value::as_str)
                .is_some_and(|category| self.sees_outcome(&village, category))
        });
        Ok(())
    }
}
