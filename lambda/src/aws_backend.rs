//! The real backend: DynamoDB (state, claims, journal), SNS (alerts), S3 (log
//! files), the guard (IAM/EC2) and the posture scan, every client built once
//! per cold start from one SDK configuration and counted by the library's
//! call counter (`aws.calls()`).

use crate::activity::Activity;
use crate::backend::{now, Backend, BackendError, Claim, Lease};
use crate::dynamo::{DynamoState, Table};
use crate::settings::{ConfigSource, Settings};
use crate::trigger::{S3Object, SqsMessage};
use crate::Handler;
use aws_config::meta::region::RegionProviderChain;
use aws_config::{BehaviorVersion, Region};
use trailguard::aws::guard::{quarantine, QuarantineRequest};
use trailguard::aws::iam::Depth;
use trailguard::aws::{Aws, AwsOptions, Identity};
use trailguard::engine::StateStore;
use trailguard::finding::TimelineEntry;
use trailguard::record::Timestamp;
use trailguard::{Config, Engine, Finding};

/// Clients and configuration, built once per cold start.
pub struct AwsBackend {
    pub aws: Aws,
    pub table: Table,
    pub sns: aws_sdk_sns::Client,
    pub topic_arn: String,
    pub cfg: Config,
    /// The function's own identity (the guard never acts against it), asked
    /// of STS on first use: not on the cold-start path of every event.
    who: tokio::sync::OnceCell<Identity>,
    /// The dead-letter queue (client and URL), when configured.
    pub dlq: Option<(aws_sdk_sqs::Client, String)>,
}

/// Why the function could not start.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InitError(pub String);

/// Loads the SDK configuration; `endpoint_url` (the Lambda passes
/// `AWS_ENDPOINT_URL`) points every client at an emulator.
pub async fn sdk_config(endpoint_url: Option<&str>) -> aws_config::SdkConfig {
    let retry = aws_config::retry::RetryConfig::standard()
        .with_max_attempts(trailguard::aws::DEFAULT_ATTEMPTS);
    let region = RegionProviderChain::default_provider()
        .or_else(Region::from_static(trailguard::aws::DEFAULT_REGION));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry)
        .region(region);
    if let Some(u) = endpoint_url {
        loader = loader.endpoint_url(u);
    }
    loader.load().await
}

/// Reads the contracts' TOML from where the settings say.
pub async fn load_config(
    sdk: &aws_config::SdkConfig,
    aws: &Aws,
    src: &ConfigSource,
) -> Result<Config, InitError> {
    let text = match src {
        ConfigSource::Default => return Ok(Config::default()),
        ConfigSource::Inline(t) => t.clone(),
        ConfigSource::Ssm(name) => {
            let b = aws_sdk_ssm::config::Builder::from(sdk).interceptor(aws.counter().clone());
            let ssm = aws_sdk_ssm::Client::from_conf(b.build());
            let out = ssm
                .get_parameter()
                .name(name)
                .with_decryption(true)
                .send()
                .await
                .map_err(|e| {
                    InitError(format!(
                        "ssm:GetParameter {name}: {}",
                        aws_sdk_ssm::error::DisplayErrorContext(e)
                    ))
                })?;
            out.parameter
                .and_then(|p| p.value)
                .ok_or_else(|| InitError(format!("SSM parameter {name} has no value")))?
        }
    };
    Config::parse(&text).map_err(|e| InitError(format!("configuration: {e}")))
}

