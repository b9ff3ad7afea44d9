//! A principal created and armed by the same actor within the `backdoor_admin`
//! window: the classic persistence move of a stolen credential (Stratus Red Team
//! `aws.persistence.iam-create-admin-user` and `iam-create-backdoor-role`).
//!
//! Creation is `CreateUser` or `CreateRole`. Arming is making it admin
//! (`Attach{User,Role}Policy` with an admin managed policy, `Put{User,Role}Policy`
//! with an admin document, or `AddUserToGroup` to a group the same actor made
//! admin within the window) and/or giving it credentials (`CreateAccessKey`,
//! `CreateLoginProfile`, `UpdateAssumeRolePolicy` opening it to an untrusted
//! outside account or to anyone). Facts are grouped by the acting principal and
//! target the new principal's ARN; one finding per (actor, new principal).
//!
//! Fixtures: `fixtures/rules/corr-backdoor-admin/` (positive: user with admin and
//! key, role with admin, user via admin group; negative: a user created and
//! given a read-only policy and a key, and an admin attachment two hours later).

use super::common;
use crate::config::Config;
use crate::engine::Fact;
use crate::finding::{short_name, Response, Severity};
use crate::record::{Event, Text};
use crate::rules::policy::{is_admin_managed_policy, is_admin_text, parse_document, trust_of};
use crate::rules::util::{contain, group_arn, iam_target, role_arn, user_arn, IamTarget};
use crate::rules::{Correlated, CorrelationRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

pub(crate) static META: RuleMeta = RuleMeta {
    id: "corr-backdoor-admin",
    title: "New IAM principal made admin or given credentials by its creator",
    severity: Severity::Critical,
    mitre: &["T1136.003", "T1098.001", "T1098.003"],
    description: "One actor created an IAM user or role and, within the backdoor_admin window, made it \
                  an administrator (admin managed or inline policy, or an admin group) and/or gave it \
                  credentials (access key, console password, trust opened to an outside account). \
                  This is how a stolen credential becomes a backdoor that survives its rotation.",
    remediation: "Quarantine the new principal (deactivate its keys and password, detach its policies) \
                  and the actor that created it; then sweep for every other principal, key and trust \
                  the actor created or changed.",
    response: Response::Quarantine,
    kind: RuleKind::Correlation,
    events: &[
        "CreateUser",
        "CreateRole",
        "AttachUserPolicy",
        "AttachRolePolicy",
        "PutUserPolicy",
        "PutRolePolicy",
        "AttachGroupPolicy",
        "PutGroupPolicy",
        "AddUserToGroup",
        "CreateAccessKey",
        "CreateLoginProfile",
        "UpdateAssumeRolePolicy",
    ],
    about_failures: false,
};

const CREATE: &str = "create";
const ADMIN: &str = "admin";
const KEY: &str = "key";
const PASSWORD: &str = "password";
const TRUST: &str = "trust";
const GROUP_ADMIN: &str = "group-admin";
/// `AddUserToGroup`: target = the user, `resources[0]` = the group.
const MEMBER: &str = "member";

#[derive(Deserialize, Default)]
struct Created<'a> {
    #[serde(borrow, default)]
    user: Option<Named<'a>>,
    #[serde(borrow, default)]
    role: Option<Named<'a>>,
    #[serde(borrow, default, rename = "accessKey")]
    access_key: Option<Key<'a>>,
}

#[derive(Deserialize, Default)]
struct Named<'a> {
    #[serde(borrow, default)]
    arn: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Key<'a> {
    #[serde(borrow, default)]
    access_key_id: Option<Text<'a>>,
}

fn text(t: &Option<Text>) -> Option<String> {
    t.as_ref()
        .filter(|t| !t.is_empty())
        .map(|t| t.as_str().to_owned())
}

