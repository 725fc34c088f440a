//! The administrative tree over HTTP: paths, pages, creation and bulk import, each
//! limited to the caller's subtree, and bad input that leaves storage as it was.

use jianfu_tests::{
    COUNTY, OTHER_COUNTY, OTHER_COUNTY_CSV, StatusCode, TOWNSHIP, TestApp, VILLAGE, expect_error,
    on_both_engines,
};
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    a_unit_comes_with_its_path_to_the_root,
    children_come_in_keyset_pages,
    bad_page_parameters_are_refused,
    a_reviewer_reads_only_their_subtree,
    an_admin_adds_a_unit_inside_the_subtree,
    adding_a_unit_refuses_bad_input_and_changes_nothing,
    import_adds_units_and_a_second_import_changes_nothing,
    import_with_a_bad_row_stores_nothing_and_names_the_line,
    import_outside_the_subtree_is_refused,
    import_needs_csv_and_the_admin_role,
);

async fn a_unit_comes_with_its_path_to_the_root(app: TestApp) {
    let token = app.login("admin").await;
    let body: Value = app
        .get(&format!("/api/v1/org-units/{VILLAGE}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["code"], VILLAGE);
    assert_eq!(body["level"], "village");
    assert_eq!(body["parent_code"], TOWNSHIP);
    let path: Vec<&str> = body["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(path, ["河北省", "沧州市", "吴桥县", "铁城镇"]);

    let missing = app.get("/api/v1/org-units/130928101999", &token).await;
    expect_error(missing, StatusCode::NOT_FOUND, "org_unit_not_found").await;
    let malformed = app.get("/api/v1/org-units/13092", &token).await;
    let body = expect_error(
        malformed,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_division_code",
    )
    .await;
    assert!(
        body["message_en"].as_str().unwrap().contains('5'),
        "names the length: {body}"
    );
}

async fn children_come_in_keyset_pages(app: TestApp) {
    let token = app.login("admin").await;
    let first: Value = app
        .get("/api/v1/org-units", &token)
        .await
        .json()
        .await
        .unwrap();
    let townships = first["items"].as_array().unwrap();
    assert_eq!(townships.len(), 11, "吴桥县 has 11 townships");
    assert!(first["next_after"].is_null());

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/api/v1/org-units?parent={TOWNSHIP}&limit=7&after={a}"),
            None => format!("/api/v1/org-units?parent={TOWNSHIP}&limit=7"),
        };
        let page: Value = app.get(&path, &token).await.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 7);
        seen.extend(items.iter().map(|u| u["code"].as_str().unwrap().to_owned()));
        match page["next_after"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    let expected = jianfu_server::demo::COUNTY_CSV
        .lines()
        .filter(|l| l.ends_with(&format!(",village,{TOWNSHIP}")))
        .count();
    assert_eq!(seen.len(), expected);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "pages are in code order with no repeats");
}

async fn bad_page_parameters_are_refused(app: TestApp) {
    let token = app.login("admin").await;
    for query in [
        "limit=0",
        "limit=501",
        "limit=ten",
        "after=12x",
        "parent=1",
        "sort=name",
    ] {
        let response = app.get(&format!("/api/v1/org-units?{query}"), &token).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert!(
            ["invalid_query", "invalid_division_code"].contains(&body["code"].as_str().unwrap()),
            "{query}: {body}"
        );
    }
}

async fn a_reviewer_reads_only_their_subtree(app: TestApp) {
    let token = app.login("township.reviewer").await;
    let page: Value = app
        .get("/api/v1/org-units", &token)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["parent_code"] == TOWNSHIP)
    );
    let sibling = app.get("/api/v1/org-units/130928100", &token).await;
    expect_error(sibling, StatusCode::FORBIDDEN, "out_of_scope").await;
    let county = app
        .get(&format!("/api/v1/org-units?parent={COUNTY}"), &token)
        .await;
    expect_error(county, StatusCode::FORBIDDEN, "out_of_scope").await;
}

