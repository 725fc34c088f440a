//! Passwords: argon2id hashing (the crate's defaults: 19 MiB, 2 passes) on a small fixed
//! pool of threads, and the policy a new password must meet.
//!
//! Every hash and every check runs on one of [`workers`] threads, fed by a bounded queue:
//! a flood of sign-ins costs at most that many × 19 MiB at a time, and the memory stays in
//! those few threads' allocators instead of one per blocking thread (a burst of 64 logins
//! on tokio's blocking pool once left 1.1 GB resident). A full queue is refused at once
//! ([`PasswordError::Busy`]) rather than waited on. Unknown users are checked against a
//! dummy hash so that a sign-in for a name that does not exist costs the same time as one
//! with a wrong password.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use jianfu_core::Problem;
use serde_json::json;
use std::cell::RefCell;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{LazyLock, Mutex};

/// Bounds on a new password, in characters.
pub const MIN_CHARS: usize = 10;
pub const MAX_CHARS: usize = 128;
/// Hashes and checks waiting for a worker, at most.
pub const QUEUE: usize = 64;

/// Passwords too common to accept whatever their length (a short list of the ones seen
/// most in leaks, Chinese-speaking users' among them), lowercased.
const COMMON: &str = include_str!("../../data/common-passwords.txt");

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_now("jianfu: a password nobody has").expect("hashing a constant cannot fail")
});

type Job = Box<dyn FnOnce() + Send>;

/// The queue of the worker threads, started on first use.
static QUEUE_TX: LazyLock<SyncSender<Job>> = LazyLock::new(|| {
    let (tx, rx) = sync_channel::<Job>(QUEUE);
    let rx: &'static Mutex<Receiver<Job>> = Box::leak(Box::new(Mutex::new(rx)));
    for n in 0..workers() {
        std::thread::Builder::new()
            .name(format!("argon2-{n}"))
            .spawn(move || {
                loop {
                    let job = rx
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => break,
                    }
                }
            })
            .expect("spawn an argon2 worker");
    }
    tx
});

/// How many hashes run at once: the cores, at most four.
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().min(4))
}

/// Hashing or verifying could not run.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("argon2: {0}")]
    Argon2(argon2::password_hash::Error),
    /// Every worker is busy and the queue is full: refused rather than waited on.
    #[error("too many password checks queued")]
    Busy,
    #[error("the hashing worker stopped")]
    Worker,
}

/// Runs `work` on a worker and waits for its answer without blocking the runtime.
async fn on_worker<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(work());
    });
    QUEUE_TX.try_send(job).map_err(|e| match e {
        TrySendError::Full(_) => PasswordError::Busy,
        TrySendError::Disconnected(_) => PasswordError::Worker,
    })?;
    rx.await.map_err(|_| PasswordError::Worker)
}

thread_local! {
    /// A worker's argon2 memory, kept for its next hash: argon2 would otherwise allocate
    /// 19 MiB for every hash, and the allocator does not give it back (measured: +19 MiB
    /// resident per sign-in, without end).
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// argon2 of `password` and `salt` into `out`, on this thread's reusable memory.
fn argon2_into(
    argon: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    BLOCKS.with_borrow_mut(|blocks| {
        let needed = params.block_count();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut blocks[..needed])
    })
}

