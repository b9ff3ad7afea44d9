//! A security group opened to the whole internet on SSH, RDP or every port:
//! the attacker's door back in (Stratus `ec2-security-group-open-port-22-ingress`).
//!
//! Reads `AuthorizeSecurityGroupIngress` in both request shapes (the
//! `ipPermissions.items[]` list with `ipRanges`/`ipv6Ranges`, and the legacy
//! flat `cidrIp`/`fromPort`/`toPort`) and `ModifySecurityGroupRules`
//! (`ModifySecurityGroupRulesRequest.SecurityGroupRule[].SecurityGroupRule`).
//! "The whole internet" is any CIDR with prefix length 0 (`0.0.0.0/0`, `::/0`;
//! anonymised records write `208.236.235.254/0`). A rule matches when its
//! protocol is all (`-1`) or TCP/UDP with a port range covering 22 or 3389.
//! HTTPS to the world, and SSH from a /32, are not reported.
//!
//! Fixtures: `fixtures/rules/ec2-security-group-open-world/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::Event;
use crate::rules::json::{field, int, items, path, text};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde_json::Value;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "ec2-security-group-open-world",
    title: "Security group opened to the internet on SSH, RDP or all ports",
    severity: Severity::High,
    mitre: &["T1562.007"],
    description: "An ingress rule now allows 0.0.0.0/0 or ::/0 to SSH (22), RDP (3389) or every \
                  port. Intruders open such doors to come back in directly, or to exfiltrate over \
                  a channel of their choosing.",
    remediation: "Revoke the rule, check the instances and interfaces behind the security group \
                  for logins since it was opened, and confirm the change with the actor's owner; \
                  use SSM Session Manager or a bastion with a narrow CIDR instead.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &["AuthorizeSecurityGroupIngress", "ModifySecurityGroupRules"],
    about_failures: false,
};

/// One ingress permission as requested.
#[derive(Debug, Default, Clone, PartialEq)]
struct Perm {
    proto: String,
    from: Option<i64>,
    to: Option<i64>,
    cidrs: Vec<String>,
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        if r.source() != "ec2.amazonaws.com" {
            return;
        }
        let req: Value = r.request().unwrap_or(Value::Null);
        let (group, perms) = match r.name() {
            "AuthorizeSecurityGroupIngress" => (group_of(&req), authorize_perms(&req)),
            _ => modify_perms(&req),
        };
        let opened = perms.iter().find_map(|p| {
            let what = exposure(p)?;
            p.cidrs
                .iter()
                .find(|c| is_world(c))
                .map(|c| (what, p, c.clone()))
        });
        let Some((what, perm, cidr)) = opened else {
            return;
        };
        let group = group.unwrap_or_else(|| "(unknown)".to_owned());
        let arn = format!(
            "arn:aws:ec2:{}:{}:security-group/{group}",
            r.region(),
            r.account()
        );
        let summary = format!(
            "{} opened {what} on security group {group} to the whole internet ({cidr}) in account {}, {}; revoke it ({}) and check the instances behind it for logins since",
            ev.actor().key(),
            r.account(),
            r.region(),
            revoke_cmd(ev, &req, &group, perm, &cidr)
        );
        out.push(Finding::for_event(&META, ev, vec![arn], summary));
    }
}

/// The command that removes the rule: by rule id when the record names it.
fn revoke_cmd(ev: &Event, req: &Value, group: &str, p: &Perm, cidr: &str) -> String {
    let resp: Value = ev.record.response().unwrap_or(Value::Null);
    let mut ids: Vec<String> = items(field(&resp, "securityGroupRuleSet"))
        .into_iter()
        .filter_map(|x| text(field(x, "securityGroupRuleId")))
        .collect();
    let body = field(req, "ModifySecurityGroupRulesRequest").unwrap_or(req);
    ids.extend(
        items(field(body, "SecurityGroupRule"))
            .into_iter()
            .filter_map(|x| text(field(x, "SecurityGroupRuleId"))),
    );
    if !ids.is_empty() {
        return format!(
            "aws ec2 revoke-security-group-ingress --group-id {group} --security-group-rule-ids {}",
            ids.join(" ")
        );
    }
    let port = match (p.from, p.to) {
        (Some(f), Some(t)) if f == t => format!(" --port {f}"),
        (Some(f), Some(t)) if f >= 0 => format!(" --port {f}-{t}"),
        _ => String::new(),
    };
    format!("aws ec2 revoke-security-group-ingress --group-id {group} --protocol {}{port} --cidr {cidr}", p.proto)
}

fn group_of(req: &Value) -> Option<String> {
    text(field(req, "groupId")).or_else(|| text(field(req, "groupName")))
}

