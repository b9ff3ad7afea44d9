use super::*;
use crate::guard::journal::EntryKind;
use crate::guard::plan::tests::{alice, apply_user, opts, web, NOW};
use crate::guard::plan::{self, group_placeholder, substitute};
use crate::guard::state::{KeyState, UserState};
use crate::guard::target::Target;
use std::collections::BTreeMap;

/// An entry whose steps all ran, as the executor would leave it.
fn done_entry(target: &Target, observed: &Observed, o: &plan::Options) -> Entry {
    let mut e = Entry::new(
        EntryKind::Quarantine,
        &target.arn(),
        &target.label(),
        &o.by,
        NOW,
    );
    e.observed = Some(observed.clone());
    let mut steps = plan::quarantine(target, observed, o);
    let ids = BTreeMap::from([(group_placeholder("vpc-1"), "sg-iso".to_owned())]);
    for s in &mut steps {
        substitute(&mut s.params, &ids);
        substitute(&mut s.after, &ids);
        s.status = StepStatus::Done;
    }
    e.steps = steps;
    e
}

fn user_entry() -> (Entry, UserState) {
    let t = Target::parse("arn:aws:iam::111122223333:user/alice", None).expect("t");
    let e = done_entry(&t, &Observed::User(alice()), &opts());
    let after = apply_user(alice(), &e.steps);
    (e, after)
}

fn calls(steps: &[Step]) -> Vec<String> {
    steps.iter().map(|s| s.call_line()).collect()
}

/// The calls as (api, params) pairs: compared as JSON values, whatever the key order.
fn pairs(steps: &[Step]) -> Vec<(String, serde_json::Value)> {
    steps
        .iter()
        .map(|s| (s.api_call.clone(), s.params.clone()))
        .collect()
}

fn call(api: &str, params: serde_json::Value) -> (String, serde_json::Value) {
    (api.to_owned(), params)
}

#[test]
fn a_user_release_restores_exactly_what_was_recorded() {
    let (e, now) = user_entry();
    let r = release(&e, &Observed::User(now), false);
    assert_eq!(r.differences, Vec::<String>::new());
    assert_eq!(
        pairs(&r.steps),
        [
            call(
                "iam:UntagUser",
                serde_json::json!({"UserName": "alice", "TagKeys": [
                    "trailguard:quarantine-reason", "trailguard:quarantined-at", "trailguard:quarantined-by"]})
            ),
            call(
                "iam:UpdateAccessKey",
                serde_json::json!({"UserName": "alice", "AccessKeyId": "AKIAALICE0000000002", "Status": "Active"})
            ),
            call(
                "iam:UpdateAccessKey",
                serde_json::json!({"UserName": "alice", "AccessKeyId": "AKIAALICE0000000001", "Status": "Active"})
            ),
            call(
                "iam:DeleteUserPolicy",
                serde_json::json!({"UserName": "alice", "PolicyName": "trailguard-quarantine"})
            ),
        ]
    );
    assert_eq!(r.steps[1].undoes, Some(2));
    // Restoring gives back the state seen before the quarantine.
    let mut restored = apply_user(alice(), &e.steps);
    restored.policy = None;
    restored.tags.retain(|k, _| !k.starts_with("trailguard:"));
    for k in &mut restored.keys[..2] {
        k.status = "Active".into();
    }
    assert_eq!(restored, alice());
}

#[test]
fn changes_since_the_quarantine_make_a_release_unsafe() {
    let (e, now) = user_entry();
    let mut tampered = now.clone();
    tampered.keys[0].status = "Active".into();
    tampered.keys.remove(1);
    tampered.keys.push(KeyState {
        id: "AKIANEW0000000000001".into(),
        status: "Active".into(),
        created: NOW + 60,
    });
    tampered.policy = Some(serde_json::json!({"Version": "2012-10-17", "Statement": []}));
    let r = release(&e, &Observed::User(tampered.clone()), false);
    let text = r.differences.join("\n");
    assert!(text.contains("access key AKIANEW0000000000001 (Active) of user alice was created since the quarantine"), "{text}");
    assert!(
        text.contains("access key AKIAALICE0000000002 of user alice no longer exists"),
        "{text}"
    );
    assert!(
        text.contains("access key AKIAALICE0000000001 of user alice is Active again"),
        "{text}"
    );
    assert!(
        text.contains("inline policy trailguard-quarantine of user alice was edited"),
        "{text}"
    );
    assert_eq!(r.differences.len(), 4);
    // Forced: what still exists is restored to the recorded state.
    let forced = release(&e, &Observed::User(tampered), true);
    let lines = calls(&forced.steps).join("\n");
    assert!(lines.contains("iam:DeleteUserPolicy"));
    assert!(!lines.contains("AKIAALICE0000000002"));
    assert!(!lines.contains("AKIAALICE0000000001"), "already Active");
    // The policy removed by someone else is a difference too.
    let mut removed = now;
    removed.policy = None;
    let r = release(&e, &Observed::User(removed), false);
    assert_eq!(
        r.differences,
        ["inline policy trailguard-quarantine of user alice was deleted since the quarantine by someone else"]
    );
}

#[test]
fn a_half_done_release_continues_where_it_stopped() {
    let (mut e, now) = user_entry();
    let first = release(&e, &Observed::User(now.clone()), false);
    // The untag and the first key went through, then the run stopped.
    let mut done = first.steps.clone();
    for s in &mut done[..2] {
        s.status = StepStatus::Done;
    }
    e.merge_release_plan(done[..2].to_vec());
    let mut half = now;
    half.tags.retain(|k, _| !k.starts_with("trailguard:"));
    half.keys[1].status = "Active".into();
    let rest = release(&e, &Observed::User(half), false);
    assert_eq!(rest.differences, Vec::<String>::new());
    assert_eq!(calls(&rest.steps), calls(&first.steps[2..]));
}

