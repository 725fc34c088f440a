//! Importing cadres with their postings from the roster a county office already keeps
//! (花名册): one row per posting — name, username or phone, village code or name, start
//! and end date — as CSV or XLSX. All or nothing: every row is checked first against the
//! file and what is stored, each bad cell is named by its line and its column as the file
//! heads it, in Chinese and English, and only a clean roster is stored, in one
//! transaction. A dry run checks without storing. Each new cadre gets a random password,
//! returned once. The columns and templates are in `columns`, the villages in `villages`;
//! this module reads rows, groups them into cadres and stores them (its tests make up a
//! quarter of it).

use super::accounts::{DISPLAY_NAME_MAX, password_error, username_problem};
use super::sheet::{self, Errors, Format, LineError};
use super::{Actor, Error, Result, Services};
use crate::auth::password;
use crate::db::org_units::OrgUnit;
use crate::db::roster::{self, NewPosting, RosterCadre};
use crate::db::users::{CreateError, NewUser};
use futures_util::{StreamExt, TryStreamExt, stream};
use jianfu_core::Role;
use jianfu_core::text::{TextRule, clean};
use jiff::civil::Date;
use std::collections::HashMap;

mod columns;
mod villages;

pub use columns::{Column, template_csv, template_xlsx};
use columns::{TITLE_ROWS, columns};
use villages::resolve_villages;

/// The most rows one roster may have (a county has a few hundred cadres).
pub const MAX_ROWS: usize = 2_000;

/// A posting of an imported cadre, as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPosting {
    pub line: u64,
    pub org_unit: String,
    pub village_name: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
}

/// A cadre of the roster, as checked (and stored, unless a dry run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedCadre {
    pub username: String,
    pub display_name: String,
    /// The new password, shown once; `None` in a dry run.
    pub password: Option<String>,
    pub postings: Vec<ImportedPosting>,
}

/// What an import did, or would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub dry_run: bool,
    /// Accounts created: 0 in a dry run.
    pub created: usize,
    pub cadres: Vec<ImportedCadre>,
    /// Headers of columns the roster has but the import does not use (序号, 备注 …).
    pub ignored_columns: Vec<String>,
}

/// One row, read: the cells that parsed, errors collected on the side.
struct Row {
    line: u64,
    name: Option<String>,
    username: Option<String>,
    village: Option<String>,
    starts_on: Option<Date>,
    ends_on: Option<Date>,
}

/// Imports the roster in `bytes` (admins; every village inside their subtree).
pub async fn import(
    s: &Services,
    actor: &Actor,
    bytes: &[u8],
    format: Format,
    dry_run: bool,
) -> Result<Imported> {
    actor.require_role(&[Role::Admin])?;
    // A title such as “某某县驻村干部花名册” often sits above the header.
    let table = sheet::read(bytes, format)
        .map_err(|e| invalid(vec![LineError::from(e)]))?
        .seek_header(TITLE_ROWS, |cells| {
            cells.iter().any(|c| Column::named(c).is_some())
        });
    let mut errors = Errors::default();
    let (columns, ignored_columns) = columns(&table, &mut errors);
    if !errors.is_empty() {
        return Err(into_error(errors));
    }
    if table.rows.len() > MAX_ROWS {
        errors.push(
            table.rows[MAX_ROWS].0,
            "row",
            format!(
                "一次最多导入 {MAX_ROWS} 行，该文件有 {} 行",
                table.rows.len()
            ),
            format!(
                "a roster has at most {MAX_ROWS} rows; this one has {}",
                table.rows.len()
            ),
        );
        return Err(into_error(errors));
    }
    let heads = |c: Column| columns.get(&c).map_or(c.header().0, |&(_, h)| h);
    let rows: Vec<Row> = table
        .rows
        .iter()
        .map(|(line, cells)| read_row(*line, cells, &columns, &mut errors))
        .collect();
    let villages = resolve_villages(s, actor, &rows, heads(Column::Village), &mut errors).await?;
    let cadres = group(&rows, &villages, &heads, &mut errors);
    let names: Vec<&str> = cadres.iter().map(|c| c.username.as_str()).collect();
    let taken = roster::taken(&s.db, &names).await?;
    for cadre in cadres.iter().filter(|c| taken.contains(&c.username)) {
        let field = heads(Column::Username);
        errors.push(
            cadre.postings[0].line,
            field,
            format!("用户名 {} 已被使用", cadre.username),
            format!("the username {} is taken", cadre.username),
        );
    }
    if !errors.is_empty() {
        return Err(into_error(errors));
    }
    if dry_run {
        return Ok(Imported {
            dry_run,
            created: 0,
            cadres,
            ignored_columns,
        });
    }
    store(s, actor, cadres, ignored_columns).await
}

