#!/usr/bin/env python3
"""Benchmark: the ingest hot path against a bare hyper server on the same machine, same run.

Usage (from the project root):
    cargo build --release -p wtd -p bare-hyper
    python3 bench/ingest.py [--seconds 5] [--rounds 5] [--connections 64] [--threads 2] [--json out.json] [--authorize]
                            [--rate-limit 10000000/s]

Needs `wrk` (Debian package `wrk`). Starts a release `wtd` on loopback with a fresh data dir,
claims the owner, creates a production ingestion key, then runs wrk with keep-alive against
  1. `bare-hyper` (hyper on tokio, reads the body, answers 202): the physical limit of HTTP here;
  2. `wtd` `POST /api/v1/ingest/events`, 1 event per request;
  3. `wtd` with 100 events per request;
each at the same connection count, and prints requests/s, p50 and p99 and the ratio of each to
the baseline. With `--authorize`, also the gateway's key check, `GET /api/v1/ingest/authorize`
(204, no body, nothing stored), in its own interleaved rounds against bare hyper answering the
same bodiless GET (issue #27 asks for at least 0.6 of it). Events are stored durably (WAL, synchronous=FULL, group commit) before every 202.
Cases 1 and 2 run in interleaved rounds (`--rounds`, the order alternating), because one run of
each moves with whatever else the machine does: the ratio is the median of the rounds' own
ratios, shown with its range, beside each server's CPU time per request (from /proc).
Nothing here runs in CI; numbers are only comparable within one run.
"""
import argparse, json, os, random, re, sqlite3, statistics, subprocess, tempfile, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# WT_BENCH_BIN: where the binaries are (e.g. a debug build, to try the script; numbers then mean nothing).
BIN = os.environ.get("WT_BENCH_BIN") or os.path.join(ROOT, "target", "release")
PW = "violet staple orbit river 42"


def post(url, body, token=None):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def patch(url, body, token):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="PATCH",
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def wrk(url, key, body, a):
    """`body` None: a bodiless GET (the gateway's authorize); else a JSON POST."""
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    if body is None:
        script.write('wrk.method = "GET"\n')
    else:
        script.write('wrk.method = "POST"\n')
        script.write("wrk.body = %s\n" % json.dumps(body))
        script.write('wrk.headers["Content-Type"] = "application/json"\n')
    script.write('wrk.headers["Authorization"] = "Bearer %s"\n' % key)
    # Count non-2xx answers: a benchmark of refusals would be meaningless.
    script.write("""
local bad = 0
response = function(status, headers, body) if status >= 300 then bad = bad + 1 end end
""")
    script.close()
    out = subprocess.run(["wrk", "-t", str(a.threads), "-c", str(a.connections), "-d", f"{a.seconds}s",
                          "--latency", "-s", script.name, url], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)\b" % p, out)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50_ms": pct(50), "p99_ms": pct(99), "non_2xx": int(non2xx.group(1)) if non2xx else 0}


def cpu_seconds(pid):
    """User + system CPU time a process has used so far, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(url, pid, key, body, a):
    """One wrk run, with the server's CPU time per answered request (microseconds)."""
    before = cpu_seconds(pid)
    r = wrk(url, key, body, a)
    r["cpu_us_per_request"] = (cpu_seconds(pid) - before) / (r["rps"] * a.seconds) * 1e6
    return r


