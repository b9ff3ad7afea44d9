//! `lambda/aws-actions.txt` (what the Terraform role allows) lists no action
//! the code never calls: every `service:Action` in it has an SDK call site
//! (`.snake_case_operation(`) in the code the function links (the
//! detector's `aws/` and `audit.rs`, and `lambda/src`). The other direction,
//! every call made is listed, is checked by the moto suites.

use std::path::{Path, PathBuf};

/// `GetSSHPublicKey` -> `get_ssh_public_key`, as the SDK names operations.
fn snake(op: &str) -> String {
    let c: Vec<char> = op.chars().collect();
    let mut out = String::new();
    for (i, ch) in c.iter().enumerate() {
        let prev_lower = i > 0 && (c[i - 1].is_lowercase() || c[i - 1].is_ascii_digit());
        let next_lower = c.get(i + 1).is_some_and(|n| n.is_lowercase());
        let prev_upper = i > 0 && c[i - 1].is_uppercase();
        if ch.is_uppercase() && i > 0 && (prev_lower || (prev_upper && next_lower)) {
            out.push('_');
        }
        out.extend(ch.to_lowercase());
    }
    out
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if !name.contains("tests") && name != "mocks.rs" {
                out.push(p);
            }
        }
    }
}

#[test]
fn snake_case_like_the_sdk() {
    assert_eq!(snake("GetSSHPublicKey"), "get_ssh_public_key");
    assert_eq!(
        snake("ListOpenIDConnectProviders"),
        "list_open_id_connect_providers"
    );
    assert_eq!(snake("ListMFADevices"), "list_mfa_devices");
    assert_eq!(snake("Publish"), "publish");
}

#[test]
fn every_listed_action_has_a_call_site() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&here.join("src"), &mut files);
    sources(&here.join("../detector/src/aws"), &mut files);
    files.push(here.join("../detector/src/audit.rs"));
    let code: String = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let listed = std::fs::read_to_string(here.join("aws-actions.txt")).unwrap();
    let unused: Vec<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|a| {
            let op = a.split_once(':').map_or(*a, |x| x.1);
            !code.contains(&format!(".{}(", snake(op)))
        })
        .collect();
    assert!(
        unused.is_empty(),
        "aws-actions.txt allows actions no code calls: {unused:?}"
    );
}
