//! The report export: one row per report (CSV, or the first sheet of a workbook) and one
//! row per outcome (CSV, or the second sheet). A CSV is written by the task that reads the
//! database, chunk by chunk into the response: a slow client slows the reading down
//! instead of filling memory, and a client that leaves stops it. A workbook is written on
//! a blocking thread, a few batches of rows behind the reading task.

use super::csv::CsvSheet;
use super::table::{Counted, Layout};
use super::words::Lang;
use super::xlsx::XlsxBook;
use crate::db::Db;
use crate::db::exports::{self, ExportRow, Range};
use crate::service::departments::View;
use crate::service::policy::Policies;
use crate::service::{Actor, Error, Result, Services, parse_date};
use bytes::Bytes;
use jianfu_core::report::ReportContent;
use jianfu_core::{Problem, Role};
use serde_json::json;
use std::io;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// What to export, as asked.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportsQuery<'a> {
    /// The subtree; the caller's own unit when `None`.
    pub unit: Option<&'a str>,
    /// The first period start included, a local date `YYYY-MM-DD`.
    pub from: Option<&'a str>,
    /// The last period start included.
    pub to: Option<&'a str>,
    /// `zh` (default) or `en`.
    pub lang: Option<&'a str>,
}

/// Which table of the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// One row per report.
    Reports,
    /// One row per outcome.
    Outcomes,
}

/// An export checked and ready to write: who may see it was settled when it was made.
#[derive(Debug)]
pub struct ReportsExport {
    db: Db,
    range: Range,
    lang: Lang,
    layout: Layout,
    /// What the caller sees: a department's reviewer, only its part (`departments::View`).
    view: Arc<View>,
}

/// How many batches of rows wait between the database and the writer.
const BATCHES_IN_FLIGHT: usize = 4;

/// The reports of a subtree whose period starts in `[from, to]` (reviewers and admins).
pub async fn reports(
    s: &Services,
    actor: &Actor,
    query: ReportsQuery<'_>,
) -> Result<ReportsExport> {
    actor.require_role(&[Role::Reviewer, Role::Admin])?;
    let scope = actor.scoped(query.unit)?;
    let lang = Lang::parse(query.lang)?;
    let from = query
        .from
        .map(|text| parse_date(text, "from"))
        .transpose()?;
    let to = query.to.map(|text| parse_date(text, "to")).transpose()?;
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            return Err(Error::invalid(Problem::error(
                "from_after_to",
                "from",
                format!("起始日期 {from} 晚于结束日期 {to}"),
                format!("from ({from}) is after to ({to})"),
                json!({ "field": "from", "from": from.to_string(), "to": to.to_string() }),
            )));
        }
    }
    let policies = Policies::governing(s, &scope).await?;
    let view = View::of(s, actor).await?;
    let mut layout = Layout::new(policies, lang);
    if let Some(fields) = view.all_fields() {
        layout.keep_fields(&fields);
    }
    Ok(ReportsExport {
        view: Arc::new(view),
        db: s.db.clone(),
        range: Range {
            scope,
            from: from.map(|d| d.to_string()),
            to: to.map(|d| d.to_string()),
        },
        lang,
        layout,
    })
}

impl ReportsExport {
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// e.g. `报告_130928_2026-11-01_2026-11-30.csv`, or `reports_…` in English.
    pub fn file_name(&self, table: Table, lang: Lang, extension: &str) -> String {
        let kind = match table {
            Table::Reports => lang.pick("报告", "reports"),
            Table::Outcomes => lang.pick("成果", "outcomes"),
        };
        let from = self.range.from.as_deref().unwrap_or_default();
        let to = self.range.to.as_deref().unwrap_or_default();
        super::file_name(&[kind, self.range.scope.as_str(), from, to], extension)
    }

    /// Writes `table` as CSV into `out`, chunk by chunk. A failure part-way is logged and
    /// sent as an error, so the body breaks off instead of ending as if complete.
    pub async fn csv(mut self, table: Table, out: mpsc::Sender<io::Result<Bytes>>) {
        if let Err(e) = self.write_csv(table, &out).await {
            tracing::error!(error = %e, "a CSV export stopped part-way");
            let _ = out.send(Err(io::Error::other(e.to_string()))).await;
        }
    }

    async fn write_csv(
        &mut self,
        table: Table,
        out: &mpsc::Sender<io::Result<Bytes>>,
    ) -> Result<()> {
        let mut sheet = CsvSheet::new();
        sheet
            .header(&match table {
                Table::Reports => self.layout.report_headers(),
                Table::Outcomes => self.layout.outcome_headers(),
            })
            .map_err(Error::internal)?;
        let mut writer = CsvWriter {
            view: &self.view,
            layout: &mut self.layout,
            table,
            sheet,
            out,
            failed: None,
        };
        // The rows are written as they arrive, in this task: no hand-over between threads
        // but the database driver's own.
        exports::send_reports(&self.db, &self.range, &mut writer).await?;
        if let Some(e) = writer.failed {
            return Err(e);
        }
        if !out.is_closed() {
            let _ = out
                .send(Ok(writer.sheet.take().map_err(Error::internal)?))
                .await;
        }
        Ok(())
    }

