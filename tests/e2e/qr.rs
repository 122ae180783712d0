//! `wt mfa enroll` in a real terminal: a tmux pane (its own server and socket) runs the
//! real `wt` against a real `wtd`. The QR code drawn there is read back cell by cell from
//! tmux's screen (with colours) into a module matrix and compared with the matrix the
//! `qrcode` crate builds for the otpauth URI printed below it (same crate, version and EC
//! level as qr2term, same 2-module quiet zone): identical modules means the QR code
//! decodes to exactly that URI. Piped or under `NO_COLOR`, no escape code is printed.

use crate::harness::{Daemon, bin};
use qrcode::QrCode;
use qrcode::types::Color;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// qr2term's quiet zone, in modules, on every side.
const QUIET_ZONE: usize = 2;
/// Printed by the pane's shell once `wt` has exited (all its output is on screen then).
const EXIT_MARKER: &str = "wt exit status: ";

fn have_tmux() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Single-quotes `s` for `sh`.
fn shq(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A tmux server on its own socket (`tmux -L <name>`), killed on drop (also on panic).
struct Tmux {
    socket: String,
    /// The socket file, removed on drop (tmux leaves it behind).
    socket_path: Option<std::path::PathBuf>,
}

impl Tmux {
    /// Starts a detached 250x120 session whose single pane runs `sh -c <script>`.
    fn start(label: &str, script: &str) -> Tmux {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let socket = format!(
            "wt-e2e-qr-{label}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        // Guard first, so a half-started server is still killed.
        let mut tmux = Tmux {
            socket,
            socket_path: None,
        };
        let out = tmux
            .cmd()
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "250",
                "-y",
                "120",
            ])
            .args(["sh", "-c", script])
            .output()
            .expect("run tmux new-session");
        assert!(out.status.success(), "tmux new-session: {}", stderr(&out));
        let out = tmux
            .cmd()
            .args(["display-message", "-p", "#{socket_path}"])
            .output()
            .expect("run tmux display-message");
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        tmux.socket_path = (!path.is_empty()).then(|| path.into());
        tmux
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        // The tmux client needs a terminal type even for a detached session.
        c.env("TERM", "xterm-256color")
            .env_remove("TMUX")
            .args(["-L", &self.socket]);
        c
    }

    /// The visible pane; with `escapes`, text and colour attributes as SGR sequences.
    /// `-J` joins lines the terminal wrapped.
    fn capture(&self, escapes: bool) -> String {
        let mut c = self.cmd();
        c.args(["capture-pane", "-p", "-J"]);
        if escapes {
            c.arg("-e");
        }
        let out = c.output().expect("run tmux capture-pane");
        assert!(out.status.success(), "tmux capture-pane: {}", stderr(&out));
        String::from_utf8(out.stdout).expect("capture-pane output is UTF-8")
    }

    /// Polls the pane (100 ms apart, 20 s at most) until `wt` has exited; returns the plain
    /// capture and asserts `wt` exited 0.
    fn wait_for_exit(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.capture(false);
            if let Some(line) = screen.lines().find(|l| l.starts_with(EXIT_MARKER)) {
                let status = line.trim_start_matches(EXIT_MARKER).trim();
                assert_eq!(status, "0", "wt failed in the pane:\n{screen}");
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "wt did not finish within 20 s; pane:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
        if let Some(p) = &self.socket_path {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The shell script for the pane: `wt mfa enroll --no-confirm` (table output: a tty) with the
/// daemon and token from the environment (no keyring), a colour terminal, then the exit
/// marker, then the pane stays open until the server is killed.
fn pane_script(d: &Daemon, token: &str, no_color: bool) -> String {
    let colour = if no_color {
        "NO_COLOR=1"
    } else {
        "-u NO_COLOR"
    };
    format!(
        "env {colour} TERM=xterm-256color WT_SERVER={} WT_TOKEN={} {} mfa enroll --no-confirm; echo \"{EXIT_MARKER}$?\"; exec sleep 600",
        shq(&d.base),
        shq(token),
        shq(&bin("wt").to_string_lossy()),
    )
}

/// A terminal colour as tmux reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Colour {
    Default,
    Indexed(u8),
    Rgb(u8, u8, u8),
}

/// One screen cell: its character and colours.
#[derive(Clone, Copy, Debug)]
struct Cell {
    ch: char,
    fg: Colour,
    bg: Colour,
}

/// Applies one SGR parameter list (`ESC [ params m`) to the current colours.
fn apply_sgr(params: &str, fg: &mut Colour, bg: &mut Colour) {
    let nums: Vec<u16> = params
        .split([';', ':'])
        .map(|p| {
            if p.is_empty() {
                0
            } else {
                p.parse().unwrap_or(0)
            }
        })
        .collect();
    let mut i = 0;
    while i < nums.len() {
        let n = nums[i];
        match n {
            0 => (*fg, *bg) = (Colour::Default, Colour::Default),
            30..=37 => *fg = Colour::Indexed((n - 30) as u8),
            90..=97 => *fg = Colour::Indexed((n - 90 + 8) as u8),
            39 => *fg = Colour::Default,
            40..=47 => *bg = Colour::Indexed((n - 40) as u8),
            100..=107 => *bg = Colour::Indexed((n - 100 + 8) as u8),
            49 => *bg = Colour::Default,
            38 | 48 => {
                let target = if n == 38 { &mut *fg } else { &mut *bg };
                match nums.get(i + 1) {
                    Some(5) => {
                        let idx = nums.get(i + 2).copied().unwrap_or(0);
                        *target = Colour::Indexed(u8::try_from(idx).unwrap_or(u8::MAX));
                        i += 2;
                    }
                    Some(2) => {
                        let c = |k: usize| {
                            u8::try_from(nums.get(i + k).copied().unwrap_or(0)).unwrap_or(u8::MAX)
                        };
                        *target = Colour::Rgb(c(2), c(3), c(4));
                        i += 4;
                    }
                    _ => {}
                }
            }
            _ => {} // bold, underline, ...: no colour
        }
        i += 1;
    }
}

/// Parses a `capture-pane -e` screen into lines of cells. Colours carry over from one
/// line to the next (tmux only emits changes). Non-SGR escapes are skipped.
fn parse_screen(screen: &str) -> Vec<Vec<Cell>> {
    let (mut fg, mut bg) = (Colour::Default, Colour::Default);
    let mut lines = vec![Vec::new()];
    let mut chars = screen.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                Some('[') => {
                    let mut body = String::new();
                    for c in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&c) {
                            if c == 'm' {
                                apply_sgr(&body, &mut fg, &mut bg);
                            }
                            break;
                        }
                        body.push(c);
                    }
                }
                Some(']') => {
                    // OSC (e.g. hyperlinks): up to BEL or ST.
                    while let Some(c) = chars.next() {
                        if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\n' => lines.push(Vec::new()),
            ch => lines
                .last_mut()
                .expect("at least one line")
                .push(Cell { ch, fg, bg }),
        }
    }
    lines
}

/// Dark (true) or light module for the colour of a QR cell half: qr2term draws dark as
/// black and light as white.
fn module(c: Colour, at: (usize, usize)) -> bool {
    match c {
        Colour::Indexed(0) | Colour::Rgb(0, 0, 0) => true,
        Colour::Indexed(7 | 15) | Colour::Rgb(255, 255, 255) => false,
        other => panic!("QR cell {at:?} has colour {other:?}, neither black nor white"),
    }
}

/// Reads the QR block (the lines between "Scan this QR code" and "Secret:") back into
/// modules. Each cell is two modules stacked: the top one is the background colour; the
/// bottom one is the foreground colour for "▄" and the background colour for " ".
fn qr_from_screen(cells: &[Vec<Cell>], screen: &str) -> Vec<Vec<bool>> {
    let text = |l: &[Cell]| l.iter().map(|c| c.ch).collect::<String>();
    let start = cells
        .iter()
        .position(|l| text(l).starts_with("Scan this QR code with your authenticator app:"))
        .unwrap_or_else(|| panic!("no QR heading on screen:\n{screen}"));
    let end = cells
        .iter()
        .position(|l| text(l).starts_with("Secret:"))
        .unwrap_or_else(|| panic!("no Secret line on screen:\n{screen}"));
    let block = &cells[start + 1..end];
    assert!(!block.is_empty(), "empty QR block:\n{screen}");
    let width = block[0].len();
    let mut rows = Vec::new();
    for (y, line) in block.iter().enumerate() {
        assert_eq!(
            line.len(),
            width,
            "QR line {y} is {} cells wide, the first is {width}:\n{screen}",
            line.len()
        );
        let (mut top, mut bottom) = (Vec::new(), Vec::new());
        for (x, cell) in line.iter().enumerate() {
            let t = module(cell.bg, (x, y));
            let b = match cell.ch {
                '▄' => module(cell.fg, (x, y)),
                ' ' => t,
                other => panic!("QR cell ({x}, {y}) is {other:?}, not '▄' or ' ':\n{screen}"),
            };
            top.push(t);
            bottom.push(b);
        }
        rows.push(top);
        rows.push(bottom);
    }
    rows
}

/// The module matrix qr2term draws for `data`: `QrCode::new` (EC level M), surrounded by
/// a 2-module light quiet zone.
fn expected_matrix(data: &str) -> Vec<Vec<bool>> {
    let code = QrCode::new(data.as_bytes()).expect("the URI fits in a QR code");
    let n = code.width();
    let colors = code.to_colors();
    let size = n + 2 * QUIET_ZONE;
    let mut m = vec![vec![false; size]; size];
    for y in 0..n {
        for x in 0..n {
            m[y + QUIET_ZONE][x + QUIET_ZONE] = colors[y * n + x] == Color::Dark;
        }
    }
    m
}

fn render(m: &[Vec<bool>]) -> String {
    m.iter()
        .map(|r| {
            r.iter()
                .map(|&d| if d { '#' } else { '.' })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text after `prefix` on the screen line that starts with it.
fn field<'a>(screen: &'a str, prefix: &str) -> &'a str {
    screen
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no {prefix:?} line:\n{screen}"))
}

/// The `secret=` parameter of an otpauth URI.
fn uri_secret(uri: &str) -> &str {
    uri.split_once('?')
        .map(|(_, q)| q)
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("secret="))
        .unwrap_or_else(|| panic!("no secret= in {uri}"))
}

/// The shown secret is the URI's, in groups of four.
fn assert_secret_matches(shown: &str, uri: &str) {
    let secret = uri_secret(uri);
    assert!(!secret.is_empty(), "{uri}");
    assert_eq!(shown.replace(' ', ""), secret, "shown {shown:?}, URI {uri}");
    let groups: Vec<&str> = shown.split(' ').collect();
    let (last, full) = groups.split_last().expect("a group");
    assert!(
        full.iter().all(|g| g.len() == 4) && (1..=4).contains(&last.len()),
        "secret not grouped in fours: {shown:?}"
    );
}

#[test]
fn enroll_in_a_terminal_draws_a_qr_code_of_the_printed_uri_and_piped_prints_no_escapes() {
    if !have_tmux() {
        eprintln!("SKIPPED: tmux not installed");
        return;
    }
    let d = Daemon::start();
    d.setup();
    let token = d.login_token();

    // 1. A real terminal: the QR code is drawn with colours.
    let tmux = Tmux::start("colour", &pane_script(&d, &token, false));
    let plain = tmux.wait_for_exit();
    let coloured = tmux.capture(true);
    drop(tmux);

    let uri = field(&plain, "URI:");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert_secret_matches(field(&plain, "Secret:"), uri);
    assert!(
        plain.contains("Enrollment started"),
        "stderr note missing:\n{plain}"
    );
    assert!(
        !plain.contains("QR code not drawn"),
        "a terminal without NO_COLOR draws the QR code:\n{plain}"
    );

    let cells = parse_screen(&coloured);
    let mut got = qr_from_screen(&cells, &coloured);
    let want = expected_matrix(uri);
    // QR sizes are odd: qr2term's last cell line has only a top module, the bottom is light.
    assert_eq!(
        got.len(),
        want.len() + 1,
        "QR block of {} module rows, expected {} (+1 padding):\n{coloured}",
        got.len(),
        want.len()
    );
    let pad = got.pop().expect("padding row");
    assert!(
        pad.iter().all(|&dark| !dark),
        "the padding row is light: {pad:?}"
    );
    assert_eq!(got[0].len(), want.len(), "QR block is not square");
    assert!(
        got == want,
        "the QR code on screen is not the QR code of {uri}\non screen:\n{}\nexpected:\n{}",
        render(&got),
        render(&want)
    );

    // 2. Piped (a second enrollment replaces the pending one): no escape code at all, and
    // still the URI and the secret. Without NO_COLOR, so the pipe alone turns colours off.
    for format in ["table", "json"] {
        let mut c = d.wt();
        c.env("WT_TOKEN", &token).env_remove("NO_COLOR").args([
            "mfa",
            "enroll",
            "--no-confirm",
            "--output",
            format,
        ]);
        let out = c.output().expect("run wt mfa enroll piped");
        let (stdout, err) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(out.status.success(), "{format}: {err}");
        assert!(
            !out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b),
            "{format}: escape code when piped:\n{stdout:?}\n{err:?}"
        );
        assert!(!stdout.contains('▄'), "{format}: QR drawn to a pipe");
        let uri = if format == "table" {
            assert!(err.contains("stdout is not a terminal"), "{err}");
            let uri = field(&stdout, "URI:");
            assert_secret_matches(field(&stdout, "Secret:"), uri);
            uri.to_string()
        } else {
            let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON output");
            let uri = v["otpauth_uri"].as_str().expect("otpauth_uri").to_string();
            assert_eq!(v["secret"].as_str(), Some(uri_secret(&uri)), "{v}");
            uri
        };
        assert!(uri.starts_with("otpauth://totp/"), "{format}: {stdout}");
        assert!(stdout.contains(uri_secret(&uri)), "{format}: {stdout}");
    }
}

