//! `llsd-providers inject --llsd FILE --deployment FILE [--options FILE]`

use super::answer::{Answer, Outcome};
use clap::Args;
use llsd_providers::merge::yaml_text;
use llsd_providers::operation::inject_files;
use llsd_providers_fs::input::InputFile;
use std::path::PathBuf;

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
pub fn run(args: &InjectArgs) -> Answer {
    let llsd = InputFile::read(&args.llsd)?;
    let deployment = InputFile::read(&args.deployment)?;
    let options = args.options.as_deref().map(InputFile::read).transpose()?;
    run_on(&llsd, &deployment, options.as_ref())
}

pub fn run_on(llsd: &InputFile, deployment: &InputFile, options: Option<&InputFile>) -> Answer {
    match inject_files(
        llsd.named(),
        deployment.named(),
        options.map(InputFile::named),
    ) {
        Err(reports) => {
            for report in reports {
                eprint!("{}", report.render_text());
            }
            Ok(Outcome::Problems)
        }
        // Printed by the core's YAML writer, as the playground prints
        // it (the injection refuses a Deployment that is not a mapping).
        Ok(out) => {
            print!("{}", yaml_text(&out)?);
            Ok(Outcome::Success)
        }
    }
}
