//! What a report export holds, whatever the file format: the columns (with the template
//! fields in force discovered from the policies of the subtree), and one row of cells per
//! report or per outcome. Times are local date-times in the policy's time zone, never UTC.

use super::words::Lang;
use crate::db::exports::ExportRow;
use crate::service::policies::DEFAULT_TIME_ZONE;
use crate::service::policy::Policies;
use jianfu_core::DivisionCode;
use jianfu_core::report::ReportContent;
use jianfu_core::template::FieldKind;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

/// One cell, typed so that a spreadsheet gets numbers and dates, not their text.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Text as written (by a cadre, or a word of ours); guarded against formulas in CSV.
    Text(Cow<'a, str>),
    Number(f64),
    Date(Date),
    DateTime(DateTime),
    Empty,
}

impl<'a> Cell<'a> {
    pub fn text(text: &'a str) -> Cell<'a> {
        Cell::Text(Cow::Borrowed(text))
    }

    #[allow(clippy::cast_precision_loss, reason = "revisions and counts are small")]
    pub fn int(value: i64) -> Cell<'a> {
        Cell::Number(value as f64)
    }
}

/// What the report table shows of a report's content.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// How many outcomes.
    pub outcomes: usize,
    pub fields: &'a BTreeMap<String, Value>,
    pub days_in_village: Option<u16>,
}

impl<'a> From<&'a ReportContent> for Facts<'a> {
    fn from(content: &'a ReportContent) -> Self {
        Facts {
            outcomes: content.outcomes.len(),
            fields: &content.fields,
            days_in_village: content.days_in_village,
        }
    }
}

/// A report's content read for the report table only: the outcomes counted, not kept.
#[derive(Debug, Deserialize)]
pub struct Counted {
    outcomes: Vec<IgnoredAny>,
    #[serde(default)]
    fields: BTreeMap<String, Value>,
    #[serde(default)]
    days_in_village: Option<u16>,
}

impl<'a> From<&'a Counted> for Facts<'a> {
    fn from(content: &'a Counted) -> Self {
        Facts {
            outcomes: content.outcomes.len(),
            fields: &content.fields,
            days_in_village: content.days_in_village,
        }
    }
}

/// A template field shown as a column.
#[derive(Debug, Clone)]
struct FieldColumn {
    key: String,
    label: String,
}

/// The columns of a report export and what filling them needs: the template fields in
/// force in the subtree (outcome lists excluded: they are the outcomes), and the time zone
/// of each village's policy.
#[derive(Debug)]
pub struct Layout {
    lang: Lang,
    fields: Vec<FieldColumn>,
    policies: Policies,
    /// The one time zone of every policy in force, named in the headers; `None` when
    /// they differ, and a column names each row's.
    zone: Option<String>,
    /// The last village looked up and its time zone (rows come village by village).
    last: Option<(String, TimeZone, String)>,
    /// Whether the days in the village are shown (not in a department's part).
    days_in_village: bool,
}

impl Layout {
    /// The layout for the policies in force in a subtree.
    pub fn new(policies: Policies, lang: Lang) -> Layout {
        let mut governing: Vec<_> = policies.iter().collect();
        // Ancestors first, then the subtree in code order: a stable column order.
        governing.sort_by(|a, b| a.row.org_unit.cmp(&b.row.org_unit));
        let mut seen = HashSet::new();
        let mut fields = Vec::new();
        for policy in &governing {
            for field in &policy.template.fields {
                if matches!(field.kind, FieldKind::OutcomeList { .. }) || !seen.insert(&field.key) {
                    continue;
                }
                let label = match lang {
                    Lang::Zh => &field.label_zh,
                    Lang::En => &field.label_en,
                };
                fields.push(FieldColumn {
                    key: field.key.clone(),
                    label: label.clone(),
                });
            }
        }
        let zones: HashSet<&str> = governing.iter().map(|p| p.row.time_zone.as_str()).collect();
        let zone = match zones.len() {
            0 => Some(DEFAULT_TIME_ZONE.to_owned()),
            1 => zones.into_iter().next().map(str::to_owned),
            _ => None,
        };
        Layout {
            lang,
            fields,
            policies,
            zone,
            last: None,
            days_in_village: true,
        }
    }

