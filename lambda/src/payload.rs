//! Evaluating one payload (an EventBridge event, a bare record, or a log
//! file) against a state store, outside the handler (tools and tests).

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

#[cfg(test)]
mod tests {
    use super::*;
    use trailguard::engine::MemoryStore;
    use trailguard::Config;

    fn event(id: &str, time: &str, name: &str, params: &str) -> String {
        format!(
            r#"{{"version":"0","id":"{id}","detail-type":"AWS API Call via CloudTrail","source":"aws.iam","account":"111122223333","time":"{time}","region":"us-east-1","resources":[],"detail":{{"eventVersion":"1.09","userIdentity":{{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/mallory","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEMALLORY01","userName":"mallory"}},"eventTime":"{time}","eventSource":"iam.amazonaws.com","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9","userAgent":"aws-cli/2.15.0","requestParameters":{params},"responseElements":null,"requestID":"r-{id}","eventID":"{id}","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}}}}"#
        )
    }

    #[test]
    fn one_event_per_invocation_correlates_once_and_ignores_redelivery() {
        let engine = Engine::new(Config::default());
        let mut store = MemoryStore::new();
        let create = event(
            "e1",
            "2026-11-12T03:12:44Z",
            "CreateUser",
            r#"{"userName":"backup1"}"#,
        );
        let attach = event(
            "e2",
            "2026-11-12T03:13:10Z",
            "AttachUserPolicy",
            r#"{"userName":"backup1","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}"#,
        );
        let mut ids = Vec::new();
        for payload in [&attach, &create, &attach] {
            let (findings, problems) =
                evaluate_payload(&engine, payload.as_bytes(), &mut store).unwrap();
            assert!(problems.is_empty(), "{problems:?}");
            ids.extend(findings.into_iter().map(|f| f.rule_id));
        }
        assert_eq!(
            ids.iter().filter(|i| *i == "corr-backdoor-admin").count(),
            1,
            "{ids:?}"
        );
        assert!(ids.contains(&"iam-admin-granted".to_owned()));
        assert!(ids.contains(&"iam-user-created-outside-window".to_owned()));
    }

    #[test]
    fn a_payload_that_is_not_cloudtrail_is_reported_not_fatal() {
        let engine = Engine::new(Config::default());
        let (findings, problems) = evaluate_payload(
            &engine,
            br#"{"detail-type":"Scheduled Event","detail":{}}"#,
            &mut MemoryStore::new(),
        )
        .unwrap();
        assert!(findings.is_empty());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("Scheduled Event"), "{problems:?}");
    }
}
