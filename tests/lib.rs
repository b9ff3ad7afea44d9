//! End-to-end suites for trailguard, driving the built `trailguard` binary through
//! the public contract (`../shared/contracts.md`): arguments, stdout JSON, stderr
//! lines, exit codes. Suites live in `tests/e2e/*.rs`; this file holds helpers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Path to the `trailguard` binary built for this profile.
pub fn binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    target.join(profile).join("trailguard")
}

/// Runs `trailguard` with arguments and optional stdin.
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(binary());
    cmd.args(args).current_dir(root());
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{}: {e} (build it first: cargo build -p trailguard)", binary().display()));
    if let Some(mut input) = child.stdin.take() {
        if let Some(data) = stdin {
            let _ = input.write_all(data);
        }
    }
    child.wait_with_output().expect("wait for trailguard")
}

/// Parses stdout as JSON Lines.
pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}")))
        .collect()
}
