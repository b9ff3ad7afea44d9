//! AWS access: the one place trailguard talks to AWS (the I/O seam of `scan`,
//! `snapshot`, `sweep` and `hunt s3://`). Everything it fetches lands in the
//! pure models ([`crate::inventory::Inventory`], CloudTrail records) that the
//! rules evaluate without any SDK type.
//!
//! Layout:
//! - this file: [`AwsOptions`], [`Aws`] (shared SDK config, per-service and
//!   per-region clients, adaptive retries, bounded concurrency, call counting),
//!   [`Identity`] (`sts:GetCallerIdentity`);
//! - [`error`]: [`AwsError`] and [`Gap`] (a call that failed and what is missing
//!   because of it: partial results are reported, never silent);
//! - [`counter`]: the interceptor counting API calls per operation;
//! - [`iam`]: the identity inventory (`GetAccountAuthorizationDetails`, the
//!   credential report, then per-user calls only where the report shows a
//!   credential);
//! - [`ec2`]: instances and key pairs in the enabled regions;
//! - [`lookback`]: CloudTrail `LookupEvents` into records for the event rules;
//! - [`s3`]: CloudTrail log objects under an `s3://bucket/prefix`.

pub mod counter;
pub mod ec2;
pub mod error;
pub mod iam;
pub mod lookback;
pub mod s3;

pub use counter::{CallCounter, CallStats, NotImplementedHere};
pub use error::{merge_gaps, AwsError, Gap, Gaps};

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use futures_util::stream::{self, StreamExt};
use std::future::Future;

/// Progress of long work, reported by the AWS layer (the CLI draws it on stderr).
pub trait Progress: Sync {
    /// A new stage; `total` units of work, 0 when unknown.
    fn stage(&self, name: &str, total: u64);
    /// `n` units of the current stage done.
    fn inc(&self, n: u64);
}

/// No progress display.
impl Progress for () {
    fn stage(&self, _name: &str, _total: u64) {}
    fn inc(&self, _n: u64) {}
}

/// The region used when neither `--region` nor the environment or profile names one.
pub const DEFAULT_REGION: &str = "us-east-1";
/// Attempts per call (the first try and retries).
pub const DEFAULT_ATTEMPTS: u32 = 5;
/// Calls in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// How to reach AWS: the common command-line options.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// Send every call to this endpoint (a local emulator); S3 then uses path-style addressing.
    pub endpoint_url: Option<String>,
    /// 0: [`DEFAULT_ATTEMPTS`].
    pub max_attempts: u32,
    /// The SDK's adaptive retry mode (client-side rate limiting after
    /// throttling) instead of standard (exponential backoff with jitter).
    /// Standard is the default: after a few throttles, adaptive mode paces
    /// every later call of the service down to 0.5 per second, which turns
    /// a large account's audit into minutes.
    pub adaptive: bool,
    /// 0: [`DEFAULT_CONCURRENCY`].
    pub concurrency: usize,
}

/// Connected AWS access: the loaded SDK configuration and the call counter
/// every client built here reports to.
#[derive(Debug, Clone)]
pub struct Aws {
    sdk: SdkConfig,
    calls: CallCounter,
    /// Added to every client (tests: `aws-smithy-mocks` response interceptors).
    extra: Vec<SharedInterceptor>,
    concurrency: usize,
    path_style: bool,
}

/// Who the credentials belong to (`sts:GetCallerIdentity`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Identity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

/// A service config builder from the shared SDK config: the call counter,
/// the retry classifier, the extra (test) interceptors, an optional region.
macro_rules! builder {
    ($aws:ident, $krate:ident, $region:expr) => {{
        let mut b = $krate::config::Builder::from(&$aws.sdk)
            .interceptor($aws.calls.clone())
            .retry_classifier(NotImplementedHere);
        if let Some(r) = $region {
            b = b.region(Region::new(r.to_owned()));
        }
        for i in &$aws.extra {
            b.push_interceptor(i.clone());
        }
        b
    }};
}

