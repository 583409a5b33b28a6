//! One resolution over the server's installed distributions and the wheels
//! every provider ships, in CRD order, then a verification of the final
//! environment (DESIGN: docs/external-providers.md "Dependencies").
//!
//! Pure: the inputs are metadata, the outputs are data.

use super::inputs::{Provider, ServerDist, Target, Wheel};
use super::report::{Failure, Origin, Refusal, Rejected, Shadow};
use crate::api::Family;
use pep508_rs::pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName, Requirement, VersionOrUrl};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// A wheel chosen for installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    /// Index into the providers (the image that ships the wheel).
    pub provider: usize,
    /// Index into that provider's wheels.
    pub wheel: usize,
}

/// What the resolution decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The wheels to install, in the order they were chosen.
    pub install: Vec<Chosen>,
    /// Provider wheels that replace a server distribution while every
    /// requirement still holds.
    pub shadows: Vec<Shadow>,
    /// The resolver's decisions, one line each (the install log).
    pub log: Vec<String>,
}

#[derive(Debug, Clone)]
enum Source {
    Server(usize),
    Wheel(Chosen),
}

#[derive(Debug, Clone)]
struct Installed {
    version: Version,
    source: Source,
}

/// A requirement that must keep holding, and who stated it.
#[derive(Debug, Clone)]
struct Constraint {
    requirement: Requirement,
    by: String,
    origin: Origin,
}

struct State<'a> {
    server: &'a [ServerDist],
    providers: &'a [Provider],
    target: &'a Target,
    env: BTreeMap<PackageName, Installed>,
    constraints: BTreeMap<PackageName, Vec<Constraint>>,
    extras: BTreeMap<PackageName, BTreeSet<ExtraName>>,
    /// Server requirements that did not hold before any provider: not ours to judge.
    unmet_in_server: HashSet<(usize, usize)>,
    plan: Plan,
}

/// Resolves the providers (in CRD order) against the server's distributions.
pub fn resolve(
    server: &[ServerDist],
    providers: &[Provider],
    target: &Target,
) -> Result<Plan, Refusal> {
    let mut state = State {
        server,
        providers,
        target,
        env: BTreeMap::new(),
        constraints: BTreeMap::new(),
        extras: BTreeMap::new(),
        unmet_in_server: HashSet::new(),
        plan: Plan {
            install: Vec::new(),
            shadows: Vec::new(),
            log: Vec::new(),
        },
    };
    for (i, dist) in server.iter().enumerate() {
        state.env.entry(dist.name.clone()).or_insert(Installed {
            version: dist.version.clone(),
            source: Source::Server(i),
        });
    }
    for (i, dist) in server.iter().enumerate() {
        for (j, requirement) in dist.requires.iter().enumerate() {
            if !requirement.evaluate_markers(&target.markers, &[]) {
                continue;
            }
            let holds = state
                .env
                .get(&requirement.name)
                .is_some_and(|installed| satisfies(requirement, &installed.version));
            if holds {
                state
                    .constraints
                    .entry(requirement.name.clone())
                    .or_default()
                    .push(Constraint {
                        requirement: requirement.clone(),
                        by: format!("{} {}", dist.display_name, dist.version),
                        origin: Origin::Server,
                    });
            } else {
                state.unmet_in_server.insert((i, j));
            }
        }
    }
    let outcome = (0..providers.len())
        .try_for_each(|p| state.provider(p))
        .and_then(|()| state.verify());
    match outcome {
        Ok(()) => Ok(state.plan),
        Err(failure) => Err(Refusal {
            failure,
            log: state.plan.log,
        }),
    }
}

fn specifiers(requirement: &Requirement) -> Option<&VersionSpecifiers> {
    match &requirement.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => Some(specifiers),
        _ => None,
    }
}

fn satisfies(requirement: &Requirement, version: &Version) -> bool {
    specifiers(requirement).is_none_or(|s| s.contains(version))
}

/// A requirement waiting to be resolved, with who stated it.
struct Pending {
    requirement: Requirement,
    by: String,
    origin: Origin,
    extras: Vec<ExtraName>,
}

