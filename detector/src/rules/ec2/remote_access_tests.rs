//! Tests of `ec2-instance-remote-access-pushed` and `ec2-ssh-key-pushed-to-many`
//! against the real Stratus Red Team detonations and synthetic edge cases.

use crate::finding::Severity;
use crate::rules::secrets::tests::{findings, orders, record, stratus, technique};
use serde_json::{json, Value};

const SERIAL: &str = "ec2-instance-remote-access-pushed";
const FANOUT: &str = "ec2-ssh-key-pushed-to-many";
const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtAlK45MAEWZ7MUY2QEmi3M6W+peGL3VCrc0qH54xRu";

#[test]
fn stratus_serial_console_technique_raises_the_push_and_the_switch() {
    let corpus = stratus();
    let lines = technique(
        &corpus,
        "aws.lateral-movement.ec2-serial-console-send-ssh-public-key",
    );
    let f = findings(SERIAL, &lines);
    let pushes: Vec<_> = f.iter().filter(|f| f.severity == Severity::High).collect();
    let switches: Vec<_> = f
        .iter()
        .filter(|f| f.severity == Severity::Medium)
        .collect();
    assert_eq!((pushes.len(), switches.len()), (3, 1), "{f:?}");
    assert!(pushes
        .iter()
        .all(|p| p.resources[0].starts_with("i-") && p.summary.contains("ssh-ed25519 ...")));
    assert_eq!(switches[0].resources, vec!["844015365555"]);
    assert!(
        findings(FANOUT, &lines).is_empty(),
        "serial console pushes are the other rule's"
    );
}

#[test]
fn stratus_instance_connect_technique_fans_out_once_in_any_order() {
    let corpus = stratus();
    let lines = technique(&corpus, "aws.lateral-movement.ec2-instance-connect");
    for (how, lines) in orders(&lines) {
        let f = findings(FANOUT, &lines);
        assert_eq!(f.len(), 1, "{how}: {f:?}");
        assert_eq!(f[0].resources.len(), 3, "{how}");
        assert_eq!(f[0].severity, Severity::Medium);
    }
    assert!(findings(SERIAL, &lines).is_empty());
}

#[test]
fn stratus_other_techniques_stay_quiet() {
    let corpus = stratus();
    let mut ids: Vec<&str> = corpus.iter().map(|(t, _)| t.as_str()).collect();
    ids.dedup();
    for id in ids
        .into_iter()
        .filter(|id| !id.starts_with("aws.lateral-movement."))
    {
        let lines = technique(&corpus, id);
        assert!(findings(SERIAL, &lines).is_empty(), "{id}");
        assert!(findings(FANOUT, &lines).is_empty(), "{id}");
    }
}

fn push(n: u32, second: u32, who: &str, instance: &str, key: &str) -> String {
    let req = json!({"requestParameters": {"instanceId": instance, "instanceOSUser": "ec2-user", "sSHPublicKey": key},
                     "responseElements": {"requestId": "r", "success": true}, "readOnly": false});
    record(
        n,
        second,
        "ec2-instance-connect.amazonaws.com",
        "SendSSHPublicKey",
        who,
        req,
    )
}

#[test]
fn fresh_keys_few_instances_and_slow_pushes_stay_quiet() {
    let fresh: Vec<String> = (0..8)
        .map(|i| {
            push(
                i,
                i * 30,
                "role/AWSReservedSSO_admin/alice",
                &format!("i-0a{i}"),
                &format!("ssh-rsa AAAAB3Nza{i} "),
            )
        })
        .collect();
    assert!(
        findings(FANOUT, &fresh).is_empty(),
        "a new key per connection"
    );
    let two: Vec<String> = (0..6)
        .map(|i| push(i, i * 30, "bob", &format!("i-0a{}", i % 2), KEY))
        .collect();
    assert!(
        findings(FANOUT, &two).is_empty(),
        "the same two instances again and again"
    );
    let slow: Vec<String> = (0..3)
        .map(|i| push(i, i * 900, "bob", &format!("i-0a{i}"), KEY))
        .collect();
    assert!(
        findings(FANOUT, &slow).is_empty(),
        "three instances over half an hour"
    );
    let split: Vec<String> = (0..3)
        .map(|i| {
            push(
                i,
                i,
                if i == 0 { "carol" } else { "bob" },
                &format!("i-0a{i}"),
                KEY,
            )
        })
        .collect();
    assert!(
        findings(FANOUT, &split).is_empty(),
        "two actors do not add up"
    );
    let fast: Vec<String> = (0..3)
        .map(|i| push(i, i, "bob", &format!("i-0a{i}"), KEY))
        .collect();
    assert_eq!(findings(FANOUT, &fast).len(), 1);
}

#[test]
fn unsuccessful_pushes_and_disabling_are_not_reported() {
    let mut failed: Value = serde_json::from_str(&push(1, 1, "bob", "i-0a1", KEY)).unwrap();
    failed["eventSource"] = json!("ec2-instance-connect.amazonaws.com");
    failed["eventName"] = json!("SendSerialConsoleSSHPublicKey");
    failed["responseElements"]["success"] = json!(false);
    assert!(findings(SERIAL, &[failed.to_string()]).is_empty());
    failed["responseElements"]["success"] = json!(true);
    assert_eq!(findings(SERIAL, &[failed.to_string()]).len(), 1);
    failed["errorCode"] = json!("AccessDenied");
    assert!(findings(SERIAL, &[failed.to_string()]).is_empty());
    let disable = record(
        2,
        2,
        "ec2.amazonaws.com",
        "DisableSerialConsoleAccess",
        "bob",
        json!({}),
    );
    assert!(findings(SERIAL, &[disable]).is_empty());
    let odd = [
        json!(null),
        json!("x"),
        json!([1]),
        json!({"instanceId": {}}),
    ];
    for shape in odd {
        for name in ["SendSerialConsoleSSHPublicKey", "SendSSHPublicKey"] {
            let r = record(
                3,
                3,
                "ec2-instance-connect.amazonaws.com",
                name,
                "bob",
                json!({"requestParameters": shape.clone(), "responseElements": shape.clone()}),
            );
            let one = std::slice::from_ref(&r);
            assert!(
                findings(SERIAL, one).is_empty() && findings(FANOUT, one).is_empty(),
                "{name} {shape}"
            );
        }
    }
}

#[test]
fn the_ssh_key_pushed_threshold_comes_from_the_config() {
    use crate::engine::Engine;
    use crate::rules::secrets::tests::run;
    let cfg = crate::Config::parse("[thresholds]\nssh_key_pushed = { count = 2, window = \"5m\" }")
        .expect("config");
    let engine = Engine::new(cfg);
    let two = vec![
        push(
            0,
            0,
            "mallory",
            "i-0aaaaaaaaaaaaaaa1",
            "ssh-ed25519 AAAAkey1",
        ),
        push(
            1,
            30,
            "mallory",
            "i-0aaaaaaaaaaaaaaa2",
            "ssh-ed25519 AAAAkey1",
        ),
    ];
    let hits = run(&engine, &two)
        .into_iter()
        .filter(|f| f.rule_id == "ec2-ssh-key-pushed-to-many")
        .count();
    assert_eq!(hits, 1);
    let default_hits = findings("ec2-ssh-key-pushed-to-many", &two).len();
    assert_eq!(default_hits, 0, "the default needs three instances");
}
