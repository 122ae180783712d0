//! What the `wt allowed-ips` subcommands share: the routes, fetching the list, telling a
//! CIDR argument from an id, and how entries are shown.

use crate::output::{Io, describe_ago};
use crate::secret::Secret;
use crate::{CliError, Ctx};
use std::net::IpAddr;
use time::OffsetDateTime;
use wt_api::AllowedIp;

/// `GET` (list) and `POST` (add) entries; `/{id}` to remove one.
pub const ALLOWED_IPS_PATH: &str = "/orgs/allowed-ips";
/// `POST`: dry run of a proposed list.
pub const CHECK_PATH: &str = "/orgs/allowed-ips/check";

/// Every entry of the org's list (all pages).
pub async fn fetch_all(ctx: &Ctx, token: &Secret) -> Result<Vec<AllowedIp>, CliError> {
    ctx.client()?
        .get_all_pages(ALLOWED_IPS_PATH, Some(token))
        .await
}

/// True when an argument means a network rather than an entry id: it contains `/` or is
/// an IP address.
pub fn looks_like_cidr(arg: &str) -> bool {
    let s = arg.trim();
    s.contains('/') || s.parse::<IpAddr>().is_ok()
}

/// The field/value rows of one entry.
pub fn entry_rows(e: &AllowedIp, now: OffsetDateTime) -> Vec<(&'static str, String)> {
    vec![
        ("ID", e.id.clone()),
        ("CIDR", e.cidr.clone()),
        ("Note", e.note.clone().unwrap_or_else(|| "-".into())),
        ("Created", format!("{} by {}", e.created_at, e.created_by)),
        ("Hits", e.hit_count.to_string()),
        (
            "Last hit",
            e.last_hit_at
                .as_deref()
                .map_or_else(|| "never".to_string(), |t| describe_ago(t, now)),
        ),
    ]
}

/// The list as a table.
pub fn entries_table(io: &Io, entries: &[AllowedIp], now: OffsetDateTime) -> comfy_table::Table {
    let mut table = io.table();
    table.set_header(vec![
        "ID",
        "CIDR",
        "NOTE",
        "CREATED BY",
        "CREATED",
        "HITS",
        "LAST HIT",
    ]);
    for e in entries {
        table.add_row(vec![
            e.id.clone(),
            e.cidr.clone(),
            e.note.clone().unwrap_or_else(|| "-".into()),
            e.created_by.clone(),
            e.created_at.clone(),
            e.hit_count.to_string(),
            e.last_hit_at
                .as_deref()
                .map_or_else(|| "never".to_string(), |t| describe_ago(t, now)),
        ]);
    }
    table
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A complete entry as the API sends it.
    pub(crate) fn entry_json(id: &str, cidr: &str) -> serde_json::Value {
        serde_json::json!({
            "id": id, "cidr": cidr, "note": "office", "created_by": "owner@example.com",
            "created_at": "2026-01-01T00:00:00Z", "hit_count": 12,
            "last_hit_at": "2026-01-02T00:00:00Z"
        })
    }

    #[test]
    fn cidrs_and_addresses_are_told_from_ids() {
        for cidr in ["10.0.0.0/8", "192.0.2.7", "2001:db8::1", "::/0", "junk/8"] {
            assert!(looks_like_cidr(cidr), "{cidr}");
        }
        for id in ["aip_3kT9abcd", "10", "abc"] {
            assert!(!looks_like_cidr(id), "{id}");
        }
    }
}
