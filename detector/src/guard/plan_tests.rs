use super::*;
use crate::guard::state::{EniState, IsolationGroup, KeyState, LoginState};

pub(crate) const NOW: Timestamp = 1_795_000_000;

pub(crate) fn opts() -> Options {
    Options {
        by: "arn:aws:sts::111122223333:assumed-role/responder/jane".into(),
        now: NOW,
        reason: "key leaked on GitHub".into(),
        remove_console_access: false,
        deny_all: false,
        quarantine_id: "arn:aws:iam::111122223333:user/alice@2026-11-18T11:06:40Z".into(),
    }
}

pub(crate) fn alice() -> UserState {
    let key = |id: &str, status: &str| KeyState {
        id: id.into(),
        status: status.into(),
        created: NOW - 86_400,
    };
    UserState {
        arn: "arn:aws:iam::111122223333:user/alice".into(),
        name: "alice".into(),
        keys: vec![
            key("AKIAALICE0000000001", "Active"),
            key("AKIAALICE0000000002", "Active"),
            key("AKIAALICE0000000003", "Inactive"),
        ],
        login_profile: Some(LoginState {
            password_reset_required: false,
        }),
        policy: None,
        tags: BTreeMap::from([("team".to_owned(), "data".to_owned())]),
    }
}

pub(crate) fn web() -> InstanceState {
    InstanceState {
        id: "i-0123456789abcdef0".into(),
        region: "us-east-1".into(),
        arn: "arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0".into(),
        state: "running".into(),
        enis: vec![EniState {
            id: "eni-01".into(),
            vpc_id: "vpc-1".into(),
            groups: vec!["sg-web".into(), "sg-ssh".into()],
        }],
        termination_protection: false,
        stop_protection: false,
        volumes: vec!["vol-1".into(), "vol-2".into()],
        snapshotted: Vec::new(),
        tags: BTreeMap::new(),
        isolation: BTreeMap::from([("vpc-1".to_owned(), IsolationGroup::default())]),
    }
}

fn user_target() -> Target {
    Target::parse("arn:aws:iam::111122223333:user/alice", None).expect("target")
}

fn calls(steps: &[Step]) -> Vec<String> {
    steps.iter().map(|s| s.api_call.clone()).collect()
}

/// The observed state once `steps` took effect (what AWS would show).
pub(crate) fn apply_user(mut u: UserState, steps: &[Step]) -> UserState {
    for s in steps {
        match s.api_call.as_str() {
            "iam:PutUserPolicy" => u.policy = Some(s.after["PolicyDocument"].clone()),
            "iam:UpdateAccessKey" => {
                for k in u.keys.iter_mut().filter(|k| k.id == s.param("AccessKeyId")) {
                    k.status = s.param("Status").to_owned();
                }
            }
            "iam:DeleteLoginProfile" => u.login_profile = None,
            "iam:TagUser" => {
                for t in s.params["Tags"].as_array().into_iter().flatten() {
                    let k = t["Key"].as_str().unwrap_or("").to_owned();
                    u.tags
                        .insert(k, t["Value"].as_str().unwrap_or("").to_owned());
                }
            }
            other => panic!("unexpected {other}"),
        }
    }
    u
}

#[test]
fn a_user_is_denied_everything_then_its_active_keys_go_then_it_is_tagged() {
    let steps = quarantine(&user_target(), &Observed::User(alice()), &opts());
    assert_eq!(
        calls(&steps),
        [
            "iam:PutUserPolicy",
            "iam:UpdateAccessKey",
            "iam:UpdateAccessKey",
            "iam:TagUser"
        ]
    );
    let put = &steps[0];
    assert_eq!(put.param("PolicyName"), "trailguard-quarantine");
    let doc: Value = serde_json::from_str(put.param("PolicyDocument")).expect("json text");
    assert!(policies::is_deny_all(&doc));
    assert_eq!(put.before, json!({"PolicyDocument": null}));
    assert_eq!(steps[1].param("AccessKeyId"), "AKIAALICE0000000001");
    assert_eq!(steps[1].before, json!({"Status": "Active"}));
    let tags = &steps[3];
    assert_eq!(
        tags.params["Tags"],
        json!([
            {"Key": "trailguard:quarantined-by", "Value": "arn:aws:sts::111122223333:assumed-role/responder/jane"},
            {"Key": "trailguard:quarantined-at", "Value": "2026-11-18T11:06:40Z"},
            {"Key": "trailguard:quarantine-reason", "Value": "key leaked on GitHub"},
        ])
    );
    assert_eq!(
        tags.before["Tags"]["trailguard:quarantined-at"],
        Value::Null
    );
}

