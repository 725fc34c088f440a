//! The roster's columns: what a county office may call each (header synonyms), which cell
//! holds which column, and the template files to fill in.

use super::{Error, Result};
use crate::service::sheet::{Errors, Table};
use std::collections::HashMap;

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
    pub(super) fn named(header: &str) -> Option<Column> {
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

/// How many rows above the header may hold a title.
pub(super) const TITLE_ROWS: usize = 5;

/// Which cell holds which column, with the header as written; the headers not used.
pub(super) fn columns<'t>(
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