impl Aws {
    /// Loads the standard credential chain (environment, profiles, SSO,
    /// container and instance credentials) with the options' overrides.
    /// Nothing is called yet.
    pub async fn connect(opts: &AwsOptions) -> Aws {
        let attempts = if opts.max_attempts == 0 {
            DEFAULT_ATTEMPTS
        } else {
            opts.max_attempts
        };
        let retry = if opts.adaptive {
            RetryConfig::adaptive()
        } else {
            RetryConfig::standard()
        };
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(retry.with_max_attempts(attempts));
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        let region = RegionProviderChain::first_try(opts.region.clone().map(Region::new))
            .or_default_provider()
            .or_else(Region::from_static(DEFAULT_REGION));
        loader = loader.region(region);
        if let Some(url) = &opts.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        Aws {
            sdk: loader.load().await,
            calls: CallCounter::default(),
            extra: Vec::new(),
            concurrency: if opts.concurrency == 0 {
                DEFAULT_CONCURRENCY
            } else {
                opts.concurrency
            },
            path_style: opts.endpoint_url.is_some(),
        }
    }

    /// Wraps an already loaded SDK configuration (tests: mocked HTTP clients).
    pub fn from_sdk_config(sdk: SdkConfig, concurrency: usize) -> Aws {
        Aws {
            sdk,
            calls: CallCounter::default(),
            extra: Vec::new(),
            concurrency: concurrency.max(1),
            path_style: true,
        }
    }

    /// Adds an interceptor to every client built from now on (tests feed
    /// mocked responses this way, through the real clients).
    pub fn with_interceptor(mut self, i: impl Intercept + 'static) -> Aws {
        self.extra.push(SharedInterceptor::new(i));
        self
    }

    /// The home region (from `--region`, the environment or the profile).
    pub fn region(&self) -> &str {
        self.sdk.region().map_or(DEFAULT_REGION, |r| r.as_ref())
    }

    /// Calls made so far (every attempt, retries included), per operation.
    pub fn calls(&self) -> CallStats {
        self.calls.stats()
    }

    /// The call counter shared by every client built here.
    pub fn counter(&self) -> &CallCounter {
        &self.calls
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::from_conf(builder!(self, aws_sdk_iam, None::<&str>).build())
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::from_conf(builder!(self, aws_sdk_sts, None::<&str>).build())
    }

    pub fn ec2(&self, region: &str) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::from_conf(builder!(self, aws_sdk_ec2, Some(region)).build())
    }

    pub fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        let b = builder!(self, aws_sdk_cloudtrail, Some(region));
        aws_sdk_cloudtrail::Client::from_conf(b.build())
    }

    /// An S3 client for `region` (the home region when `None`); path-style
    /// addressing when an endpoint override is set.
    pub fn s3(&self, region: Option<&str>) -> aws_sdk_s3::Client {
        let b = builder!(self, aws_sdk_s3, region).force_path_style(self.path_style);
        aws_sdk_s3::Client::from_conf(b.build())
    }

    /// `sts:GetCallerIdentity`: printed at the start of every run, and the
    /// identity trailguard never acts against.
    pub async fn whoami(&self) -> Result<Identity, AwsError> {
        let out = self
            .sts()
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| AwsError::call("sts:GetCallerIdentity", "", &e))?;
        Ok(Identity {
            account: out.account.unwrap_or_default(),
            arn: out.arn.unwrap_or_default(),
            user_id: out.user_id.unwrap_or_default(),
        })
    }

    /// Runs `f` over `items` with at most the configured number of calls in
    /// flight; results come back in the order of `items`.
    pub async fn bounded<T, R, F, Fut>(&self, items: Vec<T>, f: F) -> Vec<R>
    where
        F: FnMut(T) -> Fut,
        Fut: Future<Output = R>,
    {
        stream::iter(items)
            .map(f)
            .buffered(self.concurrency)
            .collect()
            .await
    }
}

/// An SDK `DateTime` as a trailguard timestamp (Unix seconds).
pub fn secs(t: &aws_smithy_types::DateTime) -> i64 {
    t.secs()
}

/// An optional SDK `DateTime` as Unix seconds.
pub fn opt_secs(t: Option<&aws_smithy_types::DateTime>) -> Option<i64> {
    t.map(secs)
}
