#!/usr/bin/env python3
"""Audit sink delivery throughput (issue 28): entries per second from wtd to a local
webhook receiver.

    python3 bench/audit_sinks.py [--entries 10000] [--bin target/release]

Starts `wtd init` + `serve` in a temporary directory (SQLite), appends N audit entries
(reviews of the log, over HTTP, before any sink exists), then adds a webhook sink with
`from_start` pointing at a receiver in this process (Python's ThreadingHTTPServer, which
checks every Standard Webhooks signature with hmac/hashlib and answers 204) and times how
long the daemon takes until the sink's cursor reaches the last entry. Batches are 100
entries; the delivery task polls every --poll. Reports entries/s, batches and the
receiver's share of the time. Not run in CI.
"""
import argparse, base64, hashlib, hmac, http.client, http.server, json, os, random
import subprocess, sys, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PW = "violet staple orbit river 42"
OWNER = "o@bench.test"


class Receiver(http.server.BaseHTTPRequestHandler):
    key = b""
    seqs = []
    bad = 0
    busy = 0.0
    lock = threading.Lock()

    def do_POST(self):
        t0 = time.perf_counter()
        body = self.rfile.read(int(self.headers["content-length"]))
        mid, ts = self.headers["webhook-id"], self.headers["webhook-timestamp"]
        want = "v1," + base64.b64encode(hmac.new(Receiver.key, f"{mid}.{ts}.".encode() + body,
                                                  hashlib.sha256).digest()).decode()
        ok = want in self.headers["webhook-signature"].split(" ")
        batch = json.loads(body)
        with Receiver.lock:
            if ok:
                Receiver.seqs.extend(e["seq"] for e in batch["entries"])
            else:
                Receiver.bad += 1
            Receiver.busy += time.perf_counter() - t0
        self.send_response(204 if ok else 401)
        self.end_headers()

    def log_message(self, *a):
        pass


def api(base, method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=10000)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release"))
    ap.add_argument("--poll", default="100ms")
    args = ap.parse_args()
    wtd = os.path.join(args.bin, "wtd")
    tmp = tempfile.mkdtemp(prefix="wt-bench-sinks-")
    data = os.path.join(tmp, "data")
    setup = subprocess.run([wtd, "init", "--org", "Bench", "--owner-email", OWNER, "--data-dir", data],
                           capture_output=True, text=True, check=True).stdout.strip()
    port = 19000 + random.randint(0, 999)
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([wtd, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{port}",
                             "--audit-sink-poll", args.poll],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "wtd.log"), "w"))
    try:
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.01)
        api(base, "POST", "/api/v1/setup", {"token": setup, "name": "Owner", "password": PW})
        _, r = api(base, "POST", "/api/v1/auth/login", {"email": OWNER, "password": PW, "client": "cli"})
        tok = r["token"]
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for _ in range(args.entries):
            conn.request("POST", "/api/v1/orgs/audit-logs/reviews", body="{}",
                         headers={"Content-Type": "application/json", "Authorization": "Bearer " + tok})
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 201, resp.status
        append_s = time.perf_counter() - t0

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{srv.server_address[1]}/hook"
        t0 = time.perf_counter()
        st, created = api(base, "POST", "/api/v1/orgs/audit-sinks",
                          {"name": "bench", "kind": "webhook", "url": url, "from_start": True}, tok)
        assert st == 201, created
        Receiver.key = base64.b64decode(created["secret"][len("whsec_"):])
        last = created["sink"]["last_seq"]
        while True:
            with Receiver.lock:
                got = len(Receiver.seqs)
            if got >= last:
                break
            time.sleep(0.005)
        took = time.perf_counter() - t0
        in_order = Receiver.seqs[:last] == list(range(1, last + 1))
        result = {
            "entries": last,
            "seconds": round(took, 3),
            "entries_per_s": round(last / took),
            "batches": -(-last // 100),
            "receiver_busy_s": round(Receiver.busy, 3),
            "bad_signatures": Receiver.bad,
            "in_order": in_order,
            "append_entries_per_s": round(args.entries / append_s),
            "binary": args.bin,
        }
        print(json.dumps(result, indent=2))
        return 0 if in_order and Receiver.bad == 0 else 1
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    sys.exit(main())
