//! Importing cadres with their postings from a county office's roster (CSV or XLSX): a
//! preview first, then all or nothing; every bad cell named by line and column; the new
//! cadres can sign in with the password shown once.

use jianfu_tests::{StatusCode, TestApp, expect_error, on_both_engines};
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    a_roster_is_previewed_then_imported_whole,
    a_roster_with_bad_rows_stores_nothing_and_names_each_cell,
    an_xlsx_roster_with_spreadsheet_dates_and_numbers_imports,
    the_template_and_who_may_import
);

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn upload(
    app: &TestApp,
    token: &str,
    body: Vec<u8>,
    media_type: &str,
    dry_run: bool,
) -> reqwest::Response {
    app.request(
        Method::POST,
        &format!("/api/v1/users/import?dry_run={dry_run}"),
        Some(token),
    )
    .header("content-type", media_type)
    .body(body)
    .send()
    .await
    .expect("request sent")
}

/// Tables the import writes to, counted.
async fn counts(app: &TestApp) -> [i64; 3] {
    [
        app.count("users").await,
        app.count("postings").await,
        app.count("audit_log").await,
    ]
}

async fn a_roster_is_previewed_then_imported_whole(app: TestApp) {
    let admin = app.login("admin").await;
    // The header a county office might keep: a 序号 column, a note in brackets, a phone
    // instead of a username, one cadre on two rows (she moved villages), a BOM.
    let roster = "\u{feff}序号,姓名,用户名,手机号,村（代码或名称）,开始日期,结束日期\n\
        1,张三,zhang.san,,130928101201,2026-03-01,\n\
        2,李四,,138 0000 1111,城二村委会,2026/3/1,2026/6/30\n\
        3,李四,,13800001111,大马村委会,2026年7月1日,\n";
    let before = counts(&app).await;
    let preview = upload(&app, &admin, roster.into(), "text/csv", true).await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview: Value = preview.json().await.unwrap();
    assert_eq!(counts(&app).await, before, "a dry run stores nothing");
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["created"], 0);
    assert_eq!(preview["ignored_columns"], json!(["序号"]));
    assert_eq!(
        preview["cadres"],
        json!([
            {"username": "zhang.san", "display_name": "张三", "password": null, "postings": [
                {"line": 2, "org_unit": "130928101201", "village_name": "城一村委会", "starts_on": "2026-03-01", "ends_on": null}]},
            {"username": "13800001111", "display_name": "李四", "password": null, "postings": [
                {"line": 3, "org_unit": "130928101202", "village_name": "城二村委会", "starts_on": "2026-03-01", "ends_on": "2026-06-30"},
                {"line": 4, "org_unit": "130928102201", "village_name": "大马村委会", "starts_on": "2026-07-01", "ends_on": null}]},
        ])
    );

    let imported = upload(&app, &admin, roster.into(), "text/csv", false).await;
    assert_eq!(imported.status(), StatusCode::OK);
    let imported: Value = imported.json().await.unwrap();
    assert_eq!(imported["created"], 2);
    // Two users, three postings, and one audit entry for each.
    assert_eq!(
        counts(&app).await,
        [before[0] + 2, before[1] + 3, before[2] + 5]
    );
    for cadre in imported["cadres"].as_array().unwrap() {
        let password = cadre["password"]
            .as_str()
            .expect("the password, shown once");
        let login = app
            .post_json(
                "/api/v1/auth/login",
                None,
                &json!({"username": cadre["username"], "password": password}),
            )
            .await;
        assert_eq!(login.status(), StatusCode::OK, "{cadre}");
    }
    // The cadre's unit is the village of her latest posting; her postings are listed.
    let people: Value = app
        .get("/api/v1/users?unit=130928102201&role=cadre", &admin)
        .await
        .json()
        .await
        .unwrap();
    let li_si = people["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["username"] == "13800001111")
        .expect("李四 is in the village of her latest posting");
    assert_eq!(li_si["display_name"], "李四");

    // The same roster again: every username is taken now, and nothing changes.
    let after = counts(&app).await;
    let again = expect_error(
        upload(&app, &admin, roster.into(), "text/csv", false).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_invalid",
    )
    .await;
    let lines: Vec<(u64, &str)> = line_fields(&again);
    assert_eq!(lines, [(2, "用户名"), (3, "用户名")]);
    assert_eq!(counts(&app).await, after);
}

