//! Workbooks read back with calamine: the report export against `GET /api/v1/reports`
//! and each report's latest outcomes, and the completeness exports (CSV and XLSX) against
//! `GET /api/v1/completeness`.

use super::{LAST_WEEK, api_reports, column, csv_rows, download, reports};
use calamine::{Data, Reader, Xlsx};
use jianfu_tests::fixtures::{WEEK, ok_json};
use jianfu_tests::{COUNTY, StatusCode, TestApp, on_both_engines};
use serde_json::Value;
use std::collections::BTreeSet;

on_both_engines!(
    the_workbook_reads_back_like_the_api,
    completeness_exports_match_the_api
);

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => panic!("unexpected cell {other:?}"),
    }
}

/// An Excel serial date-time of a local date-time.
fn serial(date: &str) -> f64 {
    let day: jiff::civil::Date = date.parse().expect("date");
    let days = (day - jiff::civil::date(1899, 12, 30)).get_days();
    f64::from(days)
}

async fn the_workbook_reads_back_like_the_api(app: TestApp) {
    let (admin, _, _) = reports(&app).await;
    let (headers, bytes) = download(&app, "/api/v1/exports/reports.xlsx", &admin).await;
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        headers["content-length"].to_str().unwrap(),
        bytes.len().to_string()
    );
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX file");
    assert_eq!(book.sheet_names(), ["报告", "成果"]);
    let sheet = book.worksheet_range("报告").expect("the report sheet");
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let header: Vec<String> = rows[0].iter().map(text).collect();
    let mut api = api_reports(&app, &admin, COUNTY).await;
    assert_eq!(rows.len() - 1, api.len());
    // The API lists by id; the export by village, name and period.
    api.sort_by_key(|r| {
        let name = r["display_name"].as_str().unwrap().to_owned();
        (
            r["org_unit"].as_str().unwrap().to_owned(),
            name,
            r["period_start"].as_str().unwrap().to_owned(),
        )
    });
    let (start, received) = (column(&header, "周期起"), column(&header, "首次收到"));
    for (row, report) in rows[1..].iter().zip(&api) {
        assert_eq!(text(&row[0]), report["id"].as_str().unwrap());
        assert_eq!(
            text(&row[column(&header, "村代码")]),
            report["org_unit"].as_str().unwrap()
        );
        assert_eq!(
            text(&row[column(&header, "用户名")]),
            report["username"].as_str().unwrap()
        );
        assert_eq!(
            text(&row[column(&header, "周期")]),
            report["period_key"].as_str().unwrap()
        );
        assert_eq!(
            text(&row[column(&header, "版本")]),
            report["revision"].to_string()
        );
        let Data::DateTime(day) = &row[start] else {
            panic!("a date: {:?}", row[start])
        };
        assert!((day.as_f64() - serial(report["period_start"].as_str().unwrap())).abs() < 1e-9);
        let Data::DateTime(when) = &row[received] else {
            panic!("a time: {:?}", row[received])
        };
        let ten_in_shanghai = serial("2026-11-25") + 10.0 / 24.0;
        assert!((when.as_f64() - ten_in_shanghai).abs() < 1e-6, "{when:?}");
    }
    assert!(
        text(&rows[1][column(&header, "村")]).len() > 1,
        "village names"
    );
    // The outcome sheet: one row per outcome of the latest revision, in the same order.
    let sheet = book.worksheet_range("成果").expect("the outcome sheet");
    let found: Vec<(String, String)> = sheet
        .rows()
        .skip(1)
        .map(|r| (text(&r[0]), text(&r[6])))
        .collect();
    let mut expected = Vec::new();
    for report in &api {
        let id = report["id"].as_str().unwrap();
        let detail = ok_json(
            app.get(&format!("/api/v1/reports/{id}"), &admin).await,
            StatusCode::OK,
        )
        .await;
        let latest = detail["revisions"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        for o in latest["content"]["outcomes"].as_array().unwrap() {
            expected.push((id.to_owned(), o["id"].as_str().unwrap().to_owned()));
        }
    }
    assert_eq!(found, expected);
}