    /// Writes both tables as the two sheets of a workbook, into a temporary file.
    pub async fn xlsx(self) -> Result<std::fs::File> {
        let (rows, reader) = read(&self.db, &self.range);
        let ReportsExport {
            mut layout,
            lang,
            view,
            ..
        } = self;
        let written = tokio::task::spawn_blocking(move || workbook(&view, &mut layout, lang, rows))
            .await
            .map_err(Error::internal)?;
        finished(reader).await?;
        written
    }
}

/// The rows of `range`, read by a task of their own.
fn read(
    db: &Db,
    range: &Range,
) -> (
    mpsc::Receiver<Vec<ExportRow>>,
    JoinHandle<Result<(), sqlx::Error>>,
) {
    let (tx, rx) = mpsc::channel(BATCHES_IN_FLIGHT);
    let (db, range) = (db.clone(), range.clone());
    let reader = tokio::spawn(async move {
        let mut tx = tx;
        exports::send_reports(&db, &range, &mut tx).await
    });
    (rx, reader)
}

/// Writes each batch of rows into the CSV, and hands each full chunk on.
struct CsvWriter<'a> {
    view: &'a View,
    layout: &'a mut Layout,
    table: Table,
    sheet: CsvSheet,
    out: &'a mpsc::Sender<io::Result<Bytes>>,
    /// Why writing stopped, if it failed.
    failed: Option<Error>,
}

impl CsvWriter<'_> {
    fn write(&mut self, batch: &[ExportRow]) -> Result<()> {
        for row in batch {
            if !self.view.receives(&row.org_unit) {
                continue;
            }
            match self.table {
                Table::Reports => {
                    let counted: Counted = content(self.view, row)?;
                    self.sheet
                        .row(&self.layout.report_row(row, (&counted).into()))
                }
                Table::Outcomes => {
                    let content: ReportContent = content(self.view, row)?;
                    let sheet = &mut self.sheet;
                    self.layout
                        .outcome_rows(row, &content)
                        .try_for_each(|cells| sheet.row(&cells))
                }
            }
            .map_err(Error::internal)?;
        }
        Ok(())
    }
}

impl exports::RowSink for CsvWriter<'_> {
    async fn take(&mut self, batch: Vec<ExportRow>) -> bool {
        if let Err(e) = self.write(&batch) {
            self.failed = Some(e);
            return false;
        }
        match self.sheet.full_chunk() {
            // A closed channel: the client left.
            Ok(Some(chunk)) => self.out.send(Ok(chunk)).await.is_ok(),
            Ok(None) => true,
            Err(e) => {
                self.failed = Some(Error::internal(e));
                false
            }
        }
    }
}

/// Whether the reader read every row.
async fn finished(reader: JoinHandle<Result<(), sqlx::Error>>) -> Result<()> {
    reader
        .await
        .map_err(Error::internal)?
        .map_err(Error::Storage)
}

/// A row's content as the caller may see it.
fn content<T: serde::de::DeserializeOwned>(view: &View, row: &ExportRow) -> Result<T> {
    let bad = |e: serde_json::Error| {
        Error::internal(format!("stored report {} does not parse: {e}", row.id))
    };
    if !view.is_partial() {
        return serde_json::from_str(&row.content).map_err(bad);
    }
    let whole: serde_json::Value = serde_json::from_str(&row.content).map_err(bad)?;
    serde_json::from_value(view.content(&row.org_unit, whole)).map_err(bad)
}

/// Both sheets, row by row as the batches arrive (blocking: runs off the async workers).
fn workbook(
    view: &View,
    layout: &mut Layout,
    lang: Lang,
    mut rows: mpsc::Receiver<Vec<ExportRow>>,
) -> Result<std::fs::File> {
    let mut book = XlsxBook::new(&[lang.pick("报告", "reports"), lang.pick("成果", "outcomes")])?;
    book.header(0, &layout.report_headers())?;
    book.header(1, &layout.outcome_headers())?;
    while let Some(batch) = rows.blocking_recv() {
        for row in batch.iter().filter(|r| view.receives(&r.org_unit)) {
            let content: ReportContent = content(view, row)?;
            book.row(0, &layout.report_row(row, (&content).into()))?;
            for cells in layout.outcome_rows(row, &content) {
                book.row(1, &cells)?;
            }
        }
    }
    book.finish()
}
