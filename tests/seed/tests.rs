//! The seed's own helpers, and the seeding itself against a real moto_server.

use super::*;

#[test]
fn rfc3339_is_the_inverse_of_epoch() {
    for t in [0, 951_782_400, 1_700_000_000, 1_798_761_599, 4_102_444_800] {
        let s = rfc3339(t);
        assert_eq!(crate::epoch(&s), Some(t), "{s}");
    }
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
}

#[test]
fn planted_changes_name_every_backdoor() {
    let p = Planted {
        admin_user: user_arn("backup-admin"),
        admin_key: "AKIAADMIN".into(),
        alice_second_key: "AKIASECOND".into(),
        outside_role: role_arn("ops-audit"),
        oidc_provider: format!("arn:aws:iam::{MOTO_ACCOUNT}:oidc-provider/{OIDC_HOST}"),
        oidc_role: role_arn("github-deploy"),
    };
    let c = p.changes();
    assert_eq!(c.len(), 10);
    for id in [&p.admin_key, &p.alice_second_key, &p.oidc_provider] {
        assert!(c.iter().any(|(_, i)| i == id), "{id} missing");
    }
}

async fn key_used(iam: &Iam, id: &str) -> bool {
    let out = must(
        iam.get_access_key_last_used()
            .access_key_id(id)
            .send()
            .await,
        "last used",
    );
    out.access_key_last_used()
        .and_then(|u| u.last_used_date())
        .is_some()
}

async fn mfa_count(iam: &Iam, user: &str) -> usize {
    let out = must(iam.list_mfa_devices().user_name(user).send().await, "mfa");
    out.mfa_devices().len()
}

/// alice's keys: both present, the first used, the planted one never.
async fn check_keys(iam: &Iam, clean: &Clean, planted: &Planted) {
    let keys = must(
        iam.list_access_keys().user_name("alice").send().await,
        "keys",
    );
    let ids: Vec<&str> = keys
        .access_key_metadata()
        .iter()
        .filter_map(|k| k.access_key_id())
        .collect();
    let want = [clean.alice_key.as_str(), planted.alice_second_key.as_str()];
    assert!(
        ids.len() == 2 && want.iter().all(|k| ids.contains(k)),
        "{ids:?}"
    );
    assert!(
        key_used(iam, &clean.alice_key).await,
        "alice's first key is used"
    );
    assert!(
        !key_used(iam, &planted.alice_second_key).await,
        "the planted key is not"
    );
}

/// Reads the seeded account back through the SDK: every call the seed makes
/// works against this moto, and the facts the suites rely on hold (alice's
/// first key used, her second never used, MFA on the humans, the provider).
#[test]
fn the_seed_builds_the_account_it_describes_in_moto() {
    let moto = Moto::start();
    let rt = crate::moto::runtime();
    let clean = rt.block_on(clean_account(&moto));
    let planted = rt.block_on(plant_backdoors(&moto));
    rt.block_on(async {
        let iam = Iam::new(&moto.sdk().await);
        check_keys(&iam, &clean, &planted).await;
        for h in HUMANS.iter().chain(&["breakglass"]) {
            assert_eq!(mfa_count(&iam, h).await, 1, "{h} has MFA");
        }
        assert_eq!(mfa_count(&iam, "backup-admin").await, 0);
        let providers = must(
            iam.list_open_id_connect_providers().send().await,
            "providers",
        );
        let arns: Vec<&str> = providers
            .open_id_connect_provider_list()
            .iter()
            .filter_map(|p| p.arn())
            .collect();
        assert_eq!(arns, vec![planted.oidc_provider.as_str()]);
        let policy = must(iam.get_account_password_policy().send().await, "policy");
        let p = policy.password_policy().expect("policy");
        assert_eq!(
            (p.minimum_password_length(), p.password_reuse_prevention()),
            (Some(14), Some(24))
        );
    });
    assert!(clean.instance_id.starts_with("i-"), "{}", clean.instance_id);
    assert!(!clean.key_pair_id.is_empty());
}