#[test]
fn quarantining_twice_plans_nothing_the_second_time() {
    let o = Options {
        remove_console_access: true,
        ..opts()
    };
    let first = quarantine(&user_target(), &Observed::User(alice()), &o);
    assert!(calls(&first).contains(&"iam:DeleteLoginProfile".to_owned()));
    let after = apply_user(alice(), &first);
    assert_eq!(
        quarantine(&user_target(), &Observed::User(after), &o),
        vec![]
    );
    // Half done (policy and the first key): only the rest is planned.
    let half = apply_user(alice(), &first[..2]);
    let rest = quarantine(&user_target(), &Observed::User(half), &o);
    assert_eq!(
        calls(&rest),
        [
            "iam:UpdateAccessKey",
            "iam:DeleteLoginProfile",
            "iam:TagUser"
        ]
    );
    assert_eq!(rest[0].param("AccessKeyId"), "AKIAALICE0000000002");
}

#[test]
fn an_access_key_target_touches_that_key_only() {
    let t = Target::parse("AKIAALICE0000000002", None).expect("key");
    let steps = quarantine(&t, &Observed::User(alice()), &opts());
    assert_eq!(calls(&steps), ["iam:UpdateAccessKey"]);
    assert_eq!(steps[0].param("UserName"), "alice");
    assert_eq!(steps[0].param("AccessKeyId"), "AKIAALICE0000000002");
    let inactive = Target::parse("AKIAALICE0000000003", None).expect("key");
    assert!(quarantine(&inactive, &Observed::User(alice()), &opts()).is_empty());
}

#[test]
fn a_role_loses_its_older_sessions_or_everything_with_deny_all() {
    let role = RoleState {
        arn: "arn:aws:iam::111122223333:role/deploy".into(),
        name: "deploy".into(),
        path: "/".into(),
        policy: None,
        tags: BTreeMap::new(),
    };
    let t = Target::parse("arn:aws:sts::111122223333:assumed-role/deploy/s", None).expect("t");
    let steps = quarantine(&t, &Observed::Role(role.clone()), &opts());
    assert_eq!(calls(&steps), ["iam:PutRolePolicy", "iam:TagRole"]);
    let doc = &steps[0].after["PolicyDocument"];
    assert_eq!(policies::sessions_cutoff(doc), Some("2026-11-18T11:06:40Z"));
    // Re-run later: the session deny is in effect, nothing to do.
    let done = RoleState {
        policy: Some(doc.clone()),
        tags: BTreeMap::from([(TAG_AT.to_owned(), "x".to_owned())]),
        ..role.clone()
    };
    let later = Options {
        now: NOW + 3600,
        ..opts()
    };
    assert!(quarantine(&t, &Observed::Role(done.clone()), &later).is_empty());
    // --deny-all upgrades a session deny to a full freeze.
    let freeze = Options {
        deny_all: true,
        ..opts()
    };
    let up = quarantine(&t, &Observed::Role(done), &freeze);
    assert_eq!(calls(&up), ["iam:PutRolePolicy"]);
    assert!(policies::is_deny_all(&up[0].after["PolicyDocument"]));
    assert_eq!(up[0].before["PolicyDocument"], *doc);
}

