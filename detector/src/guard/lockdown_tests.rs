use super::*;
use crate::inventory::{AccessKey, LoginProfile, Status};

const T: Timestamp = 1_795_000_000;
const CALLER: &str = "arn:aws:iam::111122223333:user/responder";

fn user(name: &str, keys: &[(&str, Status, Timestamp)], console: bool) -> User {
    User {
        arn: format!("arn:aws:iam::111122223333:user/{name}"),
        name: name.into(),
        path: "/".into(),
        access_keys: keys
            .iter()
            .map(|(id, status, created)| AccessKey {
                id: (*id).into(),
                status: *status,
                create_date: *created,
                ..AccessKey::default()
            })
            .collect(),
        login_profile: console.then(LoginProfile::default),
        ..User::default()
    }
}

fn role(name: &str, path: &str) -> Role {
    Role {
        arn: format!("arn:aws:iam::111122223333:role{path}{name}"),
        name: name.into(),
        path: path.into(),
        ..Role::default()
    }
}

fn inventory() -> Inventory {
    Inventory {
        account_id: "111122223333".into(),
        users: vec![
            user(
                "alice",
                &[
                    ("AKIAOLD0000000000001", Status::Active, T - 100),
                    ("AKIANEW0000000000001", Status::Active, T + 100),
                    ("AKIAOFF0000000000001", Status::Inactive, T - 100),
                ],
                true,
            ),
            user("bob", &[], true),
            user(
                "breakglass",
                &[("AKIABG00000000000001", Status::Active, T - 9)],
                true,
            ),
            user(
                "responder",
                &[("AKIAME00000000000001", Status::Active, T - 9)],
                false,
            ),
        ],
        roles: vec![
            role("deploy", "/"),
            role(
                "AWSServiceRoleForSupport",
                "/aws-service-role/support.amazonaws.com/",
            ),
            role(
                "AWSReservedSSO_Admin_0a1b",
                "/aws-reserved/sso.amazonaws.com/",
            ),
        ],
        ..Inventory::default()
    }
}

fn cfg() -> Config {
    Config::parse("[principals]\nbreak_glass = [\"arn:aws:iam::111122223333:user/breakglass\"]\n")
        .expect("config")
}

#[test]
fn old_keys_then_role_sessions_then_passwords_everyone_else_excluded() {
    let inv = inventory();
    let cfg = cfg();
    let reset = BTreeMap::from([("bob".to_owned(), true)]);
    let p = plan(&Input {
        inv: &inv,
        cfg: &cfg,
        caller: CALLER,
        issued_before: T,
        reset_required: &reset,
    });
    let got: Vec<(&str, &serde_json::Value)> = p
        .steps
        .iter()
        .map(|s| (s.api_call.as_str(), &s.params))
        .collect();
    let doc = policies::text(&policies::deny_sessions_before(T));
    assert_eq!(
        got,
        [
            (
                "iam:UpdateAccessKey",
                &json!({"UserName": "alice", "AccessKeyId": "AKIAOLD0000000000001", "Status": "Inactive"})
            ),
            (
                "iam:PutRolePolicy",
                &json!({"RoleName": "deploy", "PolicyName": "trailguard-lockdown", "PolicyDocument": doc})
            ),
            (
                "iam:UpdateLoginProfile",
                &json!({"UserName": "alice", "PasswordResetRequired": true})
            ),
        ]
    );
    let ex: Vec<(String, &str)> = p
        .excluded
        .iter()
        .map(|e| (e.arn.rsplit('/').next().unwrap_or("").to_owned(), e.why))
        .collect();
    assert_eq!(
        ex,
        [
            ("breakglass".to_owned(), "break-glass"),
            ("responder".to_owned(), "the identity running trailguard"),
            ("AWSServiceRoleForSupport".to_owned(), "service-linked role"),
            (
                "AWSReservedSSO_Admin_0a1b".to_owned(),
                "IAM Identity Center role"
            ),
        ]
    );
}

#[test]
fn a_second_lockdown_plans_nothing() {
    let mut inv = inventory();
    let cfg = cfg();
    inv.users[0].access_keys[0].status = Status::Inactive;
    inv.roles[0].inline_policies.insert(
        LOCKDOWN_POLICY_NAME.into(),
        policies::deny_sessions_before(T),
    );
    let reset = BTreeMap::from([("alice".to_owned(), true), ("bob".to_owned(), true)]);
    let p = plan(&Input {
        inv: &inv,
        cfg: &cfg,
        caller: CALLER,
        issued_before: T,
        reset_required: &reset,
    });
    assert_eq!(p.steps, vec![]);
    // A later cut-off replaces the role's revocation.
    let p = plan(&Input {
        issued_before: T + 60,
        ..Input {
            inv: &inv,
            cfg: &cfg,
            caller: CALLER,
            issued_before: T,
            reset_required: &reset,
        }
    });
    let calls: Vec<&str> = p.steps.iter().map(|s| s.api_call.as_str()).collect();
    assert_eq!(calls, ["iam:PutRolePolicy"]);
    assert_eq!(
        p.steps[0].before["PolicyDocument"],
        policies::deny_sessions_before(T)
    );
}
