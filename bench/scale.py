#!/usr/bin/env python3
"""Scale suite (issue #29): how each cost grows from 1x to 10x to 100x. Not in CI.

    cargo xtask bench --scale                      # 1x only (small)
    WT_SCALE_SIZES=1,10 cargo xtask bench --scale  # or: python3 bench/scale.py --sizes 1,10
    python3 bench/scale.py --sizes 1,10,100 --keys-only --out bench/scale/keys   # quick: keys only

Needs a release build (`cargo build --release -p wtd -p wt-cli -p bare-hyper`), wrk, curl,
sqlite3, psql and a PostgreSQL server (WT_BENCH_PG; databases are made and dropped), and
about 60 GB of disk at 100x (`--tmp DIR`).

Sizes (1x): 10,000 keys over 100 orgs (a tenth of them in the measured org), 100 members,
100,000 audit entries in one org, 1,000,000 stored ingest events; 10x and 100x multiply each.
Data: `wtd init`, the owner claimed over HTTP, one key made through the API (the template
row); then, with the daemon stopped, orgs, members, keys and audit entries written straight
into the SQLite file, and one start of the daemon that builds the audit tree from them (as
it does for any older log) before anything is measured. The audit entries are an honest
chain: each hash is SHA-256(prev_hash "\\n" JSON of the hashed fields), as
wt_core::audit::entry_hash computes it, and `wtd audit verify` must accept it. Generated keys
get random secret hashes (nobody can present them: they count for memory, start-up and
lookups); the keys that are presented are made through the API.

Figures, each beside its baseline measured in the same run:
  keys:      RSS per cached key (RSS after /readyz minus the RSS of an empty installation,
             and the slope between sizes); start to /readyz  vs  reading the same key rows
             through SQLite's C API (Python's sqlite3 module) on the same file
  authorize: GET /api/v1/ingest/authorize with a real key among N cached  vs  bare hyper's
             bodiless GET (wrk, interleaved rounds): req/s ratio and p99
  audit:     first page (limit 50) per filter through the API  vs  HTTP floor (GET
             /api/v1/auth/session) + the same SELECT through SQLite's C API
  listings:  `wt members list` and `wt keys list` (first page, 50)  vs  `curl` of the same page
  verify:    `wtd audit verify --jobs N` entries/s  vs  sha256sum over the exported bytes;
             its peak RSS
  export:    `wt audit export` (JSONL, every entry) entries/s  vs  `sqlite3 -json` of the
             rows; its peak RSS and the daemon's
  copy:      `wtd copy` to PostgreSQL rows/s (every table, COPY FROM STDIN, the chain
             verified after)  vs  psql \\copy of the same rows of the large tables into a
             migrated database (same indexes and triggers)
  replicas:  the copy served by two daemons on PostgreSQL: B's start to /readyz; a key
             revoked on A -> B's next request is 401; the rows B read for it (/metrics)
  ingest:    POST /api/v1/ingest/events (1 event) with 0 and with N stored events  vs  bare
             hyper (wrk, interleaved rounds): req/s ratio and p99
Writes bench/scale/results.json, bench/scale/scale.svg and prints the table with the ratio
of the largest size to 1x.
"""
import argparse, hashlib, http.client, itertools, json, os, random, shutil, sqlite3, statistics
import subprocess, sys, tempfile, time, types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ingest import interleaved  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "scale")
PW = "violet staple orbit river 42"
GENESIS = "0" * 64
ACTIONS = ["auth.login.succeeded", "auth.login.failed", "auth.logout", "invite.created",
           "member.role_changed", "api_key.rotated", "org.settings.updated"]
