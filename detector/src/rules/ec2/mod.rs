//! EC2, data and compute rules: termination, sharing with outside accounts,
//! exposure, user data, Lambda backdoors, remote access pushed into instances.

mod bucket_made_public;
mod instance_remote_access_pushed;
mod lambda_function_exposed;
mod lambda_layer_attached;
mod resource_shared_outside;
mod security_group_open_world;
mod ssh_key_pushed_to_many;
mod terminate_many;
mod user_data_modified;

use super::{CorrelationRule, EventRule};

/// The EC2, data and compute event rules.
pub fn rules() -> Vec<Box<dyn EventRule>> {
    vec![
        Box::new(terminate_many::Rule),
        Box::new(resource_shared_outside::Rule),
        Box::new(bucket_made_public::Rule),
        Box::new(security_group_open_world::Rule),
        Box::new(user_data_modified::Rule),
        Box::new(lambda_function_exposed::Rule),
        Box::new(lambda_layer_attached::Rule),
        Box::new(instance_remote_access_pushed::Rule),
    ]
}

/// The EC2 correlation rules.
pub fn correlation_rules() -> Vec<Box<dyn CorrelationRule>> {
    vec![Box::new(ssh_key_pushed_to_many::Rule)]
}

#[cfg(test)]
mod remote_access_tests;