/// True when a trust document lets in an untrusted outside account or anyone.
fn opens_outside(doc: &str, account: &str, cfg: &Config) -> bool {
    let Some(d) = parse_document(doc) else {
        return false;
    };
    let t = trust_of(&d);
    (t.wildcard && !t.wildcard_conditioned)
        || t.accounts
            .iter()
            .any(|a| !cfg.is_trusted_account(a, account))
}

/// What the record contributes: (kind, target ARN, resources).
fn classify(
    ev: &Event,
    t: &IamTarget,
    cfg: &Config,
) -> Option<(&'static str, String, Vec<String>)> {
    let acct = ev.record.account();
    let user = text(&t.user_name).map(|u| user_arn(acct, &u));
    let role = text(&t.role_name).map(|r| role_arn(acct, &r));
    let group = text(&t.group_name).map(|g| group_arn(acct, &g));
    let managed_admin = || text(&t.policy_arn).is_some_and(|p| is_admin_managed_policy(&p));
    let inline_admin = || text(&t.policy_document).is_some_and(|d| is_admin_text(&d));
    let created = || ev.record.response::<Created>().unwrap_or_default();
    let arn_of = |n: Option<Named>| n.and_then(|n| text(&n.arn));
    match ev.name() {
        "CreateUser" => {
            user.map(|u| (CREATE, u.clone(), vec![arn_of(created().user).unwrap_or(u)]))
        }
        "CreateRole" => {
            role.map(|r| (CREATE, r.clone(), vec![arn_of(created().role).unwrap_or(r)]))
        }
        "AttachUserPolicy" if managed_admin() => user.map(|u| (ADMIN, u, vec![])),
        "AttachRolePolicy" if managed_admin() => role.map(|r| (ADMIN, r, vec![])),
        "PutUserPolicy" if inline_admin() => user.map(|u| (ADMIN, u, vec![])),
        "PutRolePolicy" if inline_admin() => role.map(|r| (ADMIN, r, vec![])),
        "AttachGroupPolicy" if managed_admin() => group.map(|g| (GROUP_ADMIN, g, vec![])),
        "PutGroupPolicy" if inline_admin() => group.map(|g| (GROUP_ADMIN, g, vec![])),
        "AddUserToGroup" => user.zip(group).map(|(u, g)| (MEMBER, u, vec![g])),
        "CreateAccessKey" => {
            let key = created().access_key.and_then(|k| text(&k.access_key_id));
            user.map(|u| (KEY, u, key.into_iter().collect()))
        }
        "CreateLoginProfile" => user.map(|u| (PASSWORD, u, vec![])),
        "UpdateAssumeRolePolicy" => {
            let open = text(&t.policy_document).is_some_and(|d| opens_outside(&d, acct, cfg));
            role.filter(|_| open).map(|r| (TRUST, r, vec![]))
        }
        _ => None,
    }
}

/// The facts arming principal `p` after creation `c`, within `w` of everything involved.
fn arms<'g>(c: &Fact, p: &str, group: &'g [Fact], w: i64) -> Vec<&'g Fact> {
    let in_range = |f: &&Fact| f.target == p && f.time >= c.time && f.time <= c.time + w;
    let mut out: Vec<&Fact> = group
        .iter()
        .filter(in_range)
        .filter(|f| matches!(f.kind.as_str(), ADMIN | KEY | PASSWORD | TRUST))
        .collect();
    for m in group.iter().filter(in_range).filter(|f| f.kind == MEMBER) {
        let admin_group = group.iter().find(|g| {
            let (lo, hi) = (c.time.min(g.time), m.time.max(g.time));
            g.kind == GROUP_ADMIN && m.resources.first() == Some(&g.target) && hi - lo <= w
        });
        if let Some(g) = admin_group {
            out.push(m);
            out.push(g);
        }
    }
    out
}

