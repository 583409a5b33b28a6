//! `llsd-providers inject --llsd FILE --deployment FILE [--options FILE]`

use super::answer::{Outcome, usage_error};
use clap::Args;
use llsd_providers::limits::MAX_INPUT_BYTES;
use llsd_providers::merge::yaml_document;
use llsd_providers::operation::{NamedInput, inject_files};
use llsd_providers_fs::input::{display_name, read_bounded};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct InjectArgs {
    /// The LlamaStackDistribution.
    #[arg(long, value_name = "FILE")]
    pub(super) llsd: PathBuf,
    /// The Deployment the operator rendered for it.
    #[arg(long, value_name = "FILE")]
    pub(super) deployment: PathBuf,
    /// Injection options (YAML or JSON; docs/external-providers.md lists them).
    #[arg(long, value_name = "FILE")]
    pub(super) options: Option<PathBuf>,
}

/// One input of the injection: the name its problems are reported under
/// (a file, or what the kubectl plugin read) and its bytes.
pub struct Source {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Source {
    fn named(&self) -> NamedInput<'_> {
        NamedInput {
            name: &self.name,
            bytes: &self.bytes,
        }
    }
}

pub fn run(args: &InjectArgs) -> Outcome {
    let read = |path: &Path| {
        read_bounded(path, MAX_INPUT_BYTES).map(|bytes| Source {
            name: display_name(path),
            bytes,
        })
    };
    let sources = read(&args.llsd).and_then(|llsd| {
        let deployment = read(&args.deployment)?;
        let options = args.options.as_deref().map(read).transpose()?;
        Ok((llsd, deployment, options))
    });
    match sources {
        Ok((llsd, deployment, options)) => run_on(&llsd, &deployment, options.as_ref()),
        Err(message) => usage_error(&message),
    }
}

/// The injection on inputs already read; the kubectl plugin passes what
/// kubectl printed, so nothing is written to disk.
pub fn run_on(llsd: &Source, deployment: &Source, options: Option<&Source>) -> Outcome {
    match inject_files(llsd.named(), deployment.named(), options.map(Source::named)) {
        Err(reports) => {
            for report in reports {
                eprint!("{}", report.render_text());
            }
            Outcome::Problems
        }
        // Printed by the core's YAML writer, as the playground prints
        // it (the injection refuses a Deployment that is not a mapping).
        Ok(out) => match out.as_object() {
            Some(deployment) => {
                print!("{}", yaml_document(deployment));
                Outcome::Success
            }
            None => {
                eprintln!("ERROR: cannot print the Deployment: it is not a mapping");
                Outcome::Problems
            }
        },
    }
}
