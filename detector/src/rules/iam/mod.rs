//! IAM rules: principals, credentials, permissions, trust, identity providers.

mod user_created_outside_window;

use super::EventRule;

/// The IAM event rules.
pub fn rules() -> Vec<Box<dyn EventRule>> {
    vec![Box::new(user_created_outside_window::Rule)]
}