fn describe(f: &Fact) -> String {
    match (f.kind.as_str(), f.event_name.as_str()) {
        (ADMIN, n) if n.starts_with("Attach") => "attached an admin managed policy".to_owned(),
        (ADMIN, _) => "put an admin inline policy".to_owned(),
        (KEY, _) => format!(
            "created access key {}",
            f.resources.first().map(String::as_str).unwrap_or("")
        ),
        (PASSWORD, _) => "gave it a console password".to_owned(),
        (TRUST, _) => "opened its trust policy to an outside account".to_owned(),
        (MEMBER, _) => format!(
            "added it to group {}, made admin by the same actor",
            f.resources.first().map(|g| short_name(g)).unwrap_or("")
        ),
        _ => String::new(),
    }
}

fn report(c: &Fact, armed: &[&Fact], w: i64, cfg: &Config) -> Correlated {
    let mut involved = vec![c];
    involved.extend_from_slice(armed);
    let ordered = common::in_order(&involved);
    let last = ordered.last().map(|f| f.time).unwrap_or(c.time);
    let what = if c.event_name == "CreateRole" {
        "role"
    } else {
        "user"
    };
    let name = short_name(&c.target);
    let did = common::unique(common::in_order(armed).iter().map(|f| describe(f))).join(", ");
    let who = c.actor.key();
    let summary = format!(
        "{who} created IAM {what} {name} and {} {did}; quarantine {name}, {}, then sweep for other \
         principals, keys and trusts they created",
        common::span_text(c.time, last),
        contain(cfg, &c.actor, &who)
    );
    // The new principal's ARN as the record gave it (with its path), keys, groups.
    let mut resources = vec![c
        .resources
        .first()
        .cloned()
        .unwrap_or_else(|| c.target.clone())];
    resources.extend(armed.iter().flat_map(|f| f.resources.iter().cloned()));
    let finding = common::finding(&META, c, &ordered, resources, summary);
    let claim = common::claim_key(&META, &[&c.group, &c.target]);
    common::correlated(finding, &ordered, claim, w)
}

