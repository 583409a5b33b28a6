//! The `llsd-providers` command: a thin host over the library's pure core.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
