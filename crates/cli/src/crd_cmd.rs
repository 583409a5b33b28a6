//! `llsd-providers crd`

use super::answer::{Answer, Outcome};

pub fn run() -> Answer {
    print!("{}", llsd_providers::crd::crd_patch_yaml());
    Ok(Outcome::Success)
}
