//! `Ctx`: the dependencies every command's `run(args, &Ctx)` receives.
//!
//! Built once from the global flags. Everything expensive is lazy: the HTTP client is
//! built on first use and the keyring is opened on first use (inside [`Credentials`]), so
//! `wt completion` or `wt daemon status` never touch the network stack or a keyring.

use crate::client::ApiClient;
use crate::credentials::{CredentialSource, Credentials};
use crate::error::CliError;
use crate::output::{Io, OutputFormat};
use crate::secret::Secret;
use std::sync::OnceLock;

/// Shared state of one `wt` invocation.
pub struct Ctx {
    /// All terminal I/O.
    pub io: Io,
    /// The normalised server URL (`--server` / `WT_SERVER`).
    pub server: String,
    /// The resolved `--output` format.
    pub output: OutputFormat,
    /// The session credential for `server` (WT_TOKEN or keyring).
    pub credentials: Credentials,
    client: OnceLock<ApiClient>,
}

impl Ctx {
    /// Assembles a context. `output: None` picks the default for where stdout goes.
    pub fn new(
        io: Io,
        server: String,
        output: Option<OutputFormat>,
        credentials: Credentials,
    ) -> Self {
        let output = output.unwrap_or_else(|| io.default_format());
        Ctx {
            io,
            server,
            output,
            credentials,
            client: OnceLock::new(),
        }
    }

    /// The API client for `server`, built on first use.
    pub fn client(&self) -> Result<&ApiClient, CliError> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        let built = ApiClient::new(&self.server)?;
        Ok(self.client.get_or_init(|| built))
    }

    /// The bearer token for authenticated calls, and where it came from.
    pub async fn bearer(&self) -> Result<(Secret, CredentialSource), CliError> {
        self.credentials.bearer().await
    }
}