#[test]
fn enroll_in_a_terminal_with_no_color_draws_no_qr_code_and_prints_no_colours() {
    if !have_tmux() {
        eprintln!("SKIPPED: tmux not installed");
        return;
    }
    let d = Daemon::start();
    d.setup();
    let token = d.login_token();

    let tmux = Tmux::start("nocolor", &pane_script(&d, &token, true));
    let plain = tmux.wait_for_exit();
    let coloured = tmux.capture(true);
    drop(tmux);

    assert!(
        plain.contains("note: QR code not drawn (NO_COLOR is set"),
        "{plain}"
    );
    assert!(!plain.contains('▄') && !coloured.contains('▄'), "{plain}");
    assert!(!plain.contains("Scan this QR code"), "{plain}");
    let uri = field(&plain, "URI:");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert_secret_matches(field(&plain, "Secret:"), uri);
    // tmux may emit its own resets; no cell may carry a colour.
    for (y, line) in parse_screen(&coloured).iter().enumerate() {
        for (x, cell) in line.iter().enumerate() {
            assert!(
                cell.fg == Colour::Default && cell.bg == Colour::Default,
                "cell ({x}, {y}) {cell:?} is coloured under NO_COLOR:\n{coloured:?}"
            );
        }
    }
    // Nor may any SGR sequence set a colour (even one no cell shows).
    for params in sgr_params(&coloured) {
        let (mut fg, mut bg) = (Colour::Default, Colour::Default);
        apply_sgr(&params, &mut fg, &mut bg);
        assert!(
            fg == Colour::Default && bg == Colour::Default,
            "colour code ESC[{params}m under NO_COLOR:\n{coloured:?}"
        );
    }
}

/// The parameter lists of every SGR sequence (`ESC [ params m`) in `screen`.
fn sgr_params(screen: &str) -> Vec<String> {
    screen
        .split("\x1b[")
        .skip(1)
        .filter_map(|s| {
            let end = s.find(|c: char| ('\x40'..='\x7e').contains(&c))?;
            (s[end..].starts_with('m')).then(|| s[..end].to_string())
        })
        .collect()
}
