//! The harness: a real `wtd` in a temp data dir on a free port, the real `wt` pointed at
//! it, and a raw HTTP client.
//!
//! Binaries come from `WT_BIN_DIR` when set, else from the cargo target directory this
//! test binary was built into (`scripts/test.sh` builds them first).

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const PASSWORD: &str = "correct horse battery staple 42";
pub const OWNER: &str = "owner@acme.test";

/// Path of a workspace binary.
pub fn bin(name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("WT_BIN_DIR") {
        return PathBuf::from(dir).join(name);
    }
    let exe = std::env::current_exe().expect("current exe");
    // target/debug/deps/e2e-<hash> -> target/debug
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let p = dir.join(name);
    assert!(
        p.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (scripts/test.sh does)",
        p.display()
    );
    p
}

/// The PostgreSQL server the suite runs against, when `WT_TEST_DATABASE_URL` is set
/// (`postgres://USER@HOST:PORT/DB` of any database there: each daemon gets a fresh one).
/// Unset: every daemon uses the embedded SQLite file.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("WT_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// True when the suite runs on PostgreSQL; SQLite-only tests say they are skipped.
pub fn on_postgres(test: &str) -> bool {
    let pg = postgres_admin_url().is_some();
    if pg {
        eprintln!("SKIPPED on PostgreSQL (SQLite-file test): {test}");
    }
    pg
}

/// A connection to `url` opened as `wtd` opens its own (libpq's TLS parameters, the
/// password from the URL, PGPASSWORD or ~/.pgpass).
pub fn pg_client(url: &str) -> Result<postgres::Client, String> {
    wt_store::postgres::connect::client(url).map_err(|e| e.to_string())
}

/// A fresh PostgreSQL database for one daemon, dropped with it.
pub struct PgDatabase {
    admin: String,
    pub name: String,
    /// The database's URL: the admin URL (its user, TLS parameters) with this database.
    pub url: String,
    /// The least-privilege roles of docs/postgres-roles.sql, when the test set them up
    /// ([`PgDatabase::with_roles`]): `wtd migrate`/`init` run as the owner, every other
    /// `wtd` (serve...) as the runtime role.
    pub roles: Option<PgRoles>,
    /// Dropped with this daemon (false for a replica's view of another's database).
    owned: bool,
}

/// URLs of one database as the roles of docs/postgres-roles.sql.
#[derive(Debug, Clone)]
pub struct PgRoles {
    /// As `wt_owner`, which owns the schema and runs the migrations.
    pub owner_url: String,
    /// As `wt_app`, the runtime role (member of `wt_runtime`).
    pub runtime_url: String,
}

/// The SQL an operator runs to set up the least-privilege roles.
pub const ROLES_SQL: &str = include_str!("../../docs/postgres-roles.sql");

/// `url` with `user` as its user name (no password: the test servers trust loopback).
pub fn with_user(url: &str, user: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[start..];
    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host = match rest[..host_end].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    format!("{}{user}@{host}", &url[..start])
}