fn hash_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt_bytes = [0_u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let mut out = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(&argon, &params, password.as_bytes(), salt_bytes, &mut out)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` hashes to the stored PHC string `phc` (compared in constant time).
fn matches(phc: &str, password: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = parsed
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .unwrap_or(Version::V0x13);
    let mut salt_bytes = [0_u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0_u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    argon2_into(&argon, &params, password.as_bytes(), salt_bytes, &mut out).is_ok()
        && Output::new(&out).is_ok_and(|actual| actual == expected)
}

/// Computes the dummy hash now, so the first login of an unknown user is not the one
/// that pays for it (which would make it slower, and tell).
pub async fn warm_up() {
    let _ = on_worker(|| DUMMY_HASH.len()).await;
}

/// The PHC string of `password` with a fresh salt.
pub async fn hash(password: String) -> Result<String, PasswordError> {
    on_worker(move || hash_now(&password))
        .await?
        .map_err(PasswordError::Argon2)
}

/// True when `password` matches `stored`; with `None` (no such user) it does the same
/// work against a dummy hash and returns false.
pub async fn verify(stored: Option<String>, password: String) -> Result<bool, PasswordError> {
    on_worker(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        known && matches(&phc, &password)
    })
    .await
}

/// A new random password, easy to type: 16 letters and digits (about 95 bits).
pub fn generate() -> String {
    use rand::Rng;
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

/// Checks a new password: 10 to 128 characters, not the username, not one character
/// repeated, not a common password. The problem says which rule, in both languages.
pub fn check_new(password: &str, username: &str) -> Result<(), Box<Problem>> {
    let chars = password.chars().count();
    let refuse = |code: &str, zh: String, en: String| {
        Err(Box::new(Problem::error(
            code,
            "password",
            zh,
            en,
            json!({ "field": "password", "min": MIN_CHARS, "max": MAX_CHARS, "actual": chars }),
        )))
    };
    if !(MIN_CHARS..=MAX_CHARS).contains(&chars) {
        return refuse(
            "password_length",
            format!("密码须为 {MIN_CHARS} 到 {MAX_CHARS} 个字符，当前为 {chars} 个"),
            format!("a password has {MIN_CHARS} to {MAX_CHARS} characters, this one has {chars}"),
        );
    }
    let lower = password.trim().to_lowercase();
    if lower == username.trim().to_lowercase() {
        return refuse(
            "password_is_username",
            "密码不能与用户名相同".to_owned(),
            "the password may not be the username".to_owned(),
        );
    }
    let mut distinct: Vec<char> = lower.chars().filter(|c| !c.is_whitespace()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 2 || COMMON.lines().any(|common| common == lower) {
        return refuse(
            "password_too_common",
            "密码过于常见或过于简单，请换一个不容易被猜到的密码".to_owned(),
            "the password is too common or too simple: choose one that is hard to guess".to_owned(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_hashes_argon2_itself_writes() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        assert!(matches(&theirs, "correct horse"));
        assert!(!matches(&theirs, "correct horse "));
        let ours = hash_now("correct horse").unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(!matches("not a hash", "correct horse"));
    }

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
    fn new_passwords_are_long_not_the_username_and_not_common() {
        let code = |p: &str| check_new(p, "wang.li").err().map(|e| e.code);
        assert_eq!(code("123456789").as_deref(), Some("password_length"));
        assert_eq!(code("        ").as_deref(), Some("password_length"));
        assert_eq!(code("          ").as_deref(), Some("password_too_common"));
        assert_eq!(code("aaaaaaaaaaaa").as_deref(), Some("password_too_common"));
        assert_eq!(code("1234567890").as_deref(), Some("password_too_common"));
        assert_eq!(code("Password123").as_deref(), Some("password_too_common"));
        assert_eq!(
            code("woaini1314520").as_deref(),
            Some("password_too_common")
        );
        assert_eq!(
            check_new("wang.li.wang", "wang.li.wang").unwrap_err().code,
            "password_is_username"
        );
        assert_eq!(code(&"x".repeat(129)).as_deref(), Some("password_length"));
        assert!(
            check_new("八个汉字的好密码呀", "wang.li").is_err(),
            "nine characters"
        );
        assert!(check_new("十个汉字组成的一句口令", "wang.li").is_ok());
        assert!(check_new("correct horse battery", "wang.li").is_ok());
    }

    #[test]
    fn the_common_list_is_lowercase_and_has_no_blank_lines() {
        assert!(COMMON.lines().count() >= 100);
        for line in COMMON.lines() {
            assert!(!line.trim().is_empty(), "blank line in the list");
            assert_eq!(line, line.to_lowercase(), "{line}");
        }
    }
}
