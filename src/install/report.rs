//! Install failures and warnings as data, rendered in the documented error
//! style (docs/troubleshooting.md "Install").

use super::inputs::Provider;
use crate::api::Family;

/// Who put a distribution into the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The server image's own site-packages.
    Server,
    /// A provider image (index in CRD order).
    Provider(usize),
}

impl Origin {
    /// For messages: `the server image` or `provider '{id}', image {image}`.
    /// `providers` are the ones the index refers to; out of range reads `a provider`.
    pub fn describe(&self, providers: &[Provider]) -> String {
        match self {
            Origin::Server => "the server image".to_string(),
            Origin::Provider(i) => match providers.get(*i) {
                Some(p) => format!("provider '{}', image {}", p.id, p.image),
                None => "a provider".to_string(),
            },
        }
    }
}

/// A wheel the resolution looked at and could not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// File name of the wheel.
    pub wheel: String,
    /// The image that ships it (always a provider).
    pub origin: Origin,
    /// Why it was not taken, as listed under `Wheels considered:`
    /// (docs/troubleshooting.md, "A requirement does not hold").
    pub reason: String,
}

/// A provider wheel that replaces one of the server's distributions while
/// every requirement still holds (a warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shadow {
    /// The provider whose requirement pulled the wheel in.
    pub provider: usize,
    /// File name of the provider's wheel.
    pub wheel: String,
    /// The provider whose image ships the wheel.
    pub wheel_origin: usize,
    /// The server distribution's name as it spells it.
    pub name: String,
    /// The version the server image has.
    pub server_version: String,
    /// The version the wheel installs instead.
    pub version: String,
}

/// Why the providers cannot be installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A requirement that neither the environment nor any shipped wheel satisfies.
    Unsatisfied {
        /// The provider being installed (index in CRD order).
        provider: usize,
        /// As text; for a main wheel, `{name}=={version}`.
        requirement: String,
        /// Who stated it, shown after `required by`: `{dist} {version} ({who})`
        /// or `provider '{id}' (its main wheel)`.
        required_by: String,
        /// The version of that name in the environment, and who installed it.
        installed: Option<(pep508_rs::pep440_rs::Version, Origin)>,
        /// Every shipped wheel of that name and why it was not taken; empty
        /// when no image ships one.
        rejected: Vec<Rejected>,
        /// A shipped wheel would satisfy it but breaks a server requirement.
        breaks_server: bool,
        /// The server family the image runs and its version, when it has
        /// one (`ogx` or `llama-stack` among its distributions): a
        /// requirement on the other family's API package is worded for it.
        server: Option<(Family, pep508_rs::pep440_rs::Version)>,
    },
    /// `spec.wheelPath` names a wheel that is not in `packages/`.
    MissingRootWheel {
        /// Index in CRD order.
        provider: usize,
        /// The `spec.wheelPath` file name.
        wheel: String,
    },
    /// The provider's main wheel cannot be loaded by the server's Python.
    UnusableRootWheel {
        /// Index in CRD order.
        provider: usize,
        /// The `spec.wheelPath` file name.
        wheel: String,
        /// Completes `its main wheel {wheel} …`: the tag or `Requires-Python`
        /// mismatch with the server's Python.
        reason: String,
    },
    /// A requirement of an installed distribution that the final environment breaks.
    Broken {
        /// The distribution whose requirement broke, as `{name} {version}`.
        dist: String,
        /// Who installed that distribution.
        origin: Origin,
        /// The requirement that does not hold, as text.
        requirement: String,
        /// The required name's version in the final environment and who
        /// installed it; `None` when it is absent.
        installed: Option<(pep508_rs::pep440_rs::Version, Origin)>,
    },
}

/// A failure with the resolver's decisions up to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The failure that stopped the resolution.
    pub failure: Failure,
    /// The decision lines before it (`Resolver output:`), as in
    /// [`Plan::log`](super::resolve::Plan::log).
    pub log: Vec<String>,
}

