//! The use cases of jianfu, between HTTP and storage. Each entry point takes the
//! [`Actor`] who asks, checks their role and scope itself (so a new endpoint cannot forget),
//! and returns domain values or an [`Error`]; none of it knows HTTP.

use crate::clock::Clock;
use crate::db::Db;
use jianfu_core::period::Period;
use jianfu_core::text::TextRule;
use jianfu_core::{DivisionCode, Problem, Role};
use jiff::civil::Date;
use serde_json::json;
use std::sync::Arc;

/// People: creating them, signing in, who the caller is.
pub mod accounts;
/// The audit entry of a change, and reading the log.
pub mod audit;
/// Village and township outlines (R7).
pub mod boundaries;
/// The burden ledger (R5) of a unit and its subtree.
pub mod burden;
/// A unit's recent periods and the status grid of its children or cadres.
pub mod calendar;
/// Who reported on time, late, who is missing or exempt, per unit (R2, R6).
pub mod completeness;
/// What checking a cadre's report needs: the village, its policy, its boundary — cached.
pub mod context;
/// Departments' data needs, linked to existing fields or added within budget (R3, R5).
pub mod data_needs;
/// Departments (一表通): what each department sees of a report, its reviews, its burden.
pub mod departments;
/// Emergencies: a reason, at most 14 days, a shorter cadence while they last (R1).
pub mod emergencies;
mod error;
/// Reports and completeness as CSV or XLSX files, streamed (R2: in tree order, never by counts).
pub mod exports;
/// Importing the administrative tree from the national CSV format.
pub mod import;
/// The administrative tree: units, their paths and children.
pub mod org_units;
/// Admins managing people: the list, password resets, disabling, changes.
pub mod people;
/// The cadre's periods around now, and what a draft of one needs.
pub mod periods;
/// Setting a unit's policy (R1, R5, R6) and reading the one in force.
pub mod policies;
/// The policy in force for a unit: nearest ancestor, emergencies, resolved in bulk.
pub mod policy;
/// Postings of cadres to villages, and exemptions.
pub mod postings;
/// Reports: submitting (idempotent, revised, locked), reading, listing.
pub mod reports;
/// Reviews (acknowledge or ask one question) and reopenings of locked periods.
pub mod reviews;
/// Cadres with their postings from a county office's roster sheet, all or nothing.
pub mod roster;
/// Who a token speaks for, checked against the account as it is now.
pub mod sessions;
/// Uploaded sheets (CSV or XLSX) as text cells, and their problems line by line.
pub mod sheet;
/// Templates with the report-once and no-photo rules (R3, R4) and the budget (R5).
pub mod templates;
/// Sign-in throttling per account and per client address.
pub mod throttle;

pub use error::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What every use case can reach: storage, the domain clock, and the cached reporting
/// contexts (invalidated by the changes that affect them).
#[derive(Debug, Clone)]
pub struct Services {
    pub db: Db,
    pub clock: Clock,
    pub contexts: Arc<context::Cache>,
    pub sessions: Arc<sessions::Cache>,
    pub throttle: Arc<throttle::Throttle>,
    /// The writer of reports, started on first use (inside the runtime).
    writer: Arc<std::sync::OnceLock<crate::db::writer::Writer>>,
    /// What that writer did, kept apart so that the metrics can read it before it starts.
    writer_stats: Arc<crate::db::writer::Stats>,
    /// The read connections a report's path keeps, started on first use.
    readers: Arc<std::sync::OnceLock<crate::db::readers::Readers>>,
}

impl Services {
    pub fn new(db: Db, clock: Clock) -> Services {
        Services {
            db,
            clock,
            contexts: Arc::new(context::Cache::default()),
            sessions: Arc::new(sessions::Cache::default()),
            throttle: Arc::new(throttle::Throttle::default()),
            writer: Arc::default(),
            writer_stats: Arc::default(),
            readers: Arc::default(),
        }
    }

    /// The group-commit writer of reports on this database.
    pub fn writer(&self) -> &crate::db::writer::Writer {
        self.writer.get_or_init(|| {
            crate::db::writer::Writer::start(self.db.clone(), self.writer_stats.clone())
        })
    }

    /// What the writer of reports has done so far (for the metrics).
    pub fn writer_stats(&self) -> Arc<crate::db::writer::Stats> {
        self.writer_stats.clone()
    }

    /// The read connections kept for a report's path (see [`crate::db::readers`]): its reads
    /// go through these, every other read through the pool.
    pub fn readers(&self) -> &crate::db::readers::Readers {
        self.readers
            .get_or_init(|| crate::db::readers::Readers::start(self.db.clone()))
    }
}

/// Who asks: a signed-in user with one role and one subtree, as their account stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: i64,
    pub role: Role,
    /// The root of the actor's subtree.
    pub unit: DivisionCode,
    /// Named in the audit log.
    pub username: String,
    /// A reviewer's department: what of each report they see and review.
    pub department: Option<i64>,
}

impl Actor {
    /// Refuses unless the actor has one of `roles`.
    pub fn require_role(&self, roles: &[Role]) -> Result<()> {
        if roles.contains(&self.role) {
            return Ok(());
        }
        Err(Error::ForbiddenRole {
            role: self.role,
            allowed: roles.to_vec(),
        })
    }

