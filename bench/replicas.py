#!/usr/bin/env python3
"""Benchmark: ingest throughput on PostgreSQL with one and two `wtd` replicas, against the
SQLite single node, on this machine, in the same run.

Usage (from the project root):
    cargo build --release -p wtd
    python3 bench/replicas.py [--seconds 10] [--connections 64] [--json out.json]

Needs `wrk` and `psql` and a PostgreSQL server (WT_TEST_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/postgres). For each setup it initialises a fresh data dir
(and a fresh PostgreSQL database), claims the owner, lifts the MFA rule straight in the
database (this measures ingestion, not policy), creates a production key and runs wrk with
keep-alive, 1 event per request:
  1. SQLite, one daemon (the embedded default; the baseline);
  2. PostgreSQL, one daemon;
  3. PostgreSQL, two daemons on one database (same master key), wrk split over both
     (connections / 2 each, run at the same time), throughput summed.
Every 202 means the events are committed. Nothing here runs in CI; numbers are only
comparable within one run, and both daemons and PostgreSQL share this machine's cores.
"""
import argparse, json, os, random, shutil, subprocess, sys, tempfile, threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ingest import post, wrk  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release")
PW = "violet staple orbit river 42"
ADMIN = os.environ.get("WT_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def psql(url, sql):
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True,
                   stdout=subprocess.DEVNULL)


def db_url(name):
    base, _, _ = ADMIN.rpartition("/")
    return f"{base}/{name}"


class Wtd:
    def __init__(self, data, env):
        self.data, self.env = data, env
        port = 19000 + random.randint(0, 999)
        self.proc = subprocess.Popen([os.path.join(BIN, "wtd"), "serve", "--data-dir", data,
                                      "--listen", f"127.0.0.1:{port}"], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("wtd listening on "), line
        self.base = line.split()[-1]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def setup(pg_name, tmp):
    """A fresh installation; returns (env, data dir, setup token)."""
    env = dict(os.environ)
    env.pop("WT_DATABASE_URL", None)
    if pg_name:
        psql(ADMIN, f"DROP DATABASE IF EXISTS {pg_name}")
        psql(ADMIN, f"CREATE DATABASE {pg_name}")
        env["WT_DATABASE_URL"] = db_url(pg_name)
    data = os.path.join(tmp, pg_name or "sqlite", "data")
    tok = subprocess.run([os.path.join(BIN, "wtd"), "init", "--org", "Bench", "--owner-email",
                          "o@bench.test", "--data-dir", data], env=env, capture_output=True,
                         text=True, check=True).stdout.strip()
    return env, data, tok


def key_for(d, tok, pg_name):
    post(d.base + "/api/v1/setup", {"token": tok, "name": "Owner", "password": PW})
    if pg_name:
        psql(db_url(pg_name), "UPDATE orgs SET mfa_required_roles = ''")
    else:
        import sqlite3
        c = sqlite3.connect(os.path.join(d.data, "watchtower.db"))
        c.execute("UPDATE orgs SET mfa_required_roles = ''")
        c.commit()
        c.close()
    token = post(d.base + "/api/v1/auth/login",
                 {"email": "o@bench.test", "password": PW, "client": "cli"})["token"]
    return post(d.base + "/api/v1/orgs/api-keys",
                {"name": "bench", "environment": "production", "owner_email": "o@bench.test"},
                token)["secret"]


def run(a):
    tmp = tempfile.mkdtemp(prefix="wt-bench-replicas-")
    one = json.dumps({"events": [{"type": "login", "user": "u1"}]})
    results = {}
    names = []
    try:
        # 1. SQLite, one daemon.
        env, data, tok = setup(None, tmp)
        d = Wtd(data, env)
        key = key_for(d, tok, None)
        results["sqlite_1"] = wrk(d.base + "/api/v1/ingest/events", key, one, a)
        d.stop()

        # 2. PostgreSQL, one daemon.
        name = f"wt_bench_{os.getpid()}"
        names.append(name)
        env, data, tok = setup(name, tmp)
        d = Wtd(data, env)
        key = key_for(d, tok, name)
        results["postgres_1"] = wrk(d.base + "/api/v1/ingest/events", key, one, a)

        # 3. A second daemon on the same database (same master key), wrk on both at once.
        data2 = os.path.join(tmp, name + "_b", "data")
        os.makedirs(data2, mode=0o700)
        shutil.copy(os.path.join(data, "master.key"), os.path.join(data2, "master.key"))
        d2 = Wtd(data2, env)
        half = argparse.Namespace(**{**vars(a), "connections": max(1, a.connections // 2),
                                     "threads": 1})
        out = {}
        threads = [threading.Thread(target=lambda k, b: out.__setitem__(k, wrk(
            b + "/api/v1/ingest/events", key, one, half)), args=(k, b))
            for k, b in (("a", d.base), ("b", d2.base))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        results["postgres_2"] = {
            "rps": out["a"]["rps"] + out["b"]["rps"],
            "p50_ms": max(out["a"]["p50_ms"], out["b"]["p50_ms"]),
            "p99_ms": max(out["a"]["p99_ms"], out["b"]["p99_ms"]),
            "non_2xx": out["a"]["non_2xx"] + out["b"]["non_2xx"],
        }
        d.stop()
        d2.stop()
    finally:
        for n in names:
            psql(ADMIN, f"DROP DATABASE IF EXISTS {n} WITH (FORCE)")
        shutil.rmtree(tmp, ignore_errors=True)
    base = results["sqlite_1"]["rps"]
    for r in results.values():
        r["ratio_to_sqlite"] = r["rps"] / base
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json")
    a = ap.parse_args()
    r = run(a)
    print(f"{'setup':<28}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'vs SQLite':>11}{'non-2xx':>9}")
    for label, k in (("SQLite, 1 daemon", "sqlite_1"), ("PostgreSQL, 1 daemon", "postgres_1"),
                     ("PostgreSQL, 2 daemons", "postgres_2")):
        x = r[k]
        print(f"{label:<28}{x['rps']:>10.0f}{x['p50_ms']:>9.2f}{x['p99_ms']:>9.2f}"
              f"{x['ratio_to_sqlite']:>10.2f}x{x['non_2xx']:>9}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(r, f, indent=2)


if __name__ == "__main__":
    main()
