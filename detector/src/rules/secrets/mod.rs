//! Secrets and credential stores: bulk reading of Secrets Manager secrets, SSM
//! SecureString parameters and EC2 Windows passwords.

mod harvesting;
mod reads;

use super::CorrelationRule;

/// The secrets correlation rules.
pub fn correlation_rules() -> Vec<Box<dyn CorrelationRule>> {
    vec![Box::new(harvesting::Rule)]
}

#[cfg(test)]
pub(crate) mod tests;
