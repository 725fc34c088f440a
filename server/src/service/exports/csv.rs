//! CSV as spreadsheets open it: UTF-8 with a byte-order mark (Excel then reads Chinese
//! correctly), RFC 4180 quoting and CRLF line ends, and text that a spreadsheet would take
//! for a formula (`=`, `+`, `-`, `@`, a tab or a carriage return first) prefixed with a
//! single quote. Written in chunks, so a large export leaves as it is made.

use super::table::Cell;
use bytes::Bytes;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::io;

/// A chunk is handed on once it holds this many bytes.
pub const CHUNK_BYTES: usize = 64 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV file being written, handed on chunk by chunk.
#[derive(Debug)]
pub struct CsvSheet {
    writer: csv::Writer<Chunk>,
    scratch: String,
}

/// The bytes written since the last chunk was taken. `csv::Writer` lends its writer only
/// by shared reference, hence the cell.
#[derive(Debug, Default)]
struct Chunk(RefCell<Vec<u8>>);

impl io::Write for Chunk {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.get_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Chunk {
    fn len(&self) -> usize {
        self.0.borrow().len()
    }

    fn extend(&self, bytes: &[u8]) {
        self.0.borrow_mut().extend_from_slice(bytes);
    }

    fn take(&self) -> Vec<u8> {
        self.0.replace(Vec::with_capacity(CHUNK_BYTES + 8 * 1024))
    }
}

impl Default for CsvSheet {
    fn default() -> Self {
        CsvSheet::new()
    }
}

impl CsvSheet {
    /// A sheet that starts with the byte-order mark.
    pub fn new() -> CsvSheet {
        let buffer = Chunk::default();
        buffer.extend(BOM);
        CsvSheet {
            writer: csv::WriterBuilder::new()
                .flexible(true)
                .terminator(csv::Terminator::CRLF)
                .from_writer(buffer),
            scratch: String::new(),
        }
    }

    /// A header row: plain text, guarded like any text.
    pub fn header(&mut self, headers: &[String]) -> io::Result<()> {
        for header in headers {
            self.writer.write_field(guarded(header).as_bytes())?;
        }
        self.writer.write_record(None::<&[u8]>)?;
        Ok(())
    }

    /// One row of cells.
    pub fn row(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        for cell in cells {
            self.scratch.clear();
            let field: &str = match cell {
                Cell::Text(text) => &guarded(text),
                Cell::Number(n) => {
                    write_number(&mut self.scratch, *n);
                    &self.scratch
                }
                Cell::Date(d) => {
                    let _ = write!(self.scratch, "{d}");
                    &self.scratch
                }
                Cell::DateTime(t) => {
                    let _ = write!(
                        self.scratch,
                        "{} {:02}:{:02}:{:02}",
                        t.date(),
                        t.hour(),
                        t.minute(),
                        t.second()
                    );
                    &self.scratch
                }
                Cell::Empty => "",
            };
            self.writer.write_field(field.as_bytes())?;
        }
        self.writer.write_record(None::<&[u8]>)?;
        Ok(())
    }

    /// An empty line between two blocks of one file.
    pub fn blank_line(&mut self) -> io::Result<()> {
        self.writer.flush()?;
        self.writer.get_ref().extend(b"\r\n");
        Ok(())
    }

    /// The bytes written so far, once they make a chunk.
    pub fn full_chunk(&mut self) -> io::Result<Option<Bytes>> {
        if self.writer.get_ref().len() < CHUNK_BYTES {
            // The writer's own buffer is flushed into ours on every record it cannot hold.
            return Ok(None);
        }
        self.take().map(Some)
    }

    /// Every byte written so far.
    pub fn take(&mut self) -> io::Result<Bytes> {
        self.writer.flush()?;
        Ok(Bytes::from(self.writer.get_ref().take()))
    }
}

/// Text a spreadsheet would evaluate is shown as text: a single quote first.
pub fn guarded(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A number as a spreadsheet reads it: whole numbers without a decimal point.
fn write_number(out: &mut String, n: f64) {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        #[allow(clippy::cast_possible_truncation, reason = "whole and below 2^53")]
        let _ = write!(out, "{}", n as i64);
    } else {
        let _ = write!(out, "{n}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(sheet: &mut CsvSheet) -> String {
        String::from_utf8(sheet.take().unwrap().to_vec()).unwrap()
    }

    #[test]
    fn starts_with_a_bom_quotes_and_guards() {
        let mut sheet = CsvSheet::new();
        sheet
            .row(&[
                Cell::text("a,b"),
                Cell::text("say \"hi\"\nthere"),
                Cell::text("=1+1"),
                Cell::text("-2"),
                Cell::Number(-2.0),
                Cell::Number(2.5),
                Cell::Empty,
            ])
            .unwrap();
        assert_eq!(
            text(&mut sheet),
            "\u{feff}\"a,b\",\"say \"\"hi\"\"\nthere\",'=1+1,'-2,-2,2.5,\r\n"
        );
    }

    #[test]
    fn hands_on_chunks_once_full() {
        let mut sheet = CsvSheet::new();
        let long = "长".repeat(1000);
        let mut chunks = 0;
        for _ in 0..100 {
            sheet.row(&[Cell::text(&long)]).unwrap();
            if sheet.full_chunk().unwrap().is_some() {
                chunks += 1;
            }
        }
        assert!(chunks >= 4, "{chunks}");
    }
}
