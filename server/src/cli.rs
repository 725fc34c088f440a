//! What each subcommand does. `main` only parses, sets up logging and calls [`run`].

use crate::app::{Application, ServeConfig, shutdown_signal};
use crate::config::{
    BackupArgs, Cli, Command, DemoArgs, ImportArgs, RestoreArgs, UserAddArgs, UserCommand,
};
use crate::db::{self, Db};
use crate::demo;
use crate::service::Services;
use crate::service::accounts::{self, Caller, NewAccount};
use crate::service::import::{self, ImportError, Importer};
use jianfu_core::DivisionCode;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

/// Runs the parsed command line; errors are printed to stderr with a non-zero exit.
pub async fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        None => serve(&cli.serve.to_config()).await,
        Some(Command::Serve(args)) => serve(&args.to_config()).await,
        Some(Command::Migrate(args)) => migrate(&args.database_url).await,
        Some(Command::ImportDivisions(args)) => import_divisions(&args).await,
        Some(Command::User(UserCommand::Add(args))) => user_add(&args).await,
        Some(Command::Backup(args)) => backup(&args).await,
        Some(Command::Restore(args)) => restore(&args).await,
        Some(Command::Demo(args)) => run_demo(&args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

async fn serve(config: &ServeConfig) -> Result<(), String> {
    let app = Application::build(config)
        .await
        .map_err(|e| e.to_string())?;
    announce(&app, config);
    app.run_until(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

fn announce(app: &Application, config: &ServeConfig) {
    tracing::info!(
        engine = app.db().engine(),
        database = %db::redact(&config.database_url),
        web_dir = %config.web_dir.display(),
        metrics = %app.metrics_addr().map_or_else(
            || if config.ops.metrics_token.is_some() { "main listener, with the token".to_owned() } else { "off".to_owned() },
            |addr| format!("http://{addr}/metrics"),
        ),
        shutdown_timeout_secs = config.ops.shutdown_timeout.as_secs(),
        "listening on http://{}",
        app.local_addr()
    );
}

async fn backup(args: &BackupArgs) -> Result<(), String> {
    let started = Instant::now();
    let copy = crate::backup::backup(&args.database.database_url, &args.to)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "backed up {} to {}: {} bytes, {} reports, {} revisions, schema {} in {:.2} s",
        db::redact(&args.database.database_url),
        copy.path.display(),
        copy.bytes,
        copy.reports,
        copy.revisions,
        copy.schema_version,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn restore(args: &RestoreArgs) -> Result<(), String> {
    let copy = crate::backup::restore(&args.from, &args.database.database_url, args.force)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "restored {} into {}: {} reports, {} revisions, schema {}",
        args.from.display(),
        copy.path.display(),
        copy.reports,
        copy.revisions,
        copy.schema_version
    );
    Ok(())
}

async fn migrate(url: &str) -> Result<(), String> {
    let db = Db::open(url).await.map_err(|e| e.to_string())?;
    println!("migrated {} database {}", db.engine(), db::redact(url));
    db.close().await;
    Ok(())
}

async fn import_divisions(args: &ImportArgs) -> Result<(), String> {
    let prefix = args
        .prefix
        .as_deref()
        .map(DivisionCode::parse)
        .transpose()
        .map_err(|e| format!("--prefix: {e}"))?;
    let db = Db::open(&args.database.database_url)
        .await
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let file =
        std::fs::File::open(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let parsed = tokio::task::spawn_blocking(move || import::parse(file, prefix.as_ref()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| describe_import_error(&args.file, e))?;
    let parsed_in = started.elapsed();
    let importer = Importer {
        actor_id: None,
        actor: "cli".to_owned(),
        scope: None,
    };
    let summary = import::apply(&db, &parsed, &importer)
        .await
        .map_err(|e| describe_import_error(&args.file, e))?;
    let elapsed = started.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let rate = summary.rows as f64 / elapsed.max(1e-9);
    println!(
        "imported {} rows into {}: {} new, {} renamed, {} unchanged in {elapsed:.2} s (parse {:.2} s) = {rate:.0} rows/s",
        summary.rows,
        db.engine(),
        summary.inserted,
        summary.updated,
        summary.unchanged,
        parsed_in.as_secs_f64(),
    );
    db.close().await;
    Ok(())
}

fn describe_import_error(file: &std::path::Path, err: ImportError) -> String {
    match err {
        ImportError::Invalid {
            error_count,
            errors,
        } => {
            let mut text = format!(
                "{}: {error_count} bad rows, nothing was imported",
                file.display()
            );
            for e in &errors {
                let _ = write!(text, "\n  line {}: {}: {}", e.line, e.field, e.message_en);
            }
            if error_count > errors.len() {
                let _ = write!(text, "\n  ... and {} more", error_count - errors.len());
            }
            text
        }
        other => format!("{}: {other}", file.display()),
    }
}

async fn user_add(args: &UserAddArgs) -> Result<(), String> {
    let db = Db::open(&args.database.database_url)
        .await
        .map_err(|e| e.to_string())?;
    let (password, generated) = match &args.password {
        Some(p) => (p.clone(), false),
        None => (demo::random_password(), true),
    };
    let account = NewAccount {
        username: args.username.clone(),
        password: password.clone(),
        display_name: args.display_name.clone(),
        role: args.role,
        org_unit: args.unit.clone(),
        department_id: None,
    };
    let services = Services::new(db.clone(), crate::clock::Clock::system());
    let user = accounts::create(&services, Caller::System("cli"), account)
        .await
        .map_err(|e| {
            let body = crate::http::error::ApiError::from(e).body();
            format!(
                "{}: {} / {} {}",
                body.code, body.message_en, body.message_zh, body.details
            )
        })?;
    if generated {
        println!("{} {} {password}", user.role, user.username);
    } else {
        println!("{} {}", user.role, user.username);
    }
    db.close().await;
    Ok(())
}

async fn run_demo(args: &DemoArgs) -> Result<(), String> {
    let secret = std::env::var("JIANFU_JWT_SECRET")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(demo::random_secret);
    let config = args.listen.to_config(&args.database_url, Some(secret));
    let db = Db::open(&config.database_url)
        .await
        .map_err(|e| e.to_string())?;
    let logins = demo::seed(&db).await.map_err(|e| e.to_string())?;
    let keys =
        crate::auth::jwt::Keys::from_secret(config.jwt_secret.as_deref(), config.token_ttl_secs)
            .map_err(|e| e.to_string())?;
    let app = Application::with_db(&config, db, keys)
        .await
        .map_err(|e| e.to_string())?;
    for login in &logins {
        println!("{} {} {}", login.role, login.username, login.password);
    }
    println!(
        "demo: open http://{}/ (county {} {})",
        app.local_addr(),
        demo::COUNTY_CODE,
        demo::COUNTY_NAME
    );
    announce(&app, &config);
    app.run_until(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}
