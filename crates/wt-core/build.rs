//! Compiles data/common-passwords.txt (one lower-cased password a line, `#` comments)
//! into an `fst::Set` in OUT_DIR, which password/policy.rs includes with `include_bytes!`
//! and queries in place: ~150 KB in the binary instead of a ~38,000-entry HashSet built
//! in the heap at run time.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn main() {
    let src = "data/common-passwords.txt";
    println!("cargo:rerun-if-changed={src}");
    let text = std::fs::read_to_string(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    // The fst builder needs keys in byte order, each once.
    let keys: BTreeSet<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let set = fst::Set::from_iter(keys).unwrap_or_else(|e| panic!("{src}: {e}"));
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("common-passwords.fst");
    std::fs::write(&out, set.as_fst().as_bytes())
        .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
