//! Issue 28's acceptance: an auditor saves a signed checkpoint; someone holding the
//! database (and the master key) rewrites, removes or reorders an earlier entry and
//! recomputes the whole hash chain, so plain `wt audit verify` passes; `wt audit verify
//! --checkpoint` still fails, naming the entry (or, when the attacker also rebuilt the
//! tree, the size where history diverged). The checkpoint and proofs are also checked by
//! an independent verifier written here in Python (`cryptography` Ed25519, `hashlib`
//! RFC 6962), so the project does not grade itself. Runs on SQLite and on PostgreSQL
//! (the attacker works through SQL on the stopped daemon's database either way).

use crate::harness::{Daemon, http, run};
use serde_json::{Value, json};
use std::path::Path;
use wt_core::audit::{Actor, EntryFields, Target};

/// The columns an attacker rewrites (everything but the org).
const COLS: [&str; 12] = [
    "seq",
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_email",
    "action",
    "target_type",
    "target_id",
    "ip",
    "user_agent",
    "outcome",
    "details",
];

/// The org's entries as JSON objects of [`COLS`], oldest first.
fn snapshot(d: &Daemon, org: &str) -> Vec<Value> {
    let pairs: Vec<String> = COLS.iter().map(|c| format!("'{c}', {c}")).collect();
    let f = if d.is_postgres() {
        format!("json_build_object({})::text", pairs.join(", "))
    } else {
        format!("json_object({})", pairs.join(", "))
    };
    d.sql_column(&format!(
        "SELECT {f} FROM audit_log WHERE org_id = '{org}' ORDER BY seq"
    ))
    .iter()
    .map(|s| serde_json::from_str(s).expect("row json"))
    .collect()
}

fn lit(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\'', "''")),
        other => format!("'{}'", other.to_string().replace('\'', "''")),
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// What the attacker does: replaces the org's log with `entries` (renumbered 1..n) and
/// recomputes every hash of the chain, as `wtd` would have.
fn rewrite(d: &Daemon, org: &str, entries: &[Value]) {
    let guard_off = if d.is_postgres() {
        "ALTER TABLE audit_log DISABLE TRIGGER USER;"
    } else {
        "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;"
    };
    let mut sql = format!("{guard_off} DELETE FROM audit_log WHERE org_id = '{org}';");
    let mut prev = wt_core::audit::GENESIS_HASH.to_string();
    for (i, e) in entries.iter().enumerate() {
        let seq = i as i64 + 1;
        let actor = Actor {
            kind: text(&e["actor_type"]).unwrap_or_default(),
            id: text(&e["actor_id"]),
            email: text(&e["actor_email"]),
        };
        let target = match (text(&e["target_type"]), text(&e["target_id"])) {
            (Some(kind), Some(id)) => Some(Target { kind, id }),
            _ => None,
        };
        let (ip, ua) = (text(&e["ip"]), text(&e["user_agent"]));
        let details = text(&e["details"]).unwrap_or_default();
        let hash = wt_core::audit::entry_hash(
            &prev,
            &EntryFields {
                org_id: org,
                seq,
                occurred_at: e["occurred_at"].as_str().unwrap_or_default(),
                actor: &actor,
                action: e["action"].as_str().unwrap_or_default(),
                target: &target,
                ip: &ip,
                user_agent: &ua,
                outcome: e["outcome"].as_str().unwrap_or_default(),
                details_json: &details,
            },
        );
        let mut vals = vec![lit(&json!(org)), seq.to_string()];
        vals.extend(COLS[1..].iter().map(|c| lit(&e[*c])));
        vals.push(lit(&json!(prev)));
        vals.push(lit(&json!(hash)));
        sql.push_str(&format!(
            "INSERT INTO audit_log (org_id, {}, prev_hash, hash) VALUES ({});",
            COLS.join(", "),
            vals.join(", ")
        ));
        prev = hash;
    }
    if d.is_postgres() {
        sql.push_str("ALTER TABLE audit_log ENABLE TRIGGER USER;");
    }
    d.sql(&sql);
}

fn get(d: &Daemon, tok: &str, path: &str) -> Value {
    let r = http()
        .get(d.url(path))
        .bearer_auth(tok)
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.json().expect("json")
}

