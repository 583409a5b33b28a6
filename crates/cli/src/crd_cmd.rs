//! `llsd-providers crd`

use super::answer::Outcome;

pub fn run() -> Outcome {
    print!("{}", llsd_providers::crd::crd_patch_yaml());
    Outcome::Success
}