impl AwsBackend {
    /// Builds every client, reads the configuration (SSM) and builds the
    /// engine, once; the caller identity waits for the first quarantine or
    /// posture scan. `endpoint_url`: an emulator (tests), else AWS.
    pub async fn init(
        settings: &Settings,
        endpoint_url: Option<&str>,
    ) -> Result<(AwsBackend, Engine), InitError> {
        let sdk = sdk_config(endpoint_url).await;
        // The library's clients (IAM, EC2, S3, STS): path-style S3 only with an endpoint override.
        let aws = Aws::connect(&AwsOptions {
            endpoint_url: endpoint_url.map(str::to_owned),
            ..AwsOptions::default()
        })
        .await;
        let mut cfg = load_config(&sdk, &aws, &settings.config).await?;
        cfg.extend_self(&settings.self_names);
        let ddb = aws_sdk_dynamodb::config::Builder::from(&sdk).interceptor(aws.counter().clone());
        let sns = aws_sdk_sns::config::Builder::from(&sdk).interceptor(aws.counter().clone());
        let engine = Engine::new(cfg.clone());
        let windows = engine
            .windows()
            .into_iter()
            .map(|(r, w)| (r.to_owned(), w))
            .collect();
        let ddb = aws_sdk_dynamodb::Client::from_conf(ddb.build());
        let table = Table::new(ddb, settings.table.clone(), windows);
        let dlq = settings.dead_letters.as_ref().map(|d| {
            let b = aws_sdk_sqs::config::Builder::from(&sdk).interceptor(aws.counter().clone());
            (
                aws_sdk_sqs::Client::from_conf(b.build()),
                d.queue_url.clone(),
            )
        });
        let backend = AwsBackend {
            aws,
            table,
            sns: aws_sdk_sns::Client::from_conf(sns.build()),
            topic_arn: settings.topic_arn.clone(),
            cfg,
            who: tokio::sync::OnceCell::new(),
            dlq,
        };
        Ok((backend, engine))
    }
}

/// The handler over the real clients, as a cold start builds it: settings'
/// mode and dead-letter queue, the engine and clients from [`AwsBackend::init`].
pub async fn handler(
    settings: &Settings,
    endpoint_url: Option<&str>,
) -> Result<Handler<AwsBackend>, InitError> {
    let (backend, engine) = AwsBackend::init(settings, endpoint_url).await?;
    let handler = Handler::new(engine, settings.mode, backend);
    Ok(match &settings.dead_letters {
        Some(d) => handler.with_dead_letters(d.max_receive),
        None => handler,
    })
}

impl AwsBackend {
    /// The function's own identity (`sts:GetCallerIdentity`, once).
    pub async fn who(&self) -> Result<&Identity, String> {
        self.who
            .get_or_try_init(|| async {
                self.aws
                    .whoami()
                    .await
                    .map_err(|e| format!("who am I (sts:GetCallerIdentity): {e}"))
            })
            .await
    }
}

impl Backend for AwsBackend {
    fn with_state<R>(
        &self,
        lease: Lease,
        f: impl FnOnce(&mut dyn StateStore) -> R,
    ) -> (R, Vec<Claim>) {
        let mut store = DynamoState::new(&self.table, lease);
        let r = f(&mut store);
        (r, store.taken)
    }

    async fn claim(
        &self,
        key: &str,
        at: Timestamp,
        until: Timestamp,
        lease: Lease,
    ) -> Result<bool, BackendError> {
        self.table
            .claim(key, at, until, lease)
            .await
            .map_err(BackendError)
    }

    async fn settle(&self, claims: &[Claim]) -> Result<(), BackendError> {
        for c in claims {
            self.table.settle(c).await.map_err(BackendError)?;
        }
        Ok(())
    }

    async fn unclaim(&self, key: &str) -> Result<(), BackendError> {
        self.table.unclaim(key).await.map_err(BackendError)
    }

