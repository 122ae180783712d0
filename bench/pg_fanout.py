#!/usr/bin/env python3
"""Benchmark: database statements per request with 1, 2 and 3 `wtd` replicas on one
PostgreSQL database, for one or more `wtd` builds in the same run (issue #24).

Usage (scripts/bench-pg-replicas.sh starts the server and runs this):
    python3 bench/pg_fanout.py --admin-url postgres://postgres@127.0.0.1:PORT/postgres \
        --build baseline=/path/to/old/wtd --build change=/path/to/new/wtd \
        [--requests 6000] [--concurrency 24] [--json out.json]

The server must load pg_stat_statements (shared_preload_libraries). For each build and
each replica count: a fresh database, `wtd init`, the owner set up, the MFA rule lifted in
the database (this measures the request path, not policy), an ingestion key and a CLI
token; the replicas start on the same database (same master key) and every one of them is
warmed up (caches loaded, listener connected). Then pg_stat_statements and the database's
pg_stat_database counters are reset and a fixed number of requests is sent: `concurrency`
keep-alive connections, connection i to replica i % n (round robin), each repeating
"ingest 3 events with the key, ingest 3 events, GET /api/v1/auth/session with the token"
(two ingests to one authenticated read). Every answer must be 202/200. The counters are
read as soon as the last answer arrives, while the replicas still run.

Reported per request: statement calls by kind (pg_stat_statements `calls`) and the
server's transactions (pg_stat_database xact_commit + xact_rollback, read 2 s after the
load so idle backends have reported them). Neither sees the listener's empty queries (not
a statement, and not counted as a transaction either): they are one per cache check that
reaches the store, as many as the version reads the baseline makes under the same load.
"""
import argparse, http.client, json, os, shutil, subprocess, tempfile, threading, time
import urllib.parse

PW = "violet staple orbit river 42"
EVENTS = json.dumps({"events": [{"type": "login", "user": f"u{i}"} for i in range(3)]})

# Statement kinds, first match wins (lower-cased query text).
KINDS = [
    ("version read", lambda q: "from cache_version" in q),
    ("BEGIN", lambda q: q.startswith("begin") or q.startswith("start transaction")),
    ("COMMIT/ROLLBACK", lambda q: q.startswith("commit") or q.startswith("rollback")),
    # Events, and the group's id stored with them (one statement, or first in a transaction).
    ("event insert", lambda q: q.startswith("insert into ingest_events")
        or q.startswith("with g as (insert into ingest_groups")
        or q.startswith("insert into ingest_groups")),
    ("usage flush", lambda q: q.startswith("update api_keys set use_count")
        or q.startswith("update api_keys set browser_count")
        or q.startswith("insert into api_key_sources")
        or q.startswith("update allowed_ips set hit_count")),
    ("listener setup", lambda q: q.startswith("set application_name") or q.startswith("listen")),
]


def psql(url, sql):
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-Atqc", sql], check=True,
                          capture_output=True, text=True).stdout


def db_url(admin, name):
    u = urllib.parse.urlsplit(admin)
    return urllib.parse.urlunsplit(u._replace(path="/" + name))


def request(base, method, path, body=None, token=None):
    u = urllib.parse.urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data or b"null")


