//! Reading an uploaded sheet — CSV (UTF-8, or GB18030 as Excel saves it on a Chinese
//! Windows) or the first worksheet of an XLSX file — into text cells with their line
//! numbers, and collecting the problems of an upload line by line, in both languages.

use jianfu_core::Problem;
use serde::Serialize;
use std::io::Cursor;

/// At most this many line errors are listed; the total is always counted.
pub const MAX_LISTED_ERRORS: usize = 100;

/// One problem in an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// 1-based line number in the file (the row number a spreadsheet shows).
    pub line: u64,
    /// The column, as the file names it; `row` for a problem with the row as a whole.
    pub field: String,
    pub message_zh: String,
    pub message_en: String,
}

/// Collects line errors, listing the first [`MAX_LISTED_ERRORS`].
#[derive(Debug, Default)]
pub struct Errors {
    pub count: usize,
    pub listed: Vec<LineError>,
}

impl Errors {
    pub fn push(
        &mut self,
        line: u64,
        field: impl Into<String>,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) {
        self.count += 1;
        if self.listed.len() < MAX_LISTED_ERRORS {
            self.listed.push(LineError {
                line,
                field: field.into(),
                message_zh: zh.into(),
                message_en: en.into(),
            });
        }
    }

    /// A problem found by a shared check, on `field` of `line`.
    pub fn problem(&mut self, line: u64, field: impl Into<String>, problem: &Problem) {
        self.push(
            line,
            field,
            problem.message_zh.clone(),
            problem.message_en.clone(),
        );
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// The kinds of file an upload may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

pub const XLSX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A sheet as text: the header row, then every other non-empty row with its line number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub header_line: u64,
    pub header: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    /// Looks past title rows: when the header row is not accepted by `is_header` but one
    /// of the next `within` rows is, that row becomes the header and the rows above it are
    /// dropped. Otherwise the table is left as read (its header is then refused by name).
    #[must_use]
    pub fn seek_header(mut self, within: usize, is_header: impl Fn(&[String]) -> bool) -> Table {
        if is_header(&self.header) {
            return self;
        }
        if let Some(at) = self
            .rows
            .iter()
            .take(within)
            .position(|(_, cells)| is_header(cells))
        {
            let mut rest = self.rows.split_off(at);
            let (line, header) = rest.remove(0);
            self.header_line = line;
            self.header = header;
            self.rows = rest;
        }
        self
    }
}

/// Why a file could not be read as a sheet at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub message_zh: String,
    pub message_en: String,
}

impl From<Unreadable> for LineError {
    fn from(u: Unreadable) -> Self {
        LineError {
            line: 0,
            field: "row".to_owned(),
            message_zh: u.message_zh,
            message_en: u.message_en,
        }
    }
}

/// Reads `bytes` as `format`. Cells are trimmed; rows whose cells are all empty are left
/// out. The first non-empty row is the header.
pub fn read(bytes: &[u8], format: Format) -> Result<Table, Unreadable> {
    let rows = match format {
        Format::Csv => csv_rows(bytes)?,
        Format::Xlsx => xlsx_rows(bytes)?,
    };
    let mut rows = rows
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()));
    let Some((header_line, header)) = rows.next() else {
        return Err(Unreadable {
            message_zh: "文件是空的：第一行应为表头".to_owned(),
            message_en: "the file is empty: its first row should be the header".to_owned(),
        });
    };
    Ok(Table {
        header_line,
        header,
        rows: rows.collect(),
    })
}

/// UTF-8 (with or without a byte-order mark) when the bytes are valid UTF-8, else GB18030,
/// the encoding Excel uses for "CSV" on a Chinese Windows.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

fn csv_rows(bytes: &[u8]) -> Result<Vec<(u64, Vec<String>)>, Unreadable> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // (byte, line) of the last record's start.
    let mut counted = (0_usize, 1_u64);
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(rows),
            Ok(true) => {
                // The record's own line, counted from its first byte: the reader skips
                // blank lines without counting them.
                let mut start = record
                    .position()
                    .and_then(|p| usize::try_from(p.byte()).ok())
                    .unwrap_or(counted.0);
                // The position given is before the blank lines, not after them.
                while matches!(text.as_bytes().get(start), Some(b'\n' | b'\r')) {
                    start += 1;
                }
                counted.1 += text
                    .get(counted.0..start)
                    .map_or(0, |skipped| skipped.matches('\n').count() as u64);
                counted.0 = start;
                rows.push((
                    counted.1,
                    record.iter().map(|c| c.trim().to_owned()).collect(),
                ));
            }
            Err(e) => {
                return Err(Unreadable {
                    message_zh: format!("第 {line} 行无法按 CSV 读取：{e}"),
                    message_en: format!("line {line} cannot be read as CSV: {e}"),
                });
            }
        }
    }
}

