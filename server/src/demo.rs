//! Demo data: one real county (吴桥县, cut from the national file and committed as
//! `server/data/demo-county.csv`) with an admin, a reviewer and a few cadres.

use crate::accounts::{self, Creator, UserRequest};
use crate::auth::password;
use crate::db::{self, Db, audit};
use crate::import::{self, Importer};
use jianfu_core::{Level, Role};
use rand::Rng;
use rand::distributions::Alphanumeric;
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

/// A random password that is easy to type: 14 letters and digits.
pub fn random_password() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(14)
        .map(char::from)
        .collect()
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
    for (role, username, display_name, unit) in people {
        let password = random_password();
        upsert_user(db, role, &username, display_name, unit, &password).await?;
        logins.push(Login {
            role,
            username,
            password,
        });
    }
    Ok(logins)
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
            .map_err(|e| user_error(e.body().message_en.into_owned()))?;
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
    let request = UserRequest {
        username: username.to_owned(),
        password: password.to_owned(),
        display_name: Some(display_name),
        role,
        org_unit: unit,
    };
    let creator = Creator {
        actor_id: None,
        actor: "demo".to_owned(),
    };
    accounts::create(db, request, None, creator)
        .await
        .map(|_| ())
        .map_err(|e| user_error(e.body().message_en.into_owned()))
}
