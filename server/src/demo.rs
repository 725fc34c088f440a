//! Demo data: one real county (吴桥县, cut from the national file and committed as
//! `server/data/demo-county.csv`) with an admin, a reviewer and a few cadres.

use crate::auth::password;
use crate::db::{self, Db, audit};
use crate::service::Services;
use crate::service::accounts::{self, Caller, NewAccount};
use crate::service::import::{self, Importer};
use jianfu_core::{Level, Role};
use rand::Rng;
use std::fmt::Write as _;

/// The demo county's rows with its province and city, in the national file's format.
pub const COUNTY_CSV: &str = include_str!("../data/demo-county.csv");
pub const COUNTY_CODE: &str = "130928";
pub const COUNTY_NAME: &str = "吴桥县";

/// One demo login, printed as `role username password`.
#[derive(Debug, Clone)]
pub struct Login {
    pub role: Role,
    pub username: String,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("demo import: {0}")]
    Import(#[from] import::ImportError),
    #[error("demo user {username}: {message}")]
    User { username: String, message: String },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A random password that is easy to type: 16 letters and digits.
pub fn random_password() -> String {
    password::generate()
}

/// A random signing secret: 32 bytes as hex.
pub fn random_secret() -> String {
    let bytes: [u8; 32] = rand::thread_rng().r#gen();
    bytes.iter().fold(String::with_capacity(64), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

/// Imports the county (a no-op when already there) and creates the demo users, or gives
/// them fresh passwords when they exist from an earlier run.
pub async fn seed(db: &Db) -> Result<Vec<Login>, SeedError> {
    let file = import::parse(COUNTY_CSV.as_bytes(), None)?;
    let importer = Importer {
        actor_id: None,
        actor: "demo".to_owned(),
        scope: None,
    };
    import::apply(db, &file, &importer).await?;

    // Four cadres, each in a village of a different township.
    let mut villages = Vec::new();
    let mut townships_seen = std::collections::HashSet::new();
    for (_, row) in &file.rows {
        if row.level == Level::Village && townships_seen.insert(row.parent()) {
            villages.push(row.code.to_string());
        }
    }
    let mut people = vec![
        (
            Role::Admin,
            "admin".to_owned(),
            "吴桥县管理员".to_owned(),
            COUNTY_CODE.to_owned(),
        ),
        (
            Role::Reviewer,
            "reviewer".to_owned(),
            "吴桥县委组织部".to_owned(),
            COUNTY_CODE.to_owned(),
        ),
    ];
    let names = ["张伟", "李娜", "王芳", "刘洋"];
    for (i, (name, village)) in names.iter().zip(villages).enumerate() {
        people.push((
            Role::Cadre,
            format!("cadre{}", i + 1),
            (*name).to_owned(),
            village,
        ));
    }

    let mut logins = Vec::new();
    let mut cadres = Vec::new();
    for (role, username, display_name, unit) in people {
        let password = random_password();
        if role == Role::Cadre {
            cadres.push((username.clone(), unit.clone()));
        }
        upsert_user(db, role, &username, display_name, unit, &password).await?;
        logins.push(Login {
            role,
            username,
            password,
        });
    }
    seed_reporting(db, &cadres).await?;
    Ok(logins)
}

/// The demo's reporting setup, made once: a weekly template and policy on the county
/// (due two days after the week, two days' grace, 60 minutes a month at most) and each
/// cadre posted to their village since the start of the year.
async fn seed_reporting(db: &Db, cadres: &[(String, String)]) -> Result<(), SeedError> {
    let entry = |action: &'static str, target: String| audit::Entry {
        at: db::now(),
        actor_id: None,
        actor: "demo".to_owned(),
        action,
        scope: COUNTY_CODE.to_owned(),
        target,
        before: None,
        after: None,
    };
    let county = jianfu_core::DivisionCode::parse(COUNTY_CODE).expect("the demo county's code");
    if db::policies::nearest(db, &county).await?.is_none() {
        let fields = serde_json::json!([
            { "key": "outcomes", "label_zh": "本周成果", "label_en": "Outcomes this week",
              "type": "outcome_list", "max_items": 20, "required": true, "seconds_to_fill": 600 },
            { "key": "households", "label_zh": "走访户数", "label_en": "Households visited",
              "type": "number", "min": 0, "max": 500, "integer": true, "seconds_to_fill": 60,
              "concept": "households_visited" },
            { "key": "contact", "label_zh": "驻村联系电话", "label_en": "Contact phone in the village",
              "type": "text", "max_chars": 20, "seconds_to_fill": 30, "stable": true },
        ])
        .to_string();
        let template = db::templates::create(
            db,
            COUNTY_CODE,
            "驻村工作周报",
            &fields,
            entry("templates.create", String::new()),
        )
        .await?;
        let policy = db::policies::PolicyRow {
            org_unit: COUNTY_CODE.to_owned(),
            period_kind: jianfu_core::period::PeriodKind::Weekly,
            due_offset_days: 2,
            grace_days: 2,
            lock_days: 7,
            template_id: template.id,
            budget_minutes: 60,
            time_zone: "Asia/Shanghai".to_owned(),
            emergency_id: None,
            kind_after_emergency: None,
            updated_at: db::now(),
        };
        let mut put = entry("policies.put", format!("policy:{COUNTY_CODE}"));
        put.after = serde_json::to_string(&policy).ok();
        db::policies::put(db, &county, template.id, db::now(), |_| {
            Ok::<_, std::convert::Infallible>((policy, put))
        })
        .await
        .map_err(|e| match e {
            db::templates::ChangeError::Db(e) => SeedError::Db(e),
            other => SeedError::User {
                username: "demo".to_owned(),
                message: format!("the demo policy: {other}"),
            },
        })?;
    }
    for (username, village) in cadres {
        let Some(user) = db::users::by_username(db, username).await? else {
            continue;
        };
        if db::postings::of_user_overlapping(db, user.id, "2026-01-01", "9999-12-31")
            .await?
            .is_empty()
        {
            let new = db::postings::NewPosting {
                user_id: user.id,
                org_unit: village,
                starts_on: "2026-01-01",
                ends_on: None,
            };
            db::postings::create(db, &new, entry("postings.create", String::new()))
                .await
                .map_err(|e| SeedError::User {
                    username: username.clone(),
                    message: e.to_string(),
                })?;
        }
    }
    Ok(())
}

async fn upsert_user(
    db: &Db,
    role: Role,
    username: &str,
    display_name: String,
    unit: String,
    password: &str,
) -> Result<(), SeedError> {
    let user_error = |message: String| SeedError::User {
        username: username.to_owned(),
        message,
    };
    if db::users::credentials(db, username).await?.is_some() {
        let hash = password::hash(password.to_owned())
            .await
            .map_err(|e| user_error(e.to_string()))?;
        let entry = audit::Entry {
            at: db::now(),
            actor_id: None,
            actor: "demo".to_owned(),
            action: "users.password_reset",
            scope: unit,
            target: format!("username:{username}"),
            before: None,
            after: None,
        };
        db::users::set_password(db, username, &hash, entry).await?;
        return Ok(());
    }
    let account = NewAccount {
        username: username.to_owned(),
        password: password.to_owned(),
        display_name: Some(display_name),
        role,
        org_unit: unit,
        department_id: None,
    };
    let services = Services::new(db.clone(), crate::clock::Clock::system());
    accounts::create(&services, Caller::System("demo"), account)
        .await
        .map(|_| ())
        .map_err(|e| user_error(e.to_string()))
}
