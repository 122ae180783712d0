//! Real proxies in front of real daemons: pgbouncer (between `wtd` and PostgreSQL) and
//! haproxy (between clients and several `wtd`), started from a config the test writes,
//! on a free port, and stopped on drop. Debian packages `pgbouncer` and `haproxy`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The path of `name` in the usual places (Debian puts both in /usr/sbin), if installed.
pub fn find_binary(name: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"])
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// Whether a test that needs `name` should run: `false` (the test says SKIPPED) only
/// when it is missing and `WT_REQUIRE_POSTGRES` is unset; with it set (CI), a missing
/// binary fails the test.
pub fn have(name: &str, test: &str) -> bool {
    if find_binary(name).is_some() {
        return true;
    }
    assert!(
        std::env::var("WT_REQUIRE_POSTGRES").as_deref() != Ok("1"),
        "{test}: {name} is required (WT_REQUIRE_POSTGRES=1) but not installed \
         (Debian: apt-get install {name})"
    );
    eprintln!("SKIPPED {test}: {name} is not installed (Debian: apt-get install {name})");
    false
}

/// A free TCP port on 127.0.0.1 (free when asked: the proxy binds it right after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Waits until something accepts connections on `port`, or panics with `log`.
fn wait_listening(port: u16, child: &mut Child, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "exited ({status}) before listening: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "not listening on {port} after 15 s: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// A running proxy: killed on drop.
pub struct Proxy {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Proxy {
    /// Everything the proxy wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    /// `dir` readable by other users: pgbouncer, started as `postgres` when we are root,
    /// reads its config from it.
    fn spawn(mut cmd: Command, dir: tempfile::TempDir, port: u16) -> Proxy {
        let log_path = dir.path().join("log");
        let log = std::fs::File::create(&log_path).expect("log file");
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn the proxy");
        wait_listening(port, &mut child, &log_path);
        Proxy { child, port, dir }
    }

    /// pgbouncer in transaction mode in front of the PostgreSQL server at `host:port`,
    /// keeping at most `pool_size` server connections per database and user. Clients
    /// connect without TLS on 127.0.0.1 (trust, users listed in its auth file).
    pub fn pgbouncer(host: &str, server_port: u16, pool_size: usize) -> Proxy {
        let bin = find_binary("pgbouncer").expect("pgbouncer");
        let dir = tempfile::tempdir().expect("tempdir");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let port = free_port();
        let users = dir.path().join("userlist.txt");
        std::fs::write(
            &users,
            "\"wt_app\" \"\"\n\"wt_owner\" \"\"\n\"postgres\" \"\"\n",
        )
        .expect("userlist");
        let config = dir.path().join("pgbouncer.ini");
        std::fs::write(
            &config,
            format!(
                "[databases]\n\
                 * = host={host} port={server_port}\n\
                 [pgbouncer]\n\
                 listen_addr = 127.0.0.1\n\
                 listen_port = {port}\n\
                 unix_socket_dir =\n\
                 auth_type = trust\n\
                 auth_file = {users}\n\
                 pool_mode = transaction\n\
                 default_pool_size = {pool_size}\n\
                 max_client_conn = 500\n\
                 log_connections = 1\n",
                users = users.display()
            ),
        )
        .expect("pgbouncer.ini");
        for f in [&users, &config] {
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        // pgbouncer refuses to run as root: as root, run it as `postgres`.
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let mut cmd = if root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&bin);
            c
        } else {
            Command::new(&bin)
        };
        cmd.arg(&config);
        Proxy::spawn(cmd, dir, port)
    }

    /// haproxy balancing HTTP over `servers` (`host:port`) round robin, each checked with
    /// `GET /readyz` every 200 ms (out after 2 failures); a request whose server refuses
    /// the connection is sent to another one. Statistics (CSV) at `/haproxy-stats;csv`.
    pub fn haproxy(servers: &[&str]) -> Proxy {
        let bin = find_binary("haproxy").expect("haproxy");
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let backends: String = servers
            .iter()
            .enumerate()
            .map(|(i, s)| format!("    server r{i} {s} check\n"))
            .collect();
        let config = dir.path().join("haproxy.cfg");
        std::fs::write(
            &config,
            format!(
                "defaults\n\
                 \x20   mode http\n\
                 \x20   timeout connect 2s\n\
                 \x20   timeout client 30s\n\
                 \x20   timeout server 30s\n\
                 \x20   retries 3\n\
                 \x20   option redispatch 1\n\
                 frontend web\n\
                 \x20   bind 127.0.0.1:{port}\n\
                 \x20   stats enable\n\
                 \x20   stats uri /haproxy-stats\n\
                 \x20   default_backend wtd\n\
                 backend wtd\n\
                 \x20   balance roundrobin\n\
                 \x20   option httpchk GET /readyz\n\
                 \x20   http-check expect status 200\n\
                 \x20   default-server inter 200ms fall 2 rise 1\n\
                 {backends}"
            ),
        )
        .expect("haproxy.cfg");
        let mut cmd = Command::new(&bin);
        cmd.arg("-db").arg("-f").arg(&config);
        Proxy::spawn(cmd, dir, port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// haproxy's view of each server: (name, status such as "UP" or "DOWN").
    pub fn haproxy_servers(&self) -> Vec<(String, String)> {
        let csv = crate::harness::http()
            .get(self.url("/haproxy-stats;csv"))
            .send()
            .and_then(|r| r.text())
            .unwrap_or_default();
        // # pxname,svname,...; status is the 18th column.
        csv.lines()
            .filter(|l| l.starts_with("wtd,r"))
            .filter_map(|l| {
                let cols: Vec<&str> = l.split(',').collect();
                Some((cols.get(1)?.to_string(), cols.get(17)?.to_string()))
            })
            .collect()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        // runuser forwards the signal to pgbouncer.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
