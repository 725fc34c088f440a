//! XLSX workbooks by `rust_xlsxwriter` in its constant-memory mode: each row goes to a
//! temporary file as soon as the next one starts, so a workbook of 100,000 rows needs no
//! more memory than one of ten. The finished workbook is a temporary file too (deleted
//! once closed), streamed out by the caller. Blocking: run it off the async workers.

use super::table::Cell;
use crate::service::{Error, Result};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use std::io::{Seek, SeekFrom};

/// A workbook being written, sheet by sheet and row by row.
pub struct XlsxBook {
    workbook: Workbook,
    sheets: Vec<Worksheet>,
    /// The next row of each sheet.
    rows: Vec<u32>,
    header: Format,
    date: Format,
    datetime: Format,
}

impl std::fmt::Debug for XlsxBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxBook")
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

#[allow(clippy::needless_pass_by_value, reason = "made for `map_err(failed)`")]
fn failed(e: XlsxError) -> Error {
    Error::internal(format!("writing the workbook failed: {e}"))
}

impl XlsxBook {
    /// A workbook with one constant-memory sheet per name.
    pub fn new(names: &[&str]) -> Result<XlsxBook> {
        let mut workbook = Workbook::new();
        let mut sheets = Vec::with_capacity(names.len());
        for name in names {
            let mut sheet = workbook.new_worksheet_with_constant_memory();
            sheet.set_name(*name).map_err(failed)?;
            sheets.push(sheet);
        }
        Ok(XlsxBook {
            workbook,
            rows: vec![0; sheets.len()],
            sheets,
            header: Format::new().set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        })
    }

    /// The header row of `sheet`: bold, frozen above the rows, columns wide enough for it.
    pub fn header(&mut self, sheet: usize, headers: &[String]) -> Result<()> {
        let row = self.next_row(sheet);
        let worksheet = &mut self.sheets[sheet];
        for (col, header) in (0_u16..).zip(headers) {
            let width = header.chars().count().clamp(8, 40);
            #[allow(clippy::cast_precision_loss, reason = "at most 40")]
            worksheet
                .set_column_width(col, width as f64 * 1.6)
                .map_err(failed)?;
            worksheet
                .write_string_with_format(row, col, header, &self.header)
                .map_err(failed)?;
        }
        worksheet.set_freeze_panes(1, 0).map_err(failed)?;
        Ok(())
    }

    /// One row of `sheet`. Text is written as text, never as a formula.
    pub fn row(&mut self, sheet: usize, cells: &[Cell<'_>]) -> Result<()> {
        let row = self.next_row(sheet);
        let worksheet = &mut self.sheets[sheet];
        for (col, cell) in (0_u16..).zip(cells) {
            match cell {
                Cell::Text(text) => worksheet.write_string(row, col, text.as_ref()),
                Cell::Number(n) => worksheet.write_number(row, col, *n),
                Cell::Date(d) => {
                    let at = excel_date(d.year(), d.month(), d.day())?;
                    worksheet.write_datetime_with_format(row, col, &at, &self.date)
                }
                Cell::DateTime(t) => {
                    let (Ok(hour), Ok(minute)) =
                        (u16::try_from(t.hour()), u8::try_from(t.minute()))
                    else {
                        return Err(Error::internal("a time of day out of range"));
                    };
                    let at = excel_date(t.year(), t.month(), t.day())?
                        .and_hms(hour, minute, t.second())
                        .map_err(failed)?;
                    worksheet.write_datetime_with_format(row, col, &at, &self.datetime)
                }
                Cell::Empty => continue,
            }
            .map_err(failed)?;
        }
        Ok(())
    }

    fn next_row(&mut self, sheet: usize) -> u32 {
        let row = self.rows[sheet];
        self.rows[sheet] = row + 1;
        row
    }

    /// The finished workbook: an anonymous temporary file, read from its start.
    pub fn finish(mut self) -> Result<std::fs::File> {
        for sheet in self.sheets.drain(..) {
            self.workbook.push_worksheet(sheet);
        }
        let mut file = tempfile::tempfile().map_err(Error::internal)?;
        self.workbook.save_to_writer(&mut file).map_err(failed)?;
        file.seek(SeekFrom::Start(0)).map_err(Error::internal)?;
        Ok(file)
    }
}

fn excel_date(year: i16, month: i8, day: i8) -> Result<ExcelDateTime> {
    let (Ok(year), Ok(month), Ok(day)) =
        (u16::try_from(year), u8::try_from(month), u8::try_from(day))
    else {
        return Err(Error::internal("a date before year 0"));
    };
    ExcelDateTime::from_ymd(year, month, day).map_err(failed)
}
