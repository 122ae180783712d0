#!/usr/bin/env bash
# Schema fuzzing with a third-party client: schemathesis (PyPI) against a real wtd with an
# authenticated owner session, every route in the OpenAPI document, bounded in time.
# Fails on any 5xx, any response that violates the document, or a crash.
#
#   scripts/fuzz-api.sh [MAX_EXAMPLES]      (needs `cargo build --bins` and `pip install schemathesis`)
set -euo pipefail
cd "$(dirname "$0")/.."
max="${1:-25}"
work=$(mktemp -d)
trap 'kill "$(cat "$work/pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
python3 -c 'import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print("openapi.json is a valid OpenAPI 3.1 document")' daemon/openapi.json
wtd=target/debug/wtd
"$wtd" init --org Fuzz --owner-email owner@fuzz.test --data-dir "$work/data" > "$work/token" 2>/dev/null
"$wtd" serve --data-dir "$work/data" --listen 127.0.0.1:0 > "$work/out" 2> "$work/log" &
echo $! > "$work/pid"
for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^wtd listening on //p' "$work/out")
pw="violet staple orbit river 42"
python3 - "$base" "$(cat "$work/token")" "$pw" "$work" <<'PY'
import json, sys, urllib.request
base, token, pw, work = sys.argv[1:]
def post(path, body, bearer=None):
    req = urllib.request.Request(base + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    if bearer:
        req.add_header("Authorization", "Bearer " + bearer)
    return json.loads(urllib.request.urlopen(req).read() or b"null")
post("/api/v1/setup", {"token": token, "name": "Owner", "password": pw})
bearer = post("/api/v1/auth/login", {"email": "owner@fuzz.test", "password": pw, "client": "cli"})["token"]
open(work + "/bearer", "w").write(bearer)
# Loopback stays allowed whatever the fuzzer adds (with force), so the session keeps working.
post("/api/v1/orgs/allowed-ips", {"cidr": "127.0.0.0/8", "note": "fuzz"}, bearer)
key = post("/api/v1/orgs/api-keys", {"name": "fuzz", "environment": "production",
                                     "owner_email": "owner@fuzz.test"}, bearer)["secret"]
open(work + "/key", "w").write(key)
PY
# The ingest route with a real ingestion key first (the session run below may rotate or
# revoke keys), so the accepted (202) path is fuzzed too.
timeout 300 schemathesis run "$base/api/v1/openapi.json" \
    -H "Authorization: Bearer $(cat "$work/key")" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --max-examples "$((max * 4))" --generation-deterministic --no-color \
    --include-path /api/v1/ingest/events
# Routes that end the fuzzing session itself are left out, and the audit stream (it never
# ends by itself); all are covered by the in-process and end-to-end tests.
timeout 900 schemathesis run "$base/api/v1/openapi.json" \
    -H "Authorization: Bearer $(cat "$work/bearer")" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --max-examples "$max" --generation-deterministic --no-color \
    --exclude-path /api/v1/auth/logout \
    --exclude-path '/api/v1/auth/sessions/{id}' \
    --exclude-path '/api/v1/orgs/members/{id}/sessions' \
    --exclude-path /api/v1/auth/mfa/totp/disable \
    --exclude-path /api/v1/auth/password/change \
    --exclude-path /api/v1/auth/mfa/totp/confirm \
    --exclude-path /api/v1/orgs/audit-logs/stream
if grep -q panicked "$work/log"; then
    echo "wtd panicked:" >&2
    grep -A3 panicked "$work/log" >&2
    exit 1
fi
