#!/usr/bin/env python3
"""Benchmark: ingest latency while retention prunes a large backlog (issue #27).

Usage (from the project root):
    cargo build --release -p wtd
    python3 bench/prune.py [--events 10000000] [--seconds 10] [--connections 16] [--json out.json]

Needs `wrk`. Creates a fresh SQLite installation, claims the owner, creates a production
key, then writes N events received two days ago straight into the database file (wtd
stopped; one INSERT ... SELECT over a recursive CTE), and measures `POST
/api/v1/ingest/events` (1 event per request) with wrk twice:
  1. unloaded: wtd with --event-retention 30d (nothing to prune; the prune task only
     counts the backlog into the storage counters, so the run starts after that is done);
  2. pruning: wtd restarted with --event-retention 1d, so the whole backlog has expired,
     and wrk starts as soon as the first prune batch is seen (ingest_events shrinking);
and prints requests/s, p50, p99 of both and the ratio of the p99s (the target: <= 2x),
with how many events were pruned during the measured run and the prune rate.
WT_BENCH_BIN points at other binaries (e.g. target/debug: then label the numbers as a
debug build). Nothing here runs in CI.
"""
import argparse, json, os, random, re, sqlite3, subprocess, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("WT_BENCH_BIN") or os.path.join(ROOT, "target", "release")
PW = "violet staple orbit river 42"


def post(url, body, token=None):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def wrk(url, key, a):
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write('wrk.method = "POST"\n')
    script.write("wrk.body = %s\n" % json.dumps(json.dumps({"events": [{"type": "login", "user": "u1"}]})))
    script.write('wrk.headers["Content-Type"] = "application/json"\n')
    script.write('wrk.headers["Authorization"] = "Bearer %s"\n' % key)
    script.close()
    out = subprocess.run(["wrk", "-t", "2", "-c", str(a.connections), "-d", f"{a.seconds}s", "--latency",
                          "-s", script.name, url], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)

    def pct(p):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)\b" % p, out)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50_ms": pct(50),
            "p99_ms": pct(99), "non_2xx": int(non2xx.group(1)) if non2xx else 0}


def serve(data, port, retention):
    p = subprocess.Popen([os.path.join(BIN, "wtd"), "serve", "--data-dir", data, "--listen", f"127.0.0.1:{port}",
                          "--event-retention", retention, "--event-prune-interval", "1s", "--log-format", "json"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p.stdout.readline()
    return p


def count(db):
    c = sqlite3.connect(db, timeout=30)
    try:
        return c.execute("SELECT COUNT(*) FROM ingest_events").fetchone()[0], \
            (c.execute("SELECT COALESCE(SUM(counted_through), 0) FROM event_storage").fetchone()[0])
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--json")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="wt-prune-")
    data = os.path.join(tmp, "data")
    db = os.path.join(data, "watchtower.db")
    tok = subprocess.run([os.path.join(BIN, "wtd"), "init", "--org", "Bench", "--owner-email", "o@bench.test",
                          "--data-dir", data], capture_output=True, text=True, check=True).stdout.strip()
    port = 19000 + random.randint(0, 999)
    base = f"http://127.0.0.1:{port}"
    url = base + "/api/v1/ingest/events"
    w = serve(data, port, "30d")
    try:
        post(base + "/api/v1/setup", {"token": tok, "name": "Owner", "password": PW})
        token = post(base + "/api/v1/auth/login", {"email": "o@bench.test", "password": PW, "client": "cli"})["token"]
        created = post(base + "/api/v1/orgs/api-keys", {"name": "bench", "environment": "production",
                                                        "owner_email": "o@bench.test"}, token)
        key = created["secret"]
    finally:
        w.terminate()
        w.wait()
    # The backlog, received two days ago.
    t0 = time.time()
    c = sqlite3.connect(db)
    org = c.execute("SELECT id FROM orgs").fetchone()[0]
    old = int(time.time()) - 2 * 86400
    c.execute("""INSERT INTO ingest_events (org_id, key_id, environment, received_at, payload)
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                 SELECT ?, ?, 'production', ?, '{"type":"login","user":"u' || i || '","ok":true}' FROM n""",
              (a.events, org, created["id"], old))
    c.commit()
    c.close()
    print(f"backlog: {a.events} events written in {time.time() - t0:.0f}s")

    # 1. Unloaded: wait until the backlog is counted (the count is the same kind of batch).
    w = serve(data, port, "30d")
    try:
        t0 = time.time()
        while count(db)[1] < a.events:
            time.sleep(0.5)
        print(f"counted into the storage counters in {time.time() - t0:.0f}s")
        unloaded = wrk(url, key, a)
    finally:
        w.terminate()
        w.wait()
    # 2. Pruning: everything older than a day has expired.
    w = serve(data, port, "1d")
    try:
        before = count(db)[0]
        while count(db)[0] >= before:
            time.sleep(0.05)
        start_left, t0 = count(db)[0], time.time()
        pruning = wrk(url, key, a)
        end_left, dt = count(db)[0], time.time() - t0
    finally:
        w.terminate()
        w.wait()
    pruned = start_left - end_left + (pruning["rps"] * a.seconds)  # ingest added rows meanwhile
    print(f"{'case':28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for name, r in (("ingest, unloaded", unloaded), ("ingest, while pruning", pruning)):
        print(f"{name:28} {r['rps']:>9.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['non_2xx']:>8}")
    ratio = pruning["p99_ms"] / unloaded["p99_ms"]
    print(f"p99 while pruning / unloaded: {ratio:.2f}x (target <= 2x); pruned about {pruned:.0f} events "
          f"during the {dt:.0f}s run ({pruned / dt:.0f}/s); {end_left} left; binaries: {BIN}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"events": a.events, "unloaded": unloaded, "pruning": pruning, "p99_ratio": ratio,
                       "pruned_during_run": pruned, "binaries": BIN}, f, indent=2)


if __name__ == "__main__":
    main()
