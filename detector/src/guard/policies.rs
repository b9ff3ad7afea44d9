//! The inline policy documents the guard attaches: an explicit deny of
//! everything (a frozen user or role), and a deny of everything to sessions
//! issued before a time (`aws:TokenIssueTime`, what the IAM console's
//! "Revoke active sessions" does): stolen sessions die, and the owners can
//! assume the role again at once.

use crate::record::time::format_time;
use crate::record::Timestamp;
use serde_json::{json, Value};

/// `Deny * on *`.
pub fn deny_all() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "TrailguardQuarantineDenyAll",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*"
        }]
    })
}

/// `Deny * on *` to sessions whose token was issued before `t`.
pub fn deny_sessions_before(t: Timestamp) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "TrailguardRevokeOlderSessions",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": format_time(t)}}
        }]
    })
}

/// True when `doc` is [`deny_all`].
pub fn is_deny_all(doc: &Value) -> bool {
    *doc == deny_all()
}

/// The cut-off of a [`deny_sessions_before`] document, as written in it.
pub fn sessions_cutoff(doc: &Value) -> Option<&str> {
    doc.pointer("/Statement/0/Condition/DateLessThan/aws:TokenIssueTime")
        .and_then(Value::as_str)
}

/// The document as sent to IAM (compact JSON text).
pub fn text(doc: &Value) -> String {
    doc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_explicit_denies() {
        let all = deny_all();
        assert!(is_deny_all(&all));
        assert_eq!(all["Statement"][0]["Effect"], "Deny");
        let older = deny_sessions_before(1_795_000_000);
        assert!(!is_deny_all(&older));
        assert_eq!(sessions_cutoff(&older), Some("2026-11-18T11:06:40Z"));
        assert_eq!(sessions_cutoff(&all), None);
        let back: Value = serde_json::from_str(&text(&older)).expect("json");
        assert_eq!(back, older);
    }
}
