//! The runtime role's rights, (re)granted by every `wtd migrate` ([`super::migrate`]).
//!
//! Why a migrate step rather than `ALTER DEFAULT PRIVILEGES`: default privileges are the
//! same for every future table, so they cannot say "SELECT and INSERT only" for the
//! append-only audit log; a new append-only table would silently get UPDATE and DELETE.
//! `grants.sql` names each table with exactly what the daemon does to it, and runs in the
//! transaction of the last migration, as the owner, so the rights always match the schema.
//! The rights go to the group role [`RUNTIME_ROLE`]; the login role `wtd serve` uses is a
//! member of it (docs/postgres-roles.sql), whatever its name.

use crate::Result;
use postgres::GenericClient;

/// The group role that holds the runtime rights.
pub const RUNTIME_ROLE: &str = "wt_runtime";

/// The grants themselves (see the file's header).
pub const GRANTS_SQL: &str = include_str!("grants.sql");

/// Tables the runtime role deliberately gets no right on.
pub const WITHOUT_RIGHTS: &[&str] = &["health_probe"];

/// Grants [`RUNTIME_ROLE`] its rights when the role exists; returns whether it did.
pub fn apply(client: &mut impl GenericClient) -> Result<bool> {
    let exists = client
        .query_typed_opt(
            "SELECT 1 FROM pg_roles WHERE rolname = $1",
            &[(&RUNTIME_ROLE, postgres::types::Type::TEXT)],
        )?
        .is_some();
    if !exists {
        tracing::info!(
            "no role {RUNTIME_ROLE}: runtime rights not granted (a least-privilege runtime \
             role is set up by docs/postgres-roles.sql)"
        );
        return Ok(false);
    }
    // Only the tables' owner (or a superuser) can grant on them: another role (the
    // runtime role running `wtd init` on a migrated database) has nothing to grant.
    let owner = client
        .query_typed_opt(
            "SELECT pg_has_role(tableowner, 'MEMBER') FROM pg_tables
              WHERE schemaname = current_schema() AND tablename = 'audit_log'",
            &[],
        )?
        .is_some_and(|r| r.get::<_, bool>(0));
    if !owner {
        tracing::info!("not the owner of the schema: runtime rights left as they are");
        return Ok(false);
    }
    client.batch_execute(GRANTS_SQL)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table a migration creates has its rights in grants.sql, or is listed in
    /// [`WITHOUT_RIGHTS`]: a new table cannot be forgotten (the runtime role could not
    /// use it).
    #[test]
    fn every_table_has_its_runtime_rights() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/postgres/migrations");
        let mut tables = vec![];
        for f in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
            let path = f.unwrap_or_else(|e| panic!("{e}")).path();
            let sql = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            for line in sql.lines() {
                if let Some(rest) = line.trim().strip_prefix("CREATE TABLE ") {
                    let name = rest.trim_start_matches("IF NOT EXISTS ");
                    let name: String = name
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    tables.push(name);
                }
            }
        }
        assert!(tables.len() > 20, "{tables:?}");
        let granted: String = GRANTS_SQL
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        for t in tables {
            let named = granted
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|w| w == t);
            assert!(
                named || WITHOUT_RIGHTS.contains(&t.as_str()),
                "table {t} has no runtime rights in grants.sql"
            );
        }
    }
}