    async fn publish(&self, subject: &str, body: &str) -> Result<(), BackendError> {
        self.sns
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(subject)
            .message(body)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                BackendError(format!(
                    "sns:Publish: {}",
                    aws_sdk_sns::error::DisplayErrorContext(e)
                ))
            })
    }

    async fn quarantine(&self, target: &str, f: &Finding) -> Result<String, String> {
        let req = QuarantineRequest {
            target: target.to_owned(),
            region: Some(f.region.clone()),
            reason: format!("trailguard {}: {}", f.rule_id, f.summary),
            ..QuarantineRequest::default()
        };
        let who = self.who().await?;
        match quarantine(&self.aws, &self.table, &self.cfg, who, now(), &req).await {
            Ok(o) if o.nothing_to_do => Ok(format!(
                "{target} was already quarantined (journal {})",
                o.entry.id
            )),
            Ok(o) => Ok(format!(
                "{target}: {} step(s) done (journal {})",
                o.entry.done(),
                o.entry.id
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn fetch(&self, obj: &S3Object) -> Result<Vec<u8>, BackendError> {
        let out = self
            .aws
            .s3(None)
            .get_object()
            .bucket(&obj.bucket)
            .key(&obj.key)
            .send()
            .await
            .map_err(|e| {
                BackendError(format!(
                    "s3:GetObject s3://{}/{}: {}",
                    obj.bucket,
                    obj.key,
                    aws_sdk_s3::error::DisplayErrorContext(e)
                ))
            })?;
        let data = out
            .body
            .collect()
            .await
            .map_err(|e| BackendError(format!("s3://{}/{}: {e}", obj.bucket, obj.key)))?;
        Ok(data.into_bytes().to_vec())
    }

    async fn posture(&self) -> Result<Vec<Finding>, BackendError> {
        // The inventory future is not `Send` (a borrow inside the IAM layer):
        // it runs on a blocking thread of the same runtime instead.
        let who = self.who().await.map_err(BackendError)?.clone();
        let (aws, cfg) = (self.aws.clone(), self.cfg.clone());
        let h = tokio::runtime::Handle::current();
        let task = tokio::task::spawn_blocking(move || {
            h.block_on(async move {
                let inv = trailguard::audit::take_inventory(
                    &aws,
                    &who,
                    now(),
                    None,
                    true,
                    Depth::Audit,
                    &(),
                )
                .await;
                for g in &inv.gaps {
                    tracing::warn!(gap = ?g, "posture scan: partial result");
                }
                trailguard::audit::scan_findings(&inv, &cfg, Vec::new())
            })
        });
        task.await
            .map_err(|e| BackendError(format!("posture scan: {e}")))
    }

    async fn record_activity(&self, items: &[Activity]) -> Result<(), BackendError> {
        for a in items {
            self.table.put_activity(a).await.map_err(BackendError)?;
        }
        Ok(())
    }

    async fn recent_activity(
        &self,
        actor: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<TimelineEntry>, BackendError> {
        self.table
            .activity(actor, from, to)
            .await
            .map_err(BackendError)
    }

    async fn dead_letter(&self, msg: &SqsMessage, reason: &str) -> Result<(), BackendError> {
        let Some((sqs, url)) = &self.dlq else {
            return Err(BackendError("no dead-letter queue configured".into()));
        };
        let mut send = sqs.send_message().queue_url(url).message_body(&msg.body);
        for (name, value) in dead_letter_attributes(msg, reason) {
            let v = aws_sdk_sqs::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| BackendError(format!("DLQ attribute {name}: {e}")))?;
            send = send.message_attributes(name, v);
        }
        send.send().await.map(|_| ()).map_err(|e| {
            BackendError(format!(
                "sqs:SendMessage {url}: {}",
                aws_sdk_sqs::error::DisplayErrorContext(e)
            ))
        })
    }
}

/// Longest reason kept in a dead letter's attributes (characters).
const REASON_MAX: usize = 2000;

/// The attributes a dead letter carries: why it failed, and where it came from.
pub fn dead_letter_attributes(msg: &SqsMessage, reason: &str) -> Vec<(&'static str, String)> {
    let mut reason: String = reason.chars().take(REASON_MAX).collect();
    if reason.trim().is_empty() {
        reason = "unknown".into();
    }
    let mut out = vec![
        ("trailguard-reason", reason),
        ("trailguard-receive-count", msg.receive_count.to_string()),
        (
            "trailguard-failed-at",
            trailguard::record::format_time(now()),
        ),
    ];
    // SQS refuses empty attribute values.
    for (k, v) in [
        ("trailguard-message-id", &msg.id),
        ("trailguard-source-queue", &msg.queue_arn),
    ] {
        if !v.is_empty() {
            out.push((k, v.clone()));
        }
    }
    out
}
