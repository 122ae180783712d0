#!/usr/bin/env python3
"""Benchmark (issue #25): each admin page of the web console against the JSON API call that
returns the same data, side by side in one run, at 1,000 members, 1,000 keys and 1,000,000
audit entries. Target: every page within 2x of its API call.

Usage (from the project root, after `cargo build --release --bins`):
    python3 bench/console_pages.py [--members 1000] [--keys 1000] [--entries 1000000] [--runs 30]
    python3 bench/console_pages.py --bin target/debug ...   # a quick check on a debug build

Data: `wtd init`, the owner claimed over HTTP; members and audit entries written straight
into the SQLite file as rows of the shapes the daemon writes (users and memberships copied
from the owner's own rows with new ids and emails; audit entries spread over the last 28
days, a sign-in per member among them; the hash chain is not recomputed: pages and lists do
not read it); keys created through the API (`POST /api/v1/orgs/api-keys`), with a week of
hourly usage for each. Then a release `wtd serve`, a console session (the login form) and a
CLI token, and for each pair the median of N timed GETs, measured alternately. Not in CI.
"""
import argparse, http.client, json, os, random, re, sqlite3, statistics, subprocess, tempfile
import time, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PW = "violet staple orbit river 42"
ACTIONS = ["auth.login.succeeded", "auth.login.failed", "auth.logout", "invite.created",
           "member.role_changed", "mfa.enrolled", "api_key.rotated", "org.settings.updated"]
ROLES = ["admin", "risk_lead", "analyst", "viewer"]


