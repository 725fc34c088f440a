//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes), off the async
//! runtime. Unknown users are checked against a dummy hash so that a login for a name
//! that does not exist costs the same time as one with a wrong password.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use jianfu_core::Problem;
use std::sync::LazyLock;

/// Bounds on a new password, in characters.
pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_now("jianfu: a password nobody has").expect("hashing a constant cannot fail")
});

fn hash_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Computes the dummy hash now, so the first login of an unknown user is not the one
/// that pays for it (which would make it slower, and tell).
pub async fn warm_up() {
    let _ = tokio::task::spawn_blocking(|| DUMMY_HASH.len()).await;
}

/// Hashing or verifying could not run.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("argon2: {0}")]
    Argon2(argon2::password_hash::Error),
    #[error("the hashing worker failed: {0}")]
    Worker(#[from] tokio::task::JoinError),
}

/// The PHC string of `password` with a fresh salt.
pub async fn hash(password: String) -> Result<String, PasswordError> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await?
        .map_err(PasswordError::Argon2)
}

/// True when `password` matches `stored`; with `None` (no such user) it does the same
/// work against a dummy hash and returns false.
pub async fn verify(stored: Option<String>, password: String) -> Result<bool, PasswordError> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let matches = PasswordHash::new(&phc).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        });
        known && matches
    })
    .await
    .map_err(PasswordError::from)
}

/// Checks a new password's length; the problem says the numbers.
pub fn check_new(password: &str) -> Result<(), Box<Problem>> {
    let chars = password.chars().count();
    if (MIN_CHARS..=MAX_CHARS).contains(&chars) {
        return Ok(());
    }
    Err(Box::new(Problem::error(
        "password_length",
        "password",
        format!("密码须为 {MIN_CHARS} 到 {MAX_CHARS} 个字符，当前为 {chars} 个"),
        format!("a password has {MIN_CHARS} to {MAX_CHARS} characters, this one has {chars}"),
        serde_json::json!({ "field": "password", "min": MIN_CHARS, "max": MAX_CHARS, "actual": chars }),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_only_the_right_password_of_a_known_user() {
        let stored = hash("correct horse".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(
            verify(Some(stored.clone()), "correct horse".into())
                .await
                .unwrap()
        );
        assert!(!verify(Some(stored), "wrong horse".into()).await.unwrap());
        assert!(
            !verify(None, "jianfu: a password nobody has".into())
                .await
                .unwrap()
        );
    }

    #[test]
    fn new_passwords_have_bounded_length() {
        assert!(check_new("1234567").is_err());
        assert!(check_new("12345678").is_ok());
        assert!(check_new(&"x".repeat(129)).is_err());
        assert!(check_new("八个汉字的密码啊").is_ok());
    }
}
