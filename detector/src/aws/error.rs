//! Errors of the AWS layer. A failed call either stops the command (nothing
//! useful can be done without it: credentials, `GetCallerIdentity`) as an
//! [`AwsError`], or becomes a [`Gap`]: the call, its error, and what the
//! result lacks because of it. Commands print every gap; none is silent.

pub use crate::inventory::Gap;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// A call that failed, named by `service:Operation` and its target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation}{}: {message}", if target.is_empty() { String::new() } else { format!(" ({target})") })]
pub struct AwsError {
    /// `service:Operation`, e.g. `iam:ListAccessKeys`.
    pub operation: String,
    /// What it was called for (a user name, a region, a key), or empty.
    pub target: String,
    /// The error code (`AccessDenied`, `Throttling`, ...) when AWS sent one.
    pub code: Option<String>,
    pub message: String,
}

impl AwsError {
    /// From an SDK error: the service's code and message; for answers that
    /// are not AWS errors (an emulator's HTML 500, a proxy) the HTTP status;
    /// for transport failures (no endpoint, timeout, credentials) the cause.
    pub fn call<E>(operation: &str, target: &str, err: &SdkError<E, HttpResponse>) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let code = err.code().map(str::to_owned);
        let message = match (err.code(), err.message()) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.to_owned(),
            _ => describe_other(err),
        };
        AwsError {
            operation: operation.to_owned(),
            target: target.to_owned(),
            code,
            message,
        }
    }

    /// True for `NoSuchEntity` (IAM's "there is none"), which is an answer,
    /// not a failure (no password policy, no login profile).
    pub fn is_no_such_entity(&self) -> bool {
        self.code.as_deref() == Some("NoSuchEntity")
    }
}

fn describe_other<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: std::error::Error + 'static,
{
    match err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let html = ctx
                .raw()
                .headers()
                .get("content-type")
                .is_some_and(|c| c.starts_with("text/html"));
            if html {
                format!("HTTP {status} with an HTML page, not an AWS error (the endpoint does not implement this call)")
            } else {
                format!("HTTP {status}: {}", causes(ctx.err()))
            }
        }
        SdkError::ResponseError(ctx) => {
            format!("unreadable response (HTTP {})", ctx.raw().status().as_u16())
        }
        SdkError::TimeoutError(_) => "timed out".to_owned(),
        // Connection refused, DNS, TLS, missing credentials: the chain of causes says which.
        other => causes(other),
    }
}

/// An error and its sources, each once, joined by ": " (no debug dump).
fn causes(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = cur {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// Every gap of one run, in the order found.
pub type Gaps = Vec<Gap>;

impl Gap {
    /// The gap a failed call leaves: `missing` says what the result lacks.
    pub fn from_error(err: AwsError, missing: impl Into<String>) -> Gap {
        Gap {
            operation: err.operation,
            target: err.target,
            error: err.message,
            missing: missing.into(),
        }
    }
}

/// Joins gaps of the same operation and error (one call failing for every
/// user) into one, naming how many targets and the first few.
pub fn merge_gaps(gaps: Vec<Gap>) -> Vec<Gap> {
    let mut groups: Vec<(Gap, Vec<String>, Vec<String>)> = Vec::new();
    for g in gaps {
        match groups
            .iter_mut()
            .find(|(first, _, _)| first.operation == g.operation && first.error == g.error)
        {
            Some((_, targets, missing)) => {
                targets.push(g.target);
                missing.push(g.missing);
            }
            None => {
                let (t, m) = (g.target.clone(), g.missing.clone());
                groups.push((g, vec![t], vec![m]));
            }
        }
    }
    groups
        .into_iter()
        .map(|(mut g, targets, missing)| {
            if targets.len() > 1 {
                let shown: Vec<&str> = targets.iter().take(5).map(String::as_str).collect();
                let more = targets.len().saturating_sub(5);
                g.target = format!(
                    "{} targets: {}{}",
                    targets.len(),
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                );
                let first_missing: Vec<&str> = missing.iter().take(3).map(String::as_str).collect();
                g.missing = format!(
                    "{}{}",
                    first_missing.join("; "),
                    if missing.len() > 3 { "; ..." } else { "" }
                );
            }
            g
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(op: &str, target: &str, err: &str) -> Gap {
        Gap {
            operation: op.into(),
            target: target.into(),
            error: err.into(),
            missing: format!("keys of {target}"),
        }
    }

    #[test]
    fn same_failure_for_many_targets_is_one_gap() {
        let mut v: Vec<Gap> = (0..8)
            .map(|i| gap("iam:ListAccessKeys", &format!("u{i}"), "AccessDenied: no"))
            .collect();
        v.push(gap("iam:ListAccessKeys", "x", "Throttling: slow"));
        v.push(gap("iam:GetAccountSummary", "", "AccessDenied: no"));
        let m = merge_gaps(v);
        assert_eq!(m.len(), 3);
        assert!(
            m[0].target
                .starts_with("8 targets: u0, u1, u2, u3, u4 and 3 more"),
            "{}",
            m[0].target
        );
        assert!(m[0].missing.ends_with("; ..."));
        assert_eq!(m[1].target, "x");
        assert!(m[2]
            .to_string()
            .contains("iam:GetAccountSummary failed: AccessDenied: no; missing:"));
    }
}