class Http:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port)

    def request(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        self.conn.request(method, path, body=body, headers=h)
        r = self.conn.getresponse()
        data = r.read()
        return r.status, r.getheaders(), data

    def json(self, method, path, body=None, token=None):
        h = {"Content-Type": "application/json"}
        if token:
            h["Authorization"] = "Bearer " + token
        status, _, data = self.request(method, path, json.dumps(body) if body is not None else None, h)
        assert status < 300, (method, path, status, data[:300])
        return json.loads(data or b"null")


def columns(db, table):
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def copy_rows(db, table, template_where, replacements, count):
    """INSERT `count` copies of one row of `table`, with `replacements[col](i)` for some
    columns: the other columns keep the template's values (real shapes, real defaults)."""
    cols = columns(db, table)
    template = db.execute(f"SELECT {', '.join(cols)} FROM {table} WHERE {template_where}").fetchone()
    assert template, f"no template row in {table}"
    rows = []
    for i in range(count):
        row = list(template)
        for c, f in replacements.items():
            row[cols.index(c)] = f(i)
        rows.append(row)
    db.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--keys", type=int, default=1000)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release"))
    a = ap.parse_args()
    wtd = os.path.join(a.bin, "wtd")

    tmp = tempfile.mkdtemp(prefix="wt-bench-console-")
    data = os.path.join(tmp, "data")
    token = subprocess.run([wtd, "init", "--org", "Bench", "--owner-email", "owner@bench.test",
                            "--data-dir", data], capture_output=True, text=True, check=True).stdout.strip()
    dbfile = os.path.join(data, "watchtower.db")
    port = 18000 + random.randint(0, 999)
    proc = subprocess.Popen([wtd, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    proc.stdout.readline()
    try:
        run(a, port, dbfile, token, data, wtd, proc)
    finally:
        proc.terminate()
        proc.wait()


def run(a, port, dbfile, setup_token, data, wtd, proc):
    api = Http(port)
    api.json("POST", "/api/v1/setup", {"token": setup_token, "name": "Owner", "password": PW})
    cli = api.json("POST", "/api/v1/auth/login",
                   {"email": "owner@bench.test", "password": PW, "client": "cli"})["token"]

    # Members and audit entries, written as the daemon writes them (daemon stopped meanwhile
    # would be cleaner; SQLite's WAL lets this writer in between the daemon's writes).
    db = sqlite3.connect(dbfile, timeout=30)
    db.execute("PRAGMA foreign_keys = OFF")
    org_id, = db.execute("SELECT id FROM orgs").fetchone()
    owner_id, = db.execute("SELECT id FROM users WHERE email = 'owner@bench.test'").fetchone()
    # The owner must enroll MFA by default; the benchmark measures reads, not policy.
    db.execute("UPDATE orgs SET mfa_required_roles = ''")
    now = int(time.time())
    member_ids = [f"usr_bench{i:06d}" for i in range(a.members - 1)]
    copy_rows(db, "users", f"id = '{owner_id}'", {
        "id": lambda i: member_ids[i],
        "email": lambda i: f"member{i}@bench.test",
        "name": lambda i: f"Member {i}",
        "mfa_enabled": lambda i: i % 3 == 0 and 1 or 0,
        "created_at": lambda i: now - 86400 * (i % 300),
    }, len(member_ids))
    copy_rows(db, "memberships", f"user_id = '{owner_id}'", {
        "user_id": lambda i: member_ids[i],
        "role": lambda i: ROLES[i % len(ROLES)],
        "created_at": lambda i: now - 86400 * (i % 300),
    }, len(member_ids))
    db.commit()

    # Keys through the API, then a week of hourly usage each (what the usage flush writes).
    key_ids = []
    for i in range(a.keys):
        k = api.json("POST", "/api/v1/orgs/api-keys",
                     {"name": f"service-{i}", "environment": "production" if i % 4 else "sandbox",
                      "owner_email": "owner@bench.test"}, token=cli)
        key_ids.append(k["id"])
    hour0 = now - now % 3600
    usage = [(k, hour0 - 3600 * h, 1 + (i * 7 + h * 13) % 500)
             for i, k in enumerate(key_ids) for h in range(0, 168, 2)]
    db.executemany("INSERT OR REPLACE INTO api_key_usage_hourly (key_id, hour, count) VALUES (?, ?, ?)", usage)
    db.commit()

    # Audit entries over the last 28 days, after the daemon's own.
    start, = db.execute("SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE org_id = ?", (org_id,)).fetchone()
    cols = columns(db, "audit_log")
    span = 28 * 86400
    people = [owner_id] + member_ids

    def entry(i):
        t = now - span + (i * span) // a.entries
        who = people[i % len(people)]
        action = ACTIONS[(i * 7919) % len(ACTIONS)]
        v = {"org_id": org_id, "seq": start + i + 1,
             "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)),
             "actor_type": "user", "actor_id": who, "actor_email": None, "action": action,
             "target_type": "user", "target_id": people[(i * 31) % len(people)],
             "ip": "10.0.%d.%d" % (i % 250, i % 200), "user_agent": "wt/0.1.0",
             "outcome": "failure" if action == "auth.login.failed" else "success",
             "details": "{}", "prev_hash": "0" * 64, "hash": "0" * 64}
        return [v.get(c) for c in cols]

    t0 = time.perf_counter()
    db.executemany(f"INSERT INTO audit_log ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                   (entry(i) for i in range(a.entries)))
    db.execute("INSERT OR IGNORE INTO audit_actions SELECT DISTINCT org_id, action FROM audit_log")
    # The summaries the daemon's append keeps beside the log (migration 0024), rebuilt as
    # that migration builds them.
    db.execute("DELETE FROM audit_hourly")
    db.execute("""INSERT INTO audit_hourly (org_id, hour, action, outcome, count)
        SELECT org_id, substr(occurred_at, 1, 13), action, outcome, COUNT(*)
        FROM audit_log GROUP BY org_id, substr(occurred_at, 1, 13), action, outcome""")
    db.execute("DELETE FROM audit_last_sign_ins")
    db.execute("""INSERT INTO audit_last_sign_ins (org_id, user_id, seq, occurred_at)
        SELECT a.org_id, a.actor_id, a.seq, a.occurred_at FROM audit_log a
        JOIN (SELECT org_id, actor_id, MAX(seq) AS seq FROM audit_log
              WHERE action = 'auth.login.succeeded' AND actor_type = 'user' AND actor_id IS NOT NULL
              GROUP BY org_id, actor_id) latest
          ON a.org_id = latest.org_id AND a.seq = latest.seq""")
    db.commit()
    db.close()
    print(f"data: {a.members} members, {a.keys} keys, {a.entries} audit entries "
          f"(entries written in {time.perf_counter() - t0:.1f} s)")

    # Restart so that nothing read before the bulk insert is cached.
    proc.terminate()
    proc.wait()
    proc2 = subprocess.Popen([wtd, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{port}"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    proc2.stdout.readline()
    try:
        measure(a, Http(port), port, cli, key_ids, member_ids)
    finally:
        proc2.terminate()
        proc2.wait()


def console_session(h, port):
    origin = f"http://127.0.0.1:{port}"
    body = urllib.parse.urlencode({"email": "owner@bench.test", "password": PW})
    status, headers, _ = h.request("POST", "/login", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Origin": origin,
        "Sec-Fetch-Site": "same-origin"})
    assert status in (302, 303), status
    for k, v in headers:
        if k.lower() == "set-cookie" and v.startswith("__Host-wt_session="):
            return v.split(";", 1)[0]
    raise SystemExit("the console login set no session cookie")


def measure(a, h, port, cli, key_ids, member_ids):
    cookie = console_session(h, port)
    page = lambda path: lambda: h.request("GET", path, None, {"Cookie": cookie})

    def call(*paths):
        """The API calls that return a page's data, one after another (their bodies
        joined for the byte count)."""
        def run():
            out = [h.request("GET", p, None, {"Authorization": "Bearer " + cli}) for p in paths]
            return max(o[0] for o in out), out[0][1], b"".join(o[2] for o in out)
        return run

    key = key_ids[len(key_ids) // 2]
    member = member_ids[len(member_ids) // 2]
    # The console's key list is, per environment section, the API's page of 50 keys with
    # their usage; a later page of one environment starts after the previous page's last.
    keys_api = "/api/v1/orgs/api-keys?environment={}&limit=50&include=usage"
    status, _, body = call(keys_api.format("production"))()
    second = json.loads(body)["next_cursor"]
    pairs = [
        ("members", page("/members"), call("/api/v1/orgs/members")),
        ("member detail", page(f"/members/{member}"), call("/api/v1/orgs/members")),
        ("keys (both environments)", page("/keys"),
         call(keys_api.format("production"), keys_api.format("sandbox"))),
        ("keys, production", page("/keys?environment=production"),
         call(keys_api.format("production"))),
        ("keys, production page 2", page(f"/keys?environment=production&cursor={second}"),
         call(keys_api.format("production") + f"&cursor={second}")),
        ("key detail", page(f"/keys/{key}"), call(f"/api/v1/orgs/api-keys/{key}")),
        ("audit log", page("/audit"), call("/api/v1/orgs/audit-logs?limit=50")),
        ("audit log, prefix filter", page("/audit?action=auth.*"),
         call("/api/v1/orgs/audit-logs?action=auth.*&limit=50")),
        ("readiness", page("/readiness"), call("/api/v1/orgs/readiness")),
    ]
    print(f"medians of {a.runs} runs each, page and API call alternating")
    print(f"{'page':28} {'page ms':>9} {'API ms':>9} {'ratio':>6}  bytes page/API")
    worst = 0.0
    for name, p, c in pairs:
        sp, _, bp = p()
        sc, _, bc = c()
        if sp == 404 or sc == 404:
            print(f"{name:28} (not served by this build: page {sp}, API {sc})")
            continue
        assert sp == 200 and sc == 200, (name, sp, sc, bp[:200], bc[:200])
        tp, tc = [], []
        for _ in range(a.runs):
            t = time.perf_counter(); p(); tp.append(time.perf_counter() - t)
            t = time.perf_counter(); c(); tc.append(time.perf_counter() - t)
        mp, mc = statistics.median(tp), statistics.median(tc)
        worst = max(worst, mp / mc)
        print(f"{name:28} {mp * 1000:9.2f} {mc * 1000:9.2f} {mp / mc:6.2f}  {len(bp)}/{len(bc)}")
    print(f"worst ratio: {worst:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
