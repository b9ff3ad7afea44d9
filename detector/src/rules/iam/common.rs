//! Helpers shared by the IAM rules: how to name the actor in a summary, and
//! whether a request that names a user names somebody other than the caller.

use crate::record::{ActorKind, Event, Text};

/// `eventSource` of IAM calls.
pub const IAM: &str = "iam.amazonaws.com";

/// The actor as a responder wants to read it: the session ARN of an
/// assumed-role or federated session (it carries the session name), otherwise
/// the principal ARN (or its stand-in).
pub fn who(ev: &Event) -> String {
    let a = ev.actor();
    a.session_arn.clone().unwrap_or_else(|| a.key())
}

/// The text of an optional field when it is present and not empty.
pub fn given<'t>(t: &'t Option<Text<'_>>) -> Option<&'t str> {
    t.as_ref()
        .map(Text::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// IAM user names are unique regardless of case (`Alice` and `alice` are one user).
pub fn same_user(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The user a request names when that user is not the caller.
///
/// No `userName` means IAM acts on the caller itself. An IAM user naming
/// itself is itself. Anybody else naming a user (a role session, a federated
/// user, root, an Identity Center user) acts on another principal: a role
/// session's name is chosen by whoever called `AssumeRole`, so matching it to
/// the user name would let an attacker pick the session name that hides them.
pub fn other_user<'t>(ev: &Event, requested: &'t Option<Text<'_>>) -> Option<&'t str> {
    let name = given(requested)?;
    let a = ev.actor();
    let is_self = a.kind == ActorKind::IAMUser && a.name().is_some_and(|me| same_user(me, name));
    (!is_self).then_some(name)
}

/// Joins reasons as `a`, `a and b`, `a, b and c`.
pub fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Building events from JSON in unit tests, and running one rule on them.

    use crate::config::Config;
    use crate::finding::Finding;
    use crate::record::{Event, Record};
    use crate::rules::EventRule;

    /// Findings of `rule` for one record, as the engine would call it.
    pub fn run(rule: &dyn EventRule, json: &str, cfg: &Config) -> Vec<Finding> {
        let rec: Record = serde_json::from_str(json).expect("test record");
        let ev = Event::new(&rec, rec.time().unwrap_or(0));
        let mut out = Vec::new();
        rule.evaluate(&ev, cfg, &mut out);
        out
    }

    /// A CloudTrail record of `name` by IAM user alice in 111122223333, with
    /// `extra` (JSON members, e.g. `"requestParameters":{...}`) appended.
    pub fn by_alice(source: &str, name: &str, extra: &str) -> String {
        by(
            r#"{"type":"IAMUser","principalId":"AIDAEXAMPLEALICE0001","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEALICE0001","userName":"alice"}"#,
            source,
            name,
            extra,
        )
    }

    /// The same with another `userIdentity`.
    pub fn by(identity: &str, source: &str, name: &str, extra: &str) -> String {
        format!(
            r#"{{"eventVersion":"1.09","userIdentity":{identity},"eventTime":"2026-11-09T15:12:44Z","eventSource":"{source}","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","eventID":"e-1","recipientAccountId":"111122223333"{sep}{extra}}}"#,
            sep = if extra.is_empty() { "" } else { "," }
        )
    }

    /// An assumed-role session of role `ops` named `alice`.
    pub const ROLE_SESSION: &str = r#"{"type":"AssumedRole","principalId":"AROAEXAMPLEOPS00001:alice","arn":"arn:aws:sts::111122223333:assumed-role/ops/alice","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEOPS00001","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEOPS00001","arn":"arn:aws:iam::111122223333:role/ops","accountId":"111122223333","userName":"ops"},"attributes":{"creationDate":"2026-11-09T15:00:00Z","mfaAuthenticated":"false"}}}"#;

    /// The root user.
    pub const ROOT: &str = r#"{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEROOT0001"}"#;
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::record::Record;

    fn other(identity: &str, req: &str) -> Option<String> {
        let json = by(
            identity,
            IAM,
            "CreateAccessKey",
            &format!(r#""requestParameters":{req}"#),
        );
        let rec: Record = serde_json::from_str(&json).unwrap();
        let ev = Event::new(&rec, 0);
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct R<'a> {
            #[serde(borrow, default)]
            user_name: Option<Text<'a>>,
        }
        let r: R = rec.request().unwrap_or(R { user_name: None });
        other_user(&ev, &r.user_name).map(str::to_owned)
    }

    #[test]
    fn other_user_rules() {
        let alice = r#"{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/ops/alice"}"#;
        assert_eq!(
            other(alice, r#"{"userName":"bob"}"#).as_deref(),
            Some("bob")
        );
        assert_eq!(other(alice, r#"{"userName":"Alice"}"#), None);
        assert_eq!(other(alice, r#"{}"#), None);
        assert_eq!(other(alice, r#"{"userName":""}"#), None);
        assert_eq!(
            other(ROLE_SESSION, r#"{"userName":"alice"}"#).as_deref(),
            Some("alice")
        );
        assert_eq!(
            other(ROOT, r#"{"userName":"alice"}"#).as_deref(),
            Some("alice")
        );
        assert_eq!(other(ROOT, "null"), None);
    }

    #[test]
    fn join_reads_naturally() {
        assert_eq!(join(&[]), "");
        assert_eq!(join(&["a".into()]), "a");
        assert_eq!(join(&["a".into(), "b".into(), "c".into()]), "a, b and c");
    }
}
