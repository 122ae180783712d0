//! Signed checkpoints, Merkle proofs and signing keys of the audit log (issue 28):
//! verified here with wt-core's verifiers against roots recomputed from the entries.

use super::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use wt_core::checkpoint::{Checkpoint, VerifierKey};
use wt_core::merkle::{self, Hash};
use wt_store::AuditCheckpointStore;

const CK: &str = "/api/v1/orgs/audit-logs/checkpoints";
const KEYS: &str = "/api/v1/orgs/audit-logs/signing-keys";

fn h(v: &Value) -> Hash {
    B64.decode(v.as_str().unwrap()).unwrap().try_into().unwrap()
}

fn hashes(v: &Value) -> Vec<Hash> {
    v.as_array().unwrap().iter().map(h).collect()
}

/// The org's leaves recomputed from its entries.
async fn leaves(fx: &Fx, org: &str) -> Vec<Hash> {
    fx.store
        .audit_entries(org, 0, 100_000)
        .await
        .unwrap()
        .iter()
        .map(|r| merkle::record_leaf_hash(org, r))
        .collect()
}

async fn verifier_keys(fx: &Fx, tok: &str) -> Vec<VerifierKey> {
    let r = fx.get(KEYS, tok).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| VerifierKey::parse(k["verifier_key"].as_str().unwrap()).unwrap())
        .collect()
}

/// Opens a checkpoint response with the listed keys, checking its fields match its note.
fn open(body: &Value, keys: &[VerifierKey]) -> Checkpoint {
    let (cp, _) = Checkpoint::open(
        body["note"].as_str().unwrap(),
        keys,
        Some("localhost/watchtower/org_acme"),
    )
    .unwrap();
    assert_eq!(body["size"].as_u64(), Some(cp.size));
    assert_eq!(h(&body["root"]), cp.root);
    assert_eq!(body["origin"], "localhost/watchtower/org_acme");
    cp
}

