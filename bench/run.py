#!/usr/bin/env python3
"""The benchmark suite (issue #9): one command, one table, one JSON file.

    cargo xtask bench            # = python3 bench/run.py --json bench/results.json
    python3 bench/run.py --quick # shorter runs, 100k audit entries

Builds release binaries, runs everything on loopback on this machine, and reports each figure
as a ratio against a baseline measured in the same run (machines here are noisy):

  1. ingest: wtd POST /api/v1/ingest/events vs bench/bare-hyper (hyper answering 202), wrk,
     64 connections, 1 event per request in interleaved rounds (median of the rounds' ratios,
     with each server's CPU per request), then 100 events per request
  2. key verification alone: criterion (daemon/benches/key_verify.rs), ns per verification
  3. revocation: is the very next request after DELETE refused; last-used visible after (ms)
  4. audit at scale: first page of a filtered list and a --since range via the API (wrk, one
     keep-alive connection) vs the same indexed query on SQLite directly (bench/sqlite-direct:
     the C API, the SQLite build wtd links; Python sqlite3 reported beside it); 10,000 audited
     appends vs plain inserts with the same durability (daemon/benches/audit_append.rs)
  5. CLI: `wt keys list --output json` vs curl with the same token; `wt --help` start-up
  6. footprint: RSS idle and after ingest; process start to /readyz 200
  7. login storm: ingest p99 alone vs with 32 concurrent argon2id logins

Needs: wrk, curl (Debian packages). Nothing here runs in CI.
"""
import argparse, http.client, json, os, platform, random, re, sqlite3, statistics, subprocess
import sys, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where cargo builds: CARGO_TARGET_DIR when set (relative to the root, where cargo runs here).
TARGET = os.path.join(ROOT, os.environ.get("CARGO_TARGET_DIR", "target"))
BIN = os.path.join(TARGET, "release")
sys.path.insert(0, os.path.join(ROOT, "bench"))
import ingest as ingest_bench  # noqa: E402

PW = "violet staple orbit river 42"
OWNER = "o@bench.test"


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, cwd=ROOT, **kw)


