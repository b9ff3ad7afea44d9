//! `sweep`: what was created or changed since a time, or is absent from a
//! known-good baseline, and the exact step a later `quarantine` would take.
//!
//! Layout: [`super::items`] flattens an [`Inventory`] into [`Item`]s with a
//! fingerprint of their content; [`diff`] compares them into [`Change`]s;
//! [`attribute`] (in [`super::attribute`]) joins the CloudTrail look-back
//! (who created each change).

pub use super::attribute::{attribute, creating_events, TrailEvent};
pub use super::items::{items, Item, ItemKind};
use super::Inventory;
use crate::finding::short_name;
use crate::inventory::opt_time;
use crate::record::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How an item differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeType {
    /// Not in the baseline.
    Added,
    /// In the baseline with other content.
    Modified,
    /// Created (or updated) at or after `since`.
    CreatedSince,
    /// In the baseline, gone now; only for protections (MFA devices,
    /// permissions boundaries), whose removal weakens the account.
    Removed,
}

/// One line of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ItemKind,
    pub id: String,
    #[serde(default)]
    pub owner: Option<String>,
    pub change: ChangeType,
    /// What changed, in words.
    pub detail: String,
    #[serde(default, with = "opt_time")]
    pub created: Option<Timestamp>,
    pub containment: String,
    /// Who created it (from the CloudTrail look-back, see [`attribute`]).
    #[serde(default)]
    pub creator: Option<String>,
    #[serde(default, with = "opt_time")]
    pub creator_time: Option<Timestamp>,
}

/// Items created or changed since `since`, or absent from / different in `baseline`,
/// in a deterministic order (kind, id). With neither, nothing is listed.
///
/// Items without a date (group memberships, policy attachments, inline policies,
/// trust policies) are found through the baseline only; with `since` alone the
/// CloudTrail look-back has to cover them. A folded item (trust policy, policy
/// default version) is not listed when its owner is itself new.
pub fn diff(
    baseline: Option<&Inventory>,
    current: &Inventory,
    since: Option<Timestamp>,
) -> Vec<Change> {
    let base: Option<BTreeMap<String, Item>> =
        baseline.map(|b| items(b).into_iter().map(|i| (i.id.clone(), i)).collect());
    let all = items(current);
    let is_recent = |c: Option<Timestamp>| since.is_some_and(|t| c.is_some_and(|c| c >= t));
    let created: BTreeMap<&str, Option<Timestamp>> =
        all.iter().map(|i| (i.id.as_str(), i.created)).collect();
    let owner_recent = |i: &Item| {
        i.owner
            .as_deref()
            .is_some_and(|o| is_recent(created.get(o).copied().flatten()))
    };
    let mut out = Vec::new();
    for item in &all {
        let change = base.as_ref().and_then(|b| match b.get(&item.id) {
            None if item.folded && item.owner.as_ref().is_some_and(|o| !b.contains_key(o)) => None,
            None => Some(ChangeType::Added),
            Some(old) if old.fingerprint != item.fingerprint => Some(ChangeType::Modified),
            Some(_) => None,
        });
        let recent = is_recent(item.created) && !(item.folded && owner_recent(item));
        let Some(change) = change.or(recent.then_some(ChangeType::CreatedSince)) else {
            continue;
        };
        out.push(to_change(item.clone(), change));
    }
    if let Some(b) = &base {
        out.extend(removed(b, &created));
    }
    out.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
    out
}

/// Protections in the baseline that are gone now.
fn removed<'a>(
    base: &'a BTreeMap<String, Item>,
    current: &'a BTreeMap<&str, Option<Timestamp>>,
) -> impl Iterator<Item = Change> + 'a {
    base.values()
        .filter(|i| matches!(i.kind, ItemKind::MfaDevice | ItemKind::PermissionsBoundary))
        .filter(|i| !current.contains_key(i.id.as_str()))
        .filter(|i| i.owner.as_deref().is_some_and(|o| current.contains_key(o)))
        .map(|i| {
            let mut c = to_change(i.clone(), ChangeType::Removed);
            let owner = i.owner.as_deref().map(short_name).unwrap_or_default();
            c.containment = match i.kind {
                ItemKind::MfaDevice => format!(
                    "deactivate any MFA device registered since on {owner}, and have its owner re-register MFA (baseline device {} was removed)",
                    short_name(&i.id)
                ),
                _ => i.containment.clone(),
            };
            c
        })
}

fn to_change(item: Item, change: ChangeType) -> Change {
    let what = match change {
        ChangeType::Added => "not in the baseline",
        ChangeType::Modified => "differs from the baseline",
        ChangeType::CreatedSince => "created since the sweep start",
        ChangeType::Removed => "removed since the baseline",
    };
    Change {
        detail: match &item.owner {
            Some(o) => format!(
                "{} {} of {} {what}",
                item.kind.label(),
                short_name(&item.id),
                short_name(o)
            ),
            None => format!("{} {} {what}", item.kind.label(), short_name(&item.id)),
        },
        kind: item.kind,
        id: item.id,
        owner: item.owner,
        change,
        created: item.created,
        containment: item.containment,
        creator: None,
        creator_time: None,
    }
}
