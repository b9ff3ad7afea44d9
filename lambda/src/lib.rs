//! trailguard's Lambda side. For now: turning an EventBridge CloudTrail event
//! payload into findings with the same engine as the CLI, one event at a time.
//! The `lambda_runtime` binary, DynamoDB state and SNS alerts come with the
//! real-time guard issue.

use trailguard::engine::{StateStore, StoreError};
use trailguard::record::input::read_bytes;
use trailguard::{Engine, Finding};

/// Evaluates one payload (an EventBridge event, a bare record, or a log file)
/// against `store`; returns the findings and the payload's problems, if any.
pub fn evaluate_payload(
    engine: &Engine,
    payload: &[u8],
    store: &mut dyn StateStore,
) -> Result<(Vec<Finding>, Vec<String>), StoreError> {
    let mut findings = Vec::new();
    let mut err = None;
    let rep = read_bytes("payload", payload, &mut |rec, t, _| {
        if err.is_none() {
            match engine.evaluate(rec, t, store) {
                Ok(f) => findings.extend(f),
                Err(e) => err = Some(e),
            }
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok((findings, rep.issue_lines())),
    }
}
