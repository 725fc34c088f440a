//! Importing the administrative tree from `code,name,level,parent_code` CSV (plain or
//! gzip), the format of the national file. One parser serves the command line and the
//! API. An import is all or nothing: every row is checked first, errors name the line
//! and the field, and only a clean file is written, in one transaction. Units already
//! stored with the same name are left alone, so a second identical import writes nothing.

use super::sheet::{Errors, LineError};
use crate::db::{self, Db, audit, org_units::ImportWrite};
use jianfu_core::{DivisionCode, DivisionRow};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read};
use std::rc::Rc;

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Rows taken from the file (after the prefix filter, duplicates counted once).
    pub rows: usize,
    pub inserted: usize,
    /// Stored units whose name changed.
    pub updated: usize,
    pub unchanged: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file has {error_count} bad rows; nothing was imported")]
    Invalid {
        error_count: usize,
        errors: Vec<LineError>,
    },
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The checked rows of a file, each with its line number.
#[derive(Debug, Default)]
pub struct ParsedFile {
    pub rows: Vec<(u64, DivisionRow)>,
}

/// The file's errors, or `ok` when there are none.
fn checked<T>(errors: Errors, ok: T) -> Result<T, ImportError> {
    if errors.is_empty() {
        Ok(ok)
    } else {
        Err(ImportError::Invalid {
            error_count: errors.count,
            errors: errors.listed,
        })
    }
}

const HEADER: [&str; 4] = ["code", "name", "level", "parent_code"];

/// The bytes the CSV reader reads, passed through while their line ends are noted, so that
/// a row's line number is exact: the reader's own count is off after blank lines and with
/// CRLF line ends (BurntSushi/rust-csv#208 and #395).
struct Counted<R> {
    inner: R,
    ends: Rc<RefCell<LineEnds>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut ends = self.ends.borrow_mut();
        let read = ends.read;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' || b == b'\r' {
                ends.pending.push_back((read + i as u64, b));
            }
        }
        ends.read = read + n as u64;
        Ok(n)
    }
}

/// The line ends read but not yet behind a row, and how many lines lie behind.
#[derive(Debug, Default)]
struct LineEnds {
    /// Bytes read so far.
    read: u64,
    /// Offsets of the `\r` and `\n` bytes read, from the last row's start on.
    pending: VecDeque<(u64, u8)>,
    /// `\n` bytes before the first pending one.
    lines_before: u64,
}

impl LineEnds {
    /// The line (from 1) of the row the reader placed at `byte`. That position can be
    /// before blank lines the reader skipped, or on the `\n` of a CRLF it did not consume:
    /// line ends at the position are stepped over to reach the row's first byte.
    fn line_of(&mut self, byte: u64) -> u64 {
        while let Some(&(at, b)) = self.pending.front() {
            if at >= byte {
                break;
            }
            self.lines_before += u64::from(b == b'\n');
            self.pending.pop_front();
        }
        let stepped_over = (byte..)
            .zip(&self.pending)
            .take_while(|(start, (at, _))| at == start)
            .filter(|(_, (_, b))| *b == b'\n')
            .count();
        self.lines_before + stepped_over as u64 + 1
    }
}

/// Reads and checks every row; with `prefix`, keeps only that unit's subtree and its ancestors.
/// Gzip input is recognised by its magic bytes. An optional header line is skipped.
pub fn parse(input: impl Read, prefix: Option<&DivisionCode>) -> Result<ParsedFile, ImportError> {
    let mut input = BufReader::with_capacity(1 << 16, input);
    let gzip = input.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read> = if gzip {
        Box::new(flate2::bufread::MultiGzDecoder::new(input))
    } else {
        Box::new(input)
    };
    let ends = Rc::new(RefCell::new(LineEnds::default()));
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(Counted {
            inner: reader,
            ends: ends.clone(),
        });

    let mut errors = Errors::default();
    let mut parsed = ParsedFile::default();
    let mut seen: HashMap<DivisionCode, (u64, usize)> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        let before = csv.position().byte();
        let line = match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => ends
                .borrow_mut()
                .line_of(record.position().map_or(before, csv::Position::byte)),
            Err(e) => {
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Err(ImportError::Io(std::io::Error::other(e.to_string())));
                }
                let line = ends
                    .borrow_mut()
                    .line_of(e.position().map_or(before, csv::Position::byte));
                errors.push(
                    line,
                    "row",
                    format!("该行无法读取：{e}"),
                    format!("unreadable row: {e}"),
                );
                continue;
            }
        };
        if line == 1 && record.iter().eq(HEADER) {
            continue;
        }
        if record.len() != 4 {
            errors.push(
                line,
                "row",
                format!(
                    "每行应有 4 列 code,name,level,parent_code，该行有 {} 列",
                    record.len()
                ),
                format!(
                    "expected 4 fields code,name,level,parent_code, found {}",
                    record.len()
                ),
            );
            continue;
        }
        let row = match DivisionRow::parse(&record[0], &record[1], &record[2], &record[3]) {
            Ok(row) => row,
            Err(e) => {
                errors.problem(line, e.field(), &e.to_problem());
                continue;
            }
        };
        if let Some(prefix) = prefix {
            if !prefix.contains(&row.code) && !row.code.contains(prefix) {
                continue;
            }
        }
        if let Some(&(first_line, index)) = seen.get(&row.code) {
            if parsed.rows[index].1 != row {
                errors.push(
                    line,
                    "code",
                    format!("代码 {} 已在第 {first_line} 行出现，名称不同", row.code),
                    format!(
                        "code {} is already on line {first_line} with another name",
                        row.code
                    ),
                );
            }
            continue;
        }
        seen.insert(row.code.clone(), (line, parsed.rows.len()));
        parsed.rows.push((line, row));
    }
    checked(errors, parsed)
}