fn line_fields(body: &Value) -> Vec<(u64, &str)> {
    body["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(
                !e["message_zh"].as_str().unwrap().is_empty()
                    && !e["message_en"].as_str().unwrap().is_empty(),
                "{e}"
            );
            (e["line"].as_u64().unwrap(), e["field"].as_str().unwrap())
        })
        .collect()
}

async fn a_roster_with_bad_rows_stores_nothing_and_names_each_cell(app: TestApp) {
    let admin = app.login("admin").await;
    let before = counts(&app).await;
    let roster = "姓名,用户名,村,开始日期,结束日期\n\
        好人,good.one,130928101201,2026-03-01,\n\
        ,no.name,130928101201,2026-03-01,\n\
        王五,wang.wu,朱庄村委会,2026-03-01,\n\
        赵六,zhao.liu,不存在村,2026-03-01,\n\
        钱七,qian.qi,130929100006,2026-03-01,\n\
        孙八,sun.ba,130928101,2026-03-01,\n\
        周九,zhou.jiu,130928101201,2026-02-30,\n\
        吴十,wu.shi,130928101201,2026-05-01,2026-04-01\n\
        郑一,cadre,130928101201,2026-03-01,\n\
        冯二,Feng,130928101201,2026-03-01,\n\
        陈三,chen.san,130928101201,2026-03-01,2026-06-30\n\
        陈三,chen.san,130928101202,2026-06-01,\n\
        陈三,chen.san,130928101202,2026-08-01,\n\
        褚四,good.one,130928101202,2027-01-01,\n";
    let body = expect_error(
        upload(&app, &admin, roster.into(), "text/csv", false).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_invalid",
    )
    .await;
    assert_eq!(
        line_fields(&body),
        [
            (3, "姓名"),      // empty name
            (8, "开始日期"),  // 30 February
            (9, "结束日期"),  // ends before it starts
            (11, "用户名"),   // upper case
            (4, "村"),        // two villages of that name
            (5, "村"),        // no such village
            (6, "村"),        // another county
            (7, "村"),        // a township's code
            (13, "开始日期"), // overlaps line 12's posting
            (15, "姓名"),     // good.one is 好人 on line 2
            (10, "用户名"),   // cadre is taken
        ]
    );
    assert_eq!(body["details"]["error_count"], 11);
    let ambiguous = &body["details"]["errors"][4];
    for code in ["130928101246", "130928203226"] {
        assert!(
            ambiguous["message_zh"].as_str().unwrap().contains(code),
            "{ambiguous}"
        );
    }
    assert_eq!(
        counts(&app).await,
        before,
        "nothing of the good rows was stored"
    );

    // A roster without a village column is refused at its header.
    let headless = expect_error(
        upload(
            &app,
            &admin,
            "姓名,用户名,开始日期\n张三,zhang.san,2026-03-01\n".into(),
            "text/csv",
            true,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_invalid",
    )
    .await;
    assert_eq!(line_fields(&headless), [(1, "村")]);
    // Neither an empty file nor one that only claims to be XLSX is a roster.
    for (bytes, media_type) in [(Vec::new(), "text/csv"), (b"not a zip".to_vec(), XLSX)] {
        let body = expect_error(
            upload(&app, &admin, bytes, media_type, true).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "import_invalid",
        )
        .await;
        assert_eq!(body["details"]["error_count"], 1);
    }
    assert_eq!(counts(&app).await, before);
}

async fn an_xlsx_roster_with_spreadsheet_dates_and_numbers_imports(app: TestApp) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let admin = app.login("admin").await;
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date = Format::new().set_num_format("yyyy/m/d");
    for (col, header) in (0_u16..).zip(["姓名", "手机号", "村", "开始日期", "结束日期"])
    {
        sheet.write(1, col, header).unwrap();
    }
    // The header on the second row (a title above it), the phone and the village code
    // typed as numbers, the dates as real spreadsheet dates.
    sheet.write(0, 0, "吴桥县驻村干部花名册").unwrap();
    sheet.write(2, 0, "周五").unwrap();
    sheet.write(2, 1, 13_900_002_222_f64).unwrap();
    sheet.write(2, 2, 130_928_101_202_f64).unwrap();
    let start = ExcelDateTime::from_ymd(2026, 4, 1).unwrap();
    sheet
        .write_datetime_with_format(2, 3, &start, &date)
        .unwrap();
    let end = ExcelDateTime::from_ymd(2026, 12, 31).unwrap();
    sheet.write_datetime_with_format(2, 4, &end, &date).unwrap();
    let bytes = workbook.save_to_buffer().unwrap();

    let response = upload(&app, &admin, bytes.clone(), XLSX, true).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    // The title row is passed over; the numbers read as the digits typed, the dates as days.
    assert_eq!(body["dry_run"], true);
    let cadres = body["cadres"].as_array().unwrap();
    assert_eq!(cadres.len(), 1, "{body}");
    assert_eq!(cadres[0]["username"], "13900002222");
    assert_eq!(cadres[0]["display_name"], "周五");
    let posting = &cadres[0]["postings"][0];
    assert_eq!(posting["line"], 3);
    assert_eq!(posting["org_unit"], "130928101202");
    assert_eq!(posting["starts_on"], "2026-04-01");
    assert_eq!(posting["ends_on"], "2026-12-31");
    let before = counts(&app).await;
    let response = upload(&app, &admin, bytes, XLSX, false).await;
    assert_eq!(response.status(), StatusCode::OK);
    let after = counts(&app).await;
    assert_eq!([after[0] - before[0], after[1] - before[1]], [1, 1]);
}

