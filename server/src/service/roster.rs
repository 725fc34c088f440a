//! Importing cadres with their postings from the roster a county office already keeps
//! (花名册): one row per posting — name, username or phone, village code or name, start
//! and end date — as CSV or XLSX. All or nothing: every row is checked first against the
//! file and what is stored, each bad cell is named by its line and its column as the file
//! heads it, in Chinese and English, and only a clean roster is stored, in one
//! transaction. A dry run checks without storing. Each new cadre gets a random password,
//! returned once.

use super::accounts::{DISPLAY_NAME_MAX, password_error, username_problem};
use super::sheet::{self, Errors, Format, LineError, Table};
use super::{Actor, Error, Result, Services};
use crate::auth::password;
use crate::db::org_units::{self, OrgUnit};
use crate::db::roster::{self, NewPosting, RosterCadre};
use crate::db::users::{CreateError, NewUser};
use futures_util::{StreamExt, TryStreamExt, stream};
use jianfu_core::text::{TextRule, clean};
use jianfu_core::{DivisionCode, Level, Role};
use jiff::civil::Date;
use std::collections::{BTreeMap, HashMap};

/// The most rows one roster may have (a county has a few hundred cadres).
pub const MAX_ROWS: usize = 2_000;

/// A column of the roster, whatever the file calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Name,
    Username,
    Phone,
    Village,
    StartsOn,
    EndsOn,
}

impl Column {
    pub const ALL: [Column; 6] = [
        Column::Name,
        Column::Username,
        Column::Phone,
        Column::Village,
        Column::StartsOn,
        Column::EndsOn,
    ];

    /// The header the template file uses, in Chinese and English.
    pub fn header(self) -> (&'static str, &'static str) {
        match self {
            Column::Name => ("姓名", "name"),
            Column::Username => ("用户名", "username"),
            Column::Phone => ("手机号", "phone"),
            Column::Village => ("村", "village"),
            Column::StartsOn => ("开始日期", "starts_on"),
            Column::EndsOn => ("结束日期", "ends_on"),
        }
    }

    /// What a cell of the column holds, for the template's notes.
    pub fn note(self) -> (&'static str, &'static str) {
        match self {
            Column::Name => ("必填，最多 64 个字", "required, at most 64 characters"),
            Column::Username => (
                "用户名与手机号至少填一个；3 到 32 个小写字母、数字或 . _ -",
                "username or phone, at least one; 3 to 32 lowercase letters, digits or . _ -",
            ),
            Column::Phone => (
                "未填用户名时，手机号（11 位）即为用户名",
                "without a username, the 11-digit phone number is the username",
            ),
            Column::Village => (
                "必填：12 位村代码，或本辖区内的村名（重名时请填代码）",
                "required: the 12-digit village code, or a village name in your subtree (the code when names repeat)",
            ),
            Column::StartsOn => (
                "必填：2026-03-01、2026/3/1 或表格日期",
                "required: 2026-03-01, 2026/3/1 or a spreadsheet date",
            ),
            Column::EndsOn => (
                "选填，含当天；不填表示仍在驻村",
                "optional, inclusive; empty while the posting lasts",
            ),
        }
    }

    /// The column a header names: the template's words, common variants and a note in
    /// brackets (`村（代码或名称）`) are all understood.
    fn named(header: &str) -> Option<Column> {
        let word: String = header
            .split(['（', '('])
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase();
        Some(match word.as_str() {
            "姓名" | "名字" | "干部姓名" | "name" | "display_name" => Column::Name,
            "用户名" | "账号" | "帐号" | "登录名" | "username" => Column::Username,
            "手机号" | "手机" | "手机号码" | "电话" | "联系电话" | "phone" | "mobile" => {
                Column::Phone
            }
            "村" | "村名" | "村代码" | "驻村" | "所驻村" | "驻村村" | "村名或代码" | "village"
            | "village_code" | "village_name" => Column::Village,
            "开始日期" | "驻村开始日期" | "起始日期" | "开始" | "starts_on" | "start" => {
                Column::StartsOn
            }
            "结束日期" | "驻村结束日期" | "截止日期" | "结束" | "ends_on" | "end" => {
                Column::EndsOn
            }
            _ => return None,
        })
    }
}

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