fn xlsx_rows(bytes: &[u8]) -> Result<Vec<(u64, Vec<String>)>, Unreadable> {
    use calamine::{Reader, Xlsx};
    let unreadable = |e: &dyn std::fmt::Display| Unreadable {
        message_zh: format!("无法按 XLSX 读取该文件：{e}"),
        message_en: format!("the file cannot be read as XLSX: {e}"),
    };
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let range = match workbook.worksheet_range_at(0) {
        Some(range) => range.map_err(|e| unreadable(&e))?,
        None => return Ok(Vec::new()),
    };
    let first_row = range.start().map_or(0, |(row, _)| row);
    let first_column = range.start().map_or(0, |(_, column)| column) as usize;
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| {
            let mut cells = vec![String::new(); first_column];
            cells.extend(row.iter().map(cell_text));
            (u64::from(first_row) + i as u64 + 1, cells)
        })
        .collect())
}

/// A cell as the text a person would type: whole numbers without a fraction (a phone
/// number or a division code kept as a number), dates as `YYYY-MM-DD`.
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        #[allow(clippy::cast_possible_truncation)]
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => (*f as i64).to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (year, month, day, ..) = d.to_ymd_hms_milli();
            format!("{year:04}-{month:02}-{day:02}")
        }
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A date as people write it in a sheet: `2026-03-01`, `2026/3/1`, `2026.3.1` or
/// `2026年3月1日`.
pub fn parse_date(text: &str) -> Option<jiff::civil::Date> {
    let text = text.trim().trim_end_matches('日');
    let parts: Vec<&str> = text.split(['-', '/', '.', '年', '月']).collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let number = |s: &str, digits: std::ops::RangeInclusive<usize>| {
        (digits.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i16>().ok())
            .flatten()
    };
    let (year, month, day) = (
        number(year, 4..=4)?,
        number(month, 1..=2)?,
        number(day, 1..=2)?,
    );
    jiff::civil::Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_people_write_them() {
        let day = jiff::civil::date(2026, 3, 1);
        for text in [
            "2026-03-01",
            "2026/3/1",
            "2026.3.1",
            "2026年3月1日",
            " 2026-3-01 ",
        ] {
            assert_eq!(parse_date(text), Some(day), "{text}");
        }
        for text in [
            "2026-02-30",
            "26-3-1",
            "2026-3",
            "2026-03-01x",
            "",
            "1 March 2026",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    #[test]
    fn csv_in_gb18030_reads_like_utf8() {
        let text = "姓名,村\n张伟,城一村\n";
        let (gbk, _, _) = encoding_rs::GB18030.encode(text);
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        for bytes in [text.as_bytes(), &gbk, &with_bom] {
            let table = read(bytes, Format::Csv).unwrap();
            assert_eq!(table.header, ["姓名", "村"]);
            assert_eq!(
                table.rows,
                [(2, vec!["张伟".to_owned(), "城一村".to_owned()])]
            );
        }
    }

    #[test]
    fn empty_rows_are_skipped_and_lines_kept() {
        let table = read(b"\n,,\nname,village\n,\na,b\n", Format::Csv).unwrap();
        assert_eq!(table.header_line, 3);
        assert_eq!(table.rows, [(5, vec!["a".to_owned(), "b".to_owned()])]);
        assert!(read(b"\n,\n", Format::Csv).is_err());
    }

    #[test]
    fn a_title_above_the_header_is_passed_over() {
        let is_header = |cells: &[String]| cells.iter().any(|c| c == "name");
        let table = read(b"Roster 2026\n\nname,village\na,b\n", Format::Csv).unwrap();
        let table = table.seek_header(5, is_header);
        assert_eq!(
            (table.header_line, table.header.as_slice()),
            (3, ["name", "village"].map(String::from).as_slice())
        );
        assert_eq!(table.rows, [(4, vec!["a".to_owned(), "b".to_owned()])]);
        // No row is a header: the table is left as read.
        let table = read(
            b"x,y
a,b
",
            Format::Csv,
        )
        .unwrap()
        .seek_header(5, is_header);
        assert_eq!(table.header, ["x", "y"]);
        assert_eq!(table.rows.len(), 1);
    }

    #[test]
    fn a_file_that_is_not_xlsx_is_unreadable() {
        assert!(read(b"name,village\n", Format::Xlsx).is_err());
    }
}
