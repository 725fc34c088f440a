//! The completeness export: what `GET /api/v1/completeness` answers for one period, as a
//! spreadsheet — the counts per child unit with the subtree's total, and the people who
//! are missing, late, sealed on time but delivered late, or exempt, with their village's
//! name. In tree order then by name; never ordered by a count (R2).

use super::csv::CsvSheet;
use super::table::Cell;
use super::words::Lang;
use super::xlsx::XlsxBook;
use crate::service::completeness::{self, Completeness, Counts, PeriodStatus, Person};
use crate::service::{Actor, Error, Result, Services};
use bytes::Bytes;

/// Completeness of one period, ready to write.
#[derive(Debug)]
pub struct CompletenessExport {
    computed: Completeness,
    /// Who is named, with their standing, by village then username.
    people: Vec<(Person, PeriodStatus)>,
    lang: Lang,
}

/// Completeness of `period` (default: the one in force now) in `unit` (default: the
/// caller's own), as [`completeness::of_unit`] computes it for the API.
pub async fn completeness(
    s: &Services,
    actor: &Actor,
    unit: Option<&str>,
    period: Option<&str>,
    lang: Option<&str>,
) -> Result<CompletenessExport> {
    let lang = Lang::parse(lang)?;
    let mut computed = completeness::of_unit(s, actor, unit, period, None).await?;
    let mut people: Vec<(Person, PeriodStatus)> = Vec::new();
    for (list, status) in [
        (&mut computed.missing, PeriodStatus::Missing),
        (&mut computed.late, PeriodStatus::Late),
        (&mut computed.sealed_on_time, PeriodStatus::SealedOnTime),
        (&mut computed.exempt, PeriodStatus::Exempt),
    ] {
        people.extend(list.drain(..).map(|p| (p, status)));
    }
    people.sort_by(|(a, _), (b, _)| {
        (&a.org_unit, &a.display_name, &a.username).cmp(&(
            &b.org_unit,
            &b.display_name,
            &b.username,
        ))
    });
    Ok(CompletenessExport {
        computed,
        people,
        lang,
    })
}

impl CompletenessExport {
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// e.g. `完成情况_130928_weekly_2026-11-16.csv`.
    pub fn file_name(&self, lang: Lang, extension: &str) -> String {
        let kind = lang.pick("完成情况", "completeness");
        super::file_name(
            &[kind, &self.computed.unit, &self.computed.period],
            extension,
        )
    }

    fn unit_headers(&self) -> Vec<String> {
        let l = self.lang;
        [
            l.pick("单位代码", "unit code"),
            l.pick("单位", "unit"),
            l.pick("周期", "period"),
            l.pick("应报", "expected"),
            l.pick("按时", "on time"),
            l.pick("迟报", "late"),
            l.pick("按时封存，迟送达", "sealed on time, delivered late"),
            l.pick("未报", "missing"),
            l.pick("免报", "exempt"),
            l.pick("未到期", "not yet due"),
        ]
        .into_iter()
        .map(str::to_owned)
        .collect()
    }

    /// One row per child unit, then the subtree's total.
    fn unit_rows(&self) -> Vec<Vec<Cell<'_>>> {
        let c = &self.computed;
        let mut rows: Vec<Vec<Cell<'_>>> = c
            .units
            .iter()
            .map(|u| counts_row(&u.code, &u.name, &c.period, &u.counts))
            .collect();
        let total = self.lang.pick("合计", "total");
        rows.push(counts_row(&c.unit, total, &c.period, &c.counts));
        rows
    }

    fn people_headers(&self) -> Vec<String> {
        let l = self.lang;
        [
            l.pick("村代码", "village code"),
            l.pick("村", "village"),
            l.pick("姓名", "name"),
            l.pick("用户名", "username"),
            l.pick("周期", "period"),
            l.pick("情况", "status"),
        ]
        .into_iter()
        .map(str::to_owned)
        .collect()
    }

    fn people_rows(&self) -> impl Iterator<Item = Vec<Cell<'_>>> {
        self.people.iter().map(|(p, status)| {
            vec![
                Cell::text(&p.org_unit),
                Cell::text(&p.village_name),
                Cell::text(&p.display_name),
                Cell::text(&p.username),
                Cell::text(&self.computed.period),
                Cell::text(self.lang.period_status(*status)),
            ]
        })
    }

    /// One CSV: the counts, an empty line, the people.
    pub fn csv(&self) -> Result<Bytes> {
        let mut sheet = CsvSheet::new();
        let mut write = || -> std::io::Result<Bytes> {
            sheet.header(&self.unit_headers())?;
            for row in self.unit_rows() {
                sheet.row(&row)?;
            }
            sheet.blank_line()?;
            sheet.header(&self.people_headers())?;
            for row in self.people_rows() {
                sheet.row(&row)?;
            }
            sheet.take()
        };
        write().map_err(Error::internal)
    }

    /// A workbook: the counts on the first sheet, the people on the second.
    pub fn xlsx(&self) -> Result<std::fs::File> {
        let l = self.lang;
        let mut book = XlsxBook::new(&[l.pick("各单位", "units"), l.pick("人员", "people")])?;
        book.header(0, &self.unit_headers())?;
        for row in self.unit_rows() {
            book.row(0, &row)?;
        }
        book.header(1, &self.people_headers())?;
        for row in self.people_rows() {
            book.row(1, &row)?;
        }
        book.finish()
    }
}

fn counts_row<'a>(code: &'a str, name: &'a str, period: &'a str, counts: &Counts) -> Vec<Cell<'a>> {
    let mut cells = vec![Cell::text(code), Cell::text(name), Cell::text(period)];
    cells.extend(
        [
            counts.expected,
            counts.on_time,
            counts.late,
            counts.sealed_on_time,
            counts.missing,
            counts.exempt,
            counts.open,
        ]
        .map(|n| Cell::Number(f64::from(n))),
    );
    cells
}