/// Where the failure is shown: names and paths the messages point at.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The providers given to [`resolve`](super::resolve::resolve), in the
    /// same order: failures refer to them by index.
    pub providers: &'a [Provider],
    /// Name shown as `Init Container:` (`merge-config` in a pod).
    pub init_container: &'a str,
    /// Path of `installed-packages.txt` the messages point at; the caller
    /// writes the file.
    pub installed_list: &'a str,
}

/// The full message (container log) and its one-paragraph summary (termination log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// From `ERROR: …` to `Resolution: …`, newline-terminated; for stderr.
    pub details: String,
    /// One line, no trailing newline; for `/dev/termination-log`.
    pub summary: String,
}

fn installed_text(
    name: &str,
    installed: &Option<(pep508_rs::pep440_rs::Version, Origin)>,
    providers: &[Provider],
) -> String {
    match installed {
        Some((version, Origin::Server)) => format!("{name} {version} from the server image"),
        Some((version, origin)) => {
            format!(
                "{name} {version}, installed by {}",
                origin.describe(providers)
            )
        }
        None => format!("nothing: no distribution named {name} is installed"),
    }
}

/// The distribution name a requirement text starts with.
fn requirement_name(requirement: &str) -> &str {
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    &requirement[..end]
}

impl Refusal {
    /// The texts docs/troubleshooting.md section 7 documents ("A requirement
    /// does not hold", "The main wheel cannot be used", "A requirement breaks
    /// after installing"); tests compare against them.
    pub fn render(&self, ctx: &Context<'_>) -> Rendered {
        let providers = ctx.providers;
        let who = |i: usize| {
            providers
                .get(i)
                .map(|p| (p.id.as_str(), p.image.as_str()))
                .unwrap_or(("?", "?"))
        };
        let log = if self.log.is_empty() {
            "  (nothing installed yet)\n".to_string()
        } else {
            self.log.iter().map(|l| format!("  {l}\n")).collect()
        };
        let (title, id, image, body, fix) = match &self.failure {
            Failure::Unsatisfied {
                provider,
                requirement,
                required_by,
                installed,
                rejected,
                breaks_server,
                server,
            } => {
                let (id, image) = who(*provider);
                let name = requirement_name(requirement);
                let instead = installed_text(name, installed, providers);
                let mut considered = String::new();
                if rejected.is_empty() {
                    considered.push_str(&format!(
                        "  none: no provider image ships a wheel of {name}\n"
                    ));
                }
                for r in rejected {
                    considered.push_str(&format!(
                        "  {} ({}): {}\n",
                        r.wheel,
                        r.origin.describe(providers),
                        r.reason
                    ));
                }
                let fix = if *breaks_server {
                    format!(
                        "A wheel of {name} that satisfies {requirement} would replace the server image's {name} with a version the server's own packages do not accept. \
                         Relax the provider's requirement so that the server's {name} satisfies it, or use a server image whose {name} satisfies both."
                    )
                } else {
                    match installed {
                        Some((version, Origin::Server)) => format!(
                            "The server image has {name} {version}, which does not satisfy {requirement}. \
                             Relax the requirement to accept {version}, or ship a wheel of {name} that satisfies it in /lls-provider/packages/ of {image} \
                             (it then shadows the server's copy, which is allowed while the server's own requirements still hold), or use a newer server image."
                        ),
                        Some((version, _)) => format!(
                            "{name} {version} is installed for another provider and no shipped wheel satisfies every requirement on {name}. \
                             Make the providers agree on one version of {name} and ship its wheel in /lls-provider/packages/ of one of the images; \
                             the order of the providers does not change the outcome."
                        ),
                        None => match (Family::of_package(name), server) {
                            (Some(wanted), Some((family, version))) if wanted != *family => {
                                format!(
                                    "The server image runs {family} {version}, whose API package is {}; {name} belongs to {wanted}, the other server family, and is not installed. \
                                 A provider that serves both families requires neither API package: drop {requirement} from its requirements and import {} with a fallback to {} at run time \
                                 (docs/provider-development.md, \"One wheel for llama-stack and ogx\"), or run it on a {wanted} server.",
                                    family.api_package(),
                                    family.api_module(),
                                    wanted.api_module()
                                )
                            }
                            _ => format!(
                                "Neither the server image nor any provider image has {name}. \
                                 Add a wheel of {name} that satisfies {requirement} to /lls-provider/packages/ of {image}."
                            ),
                        },
                    }
                };
                let body = format!(
                    "Requirement: {requirement}, required by {required_by}\n\
                     Installed instead: {instead}\n\
                     Wheels considered:\n{considered}"
                );
                (
                    format!(
                        "Cannot install provider '{id}': requirement {requirement} does not hold"
                    ),
                    id,
                    image,
                    body,
                    fix,
                )
            }
            Failure::MissingRootWheel { provider, wheel } => {
                let (id, image) = who(*provider);
                (
                    format!("Cannot install provider '{id}': its main wheel {wheel} is not in /lls-provider/packages/"),
                    id,
                    image,
                    format!("Main wheel (spec.wheelPath): {wheel}\n"),
                    "Set spec.wheelPath in lls-provider-spec.yaml to the provider's own wheel, and copy that wheel to /lls-provider/packages/ in the image.".to_string(),
                )
            }
            Failure::UnusableRootWheel {
                provider,
                wheel,
                reason,
            } => {
                let (id, image) = who(*provider);
                (
                    format!("Cannot install provider '{id}': its main wheel {wheel} {reason}"),
                    id,
                    image,
                    format!("Main wheel (spec.wheelPath): {wheel}\n"),
                    "Build the wheel for the server image's Python version and platform (pip wheel with the Python of the server image), or as a pure-Python py3-none-any wheel.".to_string(),
                )
            }
            Failure::Broken {
                dist,
                origin,
                requirement,
                installed,
            } => {
                let name = requirement_name(requirement);
                let (id, image) = match origin {
                    Origin::Provider(i) => who(*i),
                    Origin::Server => ("(the server image)", "(the server image)"),
                };
                (
                    format!(
                        "Requirement {requirement} of {dist} does not hold after installing the providers"
                    ),
                    id,
                    image,
                    format!(
                        "Requirement: {requirement}, required by {dist} ({})\nInstalled instead: {}\n",
                        origin.describe(providers),
                        installed_text(name, installed, providers)
                    ),
                    format!(
                        "Make the providers' wheels of {name} agree with {requirement}, or report this as a bug of llsd-providers: the resolution should have refused it earlier."
                    ),
                )
            }
        };
        let details = details_block(
            &title,
            (id, image, ctx.init_container),
            &format!(
                "{body}\nResolver output:\n{log}\nInstalled packages are listed in: {}\n",
                ctx.installed_list
            ),
            &fix,
        ) + "\n";
        let summary = format!(
            "{title} (image {image}, init container {container}); see the container log and {list}. Resolution: {fix}",
            container = ctx.init_container,
            list = ctx.installed_list,
        );
        Rendered { details, summary }
    }
}

/// The block every install failure about one provider prints (the copy
/// script `install.sh` writes the same one): the title, the provider, its
/// image and the init container, what else there is to say, and the fix.
pub fn details_block(
    title: &str,
    (id, image, container): (&str, &str, &str),
    body: &str,
    fix: &str,
) -> String {
    let body = if body.is_empty() {
        String::new()
    } else {
        format!("{body}\n")
    };
    format!(
        "ERROR: {title}\n\nProvider: {id}\nImage: {image}\nInit Container: {container}\n\n{body}Resolution: {fix}"
    )
}

impl Shadow {
    /// `WARNING: …` for the install log and the container's stderr.
    pub fn warning(&self, providers: &[Provider]) -> String {
        let id = providers.get(self.provider).map_or("?", |p| p.id.as_str());
        format!(
            "WARNING: Provider '{id}' installs {} ({}), which shadows the server image's {} {} on PYTHONPATH; every requirement still holds\n  \
             The server imports {} {} from the providers' packages directory instead of its own copy.",
            self.wheel,
            Origin::Provider(self.wheel_origin).describe(providers),
            self.name,
            self.server_version,
            self.name,
            self.version
        )
    }
}
