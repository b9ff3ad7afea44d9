//! What the guard suite shares: a moto per test with a journal in a temporary
//! directory, seeding through the Rust SDK, and reading the real effects
//! back from moto (policies, key status, login profiles, tags, groups).

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Output;
use trailguard_e2e::moto::{runtime, Moto, MOTO_ACCOUNT};
use trailguard_e2e::*;

/// A private moto and a journal file for one test.
pub struct Env {
    pub moto: Moto,
    pub rt: tokio::runtime::Runtime,
    pub iam: aws_sdk_iam::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub dir: tempfile::TempDir,
    pub journal: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let moto = Moto::start();
        let rt = runtime();
        let sdk = rt.block_on(moto.sdk());
        let dir = tempdir();
        let journal = dir.path().join("journal.json");
        Env {
            iam: aws_sdk_iam::Client::new(&sdk),
            ec2: aws_sdk_ec2::Client::new(&sdk),
            moto,
            rt,
            dir,
            journal,
        }
    }

    /// `trailguard <args> --journal <journal>` against this moto.
    pub fn tg(&self, args: &[&str]) -> Output {
        let mut all = args.to_vec();
        let j = self.journal.display().to_string();
        all.extend(["--journal", &j]);
        self.moto.trailguard(&all)
    }

    /// The same, expecting `code`; returns stdout.
    pub fn ok(&self, args: &[&str], code: i32) -> String {
        let out = self.tg(args);
        assert_exit(&out, code, &args.join(" "));
        stdout_text(&out)
    }

    /// The journal file as JSON (`{"entries": [...]}`).
    pub fn journal_json(&self) -> Value {
        let text = std::fs::read_to_string(&self.journal)
            .unwrap_or_else(|e| panic!("{}: {e}", self.journal.display()));
        serde_json::from_str(&text).expect("journal is JSON")
    }

    /// The latest journal entry for `target`.
    pub fn entry(&self, target: &str) -> Value {
        let j = self.journal_json();
        j["entries"]
            .as_array()
            .and_then(|a| a.iter().rev().find(|e| e["target"] == target))
            .cloned()
            .unwrap_or_else(|| panic!("no journal entry for {target}: {j:#}"))
    }

    pub fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// A user with `keys` access keys and, when `password`, a console password; returns the key ids.
    pub fn user(&self, name: &str, keys: usize, password: bool) -> Vec<String> {
        self.block(async {
            self.iam
                .create_user()
                .user_name(name)
                .send()
                .await
                .expect("create user");
            let mut ids = Vec::new();
            for _ in 0..keys {
                let k = self
                    .iam
                    .create_access_key()
                    .user_name(name)
                    .send()
                    .await
                    .expect("key");
                ids.push(k.access_key().expect("key").access_key_id().to_owned());
            }
            if password {
                self.iam
                    .create_login_profile()
                    .user_name(name)
                    .password("Correct-Horse-9!")
                    .send()
                    .await
                    .expect("login profile");
            }
            ids
        })
    }

    /// Access key id -> status.
    pub fn keys(&self, user: &str) -> BTreeMap<String, String> {
        self.block(async {
            let out = self
                .iam
                .list_access_keys()
                .user_name(user)
                .send()
                .await
                .expect("keys");
            out.access_key_metadata()
                .iter()
                .map(|k| {
                    let id = k.access_key_id().unwrap_or_default().to_owned();
                    (
                        id,
                        k.status()
                            .map(|s| s.as_str().to_owned())
                            .unwrap_or_default(),
                    )
                })
                .collect()
        })
    }

    /// The user's or role's inline policy document, if any.
    pub fn inline_policy(&self, kind: &str, name: &str, policy: &str) -> Option<Value> {
        self.block(async {
            let text = if kind == "user" {
                let r = self
                    .iam
                    .get_user_policy()
                    .user_name(name)
                    .policy_name(policy)
                    .send()
                    .await;
                r.ok().map(|o| o.policy_document().to_owned())
            } else {
                let r = self
                    .iam
                    .get_role_policy()
                    .role_name(name)
                    .policy_name(policy)
                    .send()
                    .await;
                r.ok().map(|o| o.policy_document().to_owned())
            };
            text.map(|t| decode_policy(&t))
        })
    }

    pub fn has_login_profile(&self, user: &str) -> bool {
        self.block(async {
            self.iam
                .get_login_profile()
                .user_name(user)
                .send()
                .await
                .is_ok()
        })
    }

    pub fn user_tags(&self, user: &str) -> BTreeMap<String, String> {
        self.block(async {
            let out = self
                .iam
                .list_user_tags()
                .user_name(user)
                .send()
                .await
                .expect("tags");
            out.tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect()
        })
    }

    pub fn role_tags(&self, role: &str) -> BTreeMap<String, String> {
        self.block(async {
            let out = self
                .iam
                .list_role_tags()
                .role_name(role)
                .send()
                .await
                .expect("tags");
            out.tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect()
        })
    }

    /// A role anyone in the account may assume.
    pub fn role(&self, name: &str) {
        let trust = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{MOTO_ACCOUNT}:root"}},"Action":"sts:AssumeRole"}}]}}"#
        );
        self.block(async {
            self.iam
                .create_role()
                .role_name(name)
                .assume_role_policy_document(trust)
                .send()
                .await
                .expect("create role");
        });
    }
}

/// A policy document as IAM returns it: JSON, possibly URL-encoded.
pub fn decode_policy(text: &str) -> Value {
    if let Ok(v) = serde_json::from_str(text) {
        return v;
    }
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    serde_json::from_slice(&out).unwrap_or_else(|e| panic!("policy {text}: {e}"))
}

/// The policy's single statement.
pub fn statement(doc: &Value) -> &Value {
    &doc["Statement"][0]
}

/// Stderr as one string (for message checks).
pub fn stderr_text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
