//! Errors of the AWS layer. A failed call either stops the command (nothing
//! useful can be done without it: credentials, `GetCallerIdentity`) as an
//! [`AwsError`], or becomes a [`Gap`]: the call, its error, and what the
//! result lacks because of it. Commands print every gap; none is silent.

use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
pub use crate::inventory::Gap;

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
    /// From an SDK error: the service's code and message, or the whole error
    /// chain for transport failures (no endpoint, timeout, credentials).
    pub fn call<E>(operation: &str, target: &str, err: &E) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let code = err.code().map(str::to_owned);
        let message = match (err.code(), err.message()) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.to_owned(),
            _ => DisplayErrorContext(err).to_string(),
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
