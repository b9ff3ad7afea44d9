//! IAM rules: principals, credentials, permissions, trust, identity providers.
//!
//! One module per rule; [`common`] holds what several of them share.

mod access_key_for_other_user;
mod admin_granted;
mod common;
mod console_access_added_to_self;
mod identity_provider_changed;
mod login_profile_for_other_user;
mod mfa_removed;
mod password_policy_weakened;
mod root_access_key_created;
mod trust_opened;
mod user_created_outside_window;

use super::EventRule;

/// The IAM event rules.
pub fn rules() -> Vec<Box<dyn EventRule>> {
    vec![
        Box::new(user_created_outside_window::Rule),
        Box::new(admin_granted::Rule),
        Box::new(access_key_for_other_user::Rule),
        Box::new(login_profile_for_other_user::Rule),
        Box::new(console_access_added_to_self::Rule),
        Box::new(mfa_removed::Rule),
        Box::new(trust_opened::Rule),
        Box::new(identity_provider_changed::Rule),
        Box::new(password_policy_weakened::Rule),
        Box::new(root_access_key_created::Rule),
    ]
}

#[cfg(test)]
mod tests;