async fn an_admin_adds_a_unit_inside_the_subtree(app: TestApp) {
    let token = app.login("admin").await;
    let before = app.count("audit_log").await;
    let response = app
        .post_json(
            "/api/v1/org-units",
            Some(&token),
            &json!({"code": "130928101299", "name": " 新村 "}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let unit: Value = response.json().await.unwrap();
    assert_eq!(
        unit,
        json!({"code": "130928101299", "name": "新村", "level": "village", "parent_code": TOWNSHIP})
    );
    assert_eq!(app.count("audit_log").await, before + 1);
    let read: Value = app
        .get("/api/v1/org-units/130928101299", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["name"], "新村");
}

async fn adding_a_unit_refuses_bad_input_and_changes_nothing(app: TestApp) {
    let token = app.login("admin").await;
    let units = app.count("org_units").await;
    let cases = [
        (
            json!({"code": VILLAGE, "name": "重复"}),
            StatusCode::CONFLICT,
            "org_unit_exists",
        ),
        (
            json!({"code": "130928199001", "name": "孤村"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "parent_not_found",
        ),
        (
            json!({"code": "130929100299", "name": "外村"}),
            StatusCode::FORBIDDEN,
            "out_of_scope",
        ),
        (
            json!({"code": "1309281012", "name": "十位"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_division_code",
        ),
        (
            json!({"code": "130928101298", "name": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            json!({"code": "130928101298", "name": "村".repeat(65)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            json!({"code": "130928101298", "name": "村", "extra": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
    ];
    for (body, status, code) in cases {
        let response = app
            .post_json("/api/v1/org-units", Some(&token), &body)
            .await;
        expect_error(response, status, code).await;
    }
    assert_eq!(app.count("org_units").await, units);
    let kept: Value = app
        .get(&format!("/api/v1/org-units/{VILLAGE}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        kept["name"], "城一村委会",
        "a refused duplicate does not rename"
    );
}

async fn import_csv(app: &TestApp, token: &str, csv: &str) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/org-units/import", Some(token))
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap()
}

async fn import_adds_units_and_a_second_import_changes_nothing(app: TestApp) {
    let token = app.login("admin").await;
    let csv = "130928101297,\"新一村\",village,130928101\n130928101298,\"新二村\",village,130928101\n130928101201,\"城一村委会\",village,130928101\n";
    let response = import_csv(&app, &token, csv).await;
    assert_eq!(response.status(), StatusCode::OK);
    let summary: Value = response.json().await.unwrap();
    assert_eq!(
        summary,
        json!({"rows": 3, "inserted": 2, "updated": 0, "unchanged": 1})
    );

    let audit = app.count("audit_log").await;
    let again: Value = import_csv(&app, &token, csv).await.json().await.unwrap();
    assert_eq!(
        again,
        json!({"rows": 3, "inserted": 0, "updated": 0, "unchanged": 3})
    );
    assert_eq!(
        app.count("audit_log").await,
        audit,
        "a no-op import writes nothing, not even an audit entry"
    );

    let renamed: Value = import_csv(
        &app,
        &token,
        "130928101298,\"新二村委会\",village,130928101\n",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        renamed,
        json!({"rows": 1, "inserted": 0, "updated": 1, "unchanged": 0})
    );
    let unit: Value = app
        .get("/api/v1/org-units/130928101298", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unit["name"], "新二村委会");
}

async fn import_with_a_bad_row_stores_nothing_and_names_the_line(app: TestApp) {
    let token = app.login("admin").await;
    let units = app.count("org_units").await;
    let csv = "130928101297,\"新一村\",village,130928101\n130928101298,\"新二村\",town,130928101\n130928199001,\"孤村\",village,130928199\n";
    let body = expect_error(
        import_csv(&app, &token, csv).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_invalid",
    )
    .await;
    assert_eq!(body["details"]["error_count"], 1);
    assert_eq!(
        body["details"]["errors"],
        json!([
            {"line": 2, "field": "level",
             "message_zh": "层级应为 province、city、county、township 或 village，收到 \"town\"",
             "message_en": "level: unknown level \"town\", expected province, city, county, township or village"},
        ]),
        "parse errors are reported before storage is consulted"
    );
    assert_eq!(app.count("org_units").await, units);

    let orphan =
        "130928101297,\"新一村\",village,130928101\n130928199001,\"孤村\",village,130928199\n";
    let body = expect_error(
        import_csv(&app, &token, orphan).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_invalid",
    )
    .await;
    assert_eq!(body["details"]["errors"][0]["line"], 2);
    assert_eq!(body["details"]["errors"][0]["field"], "parent_code");
    assert_eq!(
        app.count("org_units").await,
        units,
        "the good first row was not stored either"
    );
}

async fn import_outside_the_subtree_is_refused(app: TestApp) {
    let token = app.login("admin").await;
    let units = app.count("org_units").await;
    // The ancestors are stored identically, so only the other county's rows are refused.
    let csv = format!(
        "13,\"河北省\",province,\"\"\n1309,\"沧州市\",city,13\n{OTHER_COUNTY_CSV}130929100299,\"新村\",village,130929100\n"
    );
    let body = expect_error(
        import_csv(&app, &token, &csv).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_invalid",
    )
    .await;
    assert_eq!(body["details"]["error_count"], 1);
    assert_eq!(body["details"]["errors"][0]["line"], 6);
    assert!(
        body["details"]["errors"][0]["message_en"]
            .as_str()
            .unwrap()
            .contains(COUNTY)
    );
    assert_eq!(app.count("org_units").await, units);

    let renaming_the_province = "13,\"冀\",province,\"\"\n";
    let body = expect_error(
        import_csv(&app, &token, renaming_the_province).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_invalid",
    )
    .await;
    assert_eq!(body["details"]["errors"][0]["field"], "code");

    let city_admin = app.login("city.admin").await;
    let ok: Value = import_csv(&app, &city_admin, &csv)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        ok["inserted"], 1,
        "the city admin's subtree holds {OTHER_COUNTY}: {ok}"
    );
}

async fn import_needs_csv_and_the_admin_role(app: TestApp) {
    let admin = app.login("admin").await;
    let json = app
        .post_json(
            "/api/v1/org-units/import",
            Some(&admin),
            &json!({"rows": []}),
        )
        .await;
    expect_error(
        json,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let reviewer = app.login("reviewer").await;
    let refused = import_csv(
        &app,
        &reviewer,
        "130928101297,\"新一村\",village,130928101\n",
    )
    .await;
    expect_error(refused, StatusCode::FORBIDDEN, "forbidden_role").await;
    let gzip_garbage = app
        .request(Method::POST, "/api/v1/org-units/import", Some(&admin))
        .header("content-type", "application/gzip")
        .body(vec![0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad])
        .send()
        .await
        .unwrap();
    expect_error(
        gzip_garbage,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_invalid",
    )
    .await;
    let too_big = import_csv(
        &app,
        &admin,
        &"x".repeat(jianfu_server::http::org_units::IMPORT_LIMIT_BYTES + 1),
    )
    .await;
    expect_error(too_big, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}