def interleaved(bare, wtd, key, body, a, rounds):
    """`rounds` rounds of (bare hyper, wtd) on the same request, the order alternating.
    `bare` and `wtd` are (url, pid). Returns both servers' medians and each round's figures;
    the ratio is the median of the rounds' own ratios (a round is one slice of time)."""
    runs = []
    for i in range(rounds):
        if i % 2 == 0:
            b = measured(bare[0], bare[1], key, body, a)
            w = measured(wtd[0], wtd[1], key, body, a)
        else:
            w = measured(wtd[0], wtd[1], key, body, a)
            b = measured(bare[0], bare[1], key, body, a)
        runs.append({"bare_hyper": b, "wtd": w, "ratio": w["rps"] / b["rps"]})

    def med(who, k):
        return statistics.median(r[who][k] for r in runs)

    def summary(who):
        return {k: med(who, k) for k in ("rps", "p50_ms", "p99_ms", "cpu_us_per_request")} | {
            "non_2xx": sum(r[who]["non_2xx"] for r in runs)}
    ratios = [r["ratio"] for r in runs]
    return {"bare_hyper": summary("bare_hyper"), "one_event": summary("wtd"),
            "ratio_median": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
            "rounds": runs}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds of bare hyper and wtd")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json")
    ap.add_argument("--authorize", action="store_true",
                    help="also measure GET /api/v1/ingest/authorize (the gateway's key check) against bare hyper")
    ap.add_argument("--rate-limit", metavar="RATE",
                    help="give the key its own rate limit (e.g. 10000000/s, burst the same), so every request "
                         "also goes through the GCRA limiter; high enough that nothing is refused")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="wt-bench-")
    data = os.path.join(tmp, "data")
    tok = subprocess.run([os.path.join(BIN, "wtd"), "init", "--org", "Bench", "--owner-email", "o@bench.test",
                          "--data-dir", data], capture_output=True, text=True, check=True).stdout.strip()
    port = 18000 + random.randint(0, 999)
    wtd = subprocess.Popen([os.path.join(BIN, "wtd"), "serve", "--data-dir", data, "--listen", f"127.0.0.1:{port}",
                            "--log-format", "json"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    wtd.stdout.readline()
    bare = subprocess.Popen([os.path.join(BIN, "bare-hyper"), "127.0.0.1:0"], stdout=subprocess.PIPE)
    bare_url = bare.stdout.readline().decode().split()[-1]
    try:
        base = f"http://127.0.0.1:{port}"
        post(base + "/api/v1/setup", {"token": tok, "name": "Owner", "password": PW})
        token = post(base + "/api/v1/auth/login", {"email": "o@bench.test", "password": PW, "client": "cli"})["token"]
        created = post(base + "/api/v1/orgs/api-keys", {"name": "bench", "environment": "production",
                                                        "owner_email": "o@bench.test"}, token)
        key = created["secret"]
        if a.rate_limit:
            burst = int(a.rate_limit.split("/")[0])
            patch(base + "/api/v1/orgs/api-keys/" + created["id"], {"rate": a.rate_limit, "burst": burst}, token)
            probe = urllib.request.Request(base + "/api/v1/ingest/authorize", headers={"Authorization": "Bearer " + key})
            with urllib.request.urlopen(probe) as r:
                policy = r.headers.get("RateLimit-Policy")
            if not policy:
                raise SystemExit("the key's rate limit is not applied (no RateLimit-Policy header)")
            print(f"key rate limit: {a.rate_limit}, burst {burst} (RateLimit-Policy: {policy})")
        one = json.dumps({"events": [{"type": "login", "user": "u1", "ok": True}]})
        hundred = json.dumps({"events": [{"type": "login", "user": "u%d" % i, "ok": True} for i in range(100)]})
        pair = interleaved((bare_url + "/", bare.pid), (base + "/api/v1/ingest/events", wtd.pid), key, one, a,
                           a.rounds)
        rows = [
            ("bare hyper, 1 event", pair["bare_hyper"]),
            ("wtd ingest, 1 event/request", pair["one_event"]),
            ("wtd ingest, 100 events/request", measured(base + "/api/v1/ingest/events", wtd.pid, key, hundred, a)),
        ]
        if a.authorize:
            auth = interleaved((bare_url + "/", bare.pid), (base + "/api/v1/ingest/authorize", wtd.pid), key,
                               None, a, a.rounds)
            auth["one_event"]["ratio"] = auth["ratio_median"]
            rows += [("bare hyper, bodiless GET", auth["bare_hyper"]),
                     ("wtd authorize (204, gateway)", auth["one_event"])]
        stored = sqlite3.connect(os.path.join(data, "watchtower.db")).execute(
            "SELECT COUNT(*) FROM ingest_events").fetchone()[0]
    finally:
        wtd.terminate()
        bare.terminate()
    base_rps = rows[0][1]["rps"]
    print(f"{'case (medians of the rounds)':34} {'req/s':>10} {'ratio':>7} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'CPU us/req':>10} {'non-2xx':>8}")
    for _, r in rows:
        r.setdefault("ratio", r["rps"] / base_rps)
    # The 1-event case: the median of the rounds' own ratios, not the ratio of the medians.
    pair["one_event"]["ratio"] = pair["ratio_median"]
    for name, r in rows:
        print(f"{name:34} {r['rps']:>10.0f} {r['ratio']:>7.2f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
              f"{r['cpu_us_per_request']:>10.1f} {r['non_2xx']:>8}")
    print(f"1 event/request, ratio of each round: median {pair['ratio_median']:.2f}, range "
          f"{pair['ratio_min']:.2f}-{pair['ratio_max']:.2f} over {a.rounds} rounds")
    if a.authorize:
        print(f"authorize, ratio to bare hyper's bodiless GET in each round: median {auth['ratio_median']:.2f}, "
              f"range {auth['ratio_min']:.2f}-{auth['ratio_max']:.2f} over {a.rounds} rounds")
    print(f"events stored: {stored}; connections {a.connections}, {a.seconds}s each, {os.cpu_count()} cores")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"connections": a.connections, "seconds": a.seconds, "stored_events": stored,
                       "cases": {n: r for n, r in rows}, "rounds": pair["rounds"]}, f, indent=2)


if __name__ == "__main__":
    main()