type Person = (String, String, String);

/// What the exports must say of a completeness answer: the unit rows with the total, and
/// (village, username, status word) of each person named.
pub(crate) fn expected(api: &Value, period: &str) -> (Vec<Vec<String>>, BTreeSet<Person>) {
    let row = |code: &str, name: &str, counts: &Value| {
        let mut row = vec![code.to_owned(), name.to_owned(), period.to_owned()];
        for key in [
            "expected",
            "on_time",
            "late",
            "sealed_on_time",
            "missing",
            "exempt",
            "open",
        ] {
            row.push(counts[key].to_string());
        }
        row
    };
    let mut units: Vec<Vec<String>> = api["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| row(u["code"].as_str().unwrap(), u["name"].as_str().unwrap(), u))
        .collect();
    units.push(row(api["unit"].as_str().unwrap(), "合计", &api["counts"]));
    let words = [
        ("missing", "未报"),
        ("late", "迟报"),
        ("sealed_on_time", "按时封存，迟送达"),
        ("exempt", "免报"),
    ];
    let mut people = BTreeSet::new();
    for (list, word) in words {
        for p in api[list].as_array().unwrap() {
            people.insert((
                p["org_unit"].as_str().unwrap().to_owned(),
                p["username"].as_str().unwrap().to_owned(),
                word.to_owned(),
            ));
        }
    }
    (units, people)
}

/// The unit rows (with the total) and the people (village, username, status word) of a
/// completeness CSV in Chinese, as [`expected`] gives them.
pub(crate) fn completeness_csv(bytes: &[u8]) -> (Vec<Vec<String>>, BTreeSet<Person>) {
    let rows = csv_rows(bytes);
    let blank = rows
        .iter()
        .position(|r| r.first().is_some_and(|c| c == "村代码"))
        .expect("the people's header")
        - 1;
    let status = column(&rows[blank + 1], "情况");
    let people = rows[blank + 2..]
        .iter()
        .map(|r| (r[0].clone(), r[3].clone(), r[status].clone()))
        .collect();
    (rows[1..=blank].to_vec(), people)
}

async fn completeness_exports_match_the_api(app: TestApp) {
    let (_, reviewer, _) = reports(&app).await;
    for period in [WEEK, LAST_WEEK] {
        let query = format!("unit={COUNTY}&period={period}");
        let api = ok_json(
            app.get(&format!("/api/v1/completeness?{query}"), &reviewer)
                .await,
            StatusCode::OK,
        )
        .await;
        let (units, people) = expected(&api, period);
        // The CSV: the counts, an empty line (which CSV readers skip), the people.
        let path = format!("/api/v1/exports/completeness.csv?{query}");
        let bytes = download(&app, &path, &reviewer).await.1;
        assert!(bytes.windows(4).any(|w| w == b"\r\n\r\n"), "an empty line");
        let (found_units, found) = completeness_csv(&bytes);
        assert_eq!(found_units, units);
        assert_eq!(found, people);
        // The workbook says the same.
        let path = format!("/api/v1/exports/completeness.xlsx?{query}");
        let bytes = download(&app, &path, &reviewer).await.1;
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX file");
        let sheet = book.worksheet_range("各单位").expect("units");
        let found_units: Vec<Vec<String>> = sheet
            .rows()
            .skip(1)
            .map(|r| r.iter().map(text).collect())
            .collect();
        assert_eq!(found_units, units);
        let sheet = book.worksheet_range("人员").expect("people");
        let found: BTreeSet<Person> = sheet
            .rows()
            .skip(1)
            .map(|r| (text(&r[0]), text(&r[3]), text(&r[5])))
            .collect();
        assert_eq!(found, people);
        if period == LAST_WEEK {
            assert_eq!(
                people.len(),
                4,
                "missing, late, sealed on time, exempt: {people:?}"
            );
        }
    }
}
