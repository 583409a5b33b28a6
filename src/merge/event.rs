//! What a merge did, as data; the host turns these into a log.

/// One thing the merge did or noticed, in a deterministic order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeEvent {
    /// An external provider was appended to `providers.<api>`.
    ProviderAdded {
        /// The run.yaml API key (`vector_io`).
        api: String,
        /// The external provider's id.
        id: String,
        /// Its `provider_type` (`remote::custom-vllm`).
        provider_type: String,
    },
    /// A base entry with the same id was removed and the external one
    /// appended. Also a warning, see [`MergeEvent::warning_text`].
    ProviderReplaced {
        /// The run.yaml API key (`vector_io`).
        api: String,
        /// The external provider's id.
        id: String,
        /// `provider_type` of the removed base entry (empty when it had none).
        base_type: String,
        /// `provider_type` of the external provider.
        external_type: String,
    },
    /// The removed base entry's id was an env template that can resolve
    /// to the external id (e.g. `${env.OLLAMA_URL:+ollama}`).
    TemplateIdMatched {
        /// The run.yaml API key (`vector_io`).
        api: String,
        /// The external provider's id.
        id: String,
        /// The base id as written (`${env.ENABLE_OLLAMA:+ollama}`).
        template: String,
        /// 1-based line of the removed base entry.
        line: usize,
    },
    /// A base id in an edited section is an env template that can resolve
    /// to anything (`${env.X}`); it was left in place.
    UnconstrainedBaseId {
        /// The run.yaml API key (`vector_io`).
        api: String,
        /// The base id as written (`${env.X}`).
        template: String,
        /// 1-based line of the base entry.
        line: usize,
    },
    /// A base entry in an edited section has no literal string
    /// `provider_id`; it was left in place.
    BaseEntryWithoutId {
        /// The run.yaml API key (`vector_io`).
        api: String,
        /// 1-based line of the base entry.
        line: usize,
    },
    /// `providers.<api>` did not exist (or was empty) and was created.
    SectionCreated {
        /// The run.yaml API key (`vector_io`).
        api: String,
    },
    /// The `providers:` key did not exist and was created.
    ProvidersCreated,
    /// `<api>` was added to the non-empty `apis:` list.
    ApiListed {
        /// The run.yaml API key (`vector_io`).
        api: String,
    },
    /// The external id also names a base provider in another API.
    /// llama-stack allows that; it is only worth knowing.
    SameIdInOtherApi {
        /// The shared id.
        id: String,
        /// The run.yaml API key the external provider goes to.
        api: String,
        /// The run.yaml API key of the base provider with that id.
        other_api: String,
    },
    /// A removed entry defined an anchor still used elsewhere; its
    /// definition moved to the first remaining alias.
    AnchorRelocated {
        /// The anchor's name, without `&`.
        anchor: String,
        /// 1-based line of the removed definition, in the base.
        from_line: usize,
        /// 1-based line of the alias that now holds the definition, in the base.
        to_line: usize,
    },
}

impl MergeEvent {
    /// The warning text for events that are warnings, `None` otherwise.
    pub fn warning_text(&self) -> Option<String> {
        match self {
            MergeEvent::ProviderReplaced {
                api,
                id,
                base_type,
                external_type,
            } => Some(format!(
                "External provider '{id}' overrides base provider in API '{api}'\n  Base type: {base_type}\n  External type: {external_type}"
            )),
            MergeEvent::SameIdInOtherApi { id, api, other_api } => Some(format!(
                "External provider '{id}' in API '{api}' shares its id with base provider '{id}' in API '{other_api}' (allowed by llama-stack; both are kept)"
            )),
            MergeEvent::UnconstrainedBaseId {
                api,
                template,
                line,
            } => Some(format!(
                "Base provider id '{template}' in API '{api}' (line {line}) depends on an environment variable without a default; it is kept and may collide with an external provider at run time"
            )),
            _ => None,
        }
    }

    /// A one-line description for the merge log.
    pub fn log_line(&self) -> String {
        match self {
            MergeEvent::ProviderAdded {
                api,
                id,
                provider_type,
            } => format!("added provider '{id}' ({provider_type}) to API '{api}'"),
            MergeEvent::ProviderReplaced {
                api,
                id,
                base_type,
                external_type,
            } => format!(
                "replaced base provider '{id}' ({base_type}) with external ({external_type}) in API '{api}'"
            ),
            MergeEvent::TemplateIdMatched {
                api,
                id,
                template,
                line,
            } => format!(
                "base provider id '{template}' (line {line}) in API '{api}' can resolve to '{id}'; treated as the same provider"
            ),
            MergeEvent::UnconstrainedBaseId {
                api,
                template,
                line,
            } => format!(
                "base provider id '{template}' (line {line}) in API '{api}' has no default; kept"
            ),
            MergeEvent::BaseEntryWithoutId { api, line } => {
                format!("base entry at line {line} in API '{api}' has no literal provider_id; kept")
            }
            MergeEvent::SectionCreated { api } => format!("created section providers.{api}"),
            MergeEvent::ProvidersCreated => "created 'providers:'".to_string(),
            MergeEvent::ApiListed { api } => format!("added '{api}' to apis"),
            MergeEvent::SameIdInOtherApi { id, api, other_api } => {
                format!("provider id '{id}' (API '{api}') also used in base API '{other_api}'")
            }
            MergeEvent::AnchorRelocated {
                anchor,
                from_line,
                to_line,
            } => format!("moved anchor '&{anchor}' from line {from_line} to line {to_line}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaced_warning_text_is_exact() {
        let e = MergeEvent::ProviderReplaced {
            api: "inference".into(),
            id: "ollama".into(),
            base_type: "remote::ollama".into(),
            external_type: "remote::custom".into(),
        };
        assert_eq!(
            e.warning_text().as_deref(),
            Some(
                "External provider 'ollama' overrides base provider in API 'inference'\n  Base type: remote::ollama\n  External type: remote::custom"
            )
        );
    }

    #[test]
    fn added_is_not_a_warning() {
        let e = MergeEvent::ProviderAdded {
            api: "a".into(),
            id: "b".into(),
            provider_type: "c".into(),
        };
        assert!(e.warning_text().is_none());
        assert!(e.log_line().contains("added provider 'b'"));
    }

    #[test]
    fn same_id_other_api_is_a_warning_that_says_allowed() {
        let e = MergeEvent::SameIdInOtherApi {
            id: "x".into(),
            api: "inference".into(),
            other_api: "safety".into(),
        };
        assert!(e.warning_text().unwrap_or_default().contains("allowed"));
    }
}