    /// Only the template fields of `keys` as columns, and no days in the village (a
    /// department's part: the frame and the fields answering its needs).
    pub fn keep_fields(&mut self, keys: &std::collections::BTreeSet<String>) {
        self.fields.retain(|f| keys.contains(&f.key));
        self.days_in_village = false;
    }

    /// The headers of the report table.
    pub fn report_headers(&self) -> Vec<String> {
        let l = self.lang;
        let local = |zh: &str, en: &str| match (&self.zone, l) {
            (Some(zone), Lang::Zh) => format!("{zh}（{zone} 当地时间）"),
            (Some(zone), Lang::En) => format!("{en} (local time, {zone})"),
            (None, Lang::Zh) => format!("{zh}（当地时间，见时区列）"),
            (None, Lang::En) => format!("{en} (local time, see the time zone column)"),
        };
        let mut headers: Vec<String> = [
            l.pick("报告编号", "report id"),
            l.pick("村代码", "village code"),
            l.pick("村", "village"),
            l.pick("乡镇", "township"),
            l.pick("干部姓名", "cadre"),
            l.pick("用户名", "username"),
            l.pick("周期", "period"),
            l.pick("周期起", "period start"),
            l.pick("周期止（含）", "period end (inclusive)"),
            l.pick("状态", "status"),
            l.pick("时效", "timeliness"),
            l.pick("版本", "revision"),
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        headers.push(local("首次收到", "first received"));
        headers.push(local("最后更新", "last updated"));
        if self.zone.is_none() {
            headers.push(l.pick("时区", "time zone").to_owned());
        }
        headers.push(l.pick("成果数", "outcomes").to_owned());
        headers.extend(self.fields.iter().map(|f| f.label.clone()));
        if self.days_in_village {
            headers.push(l.pick("在村天数", "days in village").to_owned());
        }
        headers
    }

    /// The headers of the outcome table.
    pub fn outcome_headers(&self) -> Vec<String> {
        let l = self.lang;
        [
            l.pick("报告编号", "report id"),
            l.pick("村代码", "village code"),
            l.pick("村", "village"),
            l.pick("干部姓名", "cadre"),
            l.pick("用户名", "username"),
            l.pick("周期", "period"),
            l.pick("成果编号", "outcome id"),
            l.pick("类别", "category"),
            l.pick("做了什么", "what"),
            l.pick("为谁", "for whom"),
            l.pick("进展", "status"),
            l.pick("数量", "quantity"),
            l.pick("单位", "unit"),
            l.pick("有位置标记", "geotag present"),
            l.pick("接续成果", "continues"),
        ]
        .into_iter()
        .map(str::to_owned)
        .collect()
    }

    /// The time zone of a village's policy, and its name.
    fn zone_of(&mut self, village: &str) -> (TimeZone, String) {
        if let Some((code, tz, name)) = &self.last {
            if code == village {
                return (tz.clone(), name.clone());
            }
        }
        let policy = DivisionCode::parse(village)
            .ok()
            .and_then(|code| self.policies.for_unit(&code).cloned());
        let (tz, name) = match policy {
            Some(p) => (p.tz.clone(), p.row.time_zone.clone()),
            None => (
                TimeZone::get(DEFAULT_TIME_ZONE).unwrap_or(TimeZone::UTC),
                DEFAULT_TIME_ZONE.to_owned(),
            ),
        };
        self.last = Some((village.to_owned(), tz.clone(), name.clone()));
        (tz, name)
    }

    /// One report's row.
    pub fn report_row<'a>(&mut self, row: &'a ExportRow, content: Facts<'a>) -> Vec<Cell<'a>> {
        let l = self.lang;
        let (tz, zone) = self.zone_of(&row.org_unit);
        let local = |at: i64| {
            jiff::Timestamp::from_second(at).map_or(Cell::Empty, |t| {
                Cell::DateTime(t.to_zoned(tz.clone()).datetime())
            })
        };
        let mut cells = vec![
            Cell::text(&row.id),
            Cell::text(&row.org_unit),
            Cell::text(&row.village_name),
            Cell::text(&row.township_name),
            Cell::text(&row.display_name),
            Cell::text(&row.username),
            Cell::text(&row.period_key),
            date(&row.period_start, 0),
            date(&row.period_end, -1),
            Cell::text(l.report_status(row.status)),
            Cell::text(l.timeliness(row.late, row.sealed_on_time)),
            Cell::int(row.revision),
            local(row.first_received_at),
            local(row.updated_at),
        ];
        if self.zone.is_none() {
            cells.push(Cell::Text(Cow::Owned(zone)));
        }
        cells.push(Cell::int(
            i64::try_from(content.outcomes).unwrap_or(i64::MAX),
        ));
        for field in &self.fields {
            cells.push(
                content
                    .fields
                    .get(&field.key)
                    .map_or(Cell::Empty, |v| value(v, l)),
            );
        }
        if self.days_in_village {
            cells.push(
                content
                    .days_in_village
                    .map_or(Cell::Empty, |d| Cell::int(i64::from(d))),
            );
        }
        cells
    }

    /// One row per outcome of a report.
    pub fn outcome_rows<'a>(
        &self,
        row: &'a ExportRow,
        content: &'a ReportContent,
    ) -> impl Iterator<Item = Vec<Cell<'a>>> + 'a {
        let l = self.lang;
        content.outcomes.iter().map(move |o| {
            vec![
                Cell::text(&row.id),
                Cell::text(&row.org_unit),
                Cell::text(&row.village_name),
                Cell::text(&row.display_name),
                Cell::text(&row.username),
                Cell::text(&row.period_key),
                Cell::text(&o.id),
                Cell::text(&o.category),
                Cell::text(&o.what),
                Cell::text(&o.for_whom),
                Cell::text(l.outcome_status(o.status)),
                o.quantity
                    .as_ref()
                    .map_or(Cell::Empty, |q| Cell::Number(q.value)),
                o.quantity
                    .as_ref()
                    .map_or(Cell::Empty, |q| Cell::text(&q.unit)),
                Cell::text(l.yes_no(o.geotag.is_some())),
                o.continues.as_deref().map_or(Cell::Empty, Cell::text),
            ]
        })
    }
}

/// A stored local date, moved by `days` (the exclusive end shown as the last day).
fn date(text: &str, days: i32) -> Cell<'_> {
    jianfu_core::period::parse_plain_date(text)
        .and_then(|d| d.checked_add(jiff::Span::new().days(days)).ok())
        .map_or(Cell::text(text), Cell::Date)
}

/// A template field's value: numbers as numbers, a multiple choice joined, a geotag only
/// said to be there (an export travels beyond the API's scopes: no coordinates in it).
fn value(value: &Value, lang: Lang) -> Cell<'_> {
    match value {
        Value::Null => Cell::Empty,
        Value::String(text) => Cell::text(text),
        Value::Number(n) => n.as_f64().map_or(Cell::Empty, Cell::Number),
        Value::Bool(b) => Cell::text(lang.yes_no(*b)),
        Value::Array(items) => {
            let texts: Vec<String> = items
                .iter()
                .map(|item| match item {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            Cell::Text(Cow::Owned(texts.join(lang.list_separator())))
        }
        Value::Object(map) if map.contains_key("lat") => Cell::text(lang.yes_no(true)),
        Value::Object(_) => Cell::Text(Cow::Owned(value.to_string())),
    }
}