/// Hashes a new password for each cadre (as many at once as there are password workers)
/// and stores them all.
async fn store(
    s: &Services,
    actor: &Actor,
    mut cadres: Vec<ImportedCadre>,
    ignored_columns: Vec<String>,
) -> Result<Imported> {
    let passwords: Vec<String> = cadres.iter().map(|_| password::generate()).collect();
    let hashes: Vec<String> = stream::iter(passwords.clone())
        .map(password::hash)
        .buffered(password::workers())
        .try_collect()
        .await
        .map_err(password_error)?;
    let rows: Vec<RosterCadre> = cadres
        .iter()
        .zip(hashes)
        .map(|(cadre, password_hash)| RosterCadre {
            user: NewUser {
                username: cadre.username.clone(),
                display_name: cadre.display_name.clone(),
                role: Role::Cadre,
                // The user's unit is the village of their latest posting.
                org_unit: cadre
                    .postings
                    .iter()
                    .max_by(|a, b| a.starts_on.cmp(&b.starts_on))
                    .map(|p| p.org_unit.clone())
                    .unwrap_or_default(),
                password_hash,
                department_id: None,
            },
            postings: cadre
                .postings
                .iter()
                .map(|p| NewPosting {
                    org_unit: p.org_unit.clone(),
                    starts_on: p.starts_on.clone(),
                    ends_on: p.ends_on.clone(),
                })
                .collect(),
        })
        .collect();
    let entry = super::audit::entry(s, actor, "users.import", actor.unit.as_str(), String::new());
    match roster::store(&s.db, &rows, &entry).await {
        Ok(users) => {
            s.contexts.invalidate();
            for (cadre, password) in cadres.iter_mut().zip(passwords) {
                cadre.password = Some(password);
            }
            Ok(Imported {
                dry_run: false,
                created: users.len(),
                cadres,
                ignored_columns,
            })
        }
        // Someone took a username between the check and the write: nothing was stored.
        Err(CreateError::UsernameTaken(_)) => Err(Error::UsernameTaken {
            username: cadres
                .iter()
                .map(|c| c.username.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
        Err(CreateError::Db(e)) => Err(Error::Storage(e)),
    }
}

fn invalid(errors: Vec<LineError>) -> Error {
    Error::ImportInvalid {
        error_count: errors.len(),
        errors,
    }
}

fn into_error(errors: Errors) -> Error {
    Error::ImportInvalid {
        error_count: errors.count,
        errors: errors.listed,
    }
}

/// Reads one row's cells, naming every bad one.
fn read_row(
    line: u64,
    cells: &[String],
    columns: &HashMap<Column, (usize, &str)>,
    errors: &mut Errors,
) -> Row {
    let cell = |c: Column| {
        columns
            .get(&c)
            .and_then(|&(i, _)| cells.get(i))
            .map_or("", String::as_str)
    };
    let head = |c: Column| columns.get(&c).map_or(c.header().0, |&(_, h)| h);
    let name = match clean(
        "name",
        cell(Column::Name),
        TextRule::line(1, DISPLAY_NAME_MAX),
    ) {
        Ok(name) => Some(name),
        Err(problem) => {
            errors.problem(line, head(Column::Name), &problem);
            None
        }
    };
    let username = cadre_username(
        line,
        cell(Column::Username),
        cell(Column::Phone),
        &head,
        errors,
    );
    let village = match cell(Column::Village) {
        "" => {
            errors.push(
                line,
                head(Column::Village),
                "村不能为空：填写村代码或村名",
                "the village is empty: give its code or name",
            );
            None
        }
        text => Some(text.to_owned()),
    };
    let starts_on = date(
        line,
        cell(Column::StartsOn),
        head(Column::StartsOn),
        true,
        errors,
    );
    let ends_on = date(
        line,
        cell(Column::EndsOn),
        head(Column::EndsOn),
        false,
        errors,
    );
    if let (Some(start), Some(end)) = (starts_on, ends_on)
        && end < start
    {
        errors.push(
            line,
            head(Column::EndsOn),
            format!("结束日期 {end} 早于开始日期 {start}"),
            format!("ends_on {end} is before starts_on {start}"),
        );
    }
    Row {
        line,
        name,
        username,
        village,
        starts_on,
        ends_on,
    }
}

/// The username of a row: the username cell, or else the phone number (11 digits, `+86`
/// and separators dropped).
fn cadre_username<'h>(
    line: u64,
    username: &str,
    phone: &str,
    head: &impl Fn(Column) -> &'h str,
    errors: &mut Errors,
) -> Option<String> {
    if !username.is_empty() {
        return match username_problem(username) {
            None => Some(username.to_owned()),
            Some(problem) => {
                errors.problem(line, head(Column::Username), &problem);
                None
            }
        };
    }
    if phone.is_empty() {
        errors.push(
            line,
            head(Column::Username),
            "用户名和手机号都为空，至少填一个",
            "both username and phone are empty: give one",
        );
        return None;
    }
    let digits: String = phone
        .trim_start_matches("+86")
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    if digits.len() == 11 && digits.starts_with('1') && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(digits);
    }
    errors.push(
        line,
        head(Column::Phone),
        format!("手机号应为 11 位数字，收到 {phone:?}"),
        format!("a phone number has 11 digits, got {phone:?}"),
    );
    None
}

fn date(line: u64, text: &str, head: &str, required: bool, errors: &mut Errors) -> Option<Date> {
    if text.is_empty() {
        if required {
            errors.push(
                line,
                head,
                format!("“{head}”不能为空"),
                format!("\"{head}\" is empty"),
            );
        }
        return None;
    }
    let parsed = sheet::parse_date(text);
    if parsed.is_none() {
        errors.push(
            line,
            head,
            format!("“{head}”应为日期，如 2026-03-01，收到 {text:?}"),
            format!("\"{head}\" should be a date such as 2026-03-01, got {text:?}"),
        );
    }
    parsed
}

/// Rows of one username make one cadre with several postings: one name, no two postings
/// sharing a day. Cadres keep the order of their first row.
fn group<'h>(
    rows: &[Row],
    villages: &HashMap<String, OrgUnit>,
    head: &impl Fn(Column) -> &'h str,
    errors: &mut Errors,
) -> Vec<ImportedCadre> {
    let mut cadres: Vec<ImportedCadre> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut periods: Vec<Vec<(Date, Option<Date>, u64)>> = Vec::new();
    for row in rows {
        let (Some(name), Some(username), Some(village), Some(starts_on)) = (
            &row.name,
            &row.username,
            row.village.as_deref().and_then(|v| villages.get(v)),
            row.starts_on,
        ) else {
            continue;
        };
        let posting = ImportedPosting {
            line: row.line,
            org_unit: village.code.clone(),
            village_name: village.name.clone(),
            starts_on: starts_on.to_string(),
            ends_on: row.ends_on.map(|d| d.to_string()),
        };
        let Some(&i) = index.get(username.as_str()) else {
            index.insert(username, cadres.len());
            periods.push(vec![(starts_on, row.ends_on, row.line)]);
            cadres.push(ImportedCadre {
                username: username.clone(),
                display_name: name.clone(),
                password: None,
                postings: vec![posting],
            });
            continue;
        };
        if cadres[i].display_name != *name {
            errors.push(
                row.line,
                head(Column::Name),
                format!(
                    "用户名 {username} 在第 {} 行的姓名是“{}”，这里是“{name}”",
                    cadres[i].postings[0].line, cadres[i].display_name
                ),
                format!(
                    "username {username} is \"{}\" on line {}, \"{name}\" here",
                    cadres[i].display_name, cadres[i].postings[0].line
                ),
            );
            continue;
        }
        let end = row.ends_on.unwrap_or(Date::MAX);
        if let Some(&(_, _, other)) = periods[i]
            .iter()
            .find(|(s, e, _)| *s <= end && e.unwrap_or(Date::MAX) >= starts_on)
        {
            errors.push(
                row.line,
                head(Column::StartsOn),
                format!("{username} 的这段驻村与第 {other} 行的时间重叠"),
                format!("this posting of {username} shares days with the one on line {other}"),
            );
            continue;
        }
        periods[i].push((starts_on, row.ends_on, row.line));
        cadres[i].postings.push(posting);
    }
    cadres
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_read_back_as_an_empty_roster_with_every_column() {
        for (bytes, format) in [
            (template_xlsx().unwrap(), Format::Xlsx),
            (template_csv(), Format::Csv),
        ] {
            let table = sheet::read(&bytes, format).unwrap();
            let columns: Vec<Option<Column>> =
                table.header.iter().map(|h| Column::named(h)).collect();
            assert_eq!(columns, Column::ALL.map(Some), "{format:?}");
            assert!(table.rows.is_empty(), "{format:?}");
        }
    }

    #[test]
    fn headers_are_understood_in_their_common_forms() {
        for (header, column) in [
            ("姓名", Column::Name),
            (" Name ", Column::Name),
            ("手机号码", Column::Phone),
            ("村（代码或名称）", Column::Village),
            ("村名", Column::Village),
            ("驻村开始日期", Column::StartsOn),
            ("ends_on", Column::EndsOn),
        ] {
            assert_eq!(Column::named(header), Some(column), "{header}");
        }
        assert_eq!(Column::named("序号"), None);
        assert_eq!(Column::named("备注"), None);
    }

    #[test]
    fn a_phone_is_a_username_when_no_username_is_given() {
        let head = |c: Column| c.header().0;
        let mut errors = Errors::default();
        assert_eq!(
            cadre_username(2, "", "+86 138-0000-1111", &head, &mut errors).as_deref(),
            Some("13800001111")
        );
        assert_eq!(
            cadre_username(3, "zhang.wei", "13800001111", &head, &mut errors).as_deref(),
            Some("zhang.wei")
        );
        assert!(errors.is_empty());
        assert_eq!(cadre_username(4, "", "12345", &head, &mut errors), None);
        assert_eq!(cadre_username(5, "", "", &head, &mut errors), None);
        assert_eq!(cadre_username(6, "Zhang", "", &head, &mut errors), None);
        let named: Vec<(u64, &str)> = errors
            .listed
            .iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect();
        assert_eq!(named, [(4, "手机号"), (5, "用户名"), (6, "用户名")]);
    }
}