#[test]
fn an_instance_is_isolated_protected_snapshotted_and_tagged() {
    let t = Target::parse(&web().arn, None).expect("t");
    let steps = quarantine(&t, &Observed::Instance(web()), &opts());
    assert_eq!(
        calls(&steps),
        [
            "ec2:CreateSecurityGroup",
            "ec2:RevokeSecurityGroupEgress",
            "ec2:ModifyNetworkInterfaceAttribute",
            "ec2:ModifyInstanceAttribute",
            "ec2:ModifyInstanceAttribute",
            "ec2:CreateSnapshot",
            "ec2:CreateSnapshot",
            "ec2:CreateTags"
        ]
    );
    let ph = group_placeholder("vpc-1");
    assert_eq!(steps[1].params["GroupId"], json!(ph));
    assert_eq!(
        steps[1].params["IpPermissions"],
        json!([{"IpProtocol": "-1", "Ipv4": ["0.0.0.0/0"]}])
    );
    assert_eq!(steps[2].params["Groups"], json!([ph]));
    assert_eq!(steps[2].before["Groups"], json!(["sg-web", "sg-ssh"]));
    assert_eq!(
        steps[3].params,
        json!({"InstanceId": "i-0123456789abcdef0", "DisableApiTermination": {"Value": true}})
    );
    assert_eq!(steps[4].before, json!({"DisableApiStop": false}));
    let snap_tags = &steps[5].params["TagSpecifications"][0]["Tags"];
    assert_eq!(snap_tags[0]["Key"], TAG_QUARANTINE_ID);
    let tags = steps[7].params["Tags"].as_array().expect("tags");
    assert!(tags.contains(&json!({"Key": TAG_ORIGINAL_SGS, "Value": "eni-01:sg-web,sg-ssh"})));
    assert_eq!(steps[7].params["Resources"], json!(["i-0123456789abcdef0"]));
    // The placeholder becomes the created group everywhere.
    let mut s = steps[2].clone();
    substitute(&mut s.params, &BTreeMap::from([(ph, "sg-iso".to_owned())]));
    assert_eq!(s.params["Groups"], json!(["sg-iso"]));
}

#[test]
fn an_isolated_instance_plans_nothing_and_a_dirty_isolation_group_is_emptied() {
    let t = Target::parse(&web().arn, None).expect("t");
    let mut i = web();
    i.isolation.insert(
        "vpc-1".into(),
        IsolationGroup {
            id: Some("sg-iso".into()),
            ingress: vec![Permission::all_traffic("10.0.0.0/8")],
            egress: Vec::new(),
            vpc_ipv6: false,
        },
    );
    i.enis[0].groups = vec!["sg-iso".into()];
    i.termination_protection = true;
    i.stop_protection = true;
    i.snapshotted = vec!["vol-1".into(), "vol-2".into()];
    i.tags.insert(TAG_AT.into(), "2026-11-18T11:06:40Z".into());
    let steps = quarantine(&t, &Observed::Instance(i.clone()), &opts());
    assert_eq!(calls(&steps), ["ec2:RevokeSecurityGroupIngress"]);
    i.isolation.get_mut("vpc-1").expect("vpc").ingress.clear();
    assert!(quarantine(&t, &Observed::Instance(i), &opts()).is_empty());
}

#[test]
fn a_new_group_in_an_ipv6_vpc_loses_both_default_egress_rules() {
    let t = Target::parse(&web().arn, None).expect("t");
    let mut i = web();
    i.isolation.insert(
        "vpc-1".into(),
        IsolationGroup {
            vpc_ipv6: true,
            ..IsolationGroup::default()
        },
    );
    let steps = quarantine(&t, &Observed::Instance(i), &opts());
    assert_eq!(
        steps[1].params["IpPermissions"],
        json!([{"IpProtocol": "-1", "Ipv4": ["0.0.0.0/0"]}, {"IpProtocol": "-1", "Ipv6": ["::/0"]}])
    );
}

#[test]
fn a_mismatched_observation_plans_nothing() {
    assert!(quarantine(&user_target(), &Observed::Instance(web()), &opts()).is_empty());
}
