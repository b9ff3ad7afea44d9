//! The `trailguard-lambda` binary: reads the environment, builds the clients
//! and the engine once per cold start, then serves invocations.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use std::sync::Arc;
use trailguard_lambda::aws_backend;
use trailguard_lambda::settings::Settings;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_current_span(false)
        .init();
    let started = std::time::Instant::now();
    let settings = Settings::from_env(|k| std::env::var(k).ok())?;
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let handler = Arc::new(aws_backend::handler(&settings, endpoint.as_deref()).await?);
    tracing::info!(
        mode = settings.mode.as_str(),
        rules = handler.engine.rule_count(),
        init_ms = started.elapsed().as_secs_f64() * 1000.0,
        "trailguard-lambda ready"
    );
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<Value>| {
        let h = Arc::clone(&handler);
        async move { h.invoke(ev).await.map_err(Error::from) }
    }))
    .await
}
