//! `llsd-providers check-image PATH [--platform linux/arm64] [--python 3.12] [--output text|json]`:
//! reads PATH (an OCI archive file, an OCI layout directory, or an unpacked
//! root directory) into the core's tree and prints its report.

use super::answer::{Answer, Outcome, OutputFormat, print_report};
use clap::Args;
use llsd_providers::image_check::{Platform, Target, TargetPython};
use llsd_providers_fs::image::check_image;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CheckImageArgs {
    /// An OCI archive (oci-archive: output), an OCI layout directory, or an unpacked root directory.
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// The nodes' platform: of an image index, the image checked; the wheel platform tags that fit.
    #[arg(long, value_name = "PLATFORM", value_parser = Platform::parse, default_value = "linux/amd64")]
    platform: Platform,
    /// The server's CPython (`3.12`): wheel tags and requirement markers are checked against it.
    #[arg(long, value_name = "VERSION", value_parser = TargetPython::parse)]
    python: Option<TargetPython>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    output: OutputFormat,
}

pub fn run(args: &CheckImageArgs) -> Answer {
    let target = Target {
        platform: args.platform,
        python: args.python.clone(),
    };
    let report = check_image(&args.path, &target)?;
    print_report(args.output, || report.render_text(), &report);
    Ok(Outcome::passed(report.valid))
}
