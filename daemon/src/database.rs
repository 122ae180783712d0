//! Which database a `wtd` command works on: the embedded SQLite file in the data directory
//! (the default), or a PostgreSQL database shared by several daemons (`--database-url
//! postgres://...` / `WT_DATABASE_URL`).

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wt_store::Store;
use wt_store::postgres::{PgConnector, PgOptions, PgStore, Schema};
use wt_store::sql::copy::{CopyReport, copy_between};
use wt_store::sqlite::{DB_FILE, SqliteStore};

/// A database location. Its `Debug` hides a PostgreSQL password.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file (by default `<data-dir>/watchtower.db`).
    Sqlite(PathBuf),
    /// A PostgreSQL database (how to connect: URL, TLS, password source) and how to use
    /// its connections (pool, pooler).
    Postgres {
        connector: Arc<PgConnector>,
        options: PgOptions,
    },
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({})", self.describe())
    }
}

impl Database {
    /// `--database-url` (`postgres://...`, `postgresql://...` or `sqlite:PATH`) or the URL
    /// in `--database-url-file` when given, else the SQLite file in `data_dir`.
    pub fn resolve(
        data_dir: &Path,
        url: Option<&str>,
        url_file: Option<&Path>,
        options: &PgOptions,
    ) -> anyhow::Result<Self> {
        if let Some(file) = url_file {
            let connector = PgConnector::from_url_file(file)?;
            return Ok(Database::Postgres {
                connector: Arc::new(connector),
                options: options.clone(),
            });
        }
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(Database::Sqlite(data_dir.join(DB_FILE))),
            Some(u) => Self::parse(u, options),
        }
    }

    /// A URL as `wtd copy` takes them: `sqlite:PATH` or `postgres://...`. A PostgreSQL
    /// URL's TLS files are read here: a missing one is named now.
    pub fn parse(url: &str, options: &PgOptions) -> anyhow::Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Database::Postgres {
                connector: Arc::new(PgConnector::from_url(url)?),
                options: options.clone(),
            });
        }
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                bail!("sqlite: needs a file path, e.g. sqlite:/var/lib/watchtower/watchtower.db");
            }
            return Ok(Database::Sqlite(PathBuf::from(path)));
        }
        bail!(
            "unsupported database URL (expected postgres://USER@HOST:PORT/DB or sqlite:PATH); \
             the URL is not repeated here because it may hold a password"
        )
    }

    /// The SQLite file, when the database is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Database::Sqlite(p) => Some(p),
            Database::Postgres { .. } => None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Database::Postgres { .. })
    }

    /// Where the database is, for messages (a PostgreSQL password is hidden).
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(p) => p.display().to_string(),
            Database::Postgres { connector, .. } => connector.display().to_string(),
        }
    }

    /// Opens the database. An SQLite file must exist unless `create` (only `wtd init` and
    /// `wtd copy` create one) and gets its pending migrations (the daemon owns the file). A
    /// PostgreSQL schema is migrated only when `create` (the first `wtd init`), else only
    /// checked: migrating it is `wtd migrate`'s job, with the owner role
    /// ([`Database::migrate`]).
    pub async fn open(&self, create: bool) -> anyhow::Result<Arc<dyn Store>> {
        match self {
            Database::Sqlite(path) => {
                if !create && !path.exists() {
                    bail!(
                        "no database at {}: run `wtd init --org NAME --owner-email EMAIL` first",
                        path.display()
                    );
                }
                let store = SqliteStore::open(path)
                    .with_context(|| format!("cannot open the database {}", path.display()))?;
                Ok(Arc::new(store))
            }
            Database::Postgres { .. } => {
                let schema = if create {
                    Schema::Migrate
                } else {
                    Schema::Check
                };
                Ok(Arc::new(self.open_pg(schema).await?))
            }
        }
    }

    /// `wtd migrate`: applies pending migrations (SQLite: on open; PostgreSQL: needs the
    /// role that owns the schema).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Database::Sqlite(_) => self.open(false).await.map(drop),
            Database::Postgres { .. } => self.open_pg(Schema::Migrate).await.map(drop),
        }
    }

    /// The PostgreSQL store, for `open`, `migrate` and `wtd copy`.
    async fn open_pg(&self, schema: Schema) -> anyhow::Result<PgStore> {
        let Database::Postgres { connector, options } = self else {
            bail!("{} is not a PostgreSQL database", self.describe());
        };
        PgStore::open(Arc::clone(connector), options, schema)
            .await
            .with_context(|| format!("cannot open the database {}", connector.display()))
    }
}

/// `wtd copy`: everything from `from` into the empty `to`; see [`copy_between`].
pub async fn copy(from: &Database, to: &Database) -> anyhow::Result<CopyReport> {
    if from == to {
        bail!("--from and --to are the same database");
    }
    if let Database::Sqlite(p) = from
        && !p.exists()
    {
        bail!("no database at {}", p.display());
    }
    if let Database::Sqlite(p) = to
        && p.exists()
    {
        bail!("{} already exists: copy into a new file", p.display());
    }
    let sqlite =
        |p: &PathBuf| SqliteStore::open(p).with_context(|| format!("cannot open {}", p.display()));
    let report = match (from, to) {
        (Database::Sqlite(a), Database::Sqlite(b)) => copy_between(&sqlite(a)?, &sqlite(b)?).await,
        (Database::Sqlite(a), pg @ Database::Postgres { .. }) => {
            copy_between(&sqlite(a)?, &pg.open_pg(Schema::Migrate).await?).await
        }
        (pg @ Database::Postgres { .. }, Database::Sqlite(b)) => {
            copy_between(&pg.open_pg(Schema::Check).await?, &sqlite(b)?).await
        }
        (a @ Database::Postgres { .. }, b @ Database::Postgres { .. }) => {
            copy_between(
                &a.open_pg(Schema::Check).await?,
                &b.open_pg(Schema::Migrate).await?,
            )
            .await
        }
    };
    Ok(report?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        let dir = Path::new("/data");
        assert_eq!(
            Database::resolve(dir, None, None, &PgOptions::default()).ok(),
            Some(Database::Sqlite(PathBuf::from("/data/watchtower.db")))
        );
        assert_eq!(
            Database::resolve(dir, Some("sqlite:/tmp/x.db"), None, &PgOptions::default()).ok(),
            Some(Database::Sqlite(PathBuf::from("/tmp/x.db")))
        );
        assert!(
            Database::resolve(dir, Some("postgres://u@h/db"), None, &PgOptions::default())
                .is_ok_and(|d| d.is_postgres())
        );
        let err = Database::resolve(
            dir,
            Some("mysql://u:hunter2@h/db"),
            None,
            &PgOptions::default(),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            err.contains("unsupported") && !err.contains("hunter2"),
            "{err}"
        );
        assert_eq!(
            Database::parse("postgres://wt:pw@db/wt", &PgOptions::with_pool_size(1))
                .map(|d| d.describe())
                .ok(),
            Some("postgres://wt:***@db/wt".into())
        );
    }
}
