//! EC2 access for the inventory: instances (not terminated) and key pairs in
//! every enabled region, as the pure [`inventory::Instance`] and
//! [`inventory::KeyPair`] items.
//!
//! Regions are the ones asked for, else `DescribeRegions` from the home region
//! (enabled regions only: `opt-in-not-required` or `opted-in`); when that
//! fails, a [`Gap`] and the home region alone. Regions are read concurrently
//! (bounded by [`Aws::bounded`]); in each, `DescribeInstances` (paginated) and
//! `DescribeKeyPairs`. A region that fails (not enabled, `AuthFailure`,
//! `UnauthorizedOperation`, unreachable endpoint) becomes a gap naming the
//! region and what is missing; the other regions still count, and the pages
//! read before a failure are kept.

use super::{opt_secs, Aws, AwsError, Gap};
use crate::inventory;
use aws_sdk_ec2::types::{InstanceStateName, KeyPairInfo};
use aws_sdk_ec2::Client;

/// What one region gave.
#[derive(Debug, Default)]
struct RegionItems {
    instances: Vec<inventory::Instance>,
    key_pairs: Vec<inventory::KeyPair>,
    gaps: Vec<Gap>,
}

/// Instances and key pairs of `regions` (every enabled region when `None`),
/// with a gap for each region or call that failed.
pub async fn inventory(
    aws: &Aws,
    regions: Option<&[String]>,
) -> (Vec<inventory::Instance>, Vec<inventory::KeyPair>, Vec<Gap>) {
    inventory_with(aws, |r| aws.ec2(r), regions).await
}

/// [`inventory`] with the EC2 client of each region supplied by the caller
/// (tests: mocked clients); `aws` gives the home region and the concurrency.
pub async fn inventory_with(
    aws: &Aws,
    client_for_region: impl Fn(&str) -> Client,
    regions: Option<&[String]>,
) -> (Vec<inventory::Instance>, Vec<inventory::KeyPair>, Vec<Gap>) {
    let (regions, mut gaps) = match regions {
        Some(r) => (r.to_vec(), Vec::new()),
        None => enabled_regions(&client_for_region(aws.region()), aws.region()).await,
    };
    let client_for_region = &client_for_region;
    let per_region = aws
        .bounded(regions, |region| async move {
            let client = client_for_region(&region);
            read_region(&client, &region).await
        })
        .await;
    let (mut instances, mut key_pairs) = (Vec::new(), Vec::new());
    for r in per_region {
        instances.extend(r.instances);
        key_pairs.extend(r.key_pairs);
        gaps.extend(r.gaps);
    }
    (instances, key_pairs, gaps)
}

/// The enabled regions, from `home`; on failure a gap and `[home]`.
async fn enabled_regions(client: &Client, home: &str) -> (Vec<String>, Vec<Gap>) {
    match client.describe_regions().send().await {
        Ok(out) => {
            let mut regions: Vec<String> = out
                .regions()
                .iter()
                .filter(|r| {
                    matches!(
                        r.opt_in_status(),
                        None | Some("opt-in-not-required") | Some("opted-in")
                    )
                })
                .filter_map(|r| r.region_name().map(str::to_owned))
                .collect();
            regions.sort();
            regions.dedup();
            if regions.is_empty() {
                regions.push(home.to_owned());
            }
            (regions, Vec::new())
        }
        Err(e) => {
            let err = AwsError::call("ec2:DescribeRegions", home, &e);
            tracing::warn!(%err, "cannot list the enabled regions; reading {home} only");
            let gap = Gap::from_error(
                err,
                format!("EC2 instances and key pairs in regions other than {home}"),
            );
            (vec![home.to_owned()], vec![gap])
        }
    }
}

/// Both calls of one region, concurrently.
async fn read_region(client: &Client, region: &str) -> RegionItems {
    let (instances, key_pairs) =
        futures_util::future::join(instances(client, region), key_pairs(client, region)).await;
    let mut items = RegionItems::default();
    let (list, gap) = instances;
    items.instances = list;
    items.gaps.extend(gap);
    match key_pairs {
        Ok(list) => items.key_pairs = list,
        Err(gap) => items.gaps.push(gap),
    }
    items
}

/// Every instance of the region but the terminated ones; on a failed page,
/// the pages before it and a gap.
async fn instances(client: &Client, region: &str) -> (Vec<inventory::Instance>, Option<Gap>) {
    let mut out = Vec::new();
    let mut pages = client.describe_instances().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                let err = AwsError::call("ec2:DescribeInstances", region, &e);
                tracing::warn!(%err, "EC2 instances of {region} incomplete");
                let missing = format!("EC2 instances in {region}");
                return (out, Some(Gap::from_error(err, missing)));
            }
        };
        let all = page.reservations().iter().flat_map(|r| r.instances());
        out.extend(all.filter_map(|i| instance(i, region)));
    }
    (out, None)
}

/// The inventory item of an SDK instance; `None` for a terminated one or one
/// without an id.
fn instance(i: &aws_sdk_ec2::types::Instance, region: &str) -> Option<inventory::Instance> {
    let state = i.state().and_then(|s| s.name());
    if matches!(state, Some(InstanceStateName::Terminated)) {
        return None;
    }
    Some(inventory::Instance {
        id: i.instance_id()?.to_owned(),
        region: region.to_owned(),
        state: state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        launch_time: opt_secs(i.launch_time()).unwrap_or(0),
        key_name: i.key_name().map(str::to_owned),
        instance_profile: i
            .iam_instance_profile()
            .and_then(|p| p.arn())
            .map(str::to_owned),
    })
}

async fn key_pairs(client: &Client, region: &str) -> Result<Vec<inventory::KeyPair>, Gap> {
    match client.describe_key_pairs().send().await {
        Ok(out) => Ok(out
            .key_pairs()
            .iter()
            .map(|k| key_pair(k, region))
            .collect()),
        Err(e) => {
            let err = AwsError::call("ec2:DescribeKeyPairs", region, &e);
            tracing::warn!(%err, "EC2 key pairs of {region} missing");
            Err(Gap::from_error(err, format!("EC2 key pairs in {region}")))
        }
    }
}

fn key_pair(k: &KeyPairInfo, region: &str) -> inventory::KeyPair {
    inventory::KeyPair {
        // Older key pairs may lack an id in some emulators: the name then identifies it.
        id: k
            .key_pair_id()
            .or(k.key_name())
            .unwrap_or_default()
            .to_owned(),
        name: k.key_name().unwrap_or_default().to_owned(),
        region: region.to_owned(),
        fingerprint: k.key_fingerprint().unwrap_or_default().to_owned(),
        create_time: opt_secs(k.create_time()),
    }
}

#[cfg(test)]
#[path = "ec2_tests.rs"]
mod tests;