/// Waits until the daemon's latest checkpoint covers `size` entries (the tree is built
/// at start from the entries when its nodes were removed).
fn latest_at(d: &Daemon, tok: &str, size: u64) -> Value {
    for _ in 0..100 {
        let r = http()
            .get(d.url("/api/v1/orgs/audit-logs/checkpoints/latest"))
            .bearer_auth(tok)
            .send()
            .expect("request");
        if r.status().as_u16() == 200 {
            let cp: Value = r.json().expect("json");
            if cp["size"].as_u64() == Some(size) {
                return cp;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no checkpoint of size {size}");
}

/// Runs `wt` as the owner (the token of one sign-in: no new audit entries).
fn wt(d: &Daemon, tok: &str, args: &[&str]) -> (i32, String, String) {
    let mut c = d.wt();
    c.env("WT_TOKEN", tok).args(args);
    run(c, "")
}

fn verify_chain(d: &Daemon, tok: &str) -> (i32, String) {
    let (code, out, err) = wt(d, tok, &["audit", "verify"]);
    (code, format!("{out}{err}"))
}

fn verify_evidence(d: &Daemon, tok: &str, ckpt: &Path, key: &Path) -> (i32, Value, String) {
    let (code, out, err) = wt(
        d,
        tok,
        &[
            "audit",
            "verify",
            "--checkpoint",
            &ckpt.display().to_string(),
            "--key-file",
            &key.display().to_string(),
            "--output",
            "json",
        ],
    );
    (code, serde_json::from_str(&out).unwrap_or(Value::Null), err)
}

/// The independent verifier: Python's `cryptography` (Ed25519) and `hashlib` (RFC 6962),
/// from the signed notes, the verifier key, the entries as the API serves them and the
/// server's consistency proof. Prints `OK` or `FAIL: why`.
const PY_VERIFIER: &str = r#"
import base64, hashlib, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

d = json.load(open(sys.argv[1]))
name, kid, kb = d["key"].strip().split("+", 2)
raw = base64.b64decode(kb)
assert raw[0] == 1 and len(raw) == 33, "not an Ed25519 verifier key"
pub = raw[1:]
assert hashlib.sha256(name.encode() + b"\n\x01" + pub).digest()[:4].hex() == kid, "key id"
key = Ed25519PublicKey.from_public_bytes(pub)

def open_note(note):
    text, sigs = note[: note.rindex("\n\n") + 1], note[note.rindex("\n\n") + 2 :]
    ok = False
    for line in sigs.splitlines():
        assert line.startswith("\u2014 "), "signature line"
        who, b = line[2:].split(" ", 1)
        s = base64.b64decode(b)
        if who == name and s[:4].hex() == kid:
            key.verify(s[4:], text.encode())  # raises on a bad signature
            ok = True
    assert ok, "no signature by the key"
    origin, size, root = text.splitlines()[:3]
    assert origin == name, "origin"
    return int(size), base64.b64decode(root)

def H(b): return hashlib.sha256(b).digest()
def leaf(b): return H(b"\x00" + b)
def node(l, r): return H(b"\x01" + l + r)
def mth(ls):
    n = len(ls)
    if n == 0: return H(b"")
    if n == 1: return ls[0]
    k = 1
    while k * 2 < n: k *= 2
    return node(mth(ls[:k]), mth(ls[k:]))

def entry_bytes(org, e):
    o = {"org_id": org, "seq": e["seq"], "occurred_at": e["occurred_at"],
         "actor": {"type": e["actor"]["type"], "id": e["actor"].get("id"), "email": e["actor"].get("email")},
         "action": e["action"],
         "target": None if e.get("target") is None else {"type": e["target"]["type"], "id": e["target"]["id"]},
         "ip": e.get("ip"), "user_agent": e.get("user_agent"), "outcome": e["outcome"],
         "details": json.dumps(e["details"], separators=(",", ":"), sort_keys=True, ensure_ascii=False)}
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False).encode()

def verify_consistency(m, n, proof, r1, r2):  # RFC 9162 2.1.4.2
    if m == n: return r1 == r2 and not proof
    if m == 0: return True
    path = ([r1] if m & (m - 1) == 0 else []) + proof
    fn, sn = m - 1, n - 1
    while fn & 1: fn >>= 1; sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0: fn >>= 1; sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1; sn >>= 1
    return sn == 0 and fr == r1 and sr == r2

try:
    m, r1 = open_note(d["saved"])
    n, r2 = open_note(d["latest"])
    org = name.rsplit("/watchtower/", 1)[1]
    proof = [base64.b64decode(p) for p in d["proof"]]
    assert m <= n, f"the log shrank below size {m}"
    assert verify_consistency(m, n, proof, r1, r2), f"not consistent from size {m} to {n}"
    leaves = [leaf(entry_bytes(org, e)) for e in d["entries"]]
    assert [e["seq"] for e in d["entries"][:n]] == list(range(1, n + 1)), "seq gap"
    assert mth(leaves[:m]) == r1, f"entries do not hash to the saved root of size {m}"
    assert mth(leaves[:n]) == r2, f"entries do not hash to the latest root of size {n}"
    print("OK")
except Exception as e:  # any failure is the verdict
    print(f"FAIL: {e}")
"#;

fn python_verdict(d: &Daemon, tok: &str, dir: &Path, saved_note: &str, key: &str) -> String {
    let latest = get(d, tok, "/api/v1/orgs/audit-logs/checkpoints/latest");
    let saved_size: u64 = saved_note
        .lines()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("size");
    let n = latest["size"].as_u64().expect("size");
    let proof = if saved_size <= n {
        get(
            d,
            tok,
            &format!("/api/v1/orgs/audit-logs/proofs/consistency?old={saved_size}&new={n}"),
        )["proof"]
            .clone()
    } else {
        json!([])
    };
    let entries = get(d, tok, "/api/v1/orgs/audit-logs?order=asc&limit=1000")["items"].clone();
    let input = dir.join("py-input.json");
    std::fs::write(
        &input,
        json!({"key": key, "saved": saved_note, "latest": latest["note"], "proof": proof, "entries": entries})
            .to_string(),
    )
    .expect("write");
    let script = dir.join("verify.py");
    std::fs::write(&script, PY_VERIFIER).expect("write");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg(&input)
        .output()
        .expect("python3");
    let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        s == "OK" || s.starts_with("FAIL"),
        "{s} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    s
}

#[test]
fn a_rewritten_removed_or_reordered_entry_fails_the_saved_checkpoint_even_with_the_chain_recomputed()
 {
    // A checkpoint at every new entry: what the auditor saves is the log as it is.
    let mut d = Daemon::start_with(&["--checkpoint-every-entries", "1"]);
    d.setup();
    let tok = d.login_token();
    let work = tempfile::tempdir().expect("tempdir");
    // Monday: some history, then the auditor keeps the key and a checkpoint.
    for i in 0..6 {
        let r = http()
            .post(d.url("/api/v1/orgs/audit-logs/reviews"))
            .bearer_auth(&tok)
            .json(&json!({}))
            .send()
            .expect("review");
        assert_eq!(r.status().as_u16(), 201, "review {i}");
    }
    let key = work.path().join("acme.pub");
    let (code, pubkey, err) = wt(&d, &tok, &["audit", "pubkey", "--output", "table"]);
    assert_eq!(code, 0, "{err}");
    assert!(pubkey.contains("/watchtower/org_"), "{pubkey}");
    std::fs::write(&key, &pubkey).expect("key");
    let org = d.sql_column("SELECT id FROM orgs")[0].clone();
    let n = snapshot(&d, &org).len() as u64;
    latest_at(&d, &tok, n);
    let ckpt = work.path().join("monday.ckpt");
    let (code, _, err) = wt(
        &d,
        &tok,
        &[
            "audit",
            "checkpoint",
            "save",
            &ckpt.display().to_string(),
            "--key-file",
            &key.display().to_string(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let saved_note = std::fs::read_to_string(&ckpt).expect("saved");
    let saved_size: u64 = saved_note
        .lines()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("size");
    assert_eq!(saved_size, n);
    // The untouched log passes, for wt and for the independent verifier.
    let (code, report, err) = verify_evidence(&d, &tok, &ckpt, &key);
    assert_eq!(code, 0, "{report} {err}");
    assert_eq!(report["ok"], true);
    assert_eq!(
        python_verdict(&d, &tok, work.path(), &saved_note, &pubkey),
        "OK"
    );
    // An inclusion proof checked against the saved checkpoint's root, independently too.
    let p = get(
        &d,
        &tok,
        &format!("/api/v1/orgs/audit-logs/proofs/inclusion?seq=3&size={n}"),
    );
    assert_eq!(p["root"], saved_note.lines().nth(2).unwrap_or_default());

    let original = snapshot(&d, &org);
    // Each attack on the stopped daemon's database, then the original restored (entries
    // back, the tree and checkpoints rebuilt from them at start).
    let edited = {
        let mut e = original.clone();
        e[2]["details"] = json!("{\"through_seq\":999}");
        e
    };
    let removed = {
        let mut e = original.clone();
        e.remove(3);
        e
    };
    let reordered = {
        let mut e = original.clone();
        e.swap(4, 5);
        e
    };
    for (what, log, first_bad) in [
        ("rewritten", edited, 3),
        ("removed", removed, 4),
        ("reordered", reordered, 5),
    ] {
        d.terminate();
        rewrite(&d, &org, &log);
        d.serve();
        // The chain alone no longer tells.
        let (code, out) = verify_chain(&d, &tok);
        assert_eq!(code, 0, "{what}: the recomputed chain verifies: {out}");
        let (code, report, err) = verify_evidence(&d, &tok, &ckpt, &key);
        assert_eq!(code, 10, "{what}: {report} {err}");
        assert_eq!(report["ok"], false);
        assert_eq!(report["first_bad_seq"], first_bad, "{what}: {report}");
        assert!(err.contains(&format!("seq {first_bad}")), "{what}: {err}");
        assert!(
            python_verdict(&d, &tok, work.path(), &saved_note, &pubkey).starts_with("FAIL"),
            "{what}"
        );
        // Restore: the original entries, the tree rebuilt from them.
        d.terminate();
        rewrite(&d, &org, &original);
        d.sql(&format!(
            "DELETE FROM audit_tree_nodes WHERE org_id = '{org}'; DELETE FROM audit_checkpoints WHERE org_id = '{org}';"
        ));
        d.serve();
        latest_at(&d, &tok, n);
        let (code, report, err) = verify_evidence(&d, &tok, &ckpt, &key);
        assert_eq!(code, 0, "restored after {what}: {report} {err}");
    }
    // Friday: the attacker also rebuilds the tree from the rewritten log and has the
    // installation sign it (it holds the master key): the saved checkpoint still fails,
    // naming the size where history diverged.
    d.terminate();
    let mut e = original.clone();
    e[1]["details"] = json!("{\"through_seq\":1}");
    rewrite(&d, &org, &e);
    d.sql(&format!(
        "DELETE FROM audit_tree_nodes WHERE org_id = '{org}'; DELETE FROM audit_checkpoints WHERE org_id = '{org}';"
    ));
    d.serve();
    let rebuilt = latest_at(&d, &tok, n);
    assert_ne!(rebuilt["root"], json!(saved_note.lines().nth(2)));
    let (code, out) = verify_chain(&d, &tok);
    assert_eq!(code, 0, "{out}");
    let (code, report, err) = verify_evidence(&d, &tok, &ckpt, &key);
    assert_eq!(code, 10, "{report} {err}");
    assert_eq!(report["first_bad_size"], n, "{report}");
    assert!(err.contains(&format!("size {n}")), "{err}");
    assert!(python_verdict(&d, &tok, work.path(), &saved_note, &pubkey).starts_with("FAIL"));
}

/// Issue 28: the checkpoints' signing key is made with the installation (`wtd init`),
/// sealed with the master key (its private half never stored in the clear), and a second
/// org (`wtd org create`) adds no second installation key.
#[test]
fn wtd_init_makes_the_sealed_signing_key_once() {
    if crate::harness::on_postgres("wtd_init_makes_the_sealed_signing_key_once") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let wtd = |args: &[&str]| {
        let out = std::process::Command::new(crate::harness::bin("wtd"))
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .expect("wtd");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let keys = || -> Vec<(Option<String>, String, Option<i64>)> {
        let c = rusqlite::Connection::open(data.join("watchtower.db")).expect("db");
        let mut st = c
            .prepare("SELECT org_id, private_sealed, retired_at FROM audit_signing_keys")
            .expect("query");
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    wtd(&["init", "--org", "Solo", "--owner-email", "me@solo.test"]);
    let made = keys();
    assert_eq!(made.len(), 1, "one installation key at init: {made:?}");
    let (org, sealed, retired) = &made[0];
    assert!(org.is_none() && retired.is_none(), "{made:?}");
    assert!(
        !sealed.contains("PRIVATE+KEY"),
        "the private key is sealed, not stored as its note-format string"
    );
    wtd(&[
        "org",
        "create",
        "--org",
        "Second",
        "--owner-email",
        "two@solo.test",
    ]);
    assert_eq!(keys(), made, "a second org adds no second installation key");
}
