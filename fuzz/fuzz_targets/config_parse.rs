//! Arbitrary text through `Config::parse`; an accepted configuration is then
//! queried (change windows over a week, thresholds, principal lists) and used
//! to build an engine.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trailguard::config::THRESHOLDS;
use trailguard::{Config, Engine};

const ARNS: &[&str] = &[
    "arn:aws:iam::111122223333:user/breakglass",
    "arn:aws:iam::111122223333:role/terraform-deploy",
    "arn:aws:sts::111122223333:assumed-role/terraform-deploy/ci",
    "",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cfg) = Config::parse(text) else { return };
    // 2026-11-09T00:00:00Z (a Monday), then every 17 minutes for eight days.
    for k in 0..680 {
        let _ = cfg.in_change_window(1_794_182_400 + k * 17 * 60);
    }
    let _ = cfg.in_change_window(i64::MIN);
    let _ = cfg.in_change_window(i64::MAX);
    for (name, ..) in THRESHOLDS {
        let _ = cfg.threshold(name);
    }
    for arn in ARNS {
        let _ = (
            cfg.is_break_glass(arn),
            cfg.is_protected(arn),
            cfg.is_trusted_automation(arn),
        );
        let _ = cfg.is_trusted_account("444455556666", "111122223333");
    }
    let _ = Engine::new(cfg).rule_count();
});