impl CorrelationRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn facts(&self, ev: &Event, cfg: &Config, out: &mut Vec<Fact>) {
        if ev.record.source() != "iam.amazonaws.com" {
            return;
        }
        let Some(actor) = common::principal(ev) else {
            return;
        };
        if let Some((kind, target, resources)) = classify(ev, &iam_target(ev), cfg) {
            out.push(common::fact(&META, actor, kind, ev, target, resources));
        }
    }

    fn window(&self, cfg: &Config) -> i64 {
        cfg.threshold("backdoor_admin").window
    }

    fn check(&self, new: &Fact, group: &[Fact], cfg: &Config) -> Option<Correlated> {
        let w = self.window(cfg);
        let principals: Vec<&str> = if new.kind == GROUP_ADMIN {
            let members = group
                .iter()
                .filter(|m| m.kind == MEMBER && m.resources.first() == Some(&new.target));
            members.map(|m| m.target.as_str()).collect()
        } else {
            vec![new.target.as_str()]
        };
        for p in principals {
            for c in group.iter().filter(|f| f.kind == CREATE && f.target == p) {
                let armed = arms(c, p, group, w);
                if !armed.is_empty() {
                    return Some(report(c, &armed, w, cfg));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::correlation::tests::{findings, iam_user, record};
    use serde_json::json;

    const ID: &str = "corr-backdoor-admin";

    fn create_user(n: u32, t: &str, who: &str, name: &str) -> String {
        record(
            n,
            t,
            "iam.amazonaws.com",
            "CreateUser",
            &iam_user(who),
            json!({"requestParameters": {"userName": name}}),
        )
    }

    fn attach_admin(n: u32, t: &str, who: &str, name: &str) -> String {
        let req =
            json!({"userName": name, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"});
        record(
            n,
            t,
            "iam.amazonaws.com",
            "AttachUserPolicy",
            &iam_user(who),
            json!({"requestParameters": req}),
        )
    }

    #[test]
    fn one_finding_per_new_principal() {
        let lines = vec![
            create_user(1, "2026-11-10T10:00:00Z", "ci", "a"),
            create_user(2, "2026-11-10T10:00:10Z", "ci", "b"),
            attach_admin(3, "2026-11-10T10:01:00Z", "ci", "a"),
            attach_admin(4, "2026-11-10T10:01:10Z", "ci", "b"),
            attach_admin(5, "2026-11-10T10:02:00Z", "ci", "a"),
        ];
        let f = findings(ID, &lines);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[0].resources, vec!["arn:aws:iam::111122223333:user/a"]);
        assert_eq!(f[1].resources, vec!["arn:aws:iam::111122223333:user/b"]);
        assert_eq!(
            f[0].event_ids,
            vec![
                "2026-11-10T10:00:00Z-CreateUser-1",
                "2026-11-10T10:01:00Z-AttachUserPolicy-3"
            ]
        );
    }

    #[test]
    fn own_access_key_and_other_actors_do_not_arm() {
        let own_key = record(
            2,
            "2026-11-10T10:01:00Z",
            "iam.amazonaws.com",
            "CreateAccessKey",
            &iam_user("ci"),
            json!({}),
        );
        let lines = vec![
            create_user(1, "2026-11-10T10:00:00Z", "ci", "a"),
            own_key,
            attach_admin(3, "2026-11-10T10:02:00Z", "bob", "a"),
        ];
        assert!(findings(ID, &lines).is_empty());
    }

    #[test]
    fn admin_group_must_be_armed_within_the_window() {
        let group_admin = |n, t: &str| {
            let req = json!({"groupName": "ops", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"});
            record(
                n,
                t,
                "iam.amazonaws.com",
                "AttachGroupPolicy",
                &iam_user("ci"),
                json!({"requestParameters": req}),
            )
        };
        let add = record(
            3,
            "2026-11-10T12:00:30Z",
            "iam.amazonaws.com",
            "AddUserToGroup",
            &iam_user("ci"),
            json!({"requestParameters": {"groupName": "ops", "userName": "a"}}),
        );
        let create = create_user(2, "2026-11-10T12:00:00Z", "ci", "a");
        let old = vec![
            group_admin(1, "2026-11-10T10:30:00Z"),
            create.clone(),
            add.clone(),
        ];
        assert!(
            findings(ID, &old).is_empty(),
            "group made admin 90 minutes before"
        );
        let recent = vec![
            create.clone(),
            add.clone(),
            group_admin(1, "2026-11-10T11:45:00Z"),
        ];
        assert_eq!(
            findings(ID, &recent).len(),
            1,
            "group made admin 15 minutes before, arriving last"
        );
        let other = vec![
            create,
            add,
            group_admin(1, "2026-11-10T11:45:00Z").replace("\"ops\"", "\"dev\""),
        ];
        assert!(
            findings(ID, &other).is_empty(),
            "another group was made admin"
        );
    }

    #[test]
    fn wildcard_trust_counts_conditioned_does_not() {
        let create = record(
            1,
            "2026-11-10T10:00:00Z",
            "iam.amazonaws.com",
            "CreateRole",
            &iam_user("ci"),
            json!({"requestParameters": {"roleName": "r", "assumeRolePolicyDocument": "{}"}}),
        );
        let trust = |doc: &str| {
            record(
                2,
                "2026-11-10T10:05:00Z",
                "iam.amazonaws.com",
                "UpdateAssumeRolePolicy",
                &iam_user("ci"),
                json!({"requestParameters": {"roleName": "r", "policyDocument": doc}}),
            )
        };
        let open = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
        let narrowed = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}]}"#;
        let own = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(findings(ID, &[create.clone(), trust(open)]).len(), 1);
        assert!(findings(ID, &[create.clone(), trust(narrowed)]).is_empty());
        assert!(findings(ID, &[create, trust(own)]).is_empty());
    }
}
