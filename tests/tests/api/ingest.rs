//! The group-commit write path: one transaction holds many submissions, a savepoint each,
//! and every submission gets its own answer — created, revised, replayed or refused —
//! whatever else its batch held. Checked at the storage layer with deterministic batches,
//! and through the API with a burst of concurrent requests of every kind.

use jianfu_core::role::Role;
use jianfu_server::db::reports::{self, PutError, Stored, Submission};
use jianfu_tests::fixtures::{WEEK, content, ok_json, outcome, put_report, revise_report, setup};
use jianfu_tests::{StatusCode, TestApp, VILLAGE, on_both_engines};
use serde_json::{Value, json};

on_both_engines!(
    one_batch_gives_each_submission_its_own_answer,
    a_batch_of_new_reports_is_stored_as_answered,
    a_burst_of_every_kind_of_submission_is_answered_one_by_one
);

/// A submission for the storage layer, as the service would build it after its checks.
fn submission(id: &str, user_id: i64, username: &str, period: &str, text: &str) -> Submission {
    let start = period.strip_prefix("weekly:").expect("a weekly key");
    Submission {
        id: id.to_owned(),
        user_id,
        username: username.to_owned(),
        display_name: username.to_owned(),
        org_unit: VILLAGE.to_owned(),
        village_name: "城一村委会".to_owned(),
        period_key: period.to_owned(),
        period_start: start.to_owned(),
        period_end: "2026-12-31".to_owned(),
        content: json!({ "text": text }).to_string(),
        outcome_ids: vec![format!("{id}-o1")],
        received_at: 1_795_600_000,
        late: false,
        sealed_at: None,
        sealed_on_time: false,
        base_revision: None,
        locks_at: i64::MAX,
    }
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    jianfu_server::db::users::by_username(&app.db, username)
        .await
        .unwrap()
        .expect("seeded user")
        .id
}

const A: &str = "a0000000-0000-4000-8000-000000000001";
const B: &str = "b0000000-0000-4000-8000-000000000002";
const C: &str = "c0000000-0000-4000-8000-000000000003";
const D: &str = "d0000000-0000-4000-8000-000000000004";
const E: &str = "e0000000-0000-4000-8000-000000000005";
const F: &str = "f0000000-0000-4000-8000-000000000006";
const G: &str = "a1000000-0000-4000-8000-000000000007";
const H: &str = "a2000000-0000-4000-8000-000000000008";
const I: &str = "a3000000-0000-4000-8000-000000000009";
const J: &str = "a4000000-0000-4000-8000-00000000000a";
const K: &str = "a5000000-0000-4000-8000-00000000000b";
const L: &str = "a6000000-0000-4000-8000-00000000000c";
const M: &str = "a7000000-0000-4000-8000-00000000000d";
const N: &str = "a8000000-0000-4000-8000-00000000000e";

fn kind(answer: &Result<Stored, PutError>) -> String {
    match answer {
        Ok(Stored::Created(row)) => format!("created r{}", row.revision),
        Ok(Stored::Revised(row)) => format!("revised r{}", row.revision),
        Ok(Stored::Replayed(row)) => format!("replayed r{}", row.revision),
        Err(PutError::PeriodTaken { existing_id }) => format!("period taken by {existing_id}"),
        Err(PutError::IdTaken { .. }) => "id taken".to_owned(),
        Err(PutError::Conflict { base, latest }) => {
            format!("conflict {base:?} < r{}", latest.revision)
        }
        Err(PutError::Locked { .. }) => "locked".to_owned(),
        Err(PutError::Db(_)) => "storage error".to_owned(),
    }
}

