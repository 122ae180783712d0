//! `wtd`: parse arguments, set up logging, dispatch. All logic lives in the library.

use clap::Parser;
use std::process::ExitCode;
use wtd::cli::{AuditCommand, Cli, Command, LogFormat, OrgCommand};
use wtd::database::Database;

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("WT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let pg_options = cli.pg_options();
    let data_dir = wtd::config::data_dir(cli.data_dir)?;
    let config_file = match &cli.command {
        Command::Serve(a) => a.config.as_deref(),
        _ => None,
    };
    let database = match wtd::config::database_location(
        &data_dir,
        config_file,
        cli.database_url,
        cli.database_url_file,
    )
    .and_then(|(url, file)| {
        Database::resolve(&data_dir, url.as_deref(), file.as_deref(), &pg_options)
    }) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("wtd: error: the database: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    match cli.command {
        Command::Init(a) => {
            wtd::init::create_org(&data_dir, &database, &a.org, &a.owner_email, true).await?
        }
        Command::Org(OrgCommand::Create(a)) => {
            wtd::init::create_org(&data_dir, &database, &a.org, &a.owner_email, false).await?
        }
        Command::Serve(args) => {
            let mut cfg = match wtd::config::ServeConfig::resolve(data_dir, &args) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("wtd: error: {e:#}");
                    return Ok(ExitCode::from(2));
                }
            };
            if database.is_postgres()
                && let Err(e) =
                    pg_options.check_against(std::time::Duration::from_secs(cfg.request_timeout))
            {
                eprintln!("wtd: error: {e}");
                return Ok(ExitCode::from(2));
            }
            cfg.database = database;
            wtd::server::serve(cfg, wtd::server::shutdown_signal()?).await?
        }
        Command::Migrate => {
            database.migrate().await?;
            eprintln!("migrations applied to {}", database.describe());
        }
        Command::Audit(AuditCommand::Verify { jobs }) => {
            return wtd::init::verify_audit(&database, jobs as usize).await;
        }
        Command::Copy(a) => {
            let from = match &a.from {
                Some(u) => Database::parse(u, &pg_options),
                None => Ok(Database::Sqlite(data_dir.join(wt_store::sqlite::DB_FILE))),
            };
            let (from, to) = match (from, Database::parse(&a.to, &pg_options)) {
                (Ok(f), Ok(t)) => (f, t),
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("wtd: error: {e:#}");
                    return Ok(ExitCode::from(2));
                }
            };
            let report = wtd::database::copy(&from, &to).await?;
            for (table, rows) in &report.tables {
                println!("{table:<18} {rows:>10} rows");
            }
            eprintln!(
                "Copied {} into {}; {} audit entries verified there.\n\
                 The master key is not in the database: give every daemon of the new \
                 database the same {}/master.key.",
                from.describe(),
                to.describe(),
                report.audit_entries_verified,
                data_dir.display()
            );
        }
        Command::Backup(_) | Command::Restore(_) if database.is_postgres() => {
            eprintln!(
                "wtd: error: backup and restore work on the embedded SQLite database; \
                 for PostgreSQL use pg_dump / pg_restore (the audit chain survives them)"
            );
            return Ok(ExitCode::from(2));
        }
        Command::Backup(a) => return wtd::backup::backup(&data_dir, &a.to).await,
        Command::Restore(a) => return wtd::backup::restore(&data_dir, &a.from, a.force).await,
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    // Before anything is created: every file private to this user (SECURITY.md #62).
    wtd::datadir::restrict_umask();
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wtd: error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wtd: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
