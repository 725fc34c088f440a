//! The village of each roster row: by its 12-digit code, or by its name inside the admin's
//! subtree (a name shared by two villages is refused with both codes and townships).

use super::Row;
use crate::db::org_units::{self, OrgUnit};
use crate::service::sheet::Errors;
use crate::service::{Actor, Result, Services};
use jianfu_core::{DivisionCode, Level};
use std::collections::{BTreeMap, HashMap};

/// The village of every row's village cell, by code or by name inside the actor's subtree.
pub(super) async fn resolve_villages(
    s: &Services,
    actor: &Actor,
    rows: &[Row],
    head: &str,
    errors: &mut Errors,
) -> Result<HashMap<String, OrgUnit>> {
    let is_code = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mut codes: Vec<&str> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for text in rows.iter().filter_map(|r| r.village.as_deref()) {
        if is_code(text) {
            codes.push(text);
        } else {
            names.push(text);
        }
    }
    codes.sort_unstable();
    codes.dedup();
    names.sort_unstable();
    names.dedup();
    let by_code: HashMap<String, OrgUnit> = org_units::get_many(&s.db, &codes)
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    let mut by_name: BTreeMap<String, Vec<OrgUnit>> = BTreeMap::new();
    for village in org_units::villages_named(&s.db, &actor.unit, &names).await? {
        by_name
            .entry(village.name.clone())
            .or_default()
            .push(village);
    }
    let townships: Vec<String> = by_name
        .values()
        .filter(|v| v.len() > 1)
        .flatten()
        .filter_map(|v| v.parent_code.clone())
        .collect();
    let township_refs: Vec<&str> = townships.iter().map(String::as_str).collect();
    let township_names = org_units::names_of(&s.db, &township_refs).await?;

    let mut found = HashMap::new();
    for row in rows {
        let Some(text) = row.village.as_deref() else {
            continue;
        };
        let line = row.line;
        let village = if is_code(text) {
            village_by_code(actor, text, by_code.get(text), line, head, errors)
        } else {
            match by_name.get(text).map(Vec::as_slice) {
                Some([one]) => Some(one.clone()),
                Some(many) => {
                    let list = many
                        .iter()
                        .map(|v| {
                            let township = v
                                .parent_code
                                .as_ref()
                                .and_then(|p| township_names.get(p))
                                .map_or("", String::as_str);
                            format!("{}（{township}）", v.code)
                        })
                        .collect::<Vec<_>>()
                        .join("、");
                    errors.push(
                        line,
                        head,
                        format!("辖区内有 {} 个村叫“{text}”：{list}，请改填村代码", many.len()),
                        format!(
                            "{} villages in your subtree are called \"{text}\": {list}; give the village code",
                            many.len()
                        ),
                    );
                    None
                }
                None => {
                    errors.push(
                        line,
                        head,
                        format!("您的辖区 {} 内没有叫“{text}”的村", actor.unit),
                        format!(
                            "no village in your subtree {} is called \"{text}\"",
                            actor.unit
                        ),
                    );
                    None
                }
            }
        };
        if let Some(village) = village {
            found.insert(text.to_owned(), village);
        }
    }
    Ok(found)
}

fn village_by_code(
    actor: &Actor,
    text: &str,
    stored: Option<&OrgUnit>,
    line: u64,
    head: &str,
    errors: &mut Errors,
) -> Option<OrgUnit> {
    let code = match DivisionCode::parse(text) {
        Ok(code) => code,
        Err(e) => {
            errors.problem(line, head, &e.to_problem("village"));
            return None;
        }
    };
    let (zh, en) = if code.level() != Level::Village {
        (
            format!(
                "{code} 是{}级代码，驻村安排须指定到村（12 位）",
                level_zh(code.level())
            ),
            format!(
                "{code} is a {} code; a posting is to a village (12 digits)",
                code.level()
            ),
        )
    } else if !actor.unit.contains(&code) {
        (
            format!("村 {code} 不在您的管辖范围 {} 内", actor.unit),
            format!("village {code} is outside your subtree {}", actor.unit),
        )
    } else if let Some(village) = stored {
        return Some(village.clone());
    } else {
        (
            format!("没有代码为 {code} 的村"),
            format!("no village has the code {code}"),
        )
    };
    errors.push(line, head, zh, en);
    None
}

fn level_zh(level: Level) -> &'static str {
    match level {
        Level::Province => "省",
        Level::City => "市",
        Level::County => "县",
        Level::Township => "乡镇",
        Level::Village => "村",
    }
}
