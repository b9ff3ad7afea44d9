//! Sign-in and root rules.

mod root_activity;

use super::EventRule;

/// The sign-in and root event rules.
pub fn rules() -> Vec<Box<dyn EventRule>> {
    vec![Box::new(root_activity::Rule)]
}
