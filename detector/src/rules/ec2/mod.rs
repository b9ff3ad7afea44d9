//! EC2, data and compute rules: termination, sharing with outside accounts,
//! exposure, user data, Lambda backdoors.

pub(crate) mod json;
mod lambda_function_exposed;
mod lambda_layer_attached;
mod resource_shared_outside;
mod security_group_open_world;
mod terminate_many;
mod user_data_modified;

use super::EventRule;

/// The EC2, data and compute event rules.
pub fn rules() -> Vec<Box<dyn EventRule>> {
    vec![
        Box::new(terminate_many::Rule),
        Box::new(resource_shared_outside::Rule),
        Box::new(security_group_open_world::Rule),
        Box::new(user_data_modified::Rule),
        Box::new(lambda_function_exposed::Rule),
        Box::new(lambda_layer_attached::Rule),
    ]
}
