//! libpq's password file (`~/.pgpass`, `PGPASSFILE`, the `passfile` URL parameter): read
//! again for every new connection, so a rotated password needs no restart.
//!
//! The format and rules are libpq's: one `hostname:port:database:username:password` per
//! line; a field that is `*` matches anything; `\:` and `\\` escape a colon and a
//! backslash; lines starting with `#` are comments; the first matching line wins. A file
//! that is not a plain file, or that its group or others may read or write, is ignored
//! with a warning, as libpq does.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use wt_core::secret::SecretString;

/// What a password is looked up for: the connection's first host, port, database, user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub host: String,
    pub port: String,
    pub database: String,
    pub user: String,
}

/// The password file to read: the `passfile` URL parameter, else `PGPASSFILE`, else
/// `~/.pgpass` (`None` when there is no home directory).
pub fn location(param: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = param {
        return Some(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("PGPASSFILE").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    std::env::home_dir().map(|h| h.join(".pgpass"))
}

/// The password for `lookup` in the file at `path`. A missing file has none; an unusable
/// one (not a plain file, group- or world-accessible, unreadable) has none and says why
/// in a warning, the way libpq prints one.
pub fn password(path: &Path, lookup: &Lookup) -> Option<SecretString> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "cannot read the password file");
            return None;
        }
    };
    if !meta.is_file() {
        tracing::warn!(file = %path.display(), "the password file is not a plain file: ignored");
        return None;
    }
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(
            file = %path.display(),
            "the password file has group or world access: ignored, as libpq does; \
             run `chmod 600 {}`",
            path.display()
        );
        return None;
    }
    match std::fs::read_to_string(path) {
        Ok(text) => find(&SecretString::new(text), lookup),
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "cannot read the password file");
            None
        }
    }
}

/// The password of the first line of `text` that matches `lookup`.
pub fn find(text: &SecretString, lookup: &Lookup) -> Option<SecretString> {
    let wanted = [
        lookup.host.as_str(),
        lookup.port.as_str(),
        lookup.database.as_str(),
        lookup.user.as_str(),
    ];
    text.expose()
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .find_map(|line| {
            let mut rest = line;
            for want in wanted {
                rest = field_matches(rest, want)?;
            }
            Some(unescape_password(rest))
        })
}

/// libpq's `pwdfMatchesString`: when the field at the start of `line` is `*` or equals
/// `want` (after unescaping), the rest of the line after its `:`.
fn field_matches<'a>(line: &'a str, want: &str) -> Option<&'a str> {
    if let Some(rest) = line.strip_prefix("*:") {
        return Some(rest);
    }
    let mut want = want.chars().peekable();
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        let (c, escaped) = match c {
            '\\' => match chars.next() {
                Some((_, next)) => (next, true),
                None => return None,
            },
            c => (c, false),
        };
        // An unescaped colon ends the field once `want` is used up (before that, libpq
        // compares it like any character).
        if c == ':' && !escaped && want.peek().is_none() {
            return Some(&line[i + 1..]);
        }
        if want.next() != Some(c) {
            return None;
        }
    }
    None
}

/// The password field: up to an unescaped `:` (or the end), backslash escapes removed.
fn unescape_password(field: &str) -> SecretString {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => out.push(next),
                None => out.push('\\'),
            },
            ':' => break,
            c => out.push(c),
        }
    }
    SecretString::new(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(host: &str, port: &str, database: &str, user: &str) -> Lookup {
        Lookup {
            host: host.into(),
            port: port.into(),
            database: database.into(),
            user: user.into(),
        }
    }

    fn found(text: &str, l: &Lookup) -> Option<String> {
        find(&SecretString::new(text), l).map(|p| p.expose().to_string())
    }

    #[test]
    fn the_first_matching_line_wins_and_stars_match_anything() {
        let text = "# comment\n\
                    db.internal:5432:wt:wt_app:first\n\
                    *:*:*:wt_app:fallback\n\
                    db.internal:5432:wt:wt_app:never\n";
        let l = lookup("db.internal", "5432", "wt", "wt_app");
        assert_eq!(found(text, &l).as_deref(), Some("first"));
        let other = lookup("replica.internal", "6432", "wt", "wt_app");
        assert_eq!(found(text, &other).as_deref(), Some("fallback"));
        assert_eq!(found(text, &lookup("db.internal", "5432", "wt", "x")), None);
    }

    #[test]
    fn fields_must_match_whole() {
        let text = "db:5432:wt:wt_app:pw\n";
        assert_eq!(found(text, &lookup("db", "5432", "wt", "wt_ap")), None);
        assert_eq!(found(text, &lookup("d", "5432", "wt", "wt_app")), None);
        assert_eq!(found(text, &lookup("db", "54321", "wt", "wt_app")), None);
        // A star inside a field is a literal star, as in libpq.
        let text = "d*:5432:wt:wt_app:pw\n";
        assert_eq!(found(text, &lookup("db", "5432", "wt", "wt_app")), None);
    }

    #[test]
    fn colons_and_backslashes_are_escaped() {
        // An IPv6 host, a user with a backslash, a password with both.
        let text = "\\:\\:1:5432:wt:dom\\\\wt:pa\\:ss\\\\word\r\n";
        let l = lookup("::1", "5432", "wt", "dom\\wt");
        assert_eq!(found(text, &l).as_deref(), Some("pa:ss\\word"));
        // An unescaped colon ends the password, as in libpq.
        let text = "h:1:d:u:before:after\n";
        assert_eq!(
            found(text, &lookup("h", "1", "d", "u")).as_deref(),
            Some("before")
        );
    }

    #[test]
    fn short_lines_and_comments_never_match() {
        let text = "#h:1:d:u:commented\nh:1:d\n\nh:1:d:u\n";
        assert_eq!(found(text, &lookup("h", "1", "d", "u")), None);
        assert_eq!(
            found("h:1:d:u:\n", &lookup("h", "1", "d", "u")).as_deref(),
            Some("")
        );
    }

    #[test]
    fn a_group_or_world_readable_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:secret\n").unwrap_or_else(|e| panic!("{e}"));
        let l = lookup("h", "1", "d", "u");
        let mode = |m| {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(m))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        mode(0o644);
        assert!(password(&path, &l).is_none());
        mode(0o660);
        assert!(password(&path, &l).is_none());
        mode(0o600);
        assert_eq!(
            password(&path, &l)
                .map(|p| p.expose().to_string())
                .as_deref(),
            Some("secret")
        );
        assert!(password(&dir.path().join("missing"), &l).is_none());
        assert!(
            password(dir.path(), &l).is_none(),
            "a directory is no password file"
        );
    }

    #[test]
    fn the_url_parameter_comes_before_pgpassfile_and_home() {
        let p = Path::new("/etc/wt/pgpass");
        assert_eq!(location(Some(p)), Some(p.to_path_buf()));
    }
}