impl PgDatabase {
    /// A fresh database on the server of `admin` (a superuser's URL).
    pub fn create(admin: &str) -> PgDatabase {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("wt_e2e_{}_{n}", std::process::id());
        let mut c = pg_client(admin)
            .unwrap_or_else(|e| panic!("WT_TEST_DATABASE_URL: cannot connect: {e}"));
        // Two statements: CREATE DATABASE cannot share a (implicit) transaction.
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            c.batch_execute(&sql)
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        }
        let host_start = admin.find("://").map_or(0, |i| i + 3);
        let (base, query) = admin.split_at(admin.find('?').unwrap_or(admin.len()));
        let base = match base[host_start..].find('/') {
            Some(slash) => &base[..host_start + slash],
            None => base,
        };
        PgDatabase {
            admin: admin.to_string(),
            url: format!("{base}/{name}{query}"),
            name,
            roles: None,
            owned: true,
        }
    }

    /// Runs docs/postgres-roles.sql on this database (as the admin), as an operator would
    /// before the first `wtd init`: the daemon's `wtd` then migrate as `wt_owner` and
    /// serve as `wt_app`.
    pub fn with_roles(mut self) -> PgDatabase {
        let mut last = String::new();
        // The roles are the server's, shared by the databases of tests running at once:
        // two creating them together may collide (23505); the file is idempotent, so
        // running it again settles it.
        for _ in 0..20 {
            match pg_client(&self.url)
                .and_then(|mut c| c.batch_execute(ROLES_SQL).map_err(|e| format!("{e:?}")))
            {
                Ok(()) => {
                    self.roles = Some(PgRoles {
                        owner_url: with_user(&self.url, "wt_owner"),
                        runtime_url: with_user(&self.url, "wt_app"),
                    });
                    return self;
                }
                Err(e) => last = e,
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("docs/postgres-roles.sql on {}: {last}", self.name);
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        if let Ok(mut c) = pg_client(&self.admin) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `wtd`, under `umask` when given.
fn wtd_command(umask: Option<&str>) -> Command {
    match umask {
        None => Command::new(bin("wtd")),
        Some(u) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("umask {u} && exec \"$0\" \"$@\""))
                .arg(bin("wtd"));
            c
        }
    }
}

/// A running daemon; killed and its directory (and PostgreSQL database) removed on drop.
pub struct Daemon {
    pub dir: tempfile::TempDir,
    pub base: String,
    pub setup_token: String,
    child: Option<Child>,
    extra_args: Vec<String>,
    /// Every `wtd` of this daemon runs under this umask (`sh -c 'umask U && exec wtd'`);
    /// `None`: the test process's own.
    umask: Option<&'static str>,
    /// How every `wtd` of this daemon reaches its database, when the test chose it
    /// ([`Daemon::start_on_database`]); `None`: `WT_DATABASE_URL` of `pg`, if any.
    reach: Option<Reach>,
    // Declared last: dropped after the daemon is killed.
    pg: Option<PgDatabase>,
}

impl Daemon {
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `wtd init` + `wtd serve --listen 127.0.0.1:0`.
    pub fn start() -> Daemon {
        Self::start_with(&[])
    }

    pub fn start_with(extra_args: &[&str]) -> Daemon {
        Self::start_on(extra_args, postgres_admin_url().is_some(), None)
    }

    /// A daemon on the embedded SQLite file, even in the PostgreSQL pass.
    pub fn start_sqlite() -> Daemon {
        Self::start_on(&[], false, None)
    }

    /// A daemon on the SQLite file whose every `wtd` (init, serve, backup...) starts under
    /// `umask` (e.g. "022").
    pub fn start_with_umask(umask: &'static str) -> Daemon {
        Self::start_on(&[], false, Some(umask))
    }

    /// Points this (stopped) daemon at a fresh, empty PostgreSQL database; returns its URL.
    pub fn use_fresh_postgres(&mut self) -> String {
        let admin = postgres_admin_url().expect("WT_TEST_DATABASE_URL");
        let pg = PgDatabase::create(&admin);
        let url = pg.url.clone();
        self.pg = Some(pg);
        url
    }

    fn start_on(extra_args: &[&str], postgres: bool, umask: Option<&'static str>) -> Daemon {
        let pg = postgres
            .then(postgres_admin_url)
            .flatten()
            .map(|admin| PgDatabase::create(&admin).with_roles());
        Self::launch(extra_args, pg, umask, None)
    }

    /// A daemon on `db`, a database the test made, whose every `wtd` reaches it as `reach`
    /// says (not through `WT_DATABASE_URL` of `db`): TLS parameters, a password file, a
    /// URL file. `db` is dropped with the daemon.
    pub fn start_on_database(db: PgDatabase, reach: Reach) -> Daemon {
        Self::launch(&[], Some(db), None, Some(reach))
    }

    /// `wtd init` then `wtd serve`.
    fn launch(
        extra_args: &[&str],
        pg: Option<PgDatabase>,
        umask: Option<&'static str>,
        reach: Option<Reach>,
    ) -> Daemon {
        let mut d = Daemon {
            dir: tempfile::tempdir().expect("tempdir"),
            base: String::new(),
            setup_token: String::new(),
            child: None,
            extra_args: extra_args.iter().map(|s| s.to_string()).collect(),
            umask,
            reach,
            pg,
        };
        let out = d
            .wtd_owner()
            .args([
                "init",
                "--org",
                "Acme",
                "--owner-email",
                OWNER,
                "--data-dir",
            ])
            .arg(d.data_dir())
            .output()
            .expect("run wtd init");
        assert!(
            out.status.success(),
            "wtd init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let setup_token = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            setup_token.starts_with("wtsetup_"),
            "stdout is the token alone: {setup_token:?}"
        );
        d.setup_token = setup_token;
        d.serve();
        d
    }

    /// Starts (or restarts) `wtd serve` on a free port and waits for its "listening" line.
    pub fn serve(&mut self) {
        self.serve_on("127.0.0.1:0");
    }

    /// Starts `wtd serve` on `listen` and waits for its "listening" line.
    pub fn serve_on(&mut self, listen: &str) {
        self.serve_with_env(listen, &[]);
    }

    /// The extra `wtd serve` arguments of the next (re)start.
    pub fn set_args(&mut self, extra_args: &[&str]) {
        self.extra_args = extra_args.iter().map(|s| s.to_string()).collect();
    }

    /// [`Daemon::serve_on`] with these environment variables for `wtd serve`.
    pub fn serve_with_env(&mut self, listen: &str, env: &[(&str, &str)]) {
        if let Err(e) = self.try_serve_with_env(listen, env) {
            panic!("{e}");
        }
    }

    /// [`Daemon::serve_with_env`], or, when `wtd serve` stops before listening, its exit
    /// and log as the error.
    pub fn try_serve_with_env(&mut self, listen: &str, env: &[(&str, &str)]) -> Result<(), String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("wtd.log"))
            .expect("log file");
        let mut child = self
            .wtd()
            .arg("serve")
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(["--listen", listen])
            .args(&self.extra_args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn wtd serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read listening line");
        match line.trim().strip_prefix("wtd listening on ") {
            Some(url) => {
                self.base = url.to_string();
                self.child = Some(child);
                Ok(())
            }
            None => {
                let status = child.wait().ok();
                Err(format!(
                    "unexpected first line {line:?} (exit: {status:?}); log: {}",
                    self.log()
                ))
            }
        }
    }

    /// A second daemon on this daemon's PostgreSQL database: its own data directory with
    /// a copy of the master key (every replica needs the same one), its own port.
    pub fn replica(&self) -> Daemon {
        let mut d = self.replica_stopped();
        d.serve();
        d
    }

    /// [`Daemon::replica`], not started yet (to start it with [`Daemon::serve_with_env`]).
    pub fn replica_stopped(&self) -> Daemon {
        let pg = self
            .pg
            .as_ref()
            .expect("replicas need the PostgreSQL backend (WT_TEST_DATABASE_URL)");
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        // Private, as wtd requires of a data directory (0700).
        std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
            .create(&data)
            .expect("data dir");
        std::fs::copy(self.data_dir().join("master.key"), data.join("master.key"))
            .expect("copy the master key");
        Daemon {
            dir,
            base: String::new(),
            setup_token: self.setup_token.clone(),
            child: None,
            extra_args: self.extra_args.clone(),
            umask: self.umask,
            reach: self.reach.clone(),
            pg: Some(PgDatabase {
                admin: pg.admin.clone(),
                name: pg.name.clone(),
                url: pg.url.clone(),
                roles: pg.roles.clone(),
                owned: false,
            }),
        }
    }

    /// `wtd` for this daemon's database (its data directory still goes in `--data-dir`),
    /// as the runtime role when the database has the least-privilege roles.
    pub fn wtd(&self) -> Command {
        self.wtd_as(false)
    }

    /// `wtd` as the role that owns the schema, for `wtd migrate` and `wtd init` (the same
    /// as [`Daemon::wtd`] without the least-privilege roles).
    pub fn wtd_owner(&self) -> Command {
        self.wtd_as(true)
    }

    fn wtd_as(&self, owner: bool) -> Command {
        let mut c = wtd_command(self.umask);
        match (&self.reach, &self.pg) {
            (Some(reach), _) => {
                // The test's choice alone, not the developer's password settings.
                c.env_remove("WT_DATABASE_URL")
                    .env_remove("PGPASSWORD")
                    .env_remove("PGPASSFILE")
                    .envs(reach.vars.iter().map(|(k, v)| (k, v)))
                    .args(&reach.args);
            }
            (None, Some(pg)) => {
                let url = match &pg.roles {
                    Some(r) if owner => &r.owner_url,
                    Some(r) => &r.runtime_url,
                    None => &pg.url,
                };
                c.env("WT_DATABASE_URL", url);
            }
            (None, None) => {}
        }
        c
    }

    /// The name of this daemon's PostgreSQL database, if it has one.
    pub fn pg_database_name(&self) -> Option<&str> {
        self.pg.as_ref().map(|pg| pg.name.as_str())
    }

    /// The least-privilege roles' URLs of this daemon's database, if it has them.
    pub fn pg_roles(&self) -> Option<&PgRoles> {
        self.pg.as_ref().and_then(|pg| pg.roles.as_ref())
    }

    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }

    /// Runs SQL statements on the daemon's database (the daemon should be stopped).
    pub fn sql(&self, statements: &str) {
        match &self.pg {
            Some(pg) => pg_client(&pg.url)
                .and_then(|mut c| c.batch_execute(statements).map_err(|e| e.to_string()))
                .unwrap_or_else(|e| panic!("{statements}: {e}")),
            None => rusqlite::Connection::open(self.data_dir().join("watchtower.db"))
                .and_then(|c| c.execute_batch(statements))
                .unwrap_or_else(|e| panic!("{statements}: {e}")),
        }
    }

    /// The first column of every row of `query`, as text.
    pub fn sql_column(&self, query: &str) -> Vec<String> {
        match &self.pg {
            Some(pg) => {
                let mut c = pg_client(&pg.url).expect("connect");
                c.simple_query(query)
                    .expect("query")
                    .into_iter()
                    .filter_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(r) => {
                            Some(r.get(0).unwrap_or_default().to_string())
                        }
                        _ => None,
                    })
                    .collect()
            }
            None => {
                let c = rusqlite::Connection::open(self.data_dir().join("watchtower.db"))
                    .expect("open db");
                let mut st = c.prepare(query).expect("prepare");
                st.query_map([], |r| {
                    Ok(match r.get_ref(0)? {
                        rusqlite::types::ValueRef::Text(t) => {
                            String::from_utf8_lossy(t).into_owned()
                        }
                        rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                        other => format!("{other:?}"),
                    })
                })
                .expect("query")
                .map(|r| r.expect("row"))
                .collect()
            }
        }
    }

    /// Everything the database holds, as bytes to search: the SQLite files, or every row
    /// of every table of the PostgreSQL database as text.
    pub fn database_contents(&self) -> Vec<(String, Vec<u8>)> {
        match &self.pg {
            Some(_) => {
                let tables = self.sql_column(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
                );
                tables
                    .into_iter()
                    .map(|t| {
                        let rows = self.sql_column(&format!("SELECT x::text FROM {t} x"));
                        (format!("postgres table {t}"), rows.join("\n").into_bytes())
                    })
                    .collect()
            }
            None => std::fs::read_dir(self.data_dir())
                .expect("data dir")
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("watchtower.db"))
                .map(|e| {
                    (
                        e.path().display().to_string(),
                        std::fs::read(e.path()).expect("read"),
                    )
                })
                .collect(),
        }
    }

    /// The daemon's resident memory in KiB (Linux `/proc`), if it runs.
    pub fn rss_kib(&self) -> Option<u64> {
        let pid = self.child.as_ref()?.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("wtd.log")).unwrap_or_default()
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill_hard(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait for a clean exit; returns the exit status.
    pub fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let mut c = self.child.take()?;
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        c.wait().ok()
    }

    /// The real `wt`, pointed at this daemon, with no token from the environment.
    pub fn wt(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::new(bin("wt"));
        c.env("WT_SERVER", &self.base)
            .env_remove("WT_TOKEN")
            .env("NO_COLOR", "1")
            .timeout(Duration::from_secs(60));
        c
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Claims the owner account over HTTP.
    pub fn setup(&self) {
        let r = http()
            .post(self.url("/api/v1/setup"))
            .json(&serde_json::json!({"token": self.setup_token, "name": "Owner", "password": PASSWORD}))
            .send()
            .expect("setup");
        assert_eq!(r.status().as_u16(), 201, "{:?}", r.text());
    }

    /// Logs in over HTTP as a CLI client and returns the bearer token.
    pub fn login_token(&self) -> String {
        let r = http()
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": OWNER, "password": PASSWORD, "client": "cli"}))
            .send()
            .expect("login");
        assert_eq!(r.status().as_u16(), 200);
        r.json::<Value>().expect("json")["token"]
            .as_str()
            .expect("token")
            .to_string()
    }
}

/// How a test's daemon reaches its database: environment variables (`WT_DATABASE_URL`,
/// `HOME` for `~/.pgpass`, ...) and global flags (`--database-url-file FILE`) given to
/// every `wtd` of it.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    pub vars: Vec<(String, String)>,
    pub args: Vec<String>,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

/// A blocking HTTP client with no cookie store and no redirects.
pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// `POST` a JSON body to the daemon (with a bearer token, if given): (status, JSON answer,
/// `null` when it is not JSON).
pub fn post_json(d: &Daemon, path: &str, body: Value, token: Option<&str>) -> (u16, Value) {
    let mut r = http().post(d.url(path)).json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().expect("request");
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

/// Runs a `wt` command with `stdin` and returns (status code, stdout, stderr).
pub fn run(mut cmd: assert_cmd::Command, stdin: &str) -> (i32, String, String) {
    let out = cmd.write_stdin(stdin.to_string()).output().expect("run wt");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