class Wtd:
    def __init__(self, binary, data, env):
        self.proc = subprocess.Popen([binary, "serve", "--data-dir", data,
                                      "--listen", "127.0.0.1:0"], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("wtd listening on "), line
        self.base = line.split()[-1]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def install(binary, admin, name, tmp):
    psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(admin, f"CREATE DATABASE {name}")
    env = dict(os.environ)
    env["WT_DATABASE_URL"] = db_url(admin, name)
    data = os.path.join(tmp, name, "data")
    tok = subprocess.run([binary, "init", "--org", "Bench", "--owner-email", "o@bench.test",
                          "--data-dir", data], env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    return env, data, tok


def replica_dir(tmp, name, i, data):
    if i == 0:
        return data
    d = os.path.join(tmp, f"{name}_{i}", "data")
    os.makedirs(d, mode=0o700)
    shutil.copy(os.path.join(data, "master.key"), os.path.join(d, "master.key"))
    return d


def load(bases, key, token, requests, concurrency):
    """Sends `requests` requests over `concurrency` keep-alive connections; returns the
    wall time and the statuses that were not the expected ones."""
    per = requests // concurrency
    bad = []

    def worker(i):
        u = urllib.parse.urlsplit(bases[i % len(bases)])
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        for n in range(per):
            if n % 3 == 2:
                c.request("GET", "/api/v1/auth/session",
                          headers={"Authorization": "Bearer " + token})
                want = 200
            else:
                c.request("POST", "/api/v1/ingest/events", body=EVENTS,
                          headers={"Authorization": "Bearer " + key,
                                   "Content-Type": "application/json"})
                want = 202
            r = c.getresponse()
            r.read()
            if r.status != want:
                bad.append(r.status)
        c.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - t0, per * concurrency, bad


def measure(binary, admin, replicas, a, tmp, label):
    name = f"wt_fanout_{label}_{replicas}_{os.getpid()}"
    env, data, tok = install(binary, admin, name, tmp)
    url = db_url(admin, name)
    daemons = []
    try:
        daemons.append(Wtd(binary, data, env))
        d0 = daemons[0].base
        request(d0, "POST", "/api/v1/setup", {"token": tok, "name": "Owner", "password": PW})
        psql(url, "UPDATE orgs SET mfa_required_roles = ''")
        _, login = request(d0, "POST", "/api/v1/auth/login",
                           {"email": "o@bench.test", "password": PW, "client": "cli"})
        token = login["token"]
        _, k = request(d0, "POST", "/api/v1/orgs/api-keys",
                       {"name": "bench", "environment": "production",
                        "owner_email": "o@bench.test"}, token)
        key = k["secret"]
        for i in range(1, replicas):
            daemons.append(Wtd(binary, replica_dir(tmp, name, i, data), env))
        bases = [d.base for d in daemons]
        # Warm up every replica (caches loaded, listener connected), then let one usage
        # flush pass so the run starts from a settled state.
        load(bases, key, token, 30 * replicas, replicas)
        time.sleep(1.0)
        psql(url, "SELECT pg_stat_statements_reset()")
        psql(url, "SELECT pg_stat_reset()")
        wall, sent, bad = load(bases, key, token, a.requests, a.concurrency)
        # Backends report their transaction counts at most once a second, when idle.
        time.sleep(2.0)
        rows = psql(url, f"""
            SELECT s.calls, regexp_replace(lower(s.query), '\\s+', ' ', 'g')
              FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
             WHERE d.datname = '{name}' AND s.query NOT ILIKE '%pg_stat%'""")
        xacts = int(psql(url, f"""SELECT xact_commit + xact_rollback FROM pg_stat_database
                                  WHERE datname = '{name}'""").strip())
    finally:
        for d in daemons:
            d.stop()
        psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    kinds = {k: 0 for k, _ in KINDS}
    kinds["other"] = 0
    for line in rows.splitlines():
        calls, _, q = line.partition("|")
        q = q.strip()
        kind = next((k for k, f in KINDS if f(q)), "other")
        kinds[kind] += int(calls)
    total = sum(kinds.values())
    if a.show_statements:
        print(f"-- {label} x{replicas}: calls, statement")
        for line in sorted(rows.splitlines(), key=lambda l: -int(l.partition("|")[0]))[:25]:
            calls, _, q = line.partition("|")
            print(f"{int(calls):>8}  {q.strip()[:110]}")
    return {
        "requests": sent, "wall_s": wall, "non_2xx": len(bad),
        "per_request": {**{k: v / sent for k, v in kinds.items()},
                        "statements": total / sent,
                        "server transactions": xacts / sent},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--admin-url", required=True)
    ap.add_argument("--build", action="append", required=True, help="label=/path/to/wtd")
    ap.add_argument("--requests", type=int, default=6000)
    ap.add_argument("--concurrency", type=int, default=24)
    ap.add_argument("--json")
    ap.add_argument("--show-statements", action="store_true",
                    help="print each run's most called statements")
    a = ap.parse_args()
    builds = [b.split("=", 1) for b in a.build]
    tmp = tempfile.mkdtemp(prefix="wt-bench-fanout-")
    out = {}
    try:
        for label, binary in builds:
            for n in (1, 2, 3):
                r = measure(binary, a.admin_url, n, a, tmp, label)
                out[f"{label}/{n}"] = r
                print(f"{label} x{n}: {r['requests']} requests in {r['wall_s']:.1f} s, "
                      f"non-2xx {r['non_2xx']}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    cols = [k for k, _ in KINDS] + ["other", "statements", "server transactions"]
    print("\ncalls per request (pg_stat_statements; server transactions: pg_stat_database)")
    print(f"{'build / replicas':<20}" + "".join(f"{c:>16}" for c in cols))
    for k, r in out.items():
        print(f"{k:<20}" + "".join(f"{r['per_request'][c]:>16.3f}" for c in cols))
    for label, _ in builds:
        one, three = out[f"{label}/1"], out[f"{label}/3"]
        print(f"{label}: statements per request 3 replicas / 1 replica = "
              f"{three['per_request']['statements'] / one['per_request']['statements']:.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