async fn one_batch_gives_each_submission_its_own_answer(app: TestApp) {
    app.add_user("cadre.two", Role::Cadre, VILLAGE).await;
    let (one, two) = (
        user_id(&app, "cadre").await,
        user_id(&app, "cadre.two").await,
    );
    // Stored before the batch: report A of the cadre, revision 1.
    let first = submission(A, one, "cadre", WEEK, "first");
    let answers = reports::put_batch(&mut app.db.hold().await.unwrap(), &[&first])
        .await
        .unwrap();
    assert_eq!(kind(&answers[0]), "created r1");

    let mut revision = submission(A, one, "cadre", WEEK, "second");
    revision.base_revision = Some(1);
    let replay_of_revision = revision.clone();
    let mut stale = submission(A, one, "cadre", WEEK, "third, from an old copy");
    stale.base_revision = None;
    let mut unknown_village = submission(D, one, "cadre", "weekly:2026-11-09", "nowhere");
    "130928999999".clone_into(&mut unknown_village.org_unit);
    let batch = [
        submission(B, two, "cadre.two", WEEK, "new"),
        revision,
        replay_of_revision,
        submission(C, two, "cadre.two", WEEK, "another id, same period"),
        submission(B, one, "cadre", WEEK, "someone else's id"),
        stale,
        unknown_village,
        submission(E, one, "cadre", "weekly:2026-11-09", "an earlier week"),
    ];
    let refs: Vec<&Submission> = batch.iter().collect();
    let answers = reports::put_batch(&mut app.db.hold().await.unwrap(), &refs)
        .await
        .unwrap();
    let kinds: Vec<String> = answers.iter().map(kind).collect();
    assert_eq!(
        kinds,
        [
            "created r1",
            "revised r2",
            "replayed r2",
            &format!("period taken by {B}"),
            "id taken",
            "conflict None < r2",
            "storage error",
            "created r1",
        ]
    );
    // The created row is answered as it is stored: the same as reading it back.
    let Ok(Stored::Created(answered)) = &answers[0] else {
        unreachable!()
    };
    let stored = reports::get(&app.db, B).await.unwrap().unwrap();
    assert_eq!(*answered, stored);
    // What was stored is exactly what was answered: the failed one left nothing behind.
    assert_eq!(app.count("reports").await, 3);
    assert_eq!(app.count("report_revisions").await, 4);
    assert_eq!(app.count("outcomes").await, 3);
    assert!(reports::get(&app.db, D).await.unwrap().is_none());

    // A batch where no statement fails is written together (new reports in three
    // statements): the same id twice is a new report then its replay, another content under
    // it a conflict, another id for a period taken is refused.
    let f = submission(F, one, "cadre", "weekly:2026-11-02", "f");
    let batch = [
        f.clone(),
        f.clone(),
        submission(
            F,
            one,
            "cadre",
            "weekly:2026-11-02",
            "f, changed without a base",
        ),
        submission(G, two, "cadre.two", WEEK, "a second report of the week"),
        submission(H, two, "cadre.two", "weekly:2026-11-02", "h"),
    ];
    let refs: Vec<&Submission> = batch.iter().collect();
    let answers = reports::put_batch(&mut app.db.hold().await.unwrap(), &refs)
        .await
        .unwrap();
    let kinds: Vec<String> = answers.iter().map(kind).collect();
    assert_eq!(
        kinds,
        [
            "created r1",
            "replayed r1",
            "conflict None < r1",
            &format!("period taken by {B}"),
            "created r1",
        ]
    );
    assert_eq!(app.count("reports").await, 5);
    assert_eq!(app.count("report_revisions").await, 6);
    assert_eq!(app.count("outcomes").await, 5);
}

/// New reports only, the usual batch (on SQLite written in one trip to its connection):
/// each is answered as stored, with its revision and its outcome. A batch whose last
/// statement fails, after its reports went in, leaves nothing of the failing submission.
async fn a_batch_of_new_reports_is_stored_as_answered(app: TestApp) {
    app.add_user("cadre.two", Role::Cadre, VILLAGE).await;
    let (one, two) = (
        user_id(&app, "cadre").await,
        user_id(&app, "cadre.two").await,
    );
    let batch = [
        submission(I, one, "cadre", "weekly:2026-10-26", "i"),
        submission(J, two, "cadre.two", "weekly:2026-10-26", "j"),
        submission(K, two, "cadre.two", "weekly:2026-10-19", "k"),
    ];
    let refs: Vec<&Submission> = batch.iter().collect();
    let answers = reports::put_batch(&mut app.db.hold().await.unwrap(), &refs)
        .await
        .unwrap();
    for (answer, id) in answers.iter().zip([I, J, K]) {
        let Ok(Stored::Created(answered)) = answer else {
            panic!("{id}: {}", kind(answer))
        };
        assert_eq!(*answered, reports::get(&app.db, id).await.unwrap().unwrap());
        assert_eq!(
            reports::latest_content(&app.db, id)
                .await
                .unwrap()
                .as_deref(),
            Some(batch.iter().find(|s| s.id == id).unwrap().content.as_str())
        );
    }
    assert_eq!(app.count("reports").await, 3);
    assert_eq!(app.count("report_revisions").await, 3);
    assert_eq!(app.count("outcomes").await, 3);

    // One id twice, first for a week its cadre already reported: the second is the new
    // report, stored and answered with its own week and content.
    let batch = [
        submission(L, one, "cadre", "weekly:2026-10-26", "l, a week taken"),
        submission(L, one, "cadre", "weekly:2026-10-12", "l, a free week"),
    ];
    let refs: Vec<&Submission> = batch.iter().collect();
    let answers = reports::put_batch(&mut app.db.hold().await.unwrap(), &refs)
        .await
        .unwrap();
    let kinds: Vec<String> = answers.iter().map(kind).collect();
    assert_eq!(kinds, ["id taken", "created r1"]);
    let Ok(Stored::Created(answered)) = &answers[1] else {
        unreachable!()
    };
    assert_eq!(*answered, reports::get(&app.db, L).await.unwrap().unwrap());
    assert_eq!(answered.period_key, "weekly:2026-10-12");
    assert_eq!(
        reports::latest_content(&app.db, L)
            .await
            .unwrap()
            .as_deref(),
        Some(batch[1].content.as_str())
    );
    assert_eq!(app.count("reports").await, 4);
    assert_eq!(app.count("report_revisions").await, 4);
    assert_eq!(app.count("outcomes").await, 4);

    // New reports whose outcomes' INSERT fails (one names an outcome id twice, which the
    // service refuses before the writer; here it reaches storage): the reports and
    // revisions written before it in the same command or transaction are undone, and the
    // batch again a submission at a time, so only that one fails.
    let mut twice = submission(N, two, "cadre.two", "weekly:2026-10-12", "n");
    twice.outcome_ids = vec!["n-o1".to_owned(), "n-o1".to_owned()];
    let batch = [submission(M, one, "cadre", "weekly:2026-10-05", "m"), twice];
    let refs: Vec<&Submission> = batch.iter().collect();
    let answers = reports::put_batch(&mut app.db.hold().await.unwrap(), &refs)
        .await
        .unwrap();
    let kinds: Vec<String> = answers.iter().map(kind).collect();
    assert_eq!(kinds, ["created r1", "storage error"]);
    assert!(reports::get(&app.db, N).await.unwrap().is_none());
    assert_eq!(app.count("reports").await, 5);
    assert_eq!(app.count("report_revisions").await, 5);
    assert_eq!(app.count("outcomes").await, 5);
}

