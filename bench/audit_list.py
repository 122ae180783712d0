#!/usr/bin/env python3
"""Benchmark: the first page of `wt audit list --action 'auth.*'` over 1,000,000 audit entries,
against the same query run directly on the same SQLite file (the baseline).

Usage (from the project root, after `cargo build --release --bins`):
    python3 bench/audit_list.py [--entries 1000000] [--runs 30]

It initialises a data dir with `wtd init`, claims the owner over HTTP, bulk-inserts synthetic
entries straight into `audit_log` (the hash chain is not recomputed: listing does not read
it), starts a release `wtd`, and times N runs of each with time.perf_counter, reporting
medians and the ratio. Nothing here runs in CI.
"""
import argparse, json, os, random, sqlite3, statistics, subprocess, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release")
ACTIONS = ["auth.login.succeeded", "auth.login.failed", "auth.logout", "invite.created",
           "member.role_changed", "mfa.enrolled", "api_key.rotated", "org.settings.updated"]


def post(url, body, token=None):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=30)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="wt-bench-")
    data = os.path.join(tmp, "data")
    tok = subprocess.run([os.path.join(BIN, "wtd"), "init", "--org", "Bench", "--owner-email", "o@bench.test",
                          "--data-dir", data], capture_output=True, text=True, check=True).stdout.strip()
    db = os.path.join(data, "watchtower.db")
    conn = sqlite3.connect(db)
    org_id, = conn.execute("SELECT id FROM orgs").fetchone()
    start, = conn.execute("SELECT COALESCE(MAX(seq),0) FROM audit_log WHERE org_id=?", (org_id,)).fetchone()
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    t0 = time.perf_counter()
    rows = ((org_id, start + i + 1, "2026-11-%02dT%02d:%02d:%02dZ" % (1 + i * 28 // a.entries, (i // 3600) % 24, (i // 60) % 60, i % 60),
             "user", "usr_x", "u%d@bench.test" % (i % 500), random.choice(ACTIONS), "user", "usr_y",
             "10.0.%d.%d" % (i % 250, i % 200), "wt/0.1.0", "success", "{}", "0" * 64, "0" * 64)
            for i in range(a.entries))
    conn.executemany("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    # What the daemon's audit writer maintains for every entry it appends.
    conn.execute("INSERT OR IGNORE INTO audit_actions SELECT DISTINCT org_id, action FROM audit_log")
    conn.commit()
    conn.close()
    print(f"inserted {a.entries} entries in {time.perf_counter() - t0:.1f}s")

    port = 18000 + random.randint(0, 999)
    proc = subprocess.Popen([os.path.join(BIN, "wtd"), "serve", "--data-dir", data, "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    proc.stdout.readline()
    base = f"http://127.0.0.1:{port}"
    pw = "violet staple orbit river 42"
    post(base + "/api/v1/setup", {"token": tok, "name": "Owner", "password": pw})
    token = post(base + "/api/v1/auth/login", {"email": "o@bench.test", "password": pw, "client": "cli"})["token"]
    # The owner must enroll MFA by default; allow listing for this benchmark by lifting the rule
    # straight in the database (the benchmark measures reads, not policy).
    c = sqlite3.connect(db)
    c.execute("UPDATE orgs SET mfa_required_roles = ''")
    c.commit()
    c.close()
    env = dict(os.environ, WT_SERVER=base, WT_TOKEN=token)
    cmd = [os.path.join(BIN, "wt"), "audit", "list", "--action", "auth.*", "--limit", "50", "--output", "json"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.strip().splitlines()) == 50, out.stdout[:200]

    def timed(f):
        xs = []
        for _ in range(a.runs):
            t = time.perf_counter()
            f()
            xs.append(time.perf_counter() - t)
        return statistics.median(xs)

    wt_cli = timed(lambda: subprocess.run(cmd, env=env, capture_output=True, check=True))
    http_only = timed(lambda: urllib.request.urlopen(urllib.request.Request(
        base + "/api/v1/orgs/audit-logs?action=auth.*&limit=50", headers={"Authorization": "Bearer " + token})).read())
    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    # Baseline: the fastest plain-SQL form of the query (SQLite's own plan for the range on
    # `action` sorts every match; `+action` makes it walk the primary key newest first).
    sql = ("SELECT * FROM audit_log WHERE org_id = ? AND +action >= 'auth.' AND +action < 'auth/' "
           "ORDER BY seq DESC LIMIT 51")
    direct = timed(lambda: ro.execute(sql, (org_id,)).fetchall())
    naive = ("SELECT * FROM audit_log WHERE org_id = ? AND action >= 'auth.' AND action < 'auth/' "
             "ORDER BY seq DESC LIMIT 51")
    naive_t = timed(lambda: ro.execute(naive, (org_id,)).fetchall())
    rare = timed(lambda: urllib.request.urlopen(urllib.request.Request(
        base + "/api/v1/orgs/audit-logs?action=nothing.*&limit=50", headers={"Authorization": "Bearer " + token})).read())
    proc.terminate()
    proc.wait()
    print(f"entries: {a.entries}, runs: {a.runs} (medians)")
    print(f"  sqlite3 direct query      {direct * 1000:8.2f} ms  (baseline)")
    print(f"  GET /orgs/audit-logs      {http_only * 1000:8.2f} ms  ({http_only / direct:.1f}x)")
    print(f"  wt audit list (process)   {wt_cli * 1000:8.2f} ms  ({wt_cli / direct:.1f}x)")
    print(f"  naive SQL (range on action, sorted)  {naive_t * 1000:8.2f} ms  ({naive_t / direct:.1f}x)")
    print(f"  GET ?action=nothing.* (no match)     {rare * 1000:8.2f} ms  ({rare / direct:.1f}x)")


if __name__ == "__main__":
    main()
