//! Counts API calls (every attempt, so retries too) per `service:Operation`,
//! through an SDK interceptor shared by every client of an [`super::Aws`].

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The interceptor; clones share one tally.
#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    tally: Arc<Mutex<BTreeMap<String, u64>>>,
}

/// Calls per operation, and their total.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CallStats {
    pub total: u64,
    pub by_operation: BTreeMap<String, u64>,
}

impl CallCounter {
    /// Counts one attempt of `operation` (also used by tests and mocks).
    pub fn record(&self, operation: &str) {
        if let Ok(mut t) = self.tally.lock() {
            *t.entry(operation.to_owned()).or_default() += 1;
        }
    }

    pub fn stats(&self) -> CallStats {
        let by_operation = self.tally.lock().map(|t| t.clone()).unwrap_or_default();
        CallStats {
            total: by_operation.values().sum(),
            by_operation,
        }
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "trailguard-call-counter"
    }

    fn read_before_attempt(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg
            .load::<Metadata>()
            .map(|m| format!("{}:{}", m.service(), m.name()))
            .unwrap_or_else(|| "unknown".to_owned());
        self.record(&op);
        Ok(())
    }
}

/// Retry classifier: an HTTP 500/501 whose body is an HTML page is not an AWS
/// service error (AWS always answers with an error document) but an emulator
/// or gateway that does not implement the call; retrying cannot help, so the
/// call fails at once and becomes a gap instead of waiting out the backoff.
#[derive(Debug, Clone, Default)]
pub struct NotImplementedHere;

impl aws_smithy_runtime_api::client::retries::classifiers::ClassifyRetry for NotImplementedHere {
    fn classify_retry(
        &self,
        ctx: &aws_smithy_runtime_api::client::interceptors::context::InterceptorContext,
    ) -> aws_smithy_runtime_api::client::retries::classifiers::RetryAction {
        use aws_smithy_runtime_api::client::retries::classifiers::RetryAction;
        let Some(resp) = ctx.response() else {
            return RetryAction::NoActionIndicated;
        };
        let status = resp.status().as_u16();
        let html = resp
            .headers()
            .get("content-type")
            .is_some_and(|c| c.starts_with("text/html"));
        if status == 501 || (status == 500 && html) {
            RetryAction::RetryForbidden
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "trailguard-not-implemented-here"
    }
}