async fn the_template_and_who_may_import(app: TestApp) {
    let admin = app.login("admin").await;
    let xlsx = app.get("/api/v1/users/import/template", &admin).await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert_eq!(xlsx.headers()["content-type"], XLSX);
    assert!(
        xlsx.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("roster_template.xlsx")
    );
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    let header = first_row(&bytes);
    assert_eq!(
        header,
        ["姓名", "用户名", "手机号", "村", "开始日期", "结束日期"]
    );
    // The template, filled in as it is, imports.
    let filled = filled_template(&bytes);
    let response = upload(&app, &admin, filled, XLSX, true).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["cadres"][0]["username"], "13900003333");
    assert_eq!(body["cadres"][0]["postings"][0]["starts_on"], "2026-05-04");

    let csv = app
        .get("/api/v1/users/import/template?format=csv", &admin)
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("\u{feff}姓名,用户名,手机号,村,开始日期,结束日期"),
        "{text}"
    );
    expect_error(
        app.get("/api/v1/users/import/template?format=pdf", &admin)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_query",
    )
    .await;

    let roster = "姓名,用户名,村,开始日期\n张三,zhang.san,130928101201,2026-03-01\n";
    for who in ["reviewer", "cadre"] {
        let token = app.login(who).await;
        expect_error(
            upload(&app, &token, roster.into(), "text/csv", true).await,
            StatusCode::FORBIDDEN,
            "forbidden_role",
        )
        .await;
    }
    expect_error(
        upload(&app, &admin, roster.into(), "application/json", true).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    // Another county's admin cannot post cadres into this county.
    let other = app.login("other.admin").await;
    let body = expect_error(
        upload(&app, &other, roster.into(), "text/csv", true).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_invalid",
    )
    .await;
    assert_eq!(line_fields(&body), [(2, "村")]);
}

fn first_row(xlsx: &[u8]) -> Vec<String> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The template as an office would fill it: the same header, one row below it.
fn filled_template(template: &[u8]) -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Workbook};
    let header = first_row(template);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, text) in (0_u16..).zip(&header) {
        sheet.write(0, col, text).unwrap();
    }
    sheet.write(1, 0, "蒋六").unwrap();
    sheet.write(1, 2, "13900003333").unwrap();
    sheet.write(1, 3, "城一村委会").unwrap();
    let start = ExcelDateTime::from_ymd(2026, 5, 4).unwrap();
    sheet
        .write_datetime_with_format(
            1,
            4,
            &start,
            &rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd"),
        )
        .unwrap();
    workbook.save_to_buffer().unwrap()
}