async fn append(fx: &Fx, org: &str, n: usize) {
    for _ in 0..n {
        fx.store
            .append_audit(
                org,
                AuditEvent::new(
                    Actor::operator(),
                    actions::LOGIN_FAILED,
                    &RequestMeta::default(),
                ),
                fx.state.now(),
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn checkpoints_are_signed_and_every_entry_and_size_proves_against_them() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let keys = verifier_keys(&fx, &tok).await;
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].name(), "localhost/watchtower/org_acme");
    // The first checkpoint is signed on first use.
    let first = fx.get(&format!("{CK}/latest"), &tok).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    let first = open(&first.body, &keys);
    assert!(first.size >= 1);
    let l = leaves(&fx, "org_acme").await;
    assert_eq!(first.root, merkle::root_of(&l[..first.size as usize]));
    // Not due yet: fewer than 1,000 entries and less than 10 minutes.
    append(&fx, "org_acme", 5).await;
    let again = fx.get(&format!("{CK}/latest"), &tok).await;
    assert_eq!(open(&again.body, &keys).size, first.size);
    // Ten minutes on, the grown log is signed again.
    fx.clock.advance(601);
    let later = fx.get(&format!("{CK}/latest"), &tok).await;
    let later = open(&later.body, &keys);
    let l = leaves(&fx, "org_acme").await;
    assert_eq!(later.size, l.len() as u64);
    assert_eq!(later.root, merkle::root_of(&l));
    // By size: the one signed then; another size was never signed.
    let by = fx.get(&format!("{CK}/{}", first.size), &tok).await;
    assert_eq!(open(&by.body, &keys), first);
    assert_eq!(
        fx.get(&format!("{CK}/{}", first.size + 1), &tok)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Every entry is in the tree of the signed size.
    for seq in 1..=later.size {
        let r = fx
            .get(
                &format!(
                    "/api/v1/orgs/audit-logs/proofs/inclusion?seq={seq}&size={}",
                    later.size
                ),
                &tok,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        let proof = hashes(&r.body["proof"]);
        assert!(proof.len() <= 64 - (later.size.leading_zeros() as usize) + 1);
        let leaf = l[seq as usize - 1];
        assert_eq!(h(&r.body["leaf_hash"]), leaf);
        merkle::verify_inclusion(&leaf, seq - 1, later.size, &proof, &later.root).unwrap();
        // The proof does not vouch for a neighbour.
        let other = l[(seq as usize) % l.len()];
        assert!(
            merkle::verify_inclusion(&other, seq - 1, later.size, &proof, &later.root).is_err()
        );
    }
    // The newer checkpoint extends the older one.
    let r = fx
        .get(
            &format!(
                "/api/v1/orgs/audit-logs/proofs/consistency?old={}&new={}",
                first.size, later.size
            ),
            &tok,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    merkle::verify_consistency(
        first.size,
        later.size,
        &hashes(&r.body["proof"]),
        &first.root,
        &later.root,
    )
    .unwrap();
    // The default sizes are the latest checkpoint's.
    let r = fx
        .get("/api/v1/orgs/audit-logs/proofs/inclusion?seq=1", &tok)
        .await;
    assert_eq!(r.body["size"].as_u64(), Some(later.size));
    // On demand: admins, audited.
    let before = fx.actions().await.len();
    let now = fx.post(CK, json!({}), Some(&tok)).await;
    assert_eq!(now.status, StatusCode::CREATED, "{:?}", now.body);
    let now = open(&now.body, &keys);
    assert_eq!(now.size, before as u64);
    let acts = fx.actions().await;
    assert_eq!(
        acts.last().map(String::as_str),
        Some("audit.checkpoint.signed")
    );
}

#[tokio::test]
async fn bad_sizes_are_4xx_and_another_orgs_sizes_are_not_found() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let size = fx.post(CK, json!({}), Some(&tok)).await.body["size"]
        .as_u64()
        .unwrap();
    // Another org with a longer log and a checkpoint of its own.
    fx.store
        .create_org(
            NewOrg {
                id: "org_beta".into(),
                slug: "beta".into(),
                name: "Beta".into(),
            },
            None,
            AuditEvent::new(
                Actor::operator(),
                actions::ORG_CREATED,
                &RequestMeta::default(),
            ),
            fx.state.now(),
        )
        .await
        .unwrap();
    append(&fx, "org_beta", size as usize + 20).await;
    wtd::service::audit_checkpoints::sign_if_due(&fx.state, "org_beta")
        .await
        .unwrap();
    let beta = fx
        .store
        .audit_checkpoint_latest("org_beta")
        .await
        .unwrap()
        .unwrap();
    assert!(beta.size > size + 10);
    assert_eq!(
        fx.get(&format!("{CK}/{}", beta.size), &tok).await.status,
        StatusCode::NOT_FOUND
    );
    let big = beta.size;
    for (path, want) in [
        (format!("{CK}/abc"), StatusCode::BAD_REQUEST),
        (format!("{CK}/-1"), StatusCode::BAD_REQUEST),
        (
            format!("{CK}/18446744073709551615"),
            StatusCode::BAD_REQUEST,
        ),
        (format!("{CK}/0"), StatusCode::NOT_FOUND),
        (
            format!("/api/v1/orgs/audit-logs/proofs/inclusion?seq={big}&size={big}"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/api/v1/orgs/audit-logs/proofs/inclusion?seq=0&size={size}"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!(
                "/api/v1/orgs/audit-logs/proofs/inclusion?seq={}&size={size}",
                size + 1
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/orgs/audit-logs/proofs/inclusion?seq=x".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/orgs/audit-logs/proofs/inclusion".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/orgs/audit-logs/proofs/inclusion?seq=1&size=1&extra=1".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/api/v1/orgs/audit-logs/proofs/consistency?old=2&new={big}"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/orgs/audit-logs/proofs/consistency?old=3&new=2".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/orgs/audit-logs/proofs/consistency?old=-3".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/orgs/audit-logs/proofs/consistency?old=99999999999999999999".into(),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let r = fx.get(&path, &tok).await;
        if want == StatusCode::NOT_FOUND {
            assert_eq!(r.status, want, "{path}: {:?}", r.body);
        } else {
            assert!(
                r.status.is_client_error() && r.status != StatusCode::NOT_FOUND,
                "{path}: {} {:?}",
                r.status,
                r.body
            );
        }
        assert!(is_problem(&r), "{path}");
    }
    // Sizes within the org's own log answer.
    let r = fx
        .get(
            &format!("/api/v1/orgs/audit-logs/proofs/consistency?old=0&new={size}"),
            &tok,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["proof"], json!([]));
}

#[tokio::test]
async fn reading_needs_the_audit_permission_and_signing_or_rotating_an_admin() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    let analyst = team_member(&fx, &owner, "an@acme.test", "analyst").await;
    let lead = team_member(&fx, &owner, "lead@acme.test", "risk_lead").await;
    for path in [
        format!("{CK}/latest"),
        format!("{CK}/1"),
        KEYS.to_string(),
        "/api/v1/orgs/audit-logs/proofs/inclusion?seq=1&size=1".into(),
        "/api/v1/orgs/audit-logs/proofs/consistency?old=1&new=1".into(),
    ] {
        assert_eq!(
            fx.get(&path, &analyst).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        fx.get(&format!("{CK}/latest"), &lead).await.status,
        StatusCode::OK
    );
    assert_eq!(
        fx.post(CK, json!({}), Some(&lead)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        fx.post(&format!("{KEYS}/rotate"), json!({}), Some(&lead))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // An automation token with audit:read reads checkpoints and proofs, never signs.
    let t = fx
        .post(
            "/api/v1/orgs/access-tokens",
            json!({"name": "auditor", "role": "risk_lead", "expires_at": "2027-06-01T00:00:00Z", "scopes": ["audit:read"]}),
            Some(&owner),
        )
        .await;
    assert_eq!(t.status, StatusCode::CREATED, "{:?}", t.body);
    let t = t.body["secret"].as_str().unwrap().to_string();
    assert_eq!(
        fx.get(&format!("{CK}/latest"), &t).await.status,
        StatusCode::OK
    );
    assert_eq!(fx.get(KEYS, &t).await.status, StatusCode::OK);
    assert_eq!(
        fx.post(CK, json!({}), Some(&t)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn rotation_lists_the_old_key_retired_and_signs_with_the_new_one() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let old_keys = verifier_keys(&fx, &tok).await;
    let old = fx.post(CK, json!({}), Some(&tok)).await;
    let old_cp = open(&old.body, &old_keys);
    fx.clock.advance(1);
    let r = fx
        .post(&format!("{KEYS}/rotate"), json!({}), Some(&tok))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["scope"], "org");
    assert_eq!(
        fx.actions().await.last().map(String::as_str),
        Some("audit.signing_key.rotated")
    );
    let list = fx.get(KEYS, &tok).await.body["items"].clone();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["active"], false);
    assert_eq!(list[1]["active"], true);
    assert_eq!(list[1]["verifier_key"], r.body["verifier_key"]);
    let new_key = VerifierKey::parse(r.body["verifier_key"].as_str().unwrap()).unwrap();
    assert_ne!(new_key.id(), old_keys[0].id());
    // New checkpoints verify with the new key only; the old one still verifies with the old.
    let latest = fx.get(&format!("{CK}/latest"), &tok).await;
    let note = latest.body["note"].as_str().unwrap();
    assert!(Checkpoint::open(note, std::slice::from_ref(&new_key), None).is_ok());
    assert!(Checkpoint::open(note, &old_keys, None).is_err());
    let by = fx.get(&format!("{CK}/{}", old_cp.size), &tok).await;
    assert_eq!(open(&by.body, &old_keys), old_cp);
    // A second rotation retires the first org key; three listed, one active.
    fx.clock.advance(1);
    fx.post(&format!("{KEYS}/rotate"), json!({}), Some(&tok))
        .await;
    let list = fx.get(KEYS, &tok).await.body["items"].clone();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert!(list[1]["retired_at"].is_string());
    assert_eq!(list.iter().filter(|k| k["active"] == true).count(), 1);
    // Private keys never leave: no response carries more than the verifier key.
    assert!(
        !fx.get(KEYS, &tok)
            .await
            .body
            .to_string()
            .contains("PRIVATE")
    );
}