#[test]
fn a_console_password_deleted_by_the_quarantine_is_a_note() {
    let t = Target::parse("arn:aws:iam::111122223333:user/alice", None).expect("t");
    let o = plan::Options {
        remove_console_access: true,
        ..opts()
    };
    let e = done_entry(&t, &Observed::User(alice()), &o);
    let now = apply_user(alice(), &e.steps);
    let r = release(&e, &Observed::User(now), false);
    assert!(r.notes[0].contains("aws iam create-login-profile --user-name alice"));
    assert!(!calls(&r.steps).join(" ").contains("LoginProfile"));
}

#[test]
fn an_instance_goes_back_to_its_groups_and_keeps_its_snapshots() {
    let t = Target::parse(&web().arn, None).expect("t");
    let mut e = done_entry(&t, &Observed::Instance(web()), &opts());
    for s in e
        .steps
        .iter_mut()
        .filter(|s| s.api_call == "ec2:CreateSnapshot")
    {
        s.output = Some(serde_json::json!({"SnapshotId": format!("snap-{}", s.param("VolumeId"))}));
    }
    let mut now = web();
    now.enis[0].groups = vec!["sg-iso".into()];
    now.termination_protection = true;
    now.stop_protection = true;
    for t in e.steps.last().expect("tags").params["Tags"]
        .as_array()
        .expect("tags")
    {
        let k = t["Key"].as_str().expect("k").to_owned();
        now.tags
            .insert(k, t["Value"].as_str().expect("v").to_owned());
    }
    let r = release(&e, &Observed::Instance(now.clone()), false);
    assert_eq!(r.differences, Vec::<String>::new());
    let got = pairs(&r.steps);
    assert_eq!(got[0].0, "ec2:DeleteTags");
    assert_eq!(
        got[0].1["Resources"],
        serde_json::json!(["i-0123456789abcdef0"])
    );
    assert_eq!(got[0].1["Tags"].as_array().map(Vec::len), Some(4));
    assert_eq!(
        got[1..],
        [
            call(
                "ec2:ModifyInstanceAttribute",
                serde_json::json!({"InstanceId": "i-0123456789abcdef0", "DisableApiStop": {"Value": false}})
            ),
            call(
                "ec2:ModifyInstanceAttribute",
                serde_json::json!({"InstanceId": "i-0123456789abcdef0", "DisableApiTermination": {"Value": false}})
            ),
            call(
                "ec2:ModifyNetworkInterfaceAttribute",
                serde_json::json!({"NetworkInterfaceId": "eni-01", "Groups": ["sg-web", "sg-ssh"]})
            ),
        ]
    );
    assert!(r
        .notes
        .iter()
        .any(|n| n.starts_with("forensic snapshot snap-vol-1 of volume vol-1 is kept")));
    // Someone moved the interface again since: refused, naming the groups.
    now.enis[0].groups = vec!["sg-open".into()];
    let r = release(&e, &Observed::Instance(now), false);
    assert_eq!(
        r.differences,
        ["network interface eni-01 is now in sg-open, not in the isolation group sg-iso the quarantine put it in"]
    );
}

#[test]
fn a_thing_changed_by_two_quarantine_runs_is_restored_to_the_first_state() {
    use crate::guard::state::RoleState;
    let role = RoleState {
        arn: "arn:aws:iam::111122223333:role/deploy".into(),
        name: "deploy".into(),
        path: "/".into(),
        policy: None,
        tags: BTreeMap::new(),
    };
    let t = Target::parse(&role.arn, None).expect("t");
    let mut e = done_entry(&t, &Observed::Role(role.clone()), &opts());
    let session_doc = e.steps[0].after["PolicyDocument"].clone();
    // A second run with --deny-all upgraded the policy.
    let tagged: BTreeMap<String, String> = e.steps[1].after["Tags"]
        .as_object()
        .expect("tags")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
        .collect();
    let upgraded = RoleState {
        policy: Some(session_doc),
        tags: tagged.clone(),
        ..role.clone()
    };
    let freeze = plan::Options {
        deny_all: true,
        ..opts()
    };
    let mut more = plan::quarantine(&t, &Observed::Role(upgraded), &freeze);
    for s in &mut more {
        s.status = StepStatus::Done;
    }
    e.steps.extend(more);
    let now = RoleState {
        policy: Some(crate::guard::policies::deny_all()),
        tags: tagged,
        ..role
    };
    let r = release(&e, &Observed::Role(now), false);
    assert_eq!(r.differences, Vec::<String>::new());
    let got: Vec<&str> = r.steps.iter().map(|s| s.api_call.as_str()).collect();
    assert_eq!(
        got,
        ["iam:PutRolePolicy", "iam:UntagRole", "iam:DeleteRolePolicy"]
    );
}

#[test]
fn a_key_deactivated_twice_is_reactivated_once_without_a_false_difference() {
    let (mut e, now) = user_entry();
    // Someone reactivated key 1; a second quarantine run deactivated it again.
    let mut again = plan::deactivate_key("alice", "AKIAALICE0000000001");
    again.status = StepStatus::Done;
    e.steps.push(again);
    let r = release(&e, &Observed::User(now), false);
    assert_eq!(r.differences, Vec::<String>::new());
    let reactivations = r
        .steps
        .iter()
        .filter(|s| s.param("AccessKeyId") == "AKIAALICE0000000001")
        .count();
    assert_eq!(reactivations, 1);
}