/// Who is importing, for the scope check and the audit log.
#[derive(Debug, Clone)]
pub struct Importer {
    pub actor_id: Option<i64>,
    pub actor: String,
    /// New or renamed units must lie inside this subtree; `None` (command line) means anywhere.
    pub scope: Option<DivisionCode>,
}

/// Checks the parsed rows against what is stored and writes the difference in one transaction.
pub async fn apply(
    db: &Db,
    file: &ParsedFile,
    importer: &Importer,
) -> Result<ImportSummary, ImportError> {
    let in_file: HashSet<&str> = file.rows.iter().map(|(_, r)| r.code.as_str()).collect();
    let mut lookup: Vec<&str> = in_file.iter().copied().collect();
    let outside_parents: HashSet<String> = file
        .rows
        .iter()
        .filter_map(|(_, r)| r.parent().map(String::from))
        .filter(|p| !in_file.contains(p.as_str()))
        .collect();
    lookup.extend(outside_parents.iter().map(String::as_str));
    let stored = db::org_units::names_of(db, &lookup).await?;

    let mut errors = Errors::default();
    let mut write = ImportWrite::default();
    let mut summary = ImportSummary {
        rows: file.rows.len(),
        ..ImportSummary::default()
    };
    for (line, row) in &file.rows {
        if let Some(parent) = row.parent() {
            if !in_file.contains(parent.as_str()) && !stored.contains_key(parent.as_str()) {
                errors.push(
                    *line,
                    "parent_code",
                    format!("上级单位 {parent} 既不在本文件中，也未存储"),
                    format!("parent {parent} is neither in this file nor stored"),
                );
                continue;
            }
        }
        let change = match stored.get(row.code.as_str()) {
            Some(name) if *name == row.name => {
                summary.unchanged += 1;
                continue;
            }
            Some(_) => &mut write.renames,
            None => &mut write.inserts,
        };
        if let Some(scope) = &importer.scope {
            if !scope.contains(&row.code) {
                errors.push(
                    *line,
                    "code",
                    format!("{} 不在您的管辖范围 {scope} 内，不能新增或改名", row.code),
                    format!(
                        "{} is outside your subtree {scope}: it may not be added or renamed",
                        row.code
                    ),
                );
                continue;
            }
        }
        change.push(row.clone());
    }
    let mut summary = checked(errors, summary)?;
    summary.inserted = write.inserts.len();
    summary.updated = write.renames.len();
    if summary.inserted + summary.updated == 0 {
        return Ok(summary);
    }
    // Parents before children, so every foreign key points at a row already written.
    write
        .inserts
        .sort_by(|a, b| (a.level, &a.code).cmp(&(b.level, &b.code)));
    let entry = audit::Entry {
        at: db::now(),
        actor_id: importer.actor_id,
        actor: importer.actor.clone(),
        action: "org_units.import",
        scope: importer
            .scope
            .as_ref()
            .map_or_else(String::new, ToString::to_string),
        target: "org_units".to_owned(),
        before: None,
        after: serde_json::to_string(&summary).ok(),
    };
    db::org_units::apply_import(db, &write, &entry).await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::sheet::MAX_LISTED_ERRORS;

    fn parse_text(text: &str, prefix: Option<&str>) -> Result<ParsedFile, ImportError> {
        let prefix = prefix.map(|p| DivisionCode::parse(p).unwrap());
        parse(text.as_bytes(), prefix.as_ref())
    }

    fn line_errors(result: Result<ParsedFile, ImportError>) -> Vec<(u64, &'static str)> {
        match result {
            Err(ImportError::Invalid { errors, .. }) => errors
                .iter()
                .map(|e| {
                    let field = ["row", "code", "name", "level", "parent_code"]
                        .into_iter()
                        .find(|f| *f == e.field)
                        .expect("a column of the format");
                    (e.line, field)
                })
                .collect(),
            other => panic!("expected line errors, got {other:?}"),
        }
    }

    const SAMPLE: &str = "13,\"河北省\",province,\"\"\n1309,\"沧州市\",city,13\n130928,\"吴桥县\",county,1309\n1310,\"廊坊市\",city,13\n131001,\"安次区\",county,1310\n";

    #[test]
    fn reads_the_national_format_with_or_without_a_header() {
        assert_eq!(parse_text(SAMPLE, None).unwrap().rows.len(), 5);
        let with_header = format!("code,name,level,parent_code\n{SAMPLE}");
        let parsed = parse_text(&with_header, None).unwrap();
        assert_eq!(parsed.rows.len(), 5);
        assert_eq!(parsed.rows[0].0, 2, "line numbers count the header");
    }

    #[test]
    fn reads_gzip() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(SAMPLE.as_bytes()).unwrap();
        let bytes = gz.finish().unwrap();
        assert_eq!(parse(bytes.as_slice(), None).unwrap().rows.len(), 5);
    }

    #[test]
    fn a_prefix_keeps_the_subtree_and_its_ancestors() {
        let parsed = parse_text(SAMPLE, Some("1309")).unwrap();
        let codes: Vec<&str> = parsed.rows.iter().map(|(_, r)| r.code.as_str()).collect();
        assert_eq!(codes, ["13", "1309", "130928"]);
    }

    #[test]
    fn bad_rows_are_named_by_line_and_field() {
        let text = "13,\"河北省\",province,\"\"\n1309,沧州市,city\n13x9,\"沧州市\",city,13\n1310,\"\",city,13\n1311,\"衡水市\",town,13\n1312,\"A\",city,14\n";
        assert_eq!(
            line_errors(parse_text(text, None)),
            [
                (2, "row"),
                (3, "code"),
                (4, "name"),
                (5, "level"),
                (6, "parent_code")
            ]
        );
    }

    #[test]
    fn blank_lines_count_in_the_line_numbers() {
        let text = "13,\"河北省\",province,\"\"\n\n\n1309,沧州市,city\n\n13x9,\"沧州市\",city,13\n";
        assert_eq!(
            line_errors(parse_text(text, None)),
            [(4, "row"), (6, "code")]
        );
        let mut bytes = b"13,\"\xe6\xb2\xb3\",province,\"\"\n\n".to_vec();
        bytes.extend_from_slice(b"1311,\"\xff\xfe\",city,13\n");
        assert_eq!(line_errors(parse(bytes.as_slice(), None)), [(3, "row")]);
        // Excel's CRLF line ends, with a blank line; then a quoted name over two lines.
        let crlf =
            "13,\"河北省\",province,\"\"\r\n\r\n1309,沧州市,city\r\n13x9,\"沧州市\",city,13\r\n";
        assert_eq!(
            line_errors(parse_text(crlf, None)),
            [(3, "row"), (4, "code")]
        );
        let quoted = "13,\"河北省\",province,\"\"\n1310,\"廊\n坊市\",city,13\n1311,\"\",city,13\n";
        assert_eq!(
            line_errors(parse_text(quoted, None)).last(),
            Some(&(4, "name"))
        );
    }

    #[test]
    fn a_code_twice_with_different_names_is_an_error_but_an_exact_repeat_is_not() {
        let repeat = format!("{SAMPLE}1309,\"沧州市\",city,13\n");
        assert_eq!(parse_text(&repeat, None).unwrap().rows.len(), 5);
        let clash = format!("{SAMPLE}1309,\"别的市\",city,13\n");
        assert_eq!(line_errors(parse_text(&clash, None)), [(6, "code")]);
    }

    #[test]
    fn invalid_utf8_is_a_line_error_not_a_crash() {
        let mut bytes = SAMPLE.as_bytes().to_vec();
        bytes.extend_from_slice(b"1311,\"\xff\xfe\",city,13\n");
        assert_eq!(line_errors(parse(bytes.as_slice(), None)), [(6, "row")]);
    }

    #[test]
    fn errors_beyond_the_cap_are_counted_not_listed() {
        let text = (0..150)
            .map(|i| format!("x{i},\"名\",city,13"))
            .collect::<Vec<_>>()
            .join("\n");
        match parse_text(&text, None) {
            Err(ImportError::Invalid {
                error_count,
                errors,
            }) => {
                assert_eq!(error_count, 150);
                assert_eq!(errors.len(), MAX_LISTED_ERRORS);
            }
            other => panic!("{other:?}"),
        }
    }
}