/// How many rows above the header may hold a title.
const TITLE_ROWS: usize = 5;

/// Which cell holds which column, with the header as written; the headers not used.
fn columns<'t>(
    table: &'t Table,
    errors: &mut Errors,
) -> (HashMap<Column, (usize, &'t str)>, Vec<String>) {
    let mut found: HashMap<Column, (usize, &str)> = HashMap::new();
    let mut ignored = Vec::new();
    for (index, header) in table.header.iter().enumerate() {
        match Column::named(header) {
            Some(column) => {
                if let Some((_, first)) = found.get(&column) {
                    errors.push(
                        table.header_line,
                        header.clone(),
                        format!("“{header}”与“{first}”是同一列，只能保留一个"),
                        format!("\"{header}\" and \"{first}\" are the same column: keep one"),
                    );
                } else {
                    found.insert(column, (index, header));
                }
            }
            None if header.is_empty() => {}
            None => ignored.push(header.clone()),
        }
    }
    for column in [Column::Name, Column::Village, Column::StartsOn] {
        if !found.contains_key(&column) {
            let (zh, en) = column.header();
            errors.push(
                table.header_line,
                zh,
                format!("缺少“{zh}”列（表头应包含 姓名、用户名或手机号、村、开始日期）"),
                format!(
                    "the column \"{en}\" is missing (the header needs name, username or phone, village, starts_on)"
                ),
            );
        }
    }
    if !found.contains_key(&Column::Username) && !found.contains_key(&Column::Phone) {
        errors.push(
            table.header_line,
            "用户名",
            "缺少“用户名”或“手机号”列，至少需要其中一个",
            "the column \"username\" or \"phone\" is missing: one of them is needed",
        );
    }
    (found, ignored)
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

/// The village of every row's village cell, by code or by name inside the actor's subtree.
async fn resolve_villages(
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

/// The template of a roster as an XLSX workbook: a 花名册 sheet with the header row (dates
/// formatted as dates, the phone and code columns as text so Excel keeps their digits) and
/// a 说明 sheet that explains each column in Chinese and English.
pub fn template_xlsx() -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let failed = |e: rust_xlsxwriter::XlsxError| {
        Error::internal(format!("writing the template failed: {e}"))
    };
    let mut workbook = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let text = CellFormat::new().set_num_format("@");
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    let sheet = workbook
        .add_worksheet()
        .set_name("花名册")
        .map_err(failed)?;
    for (col, column) in (0_u16..).zip(Column::ALL) {
        sheet
            .write_with_format(0, col, column.header().0, &bold)
            .map_err(failed)?;
        let format = match column {
            Column::StartsOn | Column::EndsOn => &date,
            _ => &text,
        };
        sheet.set_column_format(col, format).map_err(failed)?;
        sheet
            .set_column_width(col, if column == Column::Village { 24 } else { 16 })
            .map_err(failed)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    let notes = workbook.add_worksheet().set_name("说明").map_err(failed)?;
    for (col, header) in (0_u16..).zip(["列", "填写说明", "column", "what to write"]) {
        notes
            .write_with_format(0, col, header, &bold)
            .map_err(failed)?;
    }
    for (row, column) in (1_u32..).zip(Column::ALL) {
        let ((zh, en), (note_zh, note_en)) = (column.header(), column.note());
        for (col, value) in (0_u16..).zip([zh, note_zh, en, note_en]) {
            notes.write(row, col, value).map_err(failed)?;
        }
    }
    notes.set_column_width(1, 60).map_err(failed)?;
    notes.set_column_width(3, 60).map_err(failed)?;
    workbook.save_to_buffer().map_err(failed)
}

/// The template of a roster as CSV: the header row only, UTF-8 with a byte-order mark so
/// Excel opens the Chinese headers correctly.
pub fn template_csv() -> Vec<u8> {
    let header: Vec<&str> = Column::ALL.iter().map(|c| c.header().0).collect();
    format!("\u{feff}{}\r\n", header.join(",")).into_bytes()
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
