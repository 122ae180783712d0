#!/usr/bin/env python3
"""Benchmark: password logins per second per hashing core against the raw argon2id rate
(issue #29: at least 0.8 of it, 1 to 64 concurrent logins).

Usage (from the project root):
    cargo build --release -p wtd
    python3 bench/logins.py [--seconds 8] [--concurrency 1,2,4,8,16,32,64] [--json out.json]

In one run:
  1. the raw rate: `cargo bench -p wt-core --bench argon2id` (criterion: one argon2id
     verification at today's parameters through `wt_core::password::verify`, one core),
     before and after the logins; the median of both runs' medians is the baseline;
  2. a release `wtd` on a fresh SQLite installation, the owner claimed over HTTP, then 64
     members written into the file as copies of the owner's rows (so they share the owner's
     password hash: the same parameters), MFA not required (this measures the password
     step); `--trusted-proxy 127.0.0.1/32` and one X-Forwarded-For address per client, as
     behind a load balancer, so the per-address throttle sees distinct people;
  3. for each concurrency C: C clients, each its own member, log in (`client: cli`) in a
     loop for `--seconds`; logins/s counts 200 answers only (any other answer is reported).
The daemon hashes at most `max(1, min(8, cores / 2))` passwords at once (the rest of the
machine stays for ingest); per hashing core = logins/s / that number. Not run in CI.
"""
import argparse, concurrent.futures, http.client, json, os, random, sqlite3, statistics, subprocess, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("WT_BENCH_BIN") or os.path.join(ROOT, "target", "release")
PW = "violet staple orbit river 42"
MEMBERS = 64


def criterion_ns():
    subprocess.run(["cargo", "bench", "-q", "-p", "wt-core", "--bench", "argon2id"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    with open(os.path.join(target, "criterion", "argon2id", "verify", "new", "estimates.json")) as f:
        return json.load(f)["median"]["point_estimate"]


def call(port, method, path, body=None, token=None, xff=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    if xff:
        h["X-Forwarded-For"] = xff
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def storm(port, concurrency, seconds):
    stop = time.monotonic() + seconds
    ok, other = [0] * concurrency, [0] * concurrency

    def client(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        body = json.dumps({"email": f"member{i}@bench.test", "password": PW, "client": "cli"})
        h = {"Content-Type": "application/json", "X-Forwarded-For": f"10.9.{i // 250}.{i % 250 + 1}"}
        while time.monotonic() < stop:
            conn.request("POST", "/api/v1/auth/login", body=body, headers=h)
            r = conn.getresponse()
            r.read()
            if r.status == 200:
                ok[i] += 1
            else:
                other[i] += 1

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as ex:
        list(ex.map(client, range(concurrency)))
    took = time.monotonic() - started
    return sum(ok) / took, sum(other)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--concurrency", default="1,2,4,8,16,32,64")
    ap.add_argument("--json")
    a = ap.parse_args()
    levels = [int(x) for x in a.concurrency.split(",")]
    assert max(levels) <= MEMBERS

    before = criterion_ns()
    tmp = tempfile.mkdtemp(prefix="wt-bench-logins-")
    data = os.path.join(tmp, "data")
    wtd = os.path.join(BIN, "wtd")
    tok = subprocess.run([wtd, "init", "--org", "Bench", "--owner-email", "owner@bench.test", "--data-dir", data],
                         capture_output=True, text=True, check=True).stdout.strip()
    port = 18000 + random.randint(0, 999)
    proc = subprocess.Popen([wtd, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{port}",
                             "--trusted-proxy", "127.0.0.1/32"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    proc.stdout.readline()
    rows = []
    try:
        st, _ = call(port, "POST", "/api/v1/setup", {"token": tok, "name": "Owner", "password": PW})
        assert st < 300, st
        db = sqlite3.connect(os.path.join(data, "watchtower.db"), timeout=30)
        db.execute("PRAGMA foreign_keys = OFF")
        owner_id, = db.execute("SELECT id FROM users WHERE email = 'owner@bench.test'").fetchone()
        db.execute("UPDATE orgs SET mfa_required_roles = ''")
        for table, key in (("users", "id"), ("memberships", "user_id")):
            cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
            t = db.execute(f"SELECT {', '.join(cols)} FROM {table} WHERE {key} = ?", (owner_id,)).fetchone()
            for i in range(MEMBERS):
                row = list(t)
                row[cols.index(key)] = f"usr_login{i:03d}"
                if table == "users":
                    row[cols.index("email")] = f"member{i}@bench.test"
                    row[cols.index("name")] = f"Member {i}"
                else:
                    row[cols.index("role")] = "viewer"
                db.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", row)
        db.commit()
        db.close()
        st, body = call(port, "POST", "/api/v1/auth/login",
                        {"email": "member0@bench.test", "password": PW, "client": "cli"})
        assert st == 200, (st, body[:200])
        for c in levels:
            rate, other = storm(port, c, a.seconds)
            rows.append({"concurrency": c, "logins_per_s": rate, "non_200": other})
    finally:
        proc.terminate()
        proc.wait()
    after = criterion_ns()
    raw_ns = statistics.median([before, after])
    raw_rate = 1e9 / raw_ns
    cores = os.cpu_count()
    permits = max(1, min(8, cores // 2))
    print(f"raw argon2id verify (criterion median, one core): {raw_ns / 1e6:.2f} ms before, "
          f"{after / 1e6:.2f} ms after -> {raw_rate:.1f}/s per core")
    print(f"{cores} cores, {permits} hashing at once")
    print(f"{'concurrent':>10} {'logins/s':>9} {'per hashing core':>17} {'ratio to raw':>13} {'non-200':>8}")
    for r in rows:
        r["per_core"] = r["logins_per_s"] / permits
        r["ratio"] = r["per_core"] / raw_rate
        print(f"{r['concurrency']:>10} {r['logins_per_s']:>9.1f} {r['per_core']:>17.1f} {r['ratio']:>13.2f} "
              f"{r['non_200']:>8}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"raw_ns": [before, after], "permits": permits, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
