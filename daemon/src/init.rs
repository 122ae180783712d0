//! `wtd init` and `wtd org create`: the data directory, master key, database, an org and
//! its one-time owner setup token.

use crate::database::Database;
use crate::server::MASTER_KEY_FILE;
use anyhow::{Context, bail};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use wt_core::audit::{Actor, AuditEvent, RequestMeta, actions};
use wt_core::{Clock, SystemClock, ids, token};
use wt_store::{NewOrg, NewSetupToken};

/// How long a setup token stays claimable.
pub const SETUP_TOKEN_TTL: i64 = 24 * 60 * 60;

/// Creates the data directory (0700) and master key (0600) if missing; refuses a
/// directory others can read (made earlier with another mode).
fn prepare_data_dir(dir: &Path, db: Option<&Path>) -> anyhow::Result<()> {
    crate::datadir::create_dir(dir)?;
    crate::datadir::check_private(dir, db)?;
    let key_path = dir.join(MASTER_KEY_FILE);
    if !key_path.exists() {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&key_path)
            .with_context(|| format!("cannot create {}", key_path.display()))?;
        f.write_all(
            wt_core::crypto::MasterKey::generate()
                .to_file_contents()
                .as_bytes(),
        )?;
        f.sync_all()?;
    }
    Ok(())
}

/// Creates an org and prints its setup token. `first` is `wtd init` (refuses when the
/// database already has an org) rather than `wtd org create` (needs an initialised one).
pub async fn create_org(
    data_dir: &Path,
    database: &Database,
    org_name: &str,
    owner_email: &str,
    first: bool,
) -> anyhow::Result<()> {
    let name = ids::validate_name(org_name).map_err(|m| anyhow::anyhow!("--org: {m}"))?;
    let email =
        ids::normalize_email(owner_email).map_err(|e| anyhow::anyhow!("--owner-email: {e}"))?;
    if first {
        prepare_data_dir(data_dir, database.sqlite_path())?;
    } else {
        crate::datadir::check_private(data_dir, database.sqlite_path())?;
    }
    let store = database.open(first).await?;
    let key = crate::server::load_master_key(data_dir)?;
    crate::server::check_master_key(store.as_ref(), &key, data_dir).await?;
    if first && !store.list_orgs().await?.is_empty() {
        bail!(
            "{} is already initialised: use `wtd org create` to add an org",
            database.describe()
        );
    }
    let now = SystemClock.now();
    // The audit checkpoints' signing key is made with the installation (issue 28).
    crate::service::audit_checkpoints::init_installation_key(store.as_ref(), &key, now)
        .await
        .map_err(|e| anyhow::anyhow!("cannot make the audit signing key: {e:?}"))?;
    let setup_token = token::generate(token::SETUP_PREFIX);
    let org_id = ids::new_id("org");
    let slug = ids::slugify(&name);
    let event = AuditEvent::new(
        Actor::operator(),
        actions::ORG_CREATED,
        &RequestMeta::default(),
    )
    .target("org", &org_id)
    .details(serde_json::json!({ "name": name, "slug": slug, "owner_email": email }));
    let org = store
        .create_org(
            NewOrg {
                id: org_id,
                slug,
                name,
            },
            Some(NewSetupToken {
                token_hash: token::hash(setup_token.expose()),
                owner_email: email.clone(),
                expires_at: now + SETUP_TOKEN_TTL,
            }),
            event,
            now,
        )
        .await?;
    eprintln!(
        "Created org {:?} (slug {}) in {}.\n\
         The owner {email} claims the account with the one-time setup token below\n\
         (valid 24 hours, shown only now). Start the daemon (`wtd serve`), then run\n\
         `wt setup --token-stdin` and paste it:\n",
        org.name,
        org.slug,
        database.describe()
    );
    println!("{}", setup_token.expose());
    Ok(())
}

/// `wtd audit verify`: checks every org's chain; exit 1 when one is broken.
pub async fn verify_audit(
    database: &Database,
    jobs: usize,
) -> anyhow::Result<std::process::ExitCode> {
    let store = database.open(false).await?;
    let mut all_ok = true;
    for org in store.list_orgs().await? {
        let r = store.verify_audit_jobs(&org.id, jobs).await?;
        match r.first_bad_seq {
            None => println!("{}: ok ({} entries)", org.slug, r.entries),
            Some(seq) => {
                all_ok = false;
                println!("{}: BROKEN at seq {seq} ({} entries)", org.slug, r.entries);
            }
        }
    }
    Ok(if all_ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    })
}
