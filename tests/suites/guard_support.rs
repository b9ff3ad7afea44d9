//! What the guard suite shares: a moto per test with a journal in a temporary
//! directory, seeding through the Rust SDK, and reading the real effects
//! back from moto (policies, key status, login profiles, tags, groups).
//! Shared by two suites, each using part of it.
#![allow(dead_code)]

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

    /// `trailguard <args> --journal <journal>` through `endpoint` (a fault proxy in front of this moto).
    pub fn tg_at(&self, endpoint: &str, args: &[&str]) -> Output {
        let mut all = args.to_vec();
        let j = self.journal.display().to_string();
        all.extend(["--journal", &j]);
        trailguard_e2e::moto::trailguard_at(endpoint, &all)
    }

    /// The upstream address a fault proxy forwards to.
    pub fn upstream(&self) -> String {
        format!("127.0.0.1:{}", self.moto.port)
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

/// The default VPC's first subnet, a `web` group open on port 22, an image.
pub fn network(env: &Env) -> (String, String, String) {
    env.block(async {
        let vpcs = env.ec2.describe_vpcs().send().await.expect("vpcs");
        let vpc = vpcs
            .vpcs()
            .iter()
            .find(|v| v.is_default() == Some(true))
            .expect("default VPC");
        let vpc = vpc.vpc_id().expect("vpc id").to_owned();
        let f = aws_sdk_ec2::types::Filter::builder()
            .name("vpc-id")
            .values(&vpc)
            .build();
        let subnets = env
            .ec2
            .describe_subnets()
            .filters(f)
            .send()
            .await
            .expect("subnets");
        let subnet = subnets.subnets()[0].subnet_id().expect("subnet").to_owned();
        let sg = env
            .ec2
            .create_security_group()
            .group_name("web")
            .description("web")
            .vpc_id(&vpc)
            .send()
            .await
            .expect("sg");
        let sg = sg.group_id().expect("sg id").to_owned();
        let ssh = aws_sdk_ec2::types::IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(22)
            .to_port(22)
            .ip_ranges(
                aws_sdk_ec2::types::IpRange::builder()
                    .cidr_ip("0.0.0.0/0")
                    .build(),
            )
            .build();
        env.ec2
            .authorize_security_group_ingress()
            .group_id(&sg)
            .ip_permissions(ssh)
            .send()
            .await
            .expect("ingress");
        let images = env
            .ec2
            .describe_images()
            .owners("amazon")
            .send()
            .await
            .expect("images");
        let image = images.images()[0].image_id().expect("image").to_owned();
        (subnet, sg, image)
    })
}

/// The groups of the instance's interfaces and its protection flags.
pub fn instance_state(env: &Env, id: &str) -> (Vec<Vec<String>>, bool, bool) {
    use aws_sdk_ec2::types::InstanceAttributeName as A;
    env.block(async {
        let out = env
            .ec2
            .describe_instances()
            .instance_ids(id)
            .send()
            .await
            .expect("describe");
        let i = &out.reservations()[0].instances()[0];
        let groups = i
            .network_interfaces()
            .iter()
            .map(|n| {
                n.groups()
                    .iter()
                    .filter_map(|g| g.group_id().map(str::to_owned))
                    .collect()
            })
            .collect();
        let flag = |a: A| async {
            let o = env
                .ec2
                .describe_instance_attribute()
                .instance_id(id)
                .attribute(a)
                .send()
                .await
                .expect("attribute");
            o.disable_api_termination()
                .or(o.disable_api_stop())
                .and_then(|b| b.value())
                .unwrap_or(false)
        };
        (
            groups,
            flag(A::DisableApiTermination).await,
            flag(A::DisableApiStop).await,
        )
    })
}

pub fn forensic_snapshots(env: &Env, id: &str) -> Vec<String> {
    env.block(async {
        let f = aws_sdk_ec2::types::Filter::builder()
            .name("tag:trailguard:forensic-snapshot-of")
            .values(id)
            .build();
        let out = env
            .ec2
            .describe_snapshots()
            .owner_ids("self")
            .filters(f)
            .send()
            .await
            .expect("snapshots");
        out.snapshots()
            .iter()
            .filter_map(|s| s.volume_id().map(str::to_owned))
            .collect()
    })
}

/// An instance in `subnet` whose interface is in group `sg`. The group is
/// given on the interface: moto reports an instance's launch-time groups on
/// every interface whatever the interface's own groups are (unlike EC2),
/// which would hide the swap.
pub fn instance(env: &Env, subnet: &str, sg: &str, image: &str) -> String {
    env.block(async {
        let nic = aws_sdk_ec2::types::InstanceNetworkInterfaceSpecification::builder()
            .device_index(0)
            .subnet_id(subnet)
            .groups(sg)
            .build();
        let out = env
            .ec2
            .run_instances()
            .image_id(image)
            .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
            .min_count(1)
            .max_count(1)
            .network_interfaces(nic)
            .send()
            .await
            .expect("run");
        out.instances()[0].instance_id().expect("id").to_owned()
    })
}
