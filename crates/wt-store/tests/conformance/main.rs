//! The conformance story every [`wt_store::Store`] must pass, run over `&dyn Store` on
//! each backend: SQLite always, PostgreSQL when a server answers (`WT_TEST_DATABASE_URL`,
//! default the local server; `WT_REQUIRE_POSTGRES=1` turns a missing server into a
//! failure). Beside it, the backend tests that need the story's data: the audit log's
//! guards, backup and restore, `wtd copy`, two daemons on one database, migrations.

mod audit_sinks;
mod lost_outcome;
mod postgres;
mod sqlite;
mod story;