RARE = "mfa.enrolled"  # one entry in 10,000
BASE_KEYS, BASE_ORGS, BASE_ENTRIES, BASE_MEMBERS, BASE_EVENTS = 10_000, 100, 100_000, 100, 1_000_000
PG = os.environ.get("WT_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Http:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def get(self, path, token=None):
        h = {"Authorization": "Bearer " + token} if token else {}
        self.conn.request("GET", path, headers=h)
        r = self.conn.getresponse()
        return r.status, r.read()

    def json(self, method, path, body=None, token=None):
        h = {"Content-Type": "application/json"}
        if token:
            h["Authorization"] = "Bearer " + token
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
        r = self.conn.getresponse()
        data = r.read()
        assert r.status < 300, (method, path, r.status, data[:300])
        return json.loads(data or b"null")


class Daemon:
    def __init__(self, wtd, data, database_url=None):
        self.port = 19000 + random.randint(0, 999)
        env = dict(os.environ)
        if database_url:
            env["WT_DATABASE_URL"] = database_url
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([wtd, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        if not self.proc.stdout.readline():
            raise SystemExit(f"wtd serve --data-dir {data} stopped before listening: {self.proc.wait()}")
        while True:
            try:
                if Http(self.port).get("/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.005)
        self.ready_s = time.perf_counter() - t0
        self.rss_kib = rss_kib(self.proc.pid)
        self.http = Http(self.port)

    def url(self, path=""):
        return f"http://127.0.0.1:{self.port}{path}"

    def peak_rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def metric(self, name):
        st, body = self.http.get("/metrics")
        for line in body.decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise SystemExit(f"{name} not in /metrics")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def run_measured(cmd, env=None, stdout=subprocess.DEVNULL):
    """Runs `cmd`; returns (seconds, peak RSS KiB of that process alone, exit status)."""
    # GNU time reports the peak RSS: its own small image is what the child starts from
    # (a child forked from this Python process would inherit Python's high-water mark).
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name] + cmd, env=env, stdout=stdout,
                           stderr=subprocess.PIPE)
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            raise SystemExit(f"{cmd[0]} failed ({p.returncode}): {p.stderr.decode(errors='replace')[-2000:]}")
        return dt, int(rss.read().split()[-1])


def columns(db, table):
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def entry_hash(prev, f):
    body = json.dumps(f, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(prev.encode() + b"\n" + body.encode()).hexdigest()


def generate(db, n_keys, n_orgs, n_entries, n_members, org_id, owner_id):
    cols = columns(db, "orgs")
    tmpl = db.execute(f"SELECT {', '.join(cols)} FROM orgs WHERE id = ?", (org_id,)).fetchone()
    rows = []
    for i in range(n_orgs - 1):
        r = list(tmpl)
        r[cols.index("id")] = f"org_scale{i:07d}"
        r[cols.index("slug")] = f"scale-{i}"
        r[cols.index("name")] = f"Scale {i}"
        rows.append(r)
    db.executemany(f"INSERT INTO orgs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
    # The owner is a member of every org (a key's owner must be a member).
    mcols = columns(db, "memberships")
    mt = db.execute(f"SELECT {', '.join(mcols)} FROM memberships WHERE org_id = ?", (org_id,)).fetchone()
    oi = cols.index("id")
    db.executemany(f"INSERT INTO memberships ({', '.join(mcols)}) VALUES ({', '.join('?' * len(mcols))})",
                   ([row[oi] if c == "org_id" else v for c, v in zip(mcols, mt)] for row in rows))
    orgs = [org_id] + [r[cols.index("id")] for r in rows]
    # Members of the measured org (viewers; the owner's row as the template).
    ucols = columns(db, "users")
    ut = db.execute(f"SELECT {', '.join(ucols)} FROM users WHERE id = ?", (owner_id,)).fetchone()

    def user(i):
        r = list(ut)
        r[ucols.index("id")] = f"usr_member{i:07d}"
        r[ucols.index("email")] = f"member{i:07d}@scale.test"
        r[ucols.index("name")] = f"Member {i}"
        r[ucols.index("mfa_enabled")] = 0
        r[ucols.index("created_at")] = r[ucols.index("created_at")] - (n_members - i)
        return r
    db.executemany(f"INSERT INTO users ({', '.join(ucols)}) VALUES ({', '.join('?' * len(ucols))})",
                   (user(i) for i in range(n_members - 1)))
    db.executemany(f"INSERT INTO memberships ({', '.join(mcols)}) VALUES ({', '.join('?' * len(mcols))})",
                   ([f"usr_member{i:07d}" if c == "user_id" else "viewer" if c == "role"
                     else v - (n_members - i) if c == "created_at" else v
                     for c, v in zip(mcols, mt)] for i in range(n_members - 1)))
    kcols = columns(db, "api_keys")
    kt = db.execute(f"SELECT {', '.join(kcols)} FROM api_keys LIMIT 1").fetchone()
    rnd = random.Random(29)

    def key(i):
        r = list(kt)
        r[kcols.index("id")] = f"key_scale{i:011d}"
        # A tenth of the keys in the measured org (its listing), the rest over the others.
        r[kcols.index("org_id")] = org_id if i % 10 == 0 or len(orgs) == 1 else orgs[1 + i % (len(orgs) - 1)]
        r[kcols.index("name")] = f"service-{i}"
        r[kcols.index("secret_hash")] = "%064x" % rnd.getrandbits(256)
        r[kcols.index("last4")] = "%04d" % (i % 10000)
        # Made one a second over the past (a listing's order by time is then honest: the
        # template's one timestamp for every key would make each page sort all the ties).
        r[kcols.index("created_at")] = r[kcols.index("created_at")] - (n_keys - i)
        return r
    db.executemany(f"INSERT INTO api_keys ({', '.join(kcols)}) VALUES ({', '.join('?' * len(kcols))})",
                   (key(i) for i in range(n_keys - 1)))
    db.commit()
    # The audit chain, continuing the daemon's own entries.
    seq, prev = db.execute("SELECT seq, hash FROM audit_log WHERE org_id = ? ORDER BY seq DESC LIMIT 1",
                           (org_id,)).fetchone()
    acols = columns(db, "audit_log")
    now = int(time.time())
    span = 90 * 86400

    def entries():
        nonlocal seq, prev
        for i in range(n_entries):
            seq += 1
            t = now - span + (i * span) // n_entries
            who = f"usr_scale{i % 500:05d}"
            action = RARE if i % 10_000 == 5_000 else ACTIONS[(i * 7919) % len(ACTIONS)]
            target = {"type": "api_key", "id": f"key_scale{(i * 31) % 5000:011d}"}
            f = {"org_id": org_id, "seq": seq,
                 "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)),
                 "actor": {"type": "user", "id": who, "email": f"{who}@scale.test"},
                 "action": action, "target": target, "ip": "10.0.%d.%d" % (i % 250, i % 200),
                 "user_agent": "wt/0.1.0",
                 "outcome": "failure" if action == "auth.login.failed" else "success",
                 "details": "{}"}
            h = entry_hash(prev, f)
            v = {"org_id": org_id, "seq": seq, "occurred_at": f["occurred_at"], "actor_type": "user",
                 "actor_id": who, "actor_email": f"{who}@scale.test", "action": action,
                 "target_type": "api_key", "target_id": target["id"], "ip": f["ip"],
                 "user_agent": f["user_agent"], "outcome": f["outcome"], "details": "{}",
                 "prev_hash": prev, "hash": h}
            prev = h
            yield [v.get(c) for c in acols]
    # In transactions of 500,000 rows: the WAL is reused after each commit instead of
    # growing to the size of the whole log.
    rows = entries()
    while True:
        chunk = list(itertools.islice(rows, 500_000))
        if not chunk:
            break
        db.executemany(f"INSERT INTO audit_log ({', '.join(acols)}) VALUES ({', '.join('?' * len(acols))})",
                       chunk)
        db.commit()
    db.execute("INSERT OR IGNORE INTO audit_actions SELECT DISTINCT org_id, action FROM audit_log")
    db.execute("DELETE FROM audit_hourly")
    db.execute("""INSERT INTO audit_hourly (org_id, hour, action, outcome, count)
        SELECT org_id, substr(occurred_at, 1, 13), action, outcome, COUNT(*)
        FROM audit_log GROUP BY org_id, substr(occurred_at, 1, 13), action, outcome""")
    db.commit()
    return now - span


def median_ms(f, runs):
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        out.append((time.perf_counter() - t0) * 1000)
    return statistics.median(out)


def wait_for_tree(dbfile, org_id):
    """Waits until the daemon's start-up backfill has put every entry of the org in the
    audit tree (leaves are tree level 0, one per entry)."""
    c = sqlite3.connect(dbfile, timeout=60)
    want, = c.execute("SELECT COUNT(*) FROM audit_log WHERE org_id = ?", (org_id,)).fetchone()
    while True:
        have, = c.execute("SELECT COUNT(*) FROM audit_tree_nodes WHERE org_id = ? AND level = 0",
                          (org_id,)).fetchone()
        if have >= want:
            break
        time.sleep(2)
    c.close()


def wrk_args(a):
    return types.SimpleNamespace(threads=2, connections=64, seconds=a.wrk_seconds)


def http_pair(d, bare, key, body, a):
    """wtd against bare hyper on the same request, interleaved rounds."""
    path = "/api/v1/ingest/authorize" if body is None else "/api/v1/ingest/events"
    r = interleaved((bare[0] + "/", bare[1]), (d.url(path), d.proc.pid), key, body, wrk_args(a), a.rounds)
    return {"rps": round(r["one_event"]["rps"]), "bare_rps": round(r["bare_hyper"]["rps"]),
            "ratio": round(r["ratio_median"], 2), "p99_ms": r["one_event"]["p99_ms"],
            "bare_p99_ms": r["bare_hyper"]["p99_ms"], "non_2xx": r["one_event"]["non_2xx"]}


ONE_EVENT = json.dumps({"events": [{"type": "login", "user": "u1", "ok": True}]})


def cli_vs_curl(wt, d, tok, home, args, path, runs):
    """Median wall time of `wt ARGS` and of `curl` fetching the page it shows."""
    env = dict(os.environ, WT_SERVER=d.url(), WT_TOKEN=tok, HOME=home, NO_COLOR="1")
    first = subprocess.run([wt] + args, env=env, capture_output=True, text=True)
    if first.returncode != 0:
        return {"error": first.stderr.strip()[:300]}
    shown = len(json.loads(first.stdout)) if first.stdout.strip().startswith("[") else None
    cli = median_ms(lambda: subprocess.run([wt] + args, env=env, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL, check=True), runs)
    curl = median_ms(lambda: subprocess.run(["curl", "-sf", "-o", "/dev/null", "-H", f"Authorization: Bearer {tok}",
                                             d.url(path)], check=True), runs)
    return {"cli_ms": round(cli, 1), "curl_ms": round(curl, 1), "ratio": round(cli / curl, 2), "shown": shown}


def listings(wt, d, tok, tmp, runs):
    """`wt members list` and `wt keys list`, first page of 50, against curl of that page."""
    return {
        "members": cli_vs_curl(wt, d, tok, tmp, ["members", "list", "--limit", "50", "--output", "json"],
                               "/api/v1/orgs/members?limit=50", runs),
        "keys": cli_vs_curl(wt, d, tok, tmp, ["keys", "list", "--limit", "50", "--output", "json"],
                            "/api/v1/orgs/api-keys?limit=50", runs),
    }


def copy_baseline(dbfile, url, tmp):
    """psql \\copy of the large tables' rows (CSV written beforehand) into `url`, a migrated
    empty database: (rows, seconds)."""
    import csv
    src = sqlite3.connect(dbfile)
    files = []
    for table in ("orgs", "users", "memberships", "api_keys", "audit_log", "audit_tree_nodes", "ingest_events"):
        cols = columns(src, table)
        path = os.path.join(tmp, f"{table}.csv")
        n = 0
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            for row in src.execute(f"SELECT {', '.join(cols)} FROM {table}"):
                w.writerow(["\\x" + v.hex() if isinstance(v, bytes) else "\\N" if v is None else v for v in row])
                n += 1
        files.append((table, cols, path, n))
    src.close()
    # Self-references of keys (rotations) are empty in generated data; drop the copy's
    # triggers' work from neither side: both load into the same schema.
    t0 = time.perf_counter()
    for table, cols, path, _ in files:
        subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qc",
                        f"\\copy {table} ({', '.join(cols)}) FROM '{path}' CSV NULL '\\N'"], check=True)
    dt = time.perf_counter() - t0
    for _, _, path, _ in files:
        os.unlink(path)
    return sum(n for *_, n in files), dt


def psql(url, sql):
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True, stdout=subprocess.DEVNULL)


def replicas(wtd, data, url, tok_email, n_keys):
    """Two daemons on the copied PostgreSQL database: B's start, and a key revoked on A."""
    # Each daemon has its own data directory (its lock); both hold the same master key.
    data_b = data + "_b"
    os.makedirs(data_b, mode=0o700)
    shutil.copy(os.path.join(data, "master.key"), os.path.join(data_b, "master.key"))
    a_ = Daemon(wtd, data, url)
    b = Daemon(wtd, data_b, url)
    try:
        tok = a_.http.json("POST", "/api/v1/auth/login", {"email": tok_email, "password": PW,
                                                          "client": "cli", "org": "scale"})["token"]
        k = a_.http.json("POST", "/api/v1/orgs/api-keys", {"name": "replica-probe", "environment": "production",
                                                           "owner_email": tok_email}, token=tok)
        st, _ = b.http.get("/api/v1/ingest/authorize", k["secret"])
        assert st == 204, st
        normal = median_ms(lambda: b.http.get("/api/v1/ingest/authorize", k["secret"]), 15)
        loads0, rows0 = b.metric("wt_key_cache_loads"), b.metric("wt_key_cache_refresh_rows")
        st, _ = a_.http.get("/api/v1/orgs/api-keys")  # keep A's connection warm
        a_.http.conn.request("DELETE", f"/api/v1/orgs/api-keys/{k['id']}",
                             headers={"Authorization": "Bearer " + tok})
        r = a_.http.conn.getresponse()
        r.read()
        assert r.status == 204, r.status
        t0 = time.perf_counter()
        st, _ = b.http.get("/api/v1/ingest/authorize", k["secret"])
        after_ms = (time.perf_counter() - t0) * 1000
        assert st == 401, f"revoked on A, B answered {st}"
        cached = b.metric("wt_key_cache_keys")
        return {"b_ready_s": round(b.ready_s, 3), "b_rss_kib": b.rss_kib, "keys_cached": int(cached),
                "next_request_status": st, "next_request_ms": round(after_ms, 2),
                "normal_request_ms": round(normal, 2),
                "b_whole_loads": int(b.metric("wt_key_cache_loads")),
                "b_rows_read_for_revocation": int(b.metric("wt_key_cache_refresh_rows") - rows0),
                "b_whole_loads_before": int(loads0)}
    finally:
        a_.stop()
        b.stop()


def one_size(mult, a, wtd):
    wt = os.path.join(a.bin, "wt")
    n_keys, n_orgs, n_entries = int(BASE_KEYS * mult), int(BASE_ORGS * mult), int(BASE_ENTRIES * mult)
    n_members, n_events = int(BASE_MEMBERS * mult), int(BASE_EVENTS * mult)
    if a.keys_only:
        n_entries = n_events = 0
    tmp = tempfile.mkdtemp(prefix=f"wt-scale-{mult}x-", dir=a.tmp)
    data = os.path.join(tmp, "data")
    setup = subprocess.run([wtd, "init", "--org", "Scale", "--owner-email", "owner@scale.test",
                            "--data-dir", data], capture_output=True, text=True, check=True).stdout.strip()
    dbfile = os.path.join(data, "watchtower.db")
    d = Daemon(wtd, data)
    empty_rss = d.rss_kib
    d.http.json("POST", "/api/v1/setup", {"token": setup, "name": "Owner", "password": PW})
    d.stop()
    db = sqlite3.connect(dbfile, timeout=30)
    db.execute("UPDATE orgs SET mfa_required_roles = ''")
    db.commit()
    d = Daemon(wtd, data)
    tok = d.http.json("POST", "/api/v1/auth/login", {"email": "owner@scale.test", "password": PW,
                                                      "client": "cli", "org": "scale"})["token"]
    d.http.json("POST", "/api/v1/orgs/api-keys", {"name": "template", "environment": "production",
                                                  "owner_email": "owner@scale.test"}, token=tok)
    d.stop()
    org_id, = db.execute("SELECT id FROM orgs").fetchone()
    owner_id, = db.execute("SELECT id FROM users").fetchone()
    t0 = time.perf_counter()
    t_start = generate(db, n_keys, n_orgs, n_entries, n_members, org_id, owner_id)
    gen_s = time.perf_counter() - t0
    db.close()
    # One start that builds the audit tree from the generated log, as for any older log.
    t0 = time.perf_counter()
    d = Daemon(wtd, data)
    wait_for_tree(dbfile, org_id)
    d.stop()
    tree_s = time.perf_counter() - t0
    r = {"size": mult, "keys": n_keys, "orgs": n_orgs, "entries": n_entries, "members": n_members,
         "events": n_events, "generate_s": round(gen_s, 1), "tree_backfill_s": round(tree_s, 1)}
    print(f"{mult}x: generated in {gen_s:.0f} s, audit tree built in {tree_s:.0f} s", flush=True)

    # Keys: start to /readyz and RSS, vs the key rows through SQLite's C API.
    subprocess.run(["sync"])
    d = Daemon(wtd, data)
    r["ready_s"] = round(d.ready_s, 3)
    r["rss_kib"], r["empty_rss_kib"] = d.rss_kib, empty_rss
    r["rss_per_key_b"] = round((d.rss_kib - empty_rss) * 1024 / n_keys, 1)
    c = sqlite3.connect(dbfile)
    t0 = time.perf_counter()
    c.execute("""SELECT k.id, k.org_id, k.environment, k.secret_hash, k.expires_at, k.revoked_at,
        k.allowed_cidrs, k.grace_until, k.rate_limit, k.rate_burst, k.quarantined_at, ow.email, cr.email
        FROM api_keys k JOIN users ow ON ow.id = k.owner_id JOIN users cr ON cr.id = k.created_by""").fetchall()
    r["key_rows_sqlite_s"] = round(time.perf_counter() - t0, 3)
    tok = d.http.json("POST", "/api/v1/auth/login", {"email": "owner@scale.test", "password": PW,
                                                      "client": "cli", "org": "scale"})["token"]
    probe = d.http.json("POST", "/api/v1/orgs/api-keys", {"name": "probe", "environment": "production",
                                                          "owner_email": "owner@scale.test"}, token=tok)["secret"]

    if a.keys_only:
        try:
            r["listings"] = listings(wt, d, tok, tmp, a.runs)
        finally:
            d.stop()
        print(f"{mult}x: listings {r['listings']}", flush=True)
        c.close()
        if not a.no_copy and shutil.which("psql"):
            name = f"wt_scale_keys_{str(mult).replace('.', '_')}x_{os.getpid()}"
            url = f"{PG.rsplit('/', 1)[0]}/{name}"
            psql(PG, f"CREATE DATABASE {name}")
            try:
                subprocess.run([wtd, "migrate", "--database-url", url], capture_output=True, check=True)
                t0 = time.perf_counter()
                subprocess.run([wtd, "copy", "--from", f"sqlite:{dbfile}", "--to", url], capture_output=True,
                               check=True)
                r["copy_keys_s"] = round(time.perf_counter() - t0, 1)
                r["replicas"] = replicas(wtd, data, url, "owner@scale.test", n_keys)
                print(f"{mult}x: replicas {r['replicas']}", flush=True)
            finally:
                subprocess.run(["psql", PG, "-qc", f"DROP DATABASE IF EXISTS {name}"])
        shutil.rmtree(tmp, ignore_errors=True)
        return r
    bare = subprocess.Popen([os.path.join(a.bin, "bare-hyper"), "127.0.0.1:0"], stdout=subprocess.PIPE)
    bare_url = bare.stdout.readline().decode().split()[-1]
    try:
        if a.rounds:
            r["authorize"] = http_pair(d, (bare_url, bare.pid), probe, None, a)
            r["ingest_empty"] = http_pair(d, (bare_url, bare.pid), probe, ONE_EVENT, a)
            print(f"{mult}x: authorize {r['authorize']}, ingest (no stored events) {r['ingest_empty']}", flush=True)

        # Audit first pages.
        floor = median_ms(lambda: d.http.get("/api/v1/auth/session", tok), a.runs)
        day = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        filters = {
            "none": ("", "1=1", []),
            "common prefix": ("action=auth.*", "action >= 'auth.' AND action < 'auth/'", []),
            "rare prefix": ("action=mfa.*", "action >= 'mfa.' AND action < 'mfa/'", []),
            "actor": ("actor=usr_scale00007", "(actor_email = ? OR actor_id = ?)", ["usr_scale00007"] * 2),
            "target": ("target=key_scale00000000031", "target_id = ?", ["key_scale00000000031"]),
            "old narrow window": (f"since={day(t_start + 3600)}&until={day(t_start + 7200)}",
                                  "occurred_at >= ? AND occurred_at < ?", [day(t_start + 3600), day(t_start + 7200)]),
            "unreviewed": ("unreviewed=true", "1=1", []),
        }
        audit = {}
        for name, (qs, where, args) in filters.items():
            path = f"/api/v1/orgs/audit-logs?limit=50&{qs}"
            st, body = d.http.get(path, tok)
            assert st == 200, (path, st, body[:200])
            api = median_ms(lambda: d.http.get(path, tok), a.runs)
            sql = f"SELECT * FROM audit_log WHERE org_id = ? AND {where} ORDER BY seq DESC LIMIT 51"
            direct = median_ms(lambda: c.execute(sql, [org_id] + args).fetchall(), a.runs)
            audit[name] = {"api_ms": round(api, 2), "floor_ms": round(floor, 2), "sqlite_ms": round(direct, 2),
                           "ratio": round(api / (floor + direct), 2)}
        r["audit"] = audit

        # Listings: the CLI's first page vs curl of the same page.
        r["listings"] = listings(wt, d, tok, tmp, a.runs)
        print(f"{mult}x: listings {r['listings']}", flush=True)

        # Export: `wt audit export` of every entry, its peak RSS and the daemon's.
        out = os.path.join(tmp, "export.jsonl")
        env = dict(os.environ, WT_SERVER=d.url(), WT_TOKEN=tok, HOME=tmp)
        export_s, export_rss = run_measured([wt, "audit", "export", "--output-file", out], env=env)
        with open(out, "rb") as f:
            n = sum(1 for _ in f)
        os.unlink(out)
        daemon_peak = d.peak_rss_kib()
    finally:
        d.stop()
        bare.terminate()
    dump = os.path.join(tmp, "audit.json")
    t0 = time.perf_counter()
    with open(dump, "w") as f:
        subprocess.run(["sqlite3", "-json", dbfile, f"SELECT * FROM audit_log WHERE org_id = '{org_id}' ORDER BY seq"],
                       stdout=f, check=True)
    sqlite_json_s = time.perf_counter() - t0
    r["export"] = {"entries": n, "entries_per_s": round(n / export_s), "sqlite3_json_per_s": round(n / sqlite_json_s),
                   "ratio": round(sqlite_json_s / export_s, 2), "wt_peak_rss_kib": export_rss,
                   "wtd_peak_rss_kib": daemon_peak}
    t0 = time.perf_counter()
    subprocess.run(["sha256sum", dump], stdout=subprocess.DEVNULL, check=True)
    sha_s = time.perf_counter() - t0
    os.unlink(dump)
    verify = {"sha256sum_per_s": round(n / sha_s)}
    total = c.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    for jobs in (1, os.cpu_count() or 1):
        dt, rss = run_measured([wtd, "audit", "verify", "--data-dir", data, "--jobs", str(jobs)])
        verify[f"jobs{jobs}_per_s"] = round(total / dt)
        verify[f"jobs{jobs}_peak_rss_kib"] = rss
    verify["ratio"] = round(max(v for k, v in verify.items() if k.endswith("_per_s") and k.startswith("jobs"))
                            / verify["sha256sum_per_s"], 2)
    r["verify"] = verify
    print(f"{mult}x: export {r['export']}, verify {verify}", flush=True)

    # Copy to PostgreSQL vs psql \\copy of the same rows; then two replicas on the copy.
    if not a.no_copy and shutil.which("psql"):
        name = f"wt_scale_{str(mult).replace('.', '_')}x_{os.getpid()}"
        base = PG.rsplit("/", 1)[0]
        url, url2 = f"{base}/{name}", f"{base}/{name}_psql"
        psql(PG, f"CREATE DATABASE {name}")
        psql(PG, f"CREATE DATABASE {name}_psql")
        try:
            for u in (url, url2):
                subprocess.run([wtd, "migrate", "--database-url", u], capture_output=True, check=True)
            t0 = time.perf_counter()
            out = subprocess.run([wtd, "copy", "--from", f"sqlite:{dbfile}", "--to", url],
                                 capture_output=True, text=True)
            copy_s = time.perf_counter() - t0
            assert out.returncode == 0, out.stdout + out.stderr
            rows = sum(c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in
                       [x for (x,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                        if x not in ("cache_version", "health_probe", "ingest_groups", "schema_migrations")
                        and not x.startswith("sqlite_")])
            base_rows, psql_s = copy_baseline(dbfile, url2, tmp)
            r["copy"] = {"rows": rows, "seconds": round(copy_s, 1), "rows_per_s": round(rows / copy_s),
                         "psql_rows": base_rows, "psql_seconds": round(psql_s, 1),
                         "psql_copy_per_s": round(base_rows / psql_s),
                         "ratio": round((rows / copy_s) / (base_rows / psql_s), 2)}
            print(f"{mult}x: copy {r['copy']}", flush=True)
            r["replicas"] = replicas(wtd, data, url, "owner@scale.test", n_keys)
            print(f"{mult}x: replicas {r['replicas']}", flush=True)
        finally:
            subprocess.run(["psql", PG, "-qc", f"DROP DATABASE IF EXISTS {name}"])
            subprocess.run(["psql", PG, "-qc", f"DROP DATABASE IF EXISTS {name}_psql"])
    c.close()

    # Ingest with N stored events (written straight into the file, as received now, and
    # counted as the prune task would have).
    if a.rounds and n_events:
        db = sqlite3.connect(dbfile, timeout=60)
        key_id, = db.execute("SELECT id FROM api_keys WHERE name = 'probe'").fetchone()
        t0 = time.perf_counter()
        for first in range(0, n_events, 5_000_000):
            db.execute("""INSERT INTO ingest_events (org_id, key_id, environment, received_at, payload)
                WITH RECURSIVE c(x) AS (SELECT ? UNION ALL SELECT x + 1 FROM c WHERE x < ?)
                SELECT ?, ?, 'production', ?, '{"type":"login","user":"u' || x || '","ok":true}' FROM c""",
                       (first + 1, min(first + 5_000_000, n_events), org_id, key_id, int(time.time())))
            db.commit()
        db.execute("""INSERT INTO event_storage (org_id, events, bytes, counted_through)
            SELECT org_id, COUNT(*), SUM(length(payload)), MAX(seq) FROM ingest_events GROUP BY org_id
            ON CONFLICT (org_id) DO UPDATE SET events = excluded.events, bytes = excluded.bytes,
              counted_through = excluded.counted_through""")
        db.commit()
        db.close()
        r["events_generate_s"] = round(time.perf_counter() - t0, 1)
        d = Daemon(wtd, data)
        bare = subprocess.Popen([os.path.join(a.bin, "bare-hyper"), "127.0.0.1:0"], stdout=subprocess.PIPE)
        bare_url = bare.stdout.readline().decode().split()[-1]
        try:
            r["ingest_stored"] = http_pair(d, (bare_url, bare.pid), probe, ONE_EVENT, a)
        finally:
            d.stop()
            bare.terminate()
        print(f"{mult}x: ingest with {n_events} stored events {r['ingest_stored']}", flush=True)
    r["data_dir_bytes"] = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(data) for f in fs)
    shutil.rmtree(tmp, ignore_errors=True)
    return r


def figures(r):
    out = {"RSS B/key": r["rss_per_key_b"], "start to /readyz s": r["ready_s"],
           "start / key rows (C API)": round(r["ready_s"] / max(r["key_rows_sqlite_s"], 1e-6), 2)}
    if "audit" not in r:  # --keys-only
        for k, v in r.get("listings", {}).items():
            if "ratio" in v:
                out[f"wt {k} list / curl"] = v["ratio"]
        if "replicas" in r:
            out["replica B start to /readyz s"] = r["replicas"]["b_ready_s"]
            out["replica B next request after revoke ms"] = r["replicas"]["next_request_ms"]
            out["replica B rows read per revocation"] = r["replicas"]["b_rows_read_for_revocation"]
        return out
    if "authorize" in r:
        out["authorize / bare hyper"] = r["authorize"]["ratio"]
        out["authorize p99 ms"] = r["authorize"]["p99_ms"]
    for k, v in r["audit"].items():
        out[f"audit {k}: api/(floor+sql)"] = v["ratio"]
    for k, v in r.get("listings", {}).items():
        if "ratio" in v:
            out[f"wt {k} list / curl"] = v["ratio"]
    out["verify / sha256sum"] = r["verify"]["ratio"]
    out["verify peak RSS MiB"] = round(max(v for k, v in r["verify"].items() if k.endswith("rss_kib")) / 1024, 1)
    out["export / sqlite3 -json"] = r["export"]["ratio"]
    out["wt export peak RSS MiB"] = round(r["export"]["wt_peak_rss_kib"] / 1024, 1)
    if "copy" in r:
        out["copy / psql \\copy"] = r["copy"]["ratio"]
    if "replicas" in r:
        out["replica B rows read per revocation"] = r["replicas"]["b_rows_read_for_revocation"]
    if "ingest_stored" in r:
        out["ingest (N stored) / bare hyper"] = r["ingest_stored"]["ratio"]
        out["ingest (N stored) p99 ms"] = r["ingest_stored"]["p99_ms"]
    return out


def svg(results, path):
    """One line per figure: its value at each size over its value at 1x (log x axis)."""
    # Absolute times that are meant to grow with the data (the start loads every key) are
    # in the table, not in the plot of growth, which they would flatten.
    figs = [{k: v for k, v in figures(r).items() if k not in ("start to /readyz s",)} for r in results]
    sizes = [r["size"] for r in results]
    w, h, m = 760, 440, 60
    import math
    xs = lambda s: m + (math.log10(s) / max(math.log10(max(sizes)), 1)) * (w - 2 * m - 200)
    growth = {k: [f.get(k, 0) / figs[0][k] if figs[0][k] else 0 for f in figs] for k in figs[0]}
    # Up to 4x on the axis; a figure above is drawn at the top with its value written.
    top = min(4.0, max([2.0] + [v for vs in growth.values() for v in vs]))
    ys = lambda v: h - m - (min(v, top) / top) * (h - 2 * m)
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#aa4499", "#44aa99", "#882255"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
             f'<text x="{m}" y="20" font-size="13">WatchTower scale suite: each figure at N x over its value at 1x</text>',
             f'<line x1="{m}" y1="{h - m}" x2="{w - m - 200}" y2="{h - m}" stroke="#000"/>',
             f'<line x1="{m}" y1="{m}" x2="{m}" y2="{h - m}" stroke="#000"/>']
    for v in (0.5, 1.0, 1.5, 2.0, 3.0, 4.0):
        if v <= top:
            parts.append(f'<line x1="{m}" y1="{ys(v):.1f}" x2="{w - m - 200}" y2="{ys(v):.1f}" stroke="#ccc"/>'
                         f'<text x="{m - 30}" y="{ys(v) + 4:.1f}">{v}x</text>')
    for s in sizes:
        parts.append(f'<text x="{xs(s) - 8:.1f}" y="{h - m + 16}">{s}x</text>')
    for i, (k, vs) in enumerate(growth.items()):
        col = colours[i % len(colours)]
        pts = " ".join(f"{xs(s):.1f},{ys(v):.1f}" for s, v in zip(sizes, vs))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{col}" stroke-width="1.5"/>')
        for sz, v in zip(sizes, vs):
            if v > top:
                parts.append(f'<text x="{xs(sz) - 30:.1f}" y="{ys(v) - 4:.1f}" fill="{col}">{v:.1f}x</text>')
        parts.append(f'<text x="{w - m - 190}" y="{m + 14 * i}" fill="{col}">{k}</text>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default=os.environ.get("WT_SCALE_SIZES", "1"))
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release"))
    ap.add_argument("--no-copy", action="store_true")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved wrk rounds per HTTP figure (0: none)")
    ap.add_argument("--wrk-seconds", type=int, default=4)
    ap.add_argument("--keys-only", action="store_true",
                    help="only keys and members: RSS, start, the listings, and two replicas on a PostgreSQL "
                         "copy (no audit log, no events): a quick run")
    ap.add_argument("--out", default=OUT, help="where results.json and scale.svg go")
    ap.add_argument("--tmp", default=os.environ.get("WT_SCALE_TMP"), help="where the data sets go (large)")
    ap.add_argument("--plot-only", action="store_true",
                    help="only redraw scale.svg (and the table) from --out's results.json")
    a = ap.parse_args()
    wtd = os.path.join(a.bin, "wtd")
    if a.plot_only:
        with open(os.path.join(a.out, "results.json")) as f:
            results = json.load(f)["results"]
        svg(results, os.path.join(a.out, "scale.svg"))
        table(results)
        return
    sizes = [float(s) if "." in s else int(s) for s in a.sizes.split(",")]
    results = []
    os.makedirs(a.out, exist_ok=True)

    def save():
        with open(os.path.join(a.out, "results.json"), "w") as f:
            json.dump({"bin": a.bin, "cpus": os.cpu_count(), "results": results}, f, indent=1)
    for s in sizes:
        r = one_size(s, a, wtd)
        print(json.dumps(r), flush=True)
        if results:
            # The slope: what each further key costs (fixed costs such as SQLite's page
            # cache and the allocator's arenas cancel out).
            lo = results[-1]
            r["rss_marginal_b"] = round((r["rss_kib"] - lo["rss_kib"]) * 1024 / (r["keys"] - lo["keys"]), 1)
            print(f"RSS per further key, {lo['size']}x -> {s}x: {r['rss_marginal_b']:.0f} B")
        results.append(r)
        save()  # after each size: a long run keeps what it measured
    table(results)
    svg(results, os.path.join(a.out, "scale.svg"))
    print(f"wrote {os.path.join(a.out, 'results.json')} and {os.path.join(a.out, 'scale.svg')}")


def table(results):
    """Each figure at every size, and the ratio of the largest size's to the smallest's."""
    sizes = [r["size"] for r in results]
    figs = [figures(r) for r in results]
    head = f"{'figure':42}" + "".join(f"{str(s) + 'x':>12}" for s in sizes) + f"{'ratio':>10}"
    print(head)
    for k in figs[0]:
        vals = [f.get(k, float("nan")) for f in figs]
        ratio = vals[-1] / vals[0] if vals[0] else float("nan")
        print(f"{k:42}" + "".join(f"{v:>12}" for v in vals) + f"{ratio:>10.2f}")


if __name__ == "__main__":
    main()