    /// Refuses unless `unit` lies in the actor's subtree.
    pub fn require_scope(&self, unit: &DivisionCode) -> Result<()> {
        if self.unit.contains(unit) {
            return Ok(());
        }
        Err(Error::OutOfScope {
            unit: unit.clone(),
            scope: self.unit.clone(),
        })
    }

    /// The subtree a list or figure is about: `unit` when given, else the actor's own;
    /// refused unless it lies in the actor's subtree.
    pub fn scoped(&self, unit: Option<&str>) -> Result<DivisionCode> {
        let unit = match unit {
            Some(code) => parse_code(code, "unit")?,
            None => self.unit.clone(),
        };
        self.require_scope(&unit)?;
        Ok(unit)
    }
}

/// A division code given as `field`.
pub fn parse_code(text: &str, field: &'static str) -> Result<DivisionCode> {
    DivisionCode::parse(text).map_err(|e| Error::division_code(field, text, e))
}

/// A period key, or `invalid_period` saying precisely what is wrong with it.
pub fn parse_period(key: &str) -> Result<Period> {
    Period::parse_key(key).map_err(|e| {
        let mut problem = e.to_problem("period");
        e.code().clone_into(&mut problem.code);
        Error::invalid_period(problem)
    })
}

/// A local date written `YYYY-MM-DD`.
pub fn parse_date(text: &str, field: &str) -> Result<Date> {
    jianfu_core::period::parse_plain_date(text).ok_or_else(|| {
        Error::invalid(Problem::error(
            "invalid_date",
            field,
            format!("{field} 应为 YYYY-MM-DD 格式的日期，收到 {text:?}"),
            format!("{field} must be a date YYYY-MM-DD, got {text:?}"),
            json!({ "field": field, "value": text }),
        ))
    })
}

/// Free text under the one text rule of `core` (no control characters, trimmed, a length
/// in characters).
/// Messages name the field as a person would read it on the page (“问题”, "question").
pub fn clean_text(field: &str, value: &str, rule: TextRule) -> Result<String> {
    let (zh, en) = field_names(field);
    rule.apply(value)
        .map_err(|e| e.to_problem(field, &format!("“{zh}”"), &format!("\"{en}\"")))
        .map_err(|mut problem| {
            if let Some(details) = problem.details.as_object_mut() {
                details.insert("field".to_owned(), json!(field));
            }
            Error::invalid(problem)
        })
}

/// The Chinese and English names of the free-text fields the API takes.
fn field_names(field: &str) -> (&str, &str) {
    match field {
        "question" => ("问题", "question"),
        "reason" => ("原因", "reason"),
        "note" => ("备注", "note"),
        "name" => ("名称", "name"),
        "display_name" => ("姓名", "name"),
        "label_zh" => ("中文名称", "Chinese label"),
        "label_en" => ("英文名称", "English label"),
        "concept" => ("概念", "concept"),
        "outcome_category" => ("成果类别", "outcome category"),
        other => (other, other),
    }
}

/// The default and the largest page of every list.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 500;

/// The page size asked for, 1 to [`MAX_PAGE`], default [`DEFAULT_PAGE`].
pub fn page_limit(limit: Option<u32>) -> Result<u32> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if (1..=MAX_PAGE).contains(&limit) {
        return Ok(limit);
    }
    Err(Error::invalid_query(Problem::error(
        "out_of_range",
        "limit",
        format!("limit 须在 1 到 {MAX_PAGE} 之间，收到 {limit}"),
        format!("limit must be 1 to {MAX_PAGE}, got {limit}"),
        json!({ "field": "limit", "min": 1, "max": MAX_PAGE, "actual": limit }),
    )))
}

/// A page of a list keyed by id, inside a subtree, as asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdPage<'a> {
    /// The subtree; the actor's own unit when `None`.
    pub unit: Option<&'a str>,
    /// The last id of the previous page.
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

impl IdPage<'_> {
    /// The subtree and the window to read, for an actor with one of `roles`.
    pub fn scoped(
        &self,
        actor: &Actor,
        roles: &[Role],
    ) -> Result<(DivisionCode, crate::db::page::Window<i64>)> {
        actor.require_role(roles)?;
        let unit = actor.scoped(self.unit)?;
        let window = crate::db::page::Window {
            after: self.after.unwrap_or(0),
            limit: page_limit(self.limit)?,
        };
        Ok((unit, window))
    }
}

/// A number in `min..=max`, or `validation_failed` naming the field and the limits.
pub fn in_range<T>(field: &str, value: T, min: T, max: T, zh: &str, en: &str) -> Result<T>
where
    T: PartialOrd + Copy + std::fmt::Display + serde::Serialize,
{
    if min <= value && value <= max {
        return Ok(value);
    }
    Err(Error::invalid(Problem::error(
        "out_of_range",
        field,
        format!("{zh}应为 {min} 到 {max}，收到 {value}"),
        format!("{en} must be {min} to {max}, got {value}"),
        json!({ "field": field, "min": min, "max": max, "actual": value }),
    )))
}