impl State<'_> {
    fn wheel(&self, c: &Chosen) -> &Wheel {
        &self.providers[c.provider].wheels[c.wheel]
    }

    fn origin(&self, source: &Source) -> Origin {
        match source {
            Source::Server(_) => Origin::Server,
            Source::Wheel(c) => Origin::Provider(c.provider),
        }
    }

    /// The server family of the image (its `ogx` or `llama-stack`
    /// distribution) and its version.
    fn server_family(&self) -> Option<(Family, Version)> {
        Family::ALL.into_iter().find_map(|family| {
            let name = PackageName::new(family.name().to_string()).ok()?;
            let (version, origin) = self.installed(&name)?;
            matches!(origin, Origin::Server).then_some((family, version))
        })
    }

    fn installed(&self, name: &PackageName) -> Option<(Version, Origin)> {
        self.env
            .get(name)
            .map(|i| (i.version.clone(), self.origin(&i.source)))
    }

    /// Why the server's Python cannot use `wheel`, if it cannot.
    fn unusable(&self, wheel: &Wheel) -> Option<String> {
        let m = &self.target.markers;
        if !wheel.file.is_compatible(&self.target.supported_tags) {
            return Some(format!(
                "is built for {}, which the server's Python {} ({} {}) cannot load",
                wheel.file.tag_text(),
                self.target.python_full_version,
                m.sys_platform(),
                m.platform_machine()
            ));
        }
        if let Some(requires) = &wheel.metadata.requires_python
            && !requires.contains(&self.target.python_full_version)
        {
            return Some(format!(
                "requires Python {requires}, and the server's Python is {}",
                self.target.python_full_version
            ));
        }
        None
    }

    fn provider(&mut self, p: usize) -> Result<(), Failure> {
        let provider = &self.providers[p];
        let Some(root) = provider
            .wheels
            .iter()
            .position(|w| w.file.file_name == provider.root)
        else {
            return Err(Failure::MissingRootWheel {
                provider: p,
                wheel: provider.root.clone(),
            });
        };
        let wheel = &provider.wheels[root];
        if let Some(reason) = self.unusable(wheel) {
            return Err(Failure::UnusableRootWheel {
                provider: p,
                wheel: wheel.file.file_name.clone(),
                reason,
            });
        }
        let name = wheel.file.name.clone();
        let version = wheel.file.version.clone();
        let already = self
            .env
            .get(&name)
            .is_some_and(|i| i.version == version && matches!(i.source, Source::Wheel(_)));
        if already {
            self.plan.log.push(format!(
                "{}: {name} {version} (its main wheel) is already installed",
                provider.id
            ));
            return Ok(());
        }
        let broken = self
            .constraints
            .get(&name)
            .into_iter()
            .flatten()
            .find(|c| !satisfies(&c.requirement, &version));
        if let Some(constraint) = broken {
            return Err(Failure::Unsatisfied {
                provider: p,
                requirement: format!("{name}=={version}"),
                required_by: format!("provider '{}' (its main wheel)", provider.id),
                installed: self.installed(&name),
                server: self.server_family(),
                rejected: vec![Rejected {
                    wheel: wheel.file.file_name.clone(),
                    origin: Origin::Provider(p),
                    reason: format!(
                        "would break the requirement {} of {} ({})",
                        constraint.requirement,
                        constraint.by,
                        constraint.origin.describe(self.providers)
                    ),
                }],
                breaks_server: constraint.origin == Origin::Server,
            });
        }
        let mut work = std::collections::VecDeque::new();
        self.install(
            p,
            Chosen {
                provider: p,
                wheel: root,
            },
            &mut work,
        );
        while let Some(pending) = work.pop_front() {
            self.requirement(p, pending, &mut work)?;
        }
        Ok(())
    }

    /// Puts `chosen` into the environment and queues its requirements.
    fn install(
        &mut self,
        p: usize,
        chosen: Chosen,
        work: &mut std::collections::VecDeque<Pending>,
    ) {
        let wheel = self.wheel(&chosen).clone();
        let name = wheel.file.name.clone();
        let id = &self.providers[p].id;
        let from = &self.providers[chosen.provider];
        let mut line = format!(
            "{id}: install {} from {} (image {})",
            wheel.file.file_name, from.id, from.image
        );
        match self.env.get(&name).map(|i| i.source.clone()) {
            Some(Source::Server(i)) => {
                line.push_str(&format!(
                    ", shadowing the server's {} {}",
                    self.server[i].display_name, self.server[i].version
                ));
                self.plan.shadows.push(Shadow {
                    provider: p,
                    wheel: wheel.file.file_name.clone(),
                    wheel_origin: chosen.provider,
                    name: self.server[i].display_name.clone(),
                    server_version: self.server[i].version.to_string(),
                    version: wheel.file.version.to_string(),
                });
            }
            Some(Source::Wheel(previous)) => {
                let old = self.wheel(&previous).file.file_name.clone();
                line.push_str(&format!(
                    ", replacing {old} (every requirement stated so far still holds)"
                ));
                self.plan.install.retain(|c| *c != previous);
            }
            None => {}
        }
        self.plan.log.push(line);
        self.env.insert(
            name.clone(),
            Installed {
                version: wheel.file.version.clone(),
                source: Source::Wheel(chosen.clone()),
            },
        );
        self.plan.install.push(chosen.clone());
        let extras: Vec<ExtraName> = self
            .extras
            .get(&name)
            .map(|e| e.iter().cloned().collect())
            .unwrap_or_default();
        for requirement in &wheel.metadata.requires_dist {
            work.push_back(Pending {
                requirement: requirement.clone(),
                by: format!("{} {}", wheel.metadata.name, wheel.metadata.version),
                origin: Origin::Provider(chosen.provider),
                extras: extras.clone(),
            });
        }
    }

    fn requires_of(&self, source: &Source) -> (String, Vec<Requirement>) {
        match source {
            Source::Server(i) => (
                format!(
                    "{} {}",
                    self.server[*i].display_name, self.server[*i].version
                ),
                self.server[*i].requires.clone(),
            ),
            Source::Wheel(c) => {
                let m = &self.wheel(c).metadata;
                (format!("{} {}", m.name, m.version), m.requires_dist.clone())
            }
        }
    }

    fn requirement(
        &mut self,
        p: usize,
        pending: Pending,
        work: &mut std::collections::VecDeque<Pending>,
    ) -> Result<(), Failure> {
        let Pending {
            requirement,
            by,
            origin,
            extras,
        } = pending;
        if !requirement.evaluate_markers(&self.target.markers, &extras) {
            return Ok(());
        }
        let name = requirement.name.clone();
        let constraint = Constraint {
            requirement: requirement.clone(),
            by: by.clone(),
            origin: origin.clone(),
        };
        if let Some(installed) = self.env.get(&name).cloned()
            && satisfies(&requirement, &installed.version)
        {
            self.constraints
                .entry(name.clone())
                .or_default()
                .push(constraint);
            // Extras asked for the first time add that distribution's
            // requirements under those extras.
            let known = self.extras.entry(name.clone()).or_default();
            let new: Vec<ExtraName> = requirement
                .extras
                .iter()
                .filter(|e| known.insert((*e).clone()))
                .cloned()
                .collect();
            if !new.is_empty() {
                let (dist, requires) = self.requires_of(&installed.source);
                let dist_origin = self.origin(&installed.source);
                for r in requires {
                    if r.evaluate_markers(&self.target.markers, &new)
                        && !r.evaluate_markers(&self.target.markers, &[])
                    {
                        work.push_back(Pending {
                            requirement: r,
                            by: dist.clone(),
                            origin: dist_origin.clone(),
                            extras: new.clone(),
                        });
                    }
                }
            }
            return Ok(());
        }
        // Not satisfied: a wheel of that name, from this provider first,
        // then from the others in CRD order, highest version first.
        let mut candidates: Vec<Chosen> = Vec::new();
        let order = std::iter::once(p).chain((0..self.providers.len()).filter(|&q| q != p));
        for q in order {
            let mut own: Vec<Chosen> = self.providers[q]
                .wheels
                .iter()
                .enumerate()
                .filter(|(_, w)| w.file.name == name)
                .map(|(i, _)| Chosen {
                    provider: q,
                    wheel: i,
                })
                .collect();
            own.sort_by(|a, b| self.wheel(b).file.version.cmp(&self.wheel(a).file.version));
            candidates.extend(own);
        }
        let mut rejected = Vec::new();
        let mut breaks_server = false;
        for candidate in candidates {
            let wheel = self.wheel(&candidate);
            let reason = if !satisfies(&requirement, &wheel.file.version) {
                Some(format!("is version {}", wheel.file.version))
            } else if let Some(reason) = self.unusable(wheel) {
                Some(reason)
            } else {
                self.constraints
                    .get(&name)
                    .into_iter()
                    .flatten()
                    .find(|c| !satisfies(&c.requirement, &wheel.file.version))
                    .map(|c| {
                        breaks_server |= c.origin == Origin::Server;
                        format!(
                            "would break the requirement {} of {} ({})",
                            c.requirement,
                            c.by,
                            c.origin.describe(self.providers)
                        )
                    })
            };
            match reason {
                Some(reason) => rejected.push(Rejected {
                    wheel: wheel.file.file_name.clone(),
                    origin: Origin::Provider(candidate.provider),
                    reason,
                }),
                None => {
                    self.constraints
                        .entry(name.clone())
                        .or_default()
                        .push(constraint);
                    self.extras
                        .entry(name.clone())
                        .or_default()
                        .extend(requirement.extras.iter().cloned());
                    self.install(p, candidate, work);
                    return Ok(());
                }
            }
        }
        Err(Failure::Unsatisfied {
            provider: p,
            requirement: requirement.to_string(),
            required_by: format!("{by} ({})", origin.describe(self.providers)),
            installed: self.installed(&name),
            rejected,
            breaks_server,
            server: self.server_family(),
        })
    }

    /// Every installed distribution's requirements hold in the final environment.
    fn verify(&self) -> Result<(), Failure> {
        for (name, installed) in &self.env {
            let (dist, requires) = self.requires_of(&installed.source);
            let extras: Vec<ExtraName> = self
                .extras
                .get(name)
                .map(|e| e.iter().cloned().collect())
                .unwrap_or_default();
            for (j, requirement) in requires.iter().enumerate() {
                if let Source::Server(i) = installed.source
                    && self.unmet_in_server.contains(&(i, j))
                {
                    continue;
                }
                if !requirement.evaluate_markers(&self.target.markers, &extras) {
                    continue;
                }
                let holds = self
                    .env
                    .get(&requirement.name)
                    .is_some_and(|i| satisfies(requirement, &i.version));
                if !holds {
                    return Err(Failure::Broken {
                        dist,
                        origin: self.origin(&installed.source),
                        requirement: requirement.to_string(),
                        installed: self.installed(&requirement.name),
                    });
                }
            }
        }
        Ok(())
    }
}