class Daemon:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="wt-bench-")
        self.data = os.path.join(self.tmp, "data")
        self.setup_token = subprocess.run(
            [os.path.join(BIN, "wtd"), "init", "--org", "Bench", "--owner-email", OWNER, "--data-dir", self.data],
            capture_output=True, text=True, check=True).stdout.strip()
        self.port = 18000 + random.randint(0, 999)
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self):
        """Starts wtd; returns seconds from exec to the first /readyz 200."""
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([os.path.join(BIN, "wtd"), "serve", "--data-dir", self.data,
                                      "--listen", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200:
                    return time.perf_counter() - t0
            except OSError:
                pass
            time.sleep(0.001)

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            kb = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
        return kb / 1024

    def stop(self):
        self.proc.terminate()
        self.proc.wait()

    def api(self, method, path, body=None, token=None):
        req = urllib.request.Request(self.base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


def median_time(f, runs):
    xs = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        xs.append(time.perf_counter() - t)
    return statistics.median(xs)


def criterion_ns():
    sh("cargo", "bench", "-p", "wtd", "--bench", "key_verify", "--", "--noplot",
       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = {}
    base = os.path.join(TARGET, "criterion")
    for d in os.listdir(base):
        est = os.path.join(base, d, "new", "estimates.json")
        if os.path.exists(est):
            out[d] = json.load(open(est))["mean"]["point_estimate"]
    return out


def audit_append():
    out = subprocess.run(["cargo", "bench", "-p", "wtd", "--bench", "audit_append"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def wrk_get(url, token, seconds):
    """One keep-alive connection, one request at a time, for `seconds`: latency p50 and mean
    (ms) and requests. Every answer must be 200."""
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write('wrk.headers["Authorization"] = "Bearer %s"\n' % token)
    script.close()
    out = subprocess.run(["wrk", "-t1", "-c1", f"-d{seconds}s", "--latency", "-s", script.name, url],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    assert "Non-2xx" not in out, out

    def ms(m):
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    return {"p50_ms": ms(re.search(r"\s50%\s+([\d.]+)(us|ms|s)\b", out)),
            "mean_ms": ms(re.search(r"Latency\s+([\d.]+)(us|ms|s)\b", out)),
            "requests": int(re.search(r"(\d+) requests in", out).group(1))}


def audit_at_scale(entries, runs, seconds):
    d = Daemon()
    db = os.path.join(d.data, "watchtower.db")
    conn = sqlite3.connect(db)
    org_id, = conn.execute("SELECT id FROM orgs").fetchone()
    start, = conn.execute("SELECT COALESCE(MAX(seq),0) FROM audit_log WHERE org_id=?", (org_id,)).fetchone()
    actions = ["auth.login.succeeded", "auth.login.failed", "auth.logout", "invite.created",
               "member.role_changed", "mfa.enrolled", "api_key.rotated", "org.settings.updated"]
    rows = ((org_id, start + i + 1,
             "2026-%02d-%02dT%02d:%02d:%02dZ" % (1 + i * 10 // entries, 1 + (i // 7000) % 28, (i // 3600) % 24, (i // 60) % 60, i % 60),
             "user", "usr_x", "u%d@bench.test" % (i % 500), random.choice(actions), "user", "usr_y",
             "10.0.%d.%d" % (i % 250, i % 200), "wt/0.1.0", "success", "{}", "0" * 64, "0" * 64)
            for i in range(entries))
    conn.executemany("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    conn.execute("INSERT OR IGNORE INTO audit_actions SELECT DISTINCT org_id, action FROM audit_log")
    conn.execute("UPDATE orgs SET mfa_required_roles = ''")
    conn.commit()
    conn.close()
    d.start()
    d.api("POST", "/api/v1/setup", {"token": d.setup_token, "name": "Owner", "password": PW})
    _, r = d.api("POST", "/api/v1/auth/login", {"email": OWNER, "password": PW, "client": "cli"})
    token = r["token"]
    since = "2026-06-01T00:00:00Z"
    prefix_path = "/api/v1/orgs/audit-logs?action=auth.*&limit=50"
    since_path = f"/api/v1/orgs/audit-logs?since={since}&limit=50"

    # Baseline: the same queries on the same file, straight through SQLite's C API (the
    # SQLite build wtd links), every column of every row read into owned values.
    direct = json.loads(subprocess.run([os.path.join(BIN, "sqlite-direct"), db, org_id, since, "2000"],
                                       capture_output=True, text=True, check=True).stdout)
    # The same through Python's sqlite3 (the system SQLite), as the suite measured before:
    # it adds the interpreter's cost of building a tuple of objects per row.
    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    prefix_sql = ("SELECT * FROM audit_log WHERE org_id = ? AND +action >= 'auth.' AND +action < 'auth/' "
                  "ORDER BY seq DESC LIMIT 51")
    since_sql = "SELECT * FROM audit_log WHERE org_id = ? AND occurred_at >= ? ORDER BY seq DESC LIMIT 51"
    py_prefix = median_time(lambda: ro.execute(prefix_sql, (org_id,)).fetchall(), 1000) * 1000
    py_since = median_time(lambda: ro.execute(since_sql, (org_id, since)).fetchall(), 1000) * 1000

    # The API through wrk: a compiled client on one keep-alive connection, one request at a
    # time, whose own cost per request is small next to the server's (see /healthz).
    api_prefix = wrk_get(d.base + prefix_path, token, seconds)
    api_since = wrk_get(d.base + since_path, token, seconds)
    # The floor of any answer over such a connection: an unauthenticated health check.
    api_healthz = wrk_get(d.base + "/healthz", token, seconds)
    # The floor plus what every authenticated request adds (the session read on the reader
    # pool, the allowed-IP check): `wt whoami`'s request.
    api_session = wrk_get(d.base + "/api/v1/auth/session", token, seconds)

    # The old client (Python http.client, keep-alive), for comparison with earlier runs: its
    # own cost per request is larger than the queries.
    c = http.client.HTTPConnection("127.0.0.1", d.port)

    def get(path):
        c.request("GET", path, headers={"Authorization": "Bearer " + token})
        r = c.getresponse()
        body = r.read()
        assert r.status == 200, body[:200]
        return body
    python_client = {"prefix_api_ms": median_time(lambda: get(prefix_path), runs) * 1000,
                     "since_api_ms": median_time(lambda: get(since_path), runs) * 1000,
                     "healthz_ms": median_time(lambda: get("/healthz"), runs) * 1000}
    d.stop()
    return {
        "entries": entries,
        "client": f"wrk -t1 -c1 -d{seconds}s, latency p50",
        "baseline": f"bench/sqlite-direct (C API, SQLite {direct['sqlite']}), median of 2000",
        "prefix_api_ms": api_prefix["p50_ms"], "prefix_api_mean_ms": api_prefix["mean_ms"],
        "since_api_ms": api_since["p50_ms"], "since_api_mean_ms": api_since["mean_ms"],
        "healthz_ms": api_healthz["p50_ms"], "healthz_mean_ms": api_healthz["mean_ms"],
        "session_ms": api_session["p50_ms"], "session_mean_ms": api_session["mean_ms"],
        "prefix_sqlite_ms": direct["prefix_ms"], "since_sqlite_ms": direct["since_ms"],
        "prefix_sqlite_mean_ms": direct["prefix_mean_ms"], "since_sqlite_mean_ms": direct["since_mean_ms"],
        "prefix_sqlite_python_ms": py_prefix, "since_sqlite_python_ms": py_since,
        "python_client": python_client,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args()
    seconds = 3 if a.quick else 5
    rounds = 3 if a.quick else 7
    entries = 100_000 if a.quick else 1_000_000
    sh("cargo", "build", "--release", "-p", "wtd", "-p", "wt-cli", "-p", "bare-hyper", "-p", "sqlite-direct")
    results = {"machine": {"cores": os.cpu_count(), "kernel": platform.release(),
                           "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")}}

    # 6. Footprint, and the daemon everything else runs against.
    d = Daemon()
    ready_s = d.start()
    time.sleep(0.5)
    rss_idle = d.rss_mb()
    d.api("POST", "/api/v1/setup", {"token": d.setup_token, "name": "Owner", "password": PW})
    _, r = d.api("POST", "/api/v1/auth/login", {"email": OWNER, "password": PW, "client": "cli"})
    token = r["token"]
    time.sleep(0.5)
    rss_login = d.rss_mb()
    key = lambda name: d.api("POST", "/api/v1/orgs/api-keys", {"name": name, "environment": "production", "owner_email": OWNER}, token)[1]

    # 1. Ingest vs bare hyper.
    k = key("bench")
    bare = subprocess.Popen([os.path.join(BIN, "bare-hyper"), "127.0.0.1:0"], stdout=subprocess.PIPE)
    bare_url = bare.stdout.readline().decode().split()[-1]
    ia = argparse.Namespace(seconds=seconds, connections=64, threads=2)
    one = json.dumps({"events": [{"type": "login", "user": "u1", "ok": True}]})
    hundred = json.dumps({"events": [{"type": "login", "user": "u%d" % i, "ok": True} for i in range(100)]})
    # Interleaved rounds of bare hyper and wtd: the ratio is the median of the rounds' ratios.
    pair = ingest_bench.interleaved((bare_url + "/", bare.pid), (d.base + "/api/v1/ingest/events", d.proc.pid),
                                    k["secret"], one, ia, rounds)
    ing1 = pair["one_event"]
    ing100 = ingest_bench.measured(d.base + "/api/v1/ingest/events", d.proc.pid, k["secret"], hundred, ia)
    bare.terminate()
    rss_loaded = d.rss_mb()
    results["ingest"] = pair | {"hundred_events": ing100}

    # 7. Login storm during ingest.
    storm_stop = threading.Event()
    logins = [0]

    def login_loop():
        while not storm_stop.is_set():
            d.api("POST", "/api/v1/auth/login", {"email": OWNER, "password": PW, "client": "cli"})
            logins[0] += 1
    threads = [threading.Thread(target=login_loop) for _ in range(32)]
    for t in threads:
        t.start()
    stormy = ingest_bench.wrk(d.base + "/api/v1/ingest/events", k["secret"], one, ia)
    storm_stop.set()
    for t in threads:
        t.join()
    results["login_storm"] = {"ingest_alone": ing1, "ingest_with_storm": stormy, "logins": logins[0]}

    # 3. Revocation on the next request; last-used visibility.
    k2 = key("revoke-me")
    ok = d.api("POST", "/api/v1/ingest/events", {"events": [{"a": 1}]}, k2["secret"])[0]
    t = time.perf_counter()
    d.api("DELETE", f"/api/v1/orgs/api-keys/{k2['id']}", None, token)
    nxt = d.api("POST", "/api/v1/ingest/events", {"events": [{"a": 1}]}, k2["secret"])[0]
    revoke_ms = (time.perf_counter() - t) * 1000
    k3 = key("last-used")
    t = time.perf_counter()
    d.api("POST", "/api/v1/ingest/events", {"events": [{"a": 1}]}, k3["secret"])
    while d.api("GET", f"/api/v1/orgs/api-keys/{k3['id']}", None, token)[1]["last_used_at"] is None:
        pass
    last_used_ms = (time.perf_counter() - t) * 1000
    results["revocation"] = {"before_delete": ok, "next_request_after_delete": nxt,
                             "delete_plus_next_request_ms": revoke_ms, "last_used_visible_ms": last_used_ms}

    # 5. CLI overhead.
    env = dict(os.environ, WT_SERVER=d.base, WT_TOKEN=token, NO_COLOR="1")
    wt = os.path.join(BIN, "wt")
    runs = 10 if a.quick else 30
    wt_list = median_time(lambda: subprocess.run([wt, "keys", "list", "--output", "json"], env=env, capture_output=True, check=True), runs)
    curl = median_time(lambda: subprocess.run(["curl", "-sf", "-H", "Authorization: Bearer " + token,
                                                d.base + "/api/v1/orgs/api-keys"], capture_output=True, check=True), runs)
    wt_help = median_time(lambda: subprocess.run([wt, "--help"], capture_output=True, check=True), runs)
    true_cmd = median_time(lambda: subprocess.run(["true"], capture_output=True, check=True), runs)
    results["cli"] = {"wt_keys_list_ms": wt_list * 1000, "curl_ms": curl * 1000, "wt_help_ms": wt_help * 1000,
                      "process_spawn_ms": true_cmd * 1000}
    d.stop()
    results["footprint"] = {"start_to_ready_ms": ready_s * 1000, "rss_idle_mb": rss_idle,
                            "rss_after_login_mb": rss_login, "rss_after_ingest_mb": rss_loaded}

    # 2 and 4.
    results["key_verification_ns"] = criterion_ns()
    results["audit_append"] = audit_append()
    results["audit"] = audit_at_scale(entries, runs, 3 if a.quick else 5)

    rows = table(results)
    print(f"\nmachine: {results['machine']['cpu']}, {results['machine']['cores']} cores, Linux {results['machine']['kernel']}")
    print(f"{'figure':72} {'value':>22} {'baseline':>14} {'ratio':>7}  target")
    for name, v, b, ratio, target in rows:
        print(f"{name:72} {v:>22} {b:>14} {ratio:>7}  {target}")
    results["table"] = [dict(zip(["figure", "value", "baseline", "ratio", "target"], r)) for r in rows]
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


def table(r):
    f = lambda x, u="": f"{x:,.2f}{u}" if isinstance(x, float) else f"{x}{u}"
    f3 = lambda x: f"{x:.3f}"
    ing, s, c, fp, au, ap = r["ingest"], r["login_storm"], r["cli"], r["footprint"], r["audit"], r["audit_append"]
    kv = r["key_verification_ns"]
    verify_ns = next((v for k, v in kv.items() if k.startswith("key verification")), float("nan"))
    rows = [
        (f"ingest 1 event/req, 64 conns: req/s (median of {len(ing['rounds'])} interleaved rounds)",
         f(ing["one_event"]["rps"]), f(ing["bare_hyper"]["rps"]), f"{ing['ratio_median']:.2f}", ">= 0.50"),
        ("  the rounds' ratios: lowest / highest", f"{ing['ratio_min']:.2f} / {ing['ratio_max']:.2f}", "", "", ""),
        ("ingest 1 event/req: server CPU per request, us", f"{ing['one_event']['cpu_us_per_request']:.1f}",
         f"{ing['bare_hyper']['cpu_us_per_request']:.1f}",
         f"{ing['one_event']['cpu_us_per_request'] / ing['bare_hyper']['cpu_us_per_request']:.2f}", ""),
        ("ingest 1 event/req: p50 / p99 ms", f"{ing['one_event']['p50_ms']:.2f} / {ing['one_event']['p99_ms']:.2f}",
         f"{ing['bare_hyper']['p50_ms']:.2f} / {ing['bare_hyper']['p99_ms']:.2f}", "", "p99 <= 5 ms"),
        ("ingest 100 events/req: events/s", f(ing["hundred_events"]["rps"] * 100), f(ing["bare_hyper"]["rps"]),
         f"{ing['hundred_events']['rps'] * 100 / ing['bare_hyper']['rps']:.2f}", "(events vs bare req)"),
        ("ingest 100 events/req: p50 / p99 ms", f"{ing['hundred_events']['p50_ms']:.2f} / {ing['hundred_events']['p99_ms']:.2f}", "", "", ""),
        ("key verification (criterion): ns", f(verify_ns), "", "", ""),
        ("revocation: next request after DELETE", str(r["revocation"]["next_request_after_delete"]),
         str(r["revocation"]["before_delete"]), "", "401 on the next request"),
        ("last-used visible after a request: ms", f(r["revocation"]["last_used_visible_ms"]), "", "", "<= 1000 ms"),
        (f"audit {au['entries']:,} entries, first page action=auth.*: ms (wrk p50 / C API)", f3(au["prefix_api_ms"]),
         f3(au["prefix_sqlite_ms"]), f"{au['prefix_api_ms'] / au['prefix_sqlite_ms']:.2f}", "<= 2x"),
        ("audit since=T first page: ms (wrk p50 / C API)", f3(au["since_api_ms"]), f3(au["since_sqlite_ms"]),
         f"{au['since_api_ms'] / au['since_sqlite_ms']:.2f}", "<= 2x"),
        ("  the same vs Python sqlite3: action=auth.* / since=T", f"{f3(au['prefix_api_ms'])} / {f3(au['since_api_ms'])}",
         f"{f3(au['prefix_sqlite_python_ms'])} / {f3(au['since_sqlite_python_ms'])}",
         f"{au['prefix_api_ms'] / au['prefix_sqlite_python_ms']:.2f} / {au['since_api_ms'] / au['since_sqlite_python_ms']:.2f}", ""),
        ("HTTP floor: GET /healthz, wrk p50: ms", f3(au["healthz_ms"]), "", "", ""),
        ("  with session authentication: GET /auth/session, wrk p50: ms", f3(au["session_ms"]), "", "", ""),
        ("  old client, Python http.client: action=auth.* / since=T / healthz ms",
         f"{f3(au['python_client']['prefix_api_ms'])} / {f3(au['python_client']['since_api_ms'])} / {f3(au['python_client']['healthz_ms'])}",
         "", "", ""),
        ("10,000 audited appends (hash chain): s", f(ap["audited_s"]), f(ap["plain_s"]), f"{ap['audited_s'] / ap['plain_s']:.2f}", ""),
        ("wt keys list --output json: ms", f(c["wt_keys_list_ms"]), f(c["curl_ms"]), f"{c['wt_keys_list_ms'] / c['curl_ms']:.2f}", "<= 2x curl"),
        ("wt --help: ms", f(c["wt_help_ms"]), f(c["process_spawn_ms"]), f"{c['wt_help_ms'] / c['process_spawn_ms']:.1f}", ""),
        ("daemon RSS idle / after a login / after ingest: MB",
         f"{fp['rss_idle_mb']:.1f} / {fp['rss_after_login_mb']:.1f} / {fp['rss_after_ingest_mb']:.1f}", "", "", "idle <= 20 MB"),
        ("process start to /readyz 200: ms", f(fp["start_to_ready_ms"]), "", "", "<= 200 ms"),
        ("ingest p99 with 32 concurrent logins: ms", f(s["ingest_with_storm"]["p99_ms"]), f(s["ingest_alone"]["p99_ms"]),
         f"{s['ingest_with_storm']['p99_ms'] / s['ingest_alone']['p99_ms']:.2f}", "<= 2x"),
    ]
    return rows


if __name__ == "__main__":
    main()
