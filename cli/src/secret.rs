//! The `Secret` newtype: owns every token and password the CLI handles.
//!
//! A `Secret` zeroizes its memory on drop and its `Debug`/`Display` print `***`, so a
//! secret that ends up in an error, a log line or a `{:?}` never leaks. Read the value
//! with [`Secret::expose`] at the one place it is needed (a request body, the keyring).

use std::fmt;
use zeroize::Zeroizing;

/// A token or password. Never printed; zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a value; the caller's copy moves in, so nothing is left behind.
    pub fn new(value: String) -> Self {
        Secret(Zeroizing::new(value))
    }

    /// The secret value, for the one place that must send or store it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True for an empty (or all-whitespace) value.
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_and_display_never_show_the_value() {
        let s = Secret::new("wts_supersecret".to_string());
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(s.expose(), "wts_supersecret");
    }
}
