//! The administrative tree as its users see it: a unit with its path, its children page by
//! page, adding one unit (admins) and importing many (admins) — always inside the
//! caller's subtree.

use super::import::{self, ImportSummary, Importer, ParsedFile};
use super::{Actor, Error, Result, Services, parse_code};
use crate::db::org_units::{self, OrgUnit};
use crate::db::page::{Page, Window};
use jianfu_core::{DivisionCode, DivisionRow, Problem, Role};
use serde_json::json;

/// A unit and its ancestors from the province down to its parent.
#[derive(Debug, Clone)]
pub struct WithPath {
    pub unit: OrgUnit,
    pub path: Vec<OrgUnit>,
}

/// Children of `parent` (default: the actor's own unit), in code order (anyone in scope).
pub async fn children(
    s: &Services,
    actor: &Actor,
    parent: Option<&str>,
    after: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<OrgUnit, String>> {
    let parent = match parent {
        Some(text) => parse_code(text, "parent")?,
        None => actor.unit.clone(),
    };
    actor.require_scope(&parent)?;
    let after = after.map(|a| parse_code(a, "after")).transpose()?;
    let window = Window {
        after: after.map(|a| a.to_string()).unwrap_or_default(),
        limit: super::page_limit(limit)?,
    };
    if org_units::get(&s.db, &parent).await?.is_none() {
        return Err(Error::OrgUnitNotFound(parent));
    }
    let rows = org_units::children(&s.db, &parent, &window).await?;
    Ok(window.page(rows, |u| u.code.clone()))
}

/// One unit with its path (anyone in scope).
pub async fn with_path(s: &Services, actor: &Actor, code: &str) -> Result<WithPath> {
    let code = parse_code(code, "code")?;
    actor.require_scope(&code)?;
    let unit = org_units::get(&s.db, &code)
        .await?
        .ok_or_else(|| Error::OrgUnitNotFound(code.clone()))?;
    let ancestors: Vec<DivisionCode> = code.path().into_iter().filter(|c| *c != code).collect();
    let codes: Vec<&str> = ancestors.iter().map(DivisionCode::as_str).collect();
    let path = org_units::get_many(&s.db, &codes).await?;
    Ok(WithPath { unit, path })
}

fn importer(actor: &Actor) -> Importer {
    Importer {
        actor_id: Some(actor.id),
        actor: actor.username.clone(),
        scope: Some(actor.unit.clone()),
    }
}

/// Add one unit under an existing parent (admins, inside their subtree).
pub async fn create(s: &Services, actor: &Actor, code: &str, name: &str) -> Result<OrgUnit> {
    actor.require_role(&[Role::Admin])?;
    let code = parse_code(code.trim(), "code")?;
    actor.require_scope(&code)?;
    let row = DivisionRow::new(code.clone(), name).map_err(|e| {
        Error::invalid(Problem::error(
            "invalid_name",
            e.field(),
            "名称须为 1 到 64 个字符，不含控制字符",
            e.to_string(),
            json!({ "field": e.field() }),
        ))
    })?;
    let Some(parent) = code.parent() else {
        return Err(Error::ParentNotFound { code, parent: None });
    };
    if org_units::get(&s.db, &code).await?.is_some() {
        return Err(Error::OrgUnitExists(code));
    }
    if org_units::get(&s.db, &parent).await?.is_none() {
        return Err(Error::ParentNotFound {
            code,
            parent: Some(parent),
        });
    }
    let file = ParsedFile {
        rows: vec![(1, row)],
    };
    match import::apply(&s.db, &file, &importer(actor)).await {
        Ok(_) => {}
        Err(import::ImportError::Db(e)) if crate::db::is_unique_violation(&e) => {
            return Err(Error::OrgUnitExists(code));
        }
        Err(e) => return Err(e.into()),
    }
    org_units::get(&s.db, &code)
        .await?
        .ok_or(Error::OrgUnitNotFound(code))
}

/// Import `code,name,level,parent_code` rows (CSV, optionally gzip), all or nothing: new
/// and renamed units must lie in the actor's subtree; identical rows are left alone.
pub async fn import_csv(s: &Services, actor: &Actor, body: bytes::Bytes) -> Result<ImportSummary> {
    actor.require_role(&[Role::Admin])?;
    let parsed = tokio::task::spawn_blocking(move || import::parse(body.as_ref(), None))
        .await
        .map_err(Error::internal)??;
    Ok(import::apply(&s.db, &parsed, &importer(actor)).await?)
}
