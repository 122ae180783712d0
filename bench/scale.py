#!/usr/bin/env python3
"""Scale suite (issue #29): how each cost grows from 1x to 10x to 100x. Not in CI.

    cargo xtask bench --scale                      # 1x only (small)
    WT_SCALE_SIZES=1,10 cargo xtask bench --scale  # or: python3 bench/scale.py --sizes 1,10

Sizes (1x): 10,000 keys over 100 orgs, 100,000 audit entries in one org; 10x and 100x
multiply both. Data: `wtd init`, the owner claimed over HTTP, one key made through the API
(the template row); then, with the daemon stopped, orgs, keys and audit entries written
straight into the SQLite file. The audit entries are an honest chain: each hash is
SHA-256(prev_hash "\\n" JSON of the hashed fields), as wt_core::audit::entry_hash computes
it, and `wtd audit verify` must accept it. Keys get random secret hashes (nobody can present
them: they are measured for memory and start-up, not for authentication).

Figures, each beside its baseline measured in the same run:
  keys:   RSS per cached key (RSS after /readyz minus the RSS of an empty installation);
          start to /readyz  vs  reading the same key rows through SQLite's C API (Python's
          sqlite3 module) on the same file
  audit:  first page (limit 50) per filter through the API  vs  HTTP floor (GET
          /api/v1/auth/session) + the same SELECT through SQLite's C API
  verify: `wtd audit verify --jobs N` entries/s  vs  sha256sum over `sqlite3 -json` of the rows
  export: GET pages of 1000 (what `wt audit export` does) entries/s  vs  `sqlite3 -json`
  copy:   `wtd copy` to PostgreSQL rows/s  vs  psql \\copy of the audit rows (CSV)
Writes bench/scale/results.json, bench/scale/scale.svg and prints the table with the ratio
of the largest size to 1x.
"""
import argparse, hashlib, http.client, json, os, random, shutil, sqlite3, statistics
import subprocess, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "scale")
PW = "violet staple orbit river 42"
GENESIS = "0" * 64
ACTIONS = ["auth.login.succeeded", "auth.login.failed", "auth.logout", "invite.created",
           "member.role_changed", "api_key.rotated", "org.settings.updated"]
