//! EC2 inventory over mocked clients (`aws-smithy-mocks`): regions, pages,
//! terminated instances, failing regions.

use super::*;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::config::Credentials;
use aws_sdk_ec2::operation::describe_instances::{DescribeInstancesError, DescribeInstancesOutput};
use aws_sdk_ec2::operation::describe_key_pairs::{DescribeKeyPairsError, DescribeKeyPairsOutput};
use aws_sdk_ec2::operation::describe_regions::{DescribeRegionsError, DescribeRegionsOutput};
use aws_sdk_ec2::types::{IamInstanceProfile, Instance, InstanceState, Reservation};
use aws_smithy_mocks::{create_mock_http_client, mock, MockResponseInterceptor, Rule, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::DateTime;
use std::sync::Mutex;

const PROFILE: &str = "arn:aws:iam::111122223333:instance-profile/web";

fn client(rules: &[&Rule]) -> Client {
    let mut mock = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
    for r in rules {
        mock = mock.with_rule(r);
    }
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .http_client(create_mock_http_client())
        .interceptor(mock)
        .build();
    Client::from_conf(conf)
}

fn aws() -> Aws {
    let sdk = SdkConfig::builder()
        .region(Region::new("us-east-1"))
        .behavior_version(BehaviorVersion::latest())
        .build();
    Aws::from_sdk_config(sdk, 4)
}

fn sdk_instance(id: &str, state: InstanceStateName) -> Instance {
    Instance::builder()
        .instance_id(id)
        .state(InstanceState::builder().name(state).build())
        .launch_time(DateTime::from_secs(1_794_000_000))
        .key_name("ops")
        .iam_instance_profile(IamInstanceProfile::builder().arn(PROFILE).build())
        .build()
}

fn page(instances: Vec<Instance>, next: Option<&str>) -> DescribeInstancesOutput {
    let r = Reservation::builder()
        .set_instances(Some(instances))
        .build();
    DescribeInstancesOutput::builder()
        .reservations(r)
        .set_next_token(next.map(str::to_owned))
        .build()
}

/// Two pages of instances (one terminated) and one key pair.
fn healthy_rules() -> Vec<Rule> {
    let instances =
        mock!(Client::describe_instances).then_compute_output(|req| match req.next_token() {
            None => page(
                vec![
                    sdk_instance("i-0aaa", InstanceStateName::Running),
                    sdk_instance("i-0bbb", InstanceStateName::Terminated),
                ],
                Some("p2"),
            ),
            Some(_) => page(
                vec![sdk_instance("i-0ccc", InstanceStateName::Stopped)],
                None,
            ),
        });
    let keys = mock!(Client::describe_key_pairs).then_output(|| {
        DescribeKeyPairsOutput::builder()
            .key_pairs(
                KeyPairInfo::builder()
                    .key_pair_id("key-0123")
                    .key_name("ops")
                    .key_fingerprint("1f:51:ae")
                    .create_time(DateTime::from_secs(1_794_000_100))
                    .build(),
            )
            .build()
    });
    let regions = mock!(Client::describe_regions).then_output(|| {
        let region = |name: &str, status: &str| {
            aws_sdk_ec2::types::Region::builder()
                .region_name(name)
                .opt_in_status(status)
                .build()
        };
        DescribeRegionsOutput::builder()
            .regions(region("us-east-1", "opt-in-not-required"))
            .regions(region("eu-west-1", "opted-in"))
            .regions(region("ap-east-1", "not-opted-in"))
            .build()
    });
    vec![instances, keys, regions]
}

fn denied(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code(code)
        .message("You are not authorized to perform this operation.")
        .build()
}

/// A region where every call is refused.
fn refused_rules() -> Vec<Rule> {
    vec![
        mock!(Client::describe_instances)
            .then_error(|| DescribeInstancesError::generic(denied("UnauthorizedOperation"))),
        mock!(Client::describe_key_pairs)
            .then_error(|| DescribeKeyPairsError::generic(denied("AuthFailure"))),
    ]
}

#[tokio::test]
async fn enabled_regions_are_read_and_a_refused_region_is_a_gap() {
    let (good, bad) = (healthy_rules(), refused_rules());
    let asked = Mutex::new(Vec::new());
    let for_region = |r: &str| {
        asked.lock().unwrap().push(r.to_owned());
        let rules: Vec<&Rule> = if r == "eu-west-1" {
            bad.iter().collect()
        } else {
            good.iter().collect()
        };
        client(&rules)
    };
    let (instances, keys, gaps) = inventory_with(&aws(), for_region, None).await;
    let ids: Vec<&str> = instances.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["i-0aaa", "i-0ccc"]);
    assert_eq!(instances[0].state, "running");
    assert_eq!(instances[0].region, "us-east-1");
    assert_eq!(instances[0].instance_profile.as_deref(), Some(PROFILE));
    assert_eq!(instances[0].key_name.as_deref(), Some("ops"));
    assert_eq!(instances[0].launch_time, 1_794_000_000);
    assert_eq!(keys.len(), 1);
    assert_eq!(
        (keys[0].id.as_str(), keys[0].fingerprint.as_str()),
        ("key-0123", "1f:51:ae")
    );
    assert_eq!(keys[0].create_time, Some(1_794_000_100));
    assert_eq!(gaps.len(), 2, "{gaps:?}");
    assert!(gaps
        .iter()
        .all(|g| g.target == "eu-west-1" && g.missing.contains("eu-west-1")));
    assert!(gaps[0].error.contains("UnauthorizedOperation"), "{gaps:?}");
    assert!(
        !asked.lock().unwrap().iter().any(|r| r == "ap-east-1"),
        "a region not opted in was read"
    );
}

#[tokio::test]
async fn without_describe_regions_the_home_region_is_read() {
    let mut rules = healthy_rules();
    rules.pop();
    rules.push(
        mock!(Client::describe_regions)
            .then_error(|| DescribeRegionsError::generic(denied("UnauthorizedOperation"))),
    );
    let refs: Vec<&Rule> = rules.iter().collect();
    let (instances, keys, gaps) = inventory_with(&aws(), |_| client(&refs), None).await;
    assert_eq!((instances.len(), keys.len()), (2, 1));
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].operation, "ec2:DescribeRegions");
    assert!(gaps[0].missing.contains("other than us-east-1"), "{gaps:?}");
}

#[tokio::test]
async fn the_regions_given_are_read_without_describe_regions() {
    let rules = healthy_rules();
    let refs: Vec<&Rule> = rules[..2].iter().collect();
    let regions = ["us-west-2".to_owned()];
    let (instances, _, gaps) = inventory_with(&aws(), |_| client(&refs), Some(&regions)).await;
    assert!(gaps.is_empty());
    assert!(instances.iter().all(|i| i.region == "us-west-2"));
}
