//! Storage behaviour straight through the storage layer, the same on both engines.

use jianfu_core::DivisionCode;
use jianfu_server::db::{self, Db};
use jianfu_server::service::import::{self, ImportError, Importer};
use jianfu_tests::{COUNTY, TestApp, on_both_engines};
use std::fmt::Write as _;

on_both_engines!(
    children_and_paths_follow_the_codes,
    a_failed_import_rolls_back_completely,
    the_audit_log_refuses_updates_and_deletes,
    migrations_are_idempotent,
    a_large_import_is_diffed_by_one_scan,
    connections_are_set_as_the_server_needs,
);

fn cli() -> Importer {
    Importer {
        actor_id: None,
        actor: "test".to_owned(),
        scope: None,
    }
}

async fn children_and_paths_follow_the_codes(app: TestApp) {
    let county = DivisionCode::parse(COUNTY).unwrap();
    let first = db::page::Window {
        after: String::new(),
        limit: 100,
    };
    let townships = db::org_units::children(&app.db, &county, &first)
        .await
        .unwrap();
    assert_eq!(townships.len(), 11, "吴桥县 has 11 townships");
    assert!(townships.windows(2).all(|w| w[0].code < w[1].code));
    let after = db::page::Window {
        after: townships[4].code.clone(),
        limit: 100,
    };
    let rest = db::org_units::children(&app.db, &county, &after)
        .await
        .unwrap();
    assert_eq!(rest.len(), 6);

    let path = db::org_units::get_many(&app.db, &["13", "1309", "130928", "999999"])
        .await
        .unwrap();
    let names: Vec<&str> = path.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["河北省", "沧州市", "吴桥县"]);

    let expected_units = jianfu_server::demo::COUNTY_CSV.lines().count() + 3;
    assert_eq!(
        app.count("org_units").await,
        i64::try_from(expected_units).unwrap()
    );
}

async fn a_failed_import_rolls_back_completely(app: TestApp) {
    let units = app.count("org_units").await;
    let audit = app.count("audit_log").await;
    // Two good units, then an audit entry whose actor points at no user: its foreign key
    // fails last, inside the transaction, after both units were written.
    let file = import::parse(
        "130928101297,\"新一村\",village,130928101\n130928101298,\"新二村\",village,130928101\n"
            .as_bytes(),
        None,
    )
    .unwrap();
    let write = db::org_units::ImportWrite {
        inserts: file.rows.iter().map(|(_, r)| r.clone()).collect(),
        renames: Vec::new(),
    };
    let entry = db::audit::Entry {
        at: db::now(),
        actor_id: Some(999_999),
        actor: "ghost".into(),
        action: "org_units.import",
        scope: String::new(),
        target: "org_units".into(),
        before: None,
        after: None,
    };
    assert!(
        db::org_units::apply_import(&app.db, &write, &entry)
            .await
            .is_err()
    );
    assert_eq!(
        app.count("org_units").await,
        units,
        "no unit of the failed transaction remains"
    );
    assert_eq!(app.count("audit_log").await, audit);

    // And the checked path refuses before writing anything.
    let orphan =
        import::parse("130928199001,\"孤村\",village,130928199\n".as_bytes(), None).unwrap();
    match import::apply(&app.db, &orphan, &cli()).await {
        Err(ImportError::Invalid {
            error_count: 1,
            errors,
        }) => assert_eq!(errors[0].field, "parent_code"),
        other => panic!("expected a parent error, got {other:?}"),
    }
    assert_eq!(app.count("org_units").await, units);
}

async fn the_audit_log_refuses_updates_and_deletes(app: TestApp) {
    assert!(
        app.count("audit_log").await > 0,
        "seeding wrote audit entries"
    );
    let attempts = [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ];
    for sql in attempts {
        let result = match &app.db {
            Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
            Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        };
        let err = result.expect_err(sql).to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
}

/// Every pooled connection is set up alike: on SQLite, durable commits and foreign keys;
/// on PostgreSQL, no JIT compilation (completeness would spend 0.5 s a province compiling).
async fn connections_are_set_as_the_server_needs(app: TestApp) {
    // Two connections at once: the settings are each connection's own.
    match &app.db {
        Db::Sqlite(p) => {
            let mut a = p.acquire().await.unwrap();
            let mut b = p.acquire().await.unwrap();
            for conn in [&mut a, &mut b] {
                let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
                    .fetch_one(&mut **conn)
                    .await
                    .unwrap();
                let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                    .fetch_one(&mut **conn)
                    .await
                    .unwrap();
                assert_eq!((synchronous, foreign_keys), (2, 1), "FULL, on");
            }
        }
        Db::Postgres(p) => {
            let mut a = p.acquire().await.unwrap();
            let mut b = p.acquire().await.unwrap();
            for conn in [&mut a, &mut b] {
                let jit: String = sqlx::query_scalar("SHOW jit")
                    .fetch_one(&mut **conn)
                    .await
                    .unwrap();
                assert_eq!(jit, "off");
            }
        }
    }
}

async fn migrations_are_idempotent(app: TestApp) {
    let units = app.count("org_units").await;
    let again = Db::open(&app.database_url).await.unwrap();
    again.migrate().await.unwrap();
    assert_eq!(app.count("org_units").await, units);
    again.close().await;
}

/// 21,000 villages under 21 townships of a made-up county of the demo city: enough for the
/// import to read the stored names with one scan instead of batched lookups. A second
/// import changes nothing; a third renames exactly one village.
async fn a_large_import_is_diffed_by_one_scan(app: TestApp) {
    let csv = |renamed: Option<usize>| {
        let mut text = String::from("130999,\"测试县\",county,1309\n");
        for t in 0..21 {
            let _ = writeln!(text, "130999{:03},\"测试镇{t}\",township,130999", 100 + t);
            for v in 0..1000 {
                let n = t * 1000 + v;
                let name = if renamed == Some(n) {
                    format!("改名村{n}")
                } else {
                    format!("测试村{n}")
                };
                let _ = writeln!(
                    text,
                    "130999{:03}{v:03},\"{name}\",village,130999{:03}",
                    100 + t,
                    100 + t
                );
            }
        }
        import::parse(text.as_bytes(), None).expect("a valid file")
    };
    let first = import::apply(&app.db, &csv(None), &cli())
        .await
        .expect("imports");
    assert_eq!(
        (first.rows, first.inserted, first.updated),
        (21_022, 21_022, 0)
    );
    let audit = app.count("audit_log").await;
    let again = import::apply(&app.db, &csv(None), &cli())
        .await
        .expect("imports");
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 0, 21_022)
    );
    assert_eq!(
        app.count("audit_log").await,
        audit,
        "a no-op import writes nothing"
    );
    let renamed = import::apply(&app.db, &csv(Some(12_345)), &cli())
        .await
        .expect("imports");
    assert_eq!(
        (renamed.inserted, renamed.updated, renamed.unchanged),
        (0, 1, 21_021)
    );
    let village = DivisionCode::parse("130999112345").unwrap();
    let stored = db::org_units::get(&app.db, &village)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored.name, "改名村12345");
}
