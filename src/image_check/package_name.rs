//! The spec's `packageName` is importable from the main wheel: the wheel
//! holds `a/b/__init__.py` or `a/b.py` for `a.b` (or, for a dotted name,
//! files under `a/b/`: a namespace package).

use super::finding::Finding;
use super::wheels::Wheel;

/// Whether the wheel's files make `module` importable.
pub fn provides_module(files: &[String], module: &str) -> bool {
    let dir = module.replace('.', "/");
    let package = format!("{dir}/__init__.py");
    let single = format!("{dir}.py");
    let namespace = module.contains('.');
    let under = format!("{dir}/");
    files.iter().any(|f| {
        *f == package || *f == single || (namespace && f.starts_with(&under) && f.ends_with(".py"))
    })
}

/// The finding when the main wheel lacks `module`.
pub fn check_package_name(main: &Wheel, module: &str) -> Option<Finding> {
    if provides_module(&main.files, module) {
        return None;
    }
    let dir = module.replace('.', "/");
    let top: Vec<String> = {
        let mut top: Vec<String> = main
            .files
            .iter()
            .filter_map(|f| f.split('/').next())
            .filter(|t| !t.ends_with(".dist-info") && !t.ends_with(".data"))
            .map(|t| t.trim_end_matches(".py").to_string())
            .collect();
        top.sort();
        top.dedup();
        top
    };
    Some(Finding::error(
        main.path.clone(),
        format!(
            "does not contain the module '{module}' that spec.packageName names (no {dir}/__init__.py or {dir}.py); its top-level modules: {}",
            if top.is_empty() {
                "none".to_string()
            } else {
                top.join(", ")
            }
        ),
        "set spec.packageName to the module that holds get_provider_spec, or include that package in the wheel (the packages setting of pyproject.toml)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_modules_and_namespace_packages() {
        let files = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(provides_module(&files(&["acme/__init__.py"]), "acme"));
        assert!(provides_module(&files(&["acme.py"]), "acme"));
        assert!(provides_module(
            &files(&["my_org/custom/__init__.py"]),
            "my_org.custom"
        ));
        assert!(provides_module(
            &files(&["my_org/custom/adapter.py"]),
            "my_org.custom"
        ));
        assert!(!provides_module(&files(&["acme/x.py"]), "acme"));
        assert!(!provides_module(&files(&["acmex/__init__.py"]), "acme"));
        assert!(!provides_module(
            &files(&["my_org/customer/__init__.py"]),
            "my_org.custom"
        ));
    }
}
