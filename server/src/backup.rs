//! `jianfu backup` and `jianfu restore` for the embedded SQLite database.
//!
//! A backup is SQLite's `VACUUM INTO`: it reads the database inside one read transaction,
//! so the copy is the consistent state of one instant, while the server goes on serving
//! (WAL mode lets writers continue). The copy is written beside the target as `.partial`,
//! synced, checked (`PRAGMA integrity_check`) and only then renamed into place, so a
//! backup file that exists is complete. Every report acknowledged before the backup began
//! is in it (an acknowledged report is committed, and the copy starts after).
//!
//! A restore copies a checked backup over the database file of a *stopped* server,
//! keeping the file it replaces (with its WAL) as `FILE.before-restore-<unix time>`,
//! then migrates the restored copy if the backup predates this binary.
//!
//! PostgreSQL has its own tools for both; the commands say which (`pg_dump -Fc`,
//! `pg_restore`) instead of doing half of their job.

use crate::db::Db;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions as _, Connection as _};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "this is a PostgreSQL database: back it up with `pg_dump -Fc -f jianfu.dump \"$URL\"` and restore with `pg_restore --clean --if-exists -d \"$URL\" jianfu.dump` (see docs/deploy.md)"
    )]
    Postgres,
    #[error("unsupported database URL {0:?}: use sqlite://FILE")]
    UnsupportedUrl(String),
    #[error("{0} exists: choose a new file (a backup never overwrites)")]
    TargetExists(PathBuf),
    #[error(
        "{0} exists: stop the server, then restore with --force (the current file is kept as {0}.before-restore-<time>)"
    )]
    DatabaseExists(PathBuf),
    #[error("{0} is not a jianfu database: {1}")]
    NotJianfu(PathBuf, String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Sqlite(#[from] sqlx::Error),
    #[error(transparent)]
    Open(#[from] crate::db::OpenError),
}

/// What a backup or restore found in the copy.
#[derive(Debug, Clone)]
pub struct Copied {
    pub path: PathBuf,
    pub bytes: u64,
    pub reports: i64,
    pub revisions: i64,
    /// The newest migration applied in the copy.
    pub schema_version: i64,
}

/// Copies the live database named by `url` to the new file `to`.
pub async fn backup(url: &str, to: &Path) -> Result<Copied, BackupError> {
    let options = sqlite_options(url)?;
    if to.exists() {
        return Err(BackupError::TargetExists(to.to_owned()));
    }
    let partial = with_suffix(to, ".partial");
    remove_if_present(&partial)?;
    let mut conn = options
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(30))
        .connect()
        .await?;
    let target = partial
        .to_str()
        .ok_or_else(|| io_error(&partial, "the path is not UTF-8"))?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    sync_file(&partial)?;
    let copied = inspect(&partial).await?;
    std::fs::rename(&partial, to).map_err(|source| BackupError::Io {
        path: to.to_owned(),
        source,
    })?;
    sync_parent(to)?;
    Ok(Copied {
        path: to.to_owned(),
        ..copied
    })
}

/// Puts the backup `from` in place of the database named by `url` (the server stopped).
pub async fn restore(from: &Path, url: &str, force: bool) -> Result<Copied, BackupError> {
    let options = sqlite_options(url)?;
    let target = options.get_filename().to_owned();
    inspect(from).await?;
    if target.exists() {
        if !force {
            return Err(BackupError::DatabaseExists(target));
        }
        let suffix = format!(".before-restore-{}", crate::db::now());
        for extra in ["", "-wal", "-shm"] {
            let file = with_suffix(&target, extra);
            if file.exists() {
                let kept = with_suffix(&file, &suffix);
                std::fs::rename(&file, &kept)
                    .map_err(|source| BackupError::Io { path: file, source })?;
            }
        }
    }
    let partial = with_suffix(&target, ".partial");
    remove_if_present(&partial)?;
    std::fs::copy(from, &partial).map_err(|source| BackupError::Io {
        path: partial.clone(),
        source,
    })?;
    sync_file(&partial)?;
    std::fs::rename(&partial, &target).map_err(|source| BackupError::Io {
        path: target.clone(),
        source,
    })?;
    sync_parent(&target)?;
    // A backup from an older binary: bring its schema up to this one.
    Db::open(url).await?.close().await;
    inspect(&target).await
}

/// Checks a copy's integrity and that it is a jianfu database; counts what it holds.
async fn inspect(path: &Path) -> Result<Copied, BackupError> {
    let not_jianfu = |why: String| BackupError::NotJianfu(path.to_owned(), why);
    let mut conn: SqliteConnection = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| not_jianfu(e.to_string()))?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| not_jianfu(e.to_string()))?;
    if check != "ok" {
        return Err(not_jianfu(format!("integrity check: {check}")));
    }
    let schema_version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| not_jianfu(e.to_string()))?;
    let reports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| not_jianfu(e.to_string()))?;
    let revisions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM report_revisions")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| not_jianfu(e.to_string()))?;
    conn.close().await?;
    let bytes = std::fs::metadata(path)
        .map_err(|source| BackupError::Io {
            path: path.to_owned(),
            source,
        })?
        .len();
    Ok(Copied {
        path: path.to_owned(),
        bytes,
        reports,
        revisions,
        schema_version,
    })
}

fn sqlite_options(url: &str) -> Result<SqliteConnectOptions, BackupError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(BackupError::Postgres);
    }
    if !url.starts_with("sqlite:") {
        return Err(BackupError::UnsupportedUrl(crate::db::redact(url)));
    }
    Ok(SqliteConnectOptions::from_str(url)?)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_present(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(BackupError::Io {
            path: path.to_owned(),
            source: e,
        }),
        _ => Ok(()),
    }
}

fn sync_file(path: &Path) -> Result<(), BackupError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|source| BackupError::Io {
            path: path.to_owned(),
            source,
        })
}

/// Makes a rename durable: the directory entry is synced too.
fn sync_parent(path: &Path) -> Result<(), BackupError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    sync_file(parent)
}

fn io_error(path: &Path, message: &str) -> BackupError {
    BackupError::Io {
        path: path.to_owned(),
        source: std::io::Error::other(message.to_owned()),
    }
}