RARE = "mfa.enrolled"  # one entry in 10,000
BASE_KEYS, BASE_ORGS, BASE_ENTRIES = 10_000, 100, 100_000
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
    def __init__(self, wtd, data):
        self.port = 19000 + random.randint(0, 999)
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([wtd, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.proc.stdout.readline()
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

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def columns(db, table):
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def entry_hash(prev, f):
    body = json.dumps(f, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(prev.encode() + b"\n" + body.encode()).hexdigest()


def generate(db, n_keys, n_orgs, n_entries, org_id, owner_id):
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
    kcols = columns(db, "api_keys")
    kt = db.execute(f"SELECT {', '.join(kcols)} FROM api_keys LIMIT 1").fetchone()
    rnd = random.Random(29)

    def key(i):
        r = list(kt)
        r[kcols.index("id")] = f"key_scale{i:011d}"
        r[kcols.index("org_id")] = orgs[i % len(orgs)]
        r[kcols.index("name")] = f"service-{i}"
        r[kcols.index("secret_hash")] = "%064x" % rnd.getrandbits(256)
        r[kcols.index("last4")] = "%04d" % (i % 10000)
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
    db.executemany(f"INSERT INTO audit_log ({', '.join(acols)}) VALUES ({', '.join('?' * len(acols))})",
                   entries())
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


def one_size(mult, a, wtd):
    n_keys, n_orgs, n_entries = BASE_KEYS * mult, BASE_ORGS * mult, BASE_ENTRIES * mult
    tmp = tempfile.mkdtemp(prefix=f"wt-scale-{mult}x-")
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
                                                      "client": "cli"})["token"]
    d.http.json("POST", "/api/v1/orgs/api-keys", {"name": "template", "environment": "production",
                                                  "owner_email": "owner@scale.test"}, token=tok)
    d.stop()
    org_id, = db.execute("SELECT id FROM orgs").fetchone()
    owner_id, = db.execute("SELECT id FROM users").fetchone()
    t0 = time.perf_counter()
    t_start = generate(db, n_keys, n_orgs, n_entries, org_id, owner_id)
    gen_s = time.perf_counter() - t0
    db.close()
    r = {"size": mult, "keys": n_keys, "orgs": n_orgs, "entries": n_entries, "generate_s": round(gen_s, 1)}

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

    # Export: pages of 1000 over HTTP vs sqlite3 -json.
    t0 = time.perf_counter()
    n, cursor = 0, None
    while True:
        p = "/api/v1/orgs/audit-logs?order=asc&limit=1000" + (f"&cursor={cursor}" if cursor else "")
        st, body = d.http.get(p, tok)
        page = json.loads(body)
        n += len(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    export_s = time.perf_counter() - t0
    d.stop()
    dump = os.path.join(tmp, "audit.json")
    t0 = time.perf_counter()
    with open(dump, "w") as f:
        subprocess.run(["sqlite3", "-json", dbfile, f"SELECT * FROM audit_log WHERE org_id = '{org_id}' ORDER BY seq"],
                       stdout=f, check=True)
    sqlite_json_s = time.perf_counter() - t0
    r["export"] = {"entries_per_s": round(n / export_s), "sqlite3_json_per_s": round(n / sqlite_json_s),
                   "ratio": round(sqlite_json_s / export_s, 2)}
    t0 = time.perf_counter()
    subprocess.run(["sha256sum", dump], stdout=subprocess.DEVNULL, check=True)
    sha_s = time.perf_counter() - t0
    verify = {"sha256sum_per_s": round(n / sha_s)}
    for jobs in (1, os.cpu_count() or 1):
        t0 = time.perf_counter()
        out = subprocess.run([wtd, "audit", "verify", "--data-dir", data, "--jobs", str(jobs)],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr
        verify[f"jobs{jobs}_per_s"] = round((n_entries + n_orgs * 2) / (time.perf_counter() - t0))
    verify["ratio"] = round(max(v for k, v in verify.items() if k.startswith("jobs")) / verify["sha256sum_per_s"], 2)
    r["verify"] = verify

    # Copy to PostgreSQL vs psql \copy of the audit rows.
    if not a.no_copy and shutil.which("psql"):
        name = f"wt_scale_{mult}x_{os.getpid()}"
        admin = PG
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
        url = admin.rsplit("/", 1)[0] + "/" + name
        try:
            subprocess.run([wtd, "migrate", "--database-url", url], capture_output=True, check=True)
            t0 = time.perf_counter()
            out = subprocess.run([wtd, "copy", "--from", f"sqlite:{dbfile}", "--to", url],
                                 capture_output=True, text=True)
            copy_s = time.perf_counter() - t0
            assert out.returncode == 0, out.stdout + out.stderr
            rows = sum(c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                       for t in ("orgs", "users", "memberships", "api_keys", "audit_log", "audit_actions",
                                 "audit_hourly"))
            csv = os.path.join(tmp, "audit.csv")
            with open(csv, "w") as f:
                subprocess.run(["sqlite3", "-csv", dbfile, "SELECT * FROM audit_log"], stdout=f, check=True)
            subprocess.run(["psql", url, "-qc", "CREATE TABLE audit_copy (LIKE audit_log)"], check=True)
            t0 = time.perf_counter()
            subprocess.run(["psql", url, "-qc", f"\\copy audit_copy FROM '{csv}' CSV"], check=True)
            psql_s = time.perf_counter() - t0
            audit_rows = c.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
            r["copy"] = {"rows_per_s": round(rows / copy_s), "psql_copy_per_s": round(audit_rows / psql_s),
                         "ratio": round((rows / copy_s) / (audit_rows / psql_s), 2)}
        finally:
            subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"])
    c.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return r


def figures(r):
    out = {"RSS B/key": r["rss_per_key_b"], "start to /readyz s": r["ready_s"],
           "start / key rows (C API)": round(r["ready_s"] / max(r["key_rows_sqlite_s"], 1e-6), 2)}
    for k, v in r["audit"].items():
        out[f"audit {k}: api/(floor+sql)"] = v["ratio"]
    out["verify / sha256sum"] = r["verify"]["ratio"]
    out["export / sqlite3 -json"] = r["export"]["ratio"]
    if "copy" in r:
        out["copy / psql \\copy"] = r["copy"]["ratio"]
    return out


def svg(results, path):
    """One line per figure: its value at each size over its value at 1x (log x axis)."""
    figs = [figures(r) for r in results]
    sizes = [r["size"] for r in results]
    w, h, m = 720, 420, 60
    import math
    xs = lambda s: m + (math.log10(s) / max(math.log10(max(sizes)), 1)) * (w - 2 * m - 200)
    growth = {k: [f[k] / figs[0][k] if figs[0][k] else 0 for f in figs] for k in figs[0]}
    top = max([2.0] + [v for vs in growth.values() for v in vs])
    ys = lambda v: h - m - (v / top) * (h - 2 * m)
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#aa4499", "#44aa99", "#882255"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
             f'<text x="{m}" y="20" font-size="13">WatchTower scale suite: each figure at N x over its value at 1x</text>',
             f'<line x1="{m}" y1="{h - m}" x2="{w - m - 200}" y2="{h - m}" stroke="#000"/>',
             f'<line x1="{m}" y1="{m}" x2="{m}" y2="{h - m}" stroke="#000"/>']
    for v in (1.0, 1.5, 2.0):
        if v <= top:
            parts.append(f'<line x1="{m}" y1="{ys(v):.1f}" x2="{w - m - 200}" y2="{ys(v):.1f}" stroke="#ccc"/>'
                         f'<text x="{m - 30}" y="{ys(v) + 4:.1f}">{v}x</text>')
    for s in sizes:
        parts.append(f'<text x="{xs(s) - 8:.1f}" y="{h - m + 16}">{s}x</text>')
    for i, (k, vs) in enumerate(growth.items()):
        col = colours[i % len(colours)]
        pts = " ".join(f"{xs(s):.1f},{ys(v):.1f}" for s, v in zip(sizes, vs))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{col}" stroke-width="1.5"/>')
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
    a = ap.parse_args()
    wtd = os.path.join(a.bin, "wtd")
    sizes = [int(s) for s in a.sizes.split(",")]
    results = []
    for s in sizes:
        r = one_size(s, a, wtd)
        print(json.dumps(r), flush=True)
        results.append(r)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump({"bin": a.bin, "cpus": os.cpu_count(), "results": results}, f, indent=1)
    figs = [figures(r) for r in results]
    for lo, hi in zip(results, results[1:]):
        # The slope: what each further key costs (fixed costs such as SQLite's page cache
        # and the allocator's arenas cancel out).
        marginal = (hi["rss_kib"] - lo["rss_kib"]) * 1024 / (hi["keys"] - lo["keys"])
        print(f"RSS per further key, {lo['size']}x -> {hi['size']}x: {marginal:.0f} B")
        hi["rss_marginal_b"] = round(marginal, 1)
    head = f"{'figure':42}" + "".join(f"{str(s) + 'x':>12}" for s in sizes) + f"{'ratio':>10}"
    print(head)
    for k in figs[0]:
        vals = [f[k] for f in figs]
        ratio = vals[-1] / vals[0] if vals[0] else float("nan")
        print(f"{k:42}" + "".join(f"{v:>12}" for v in vals) + f"{ratio:>10.2f}")
    svg(results, os.path.join(OUT, "scale.svg"))
    print(f"wrote {os.path.join(OUT, 'results.json')} and {os.path.join(OUT, 'scale.svg')}")


if __name__ == "__main__":
    main()