async fn a_burst_of_every_kind_of_submission_is_answered_one_by_one(app: TestApp) {
    const CADRES: usize = 12;
    let s = setup(&app).await;
    let admin = s.admin.clone();
    let mut tokens = Vec::new();
    for i in 0..CADRES {
        let name = format!("burst{i}");
        app.add_user(&name, Role::Cadre, VILLAGE).await;
        ok_json(
            app.post_json(
                "/api/v1/postings",
                Some(&admin),
                &json!({ "username": name, "org_unit": VILLAGE, "starts_on": "2026-01-01" }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        tokens.push(app.login(&name).await);
    }
    let id = |i: usize, n: usize| format!("{i:08x}-0000-4000-8000-{n:012x}");
    let body = |what: &str| content(&[outcome("o1", what, "done")]);
    // Before the burst, every cadre has last week's report at revision 1.
    for (i, token) in tokens.iter().enumerate() {
        ok_json(
            put_report(
                &app,
                token,
                &id(i, 1),
                WEEK,
                &body("村东道路已修通，验收合格"),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    // The burst: per cadre, a new report of an earlier week, a revision, the same upload
    // again (a replay), a report of last week under another id, and a stale revision.
    let (road, water, lights) = (
        body("村东道路已修通，验收合格"),
        body("村西水渠已清淤，灌溉恢复"),
        body("村东道路已修通，验收合格，路灯也装好了"),
    );
    let requests = tokens.iter().enumerate().map(|(i, token)| {
        let (app, road, water, lights) = (&app, &road, &water, &lights);
        async move {
            let (earlier, first, other) = (id(i, 2), id(i, 1), id(i, 3));
            let (new, revision, replay, other_id) = tokio::join!(
                put_report(app, token, &earlier, "weekly:2026-11-09", water),
                revise_report(app, token, &first, WEEK, lights, 1),
                put_report(app, token, &first, WEEK, road),
                put_report(app, token, &other, WEEK, road),
            );
            (i, new, revision, replay, other_id)
        }
    });
    let results = futures_util::future::join_all(requests).await;
    for (i, new, revision, replay, other_id) in results {
        assert_eq!(new.status(), StatusCode::CREATED, "cadre {i}: new");
        let revised: Value = revision.json().await.unwrap();
        assert_eq!(revised["revision"], 2, "cadre {i}: {revised}");
        // The first upload sent again, racing the revision: answered as the first time
        // (201, revision 1) or, once the revision is in, as a replay of what its base led
        // to (200, revision 2) — never a conflict, never a third revision.
        let status = replay.status();
        let replayed: Value = replay.json().await.unwrap();
        match status {
            StatusCode::CREATED => assert_eq!(replayed["revision"], 1, "cadre {i}: {replayed}"),
            StatusCode::OK => assert_eq!(replayed["revision"], 2, "cadre {i}: {replayed}"),
            other => panic!("cadre {i}: the replay was answered {other}: {replayed}"),
        }
        let other: Value = other_id.json().await.unwrap();
        assert_eq!(
            other["code"], "report_exists_for_period",
            "cadre {i}: {other}"
        );
    }
    assert_eq!(
        app.count("reports").await,
        i64::try_from(2 * CADRES).unwrap()
    );
    assert_eq!(
        app.count("report_revisions").await,
        i64::try_from(3 * CADRES).unwrap()
    );
}