/// Permissions of `AuthorizeSecurityGroupIngress`: the list and the flat form.
fn authorize_perms(req: &Value) -> Vec<Perm> {
    let mut out: Vec<Perm> = items(path(req, &["ipPermissions"]))
        .into_iter()
        .map(|p| Perm {
            proto: text(field(p, "ipProtocol")).unwrap_or_default(),
            from: int(field(p, "fromPort")),
            to: int(field(p, "toPort")),
            cidrs: items(field(p, "ipRanges"))
                .into_iter()
                .filter_map(|x| text(field(x, "cidrIp")))
                .chain(
                    items(field(p, "ipv6Ranges"))
                        .into_iter()
                        .filter_map(|x| text(field(x, "cidrIpv6"))),
                )
                .collect(),
        })
        .collect();
    let flat: Vec<String> = ["cidrIp", "cidrIpv6"]
        .iter()
        .filter_map(|k| text(field(req, k)))
        .collect();
    if !flat.is_empty() {
        out.push(Perm {
            proto: text(field(req, "ipProtocol")).unwrap_or_else(|| "-1".to_owned()),
            from: int(field(req, "fromPort")),
            to: int(field(req, "toPort")),
            cidrs: flat,
        });
    }
    out
}

/// Group and rules of `ModifySecurityGroupRules`.
fn modify_perms(req: &Value) -> (Option<String>, Vec<Perm>) {
    let Some(body) = field(req, "ModifySecurityGroupRulesRequest").or(Some(req)) else {
        return (None, vec![]);
    };
    let group = text(field(body, "GroupId"));
    let perms = items(field(body, "SecurityGroupRule"))
        .into_iter()
        .chain(items(field(body, "SecurityGroupRules")))
        .filter_map(|u| field(u, "SecurityGroupRule"))
        .map(|s| Perm {
            proto: text(field(s, "IpProtocol")).unwrap_or_default(),
            from: int(field(s, "FromPort")),
            to: int(field(s, "ToPort")),
            cidrs: ["CidrIpv4", "CidrIpv6"]
                .iter()
                .filter_map(|k| text(field(s, k)))
                .collect(),
        })
        .collect();
    (group, perms)
}

/// What a permission exposes that matters: all ports, SSH or RDP.
fn exposure(p: &Perm) -> Option<&'static str> {
    let proto = p.proto.to_ascii_lowercase();
    if proto == "-1" || proto == "all" {
        return Some("every port");
    }
    if !matches!(proto.as_str(), "tcp" | "udp" | "6" | "17") {
        return None;
    }
    let (from, to) = (p.from?, p.to?);
    if from == -1 || (from <= 0 && to >= 65535) {
        return Some("every port");
    }
    let covers = |port: i64| from <= port && port <= to;
    if covers(22) && proto != "udp" && proto != "17" {
        Some("SSH (port 22)")
    } else if covers(3389) {
        Some("RDP (port 3389)")
    } else {
        None
    }
}

/// A CIDR with prefix length 0: the whole IPv4 or IPv6 internet.
fn is_world(cidr: &str) -> bool {
    cidr.rsplit_once('/')
        .is_some_and(|(_, len)| len.trim().parse::<u8>() == Ok(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn world_cidrs() {
        assert!(is_world("0.0.0.0/0") && is_world("::/0") && is_world("208.236.235.254/0"));
        assert!(!is_world("0.0.0.0/16") && !is_world("203.0.113.7/32") && !is_world("0.0.0.0"));
    }

    #[test]
    fn exposures() {
        let p = |proto: &str, from: i64, to: i64| Perm {
            proto: proto.into(),
            from: Some(from),
            to: Some(to),
            cidrs: vec![],
        };
        assert_eq!(exposure(&p("tcp", 22, 22)), Some("SSH (port 22)"));
        assert_eq!(exposure(&p("tcp", 0, 65535)), Some("every port"));
        assert_eq!(exposure(&p("tcp", 3000, 4000)), Some("RDP (port 3389)"));
        assert_eq!(exposure(&p("udp", 3389, 3389)), Some("RDP (port 3389)"));
        assert_eq!(exposure(&p("udp", 22, 22)), None);
        assert_eq!(exposure(&p("-1", -1, -1)), Some("every port"));
        assert_eq!(exposure(&p("tcp", 443, 443)), None);
        assert_eq!(exposure(&p("icmp", -1, -1)), None);
    }

    #[test]
    fn request_shapes() {
        let v = json!({"groupId":"sg-1","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":"22","toPort":"22",
            "ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]},"ipv6Ranges":{"items":[{"cidrIpv6":"::/0"}]}}]}});
        let ps = authorize_perms(&v);
        assert_eq!(ps.len(), 1);
        assert_eq!((ps[0].from, ps[0].cidrs.len()), (Some(22), 2));
        let v = json!({"cidrIp":"0.0.0.0/0","fromPort":3389,"toPort":3389,"groupId":"sg-2","ipPermissions":{},"ipProtocol":"tcp"});
        assert_eq!(authorize_perms(&v)[0].proto, "tcp");
        let v = json!({"ModifySecurityGroupRulesRequest":{"GroupId":"sg-3","SecurityGroupRule":{"SecurityGroupRuleId":"sgr-1",
            "SecurityGroupRule":{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIpv4":"0.0.0.0/0"},"tag":1}}});
        let (g, ps) = modify_perms(&v);
        assert_eq!(g.as_deref(), Some("sg-3"));
        assert_eq!(exposure(&ps[0]), Some("SSH (port 22)"));
        assert!(is_world(&ps[0].cidrs[0]));
    }
}
