//! Who created each [`Change`]: joins the CloudTrail look-back (event name,
//! target, actor, time) to a sweep. Layout: [`creating_events`] maps an item
//! kind to the events that create it; [`attribute`] picks, per change, the
//! matching event closest to the item's create time.

use super::diff::{Change, ItemKind};
use crate::finding::short_name;
use crate::record::Timestamp;

/// CloudTrail events that create each kind of item.
pub fn creating_events(kind: ItemKind) -> &'static [&'static str] {
    use ItemKind::*;
    match kind {
        User => &["CreateUser"],
        LoginProfile => &["CreateLoginProfile", "UpdateLoginProfile"],
        MfaDevice => &["EnableMFADevice", "CreateVirtualMFADevice"],
        AccessKey => &["CreateAccessKey"],
        GroupMembership => &["AddUserToGroup"],
        PolicyAttachment => &["AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy"],
        InlinePolicy => &["PutUserPolicy", "PutRolePolicy", "PutGroupPolicy"],
        PermissionsBoundary => &["PutUserPermissionsBoundary", "PutRolePermissionsBoundary"],
        Group => &["CreateGroup"],
        Role => &["CreateRole"],
        TrustPolicy => &["UpdateAssumeRolePolicy", "CreateRole"],
        Policy => &["CreatePolicy"],
        PolicyVersion => &["CreatePolicyVersion", "SetDefaultPolicyVersion"],
        Provider => &["CreateOpenIDConnectProvider", "CreateSAMLProvider"],
        SshPublicKey => &["UploadSSHPublicKey"],
        ServiceCredential => &["CreateServiceSpecificCredential"],
        SigningCertificate => &["UploadSigningCertificate"],
        Instance => &["RunInstances"],
        KeyPair => &["CreateKeyPair", "ImportKeyPair"],
    }
}

/// A look-back event: (event name, target ARN or id, actor ARN, time).
pub type TrailEvent<'a> = (&'a str, &'a str, &'a str, Timestamp);

fn targets(c: &Change) -> Vec<&str> {
    let mut t = vec![c.id.as_str(), short_name(&c.id)];
    if let Some(o) = &c.owner {
        t.push(o);
        t.push(short_name(o));
    }
    if let Some((_, sub)) = c.id.split_once('#') {
        t.push(sub);
        t.push(short_name(sub));
    }
    t
}

/// Fills `creator` and `creator_time` from the look-back: the event of a
/// creating name whose target names the change (its id, owner, or their short
/// names), closest to the change's create time, or the latest when it has none.
pub fn attribute(changes: &mut [Change], events: &[TrailEvent<'_>]) {
    for c in changes.iter_mut() {
        let names = creating_events(c.kind);
        let ts = targets(c);
        let best = events
            .iter()
            .filter(|(name, target, _, _)| names.contains(name) && ts.contains(target))
            .min_by_key(|(_, _, actor, t)| {
                let d = c.created.map_or(-*t, |ct| (ct - *t).abs());
                (d, *actor)
            });
        if let Some((_, _, actor, t)) = best {
            c.creator = Some((*actor).to_owned());
            c.creator_time = Some(*t);
        }
    }
}
