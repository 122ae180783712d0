//! What a session is bound to.

use serde::{Deserialize, Serialize};

/// Which kind of client a session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    /// `wt` and scripts: a bearer token in the response body.
    Cli,
    /// The web console: an HttpOnly cookie, never a token in the body.
    Console,
}

impl ClientKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientKind::Cli => "cli",
            ClientKind::Console => "console",
        }
    }
}
