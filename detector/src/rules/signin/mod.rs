//! Sign-in, session and root rules.

mod break_glass_used;
mod console_login_without_mfa;
mod federation_token_issued;
mod root_activity;

use super::EventRule;

/// The sign-in and root event rules.
pub fn rules() -> Vec<Box<dyn EventRule>> {
    vec![
        Box::new(root_activity::Rule),
        Box::new(console_login_without_mfa::Rule),
        Box::new(federation_token_issued::Rule),
        Box::new(break_glass_used::Rule),
    ]
}
