//! The container image reference grammar of the distribution spec, parsed
//! by hand into an [`oci_spec`] [`Reference`].
//!
//! `Reference::try_from` matches one large regular expression; linking the
//! regex engine and its Unicode tables doubled the size of the Kubewarden
//! policy module (about 1 MB of its 2 MB). This parser accepts exactly what
//! that expression accepts, with one deliberate difference: tags are ASCII
//! (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`, as the distribution spec and
//! registries define them), where the Rust regex's `\w` also admits Unicode
//! letters. The test below holds it to `Reference::try_from` on generated
//! inputs.
//!
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [ domain "/" ] path ( "/" path )*
//! domain     := label ( "." label )* [ ":" port ]      label: [A-Za-z0-9] or [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]
//! path       := [a-z0-9]+ ( sep [a-z0-9]+ )*            sep: "." | "_" | "__" | "-"+
//! digest     := algorithm ":" hex{32,}                  algorithm: [A-Za-z][A-Za-z0-9]* ( [-_+.] [A-Za-z][A-Za-z0-9]* )*
//! ```

use oci_spec::distribution::{ParseError, Reference};

const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// Parses `image` as `Reference::try_from` does (same values, same errors).
pub fn parse(image: &str) -> Result<Reference, ParseError> {
    if image.is_empty() {
        return Err(ParseError::NameEmpty);
    }
    let (rest, digest) = match image.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (image, None),
    };
    if digest.is_some_and(|d| !is_digest(d)) {
        return Err(ParseError::ReferenceInvalidFormat);
    }
    // A ':' followed by no '/' starts the tag; a port is always followed by '/'.
    let (name, tag) = match rest.rfind(':') {
        Some(i) if !rest[i + 1..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if tag.is_some_and(|t| !is_tag(t)) || !is_name(name) {
        return Err(ParseError::ReferenceInvalidFormat);
    }
    let (registry, repository) = split_domain(name);
    if repository.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(ParseError::NameTooLong);
    }
    if let Some(digest) = digest {
        let (algorithm, hex) = digest.split_once(':').unwrap_or((digest, ""));
        let expected = match algorithm {
            "sha256" => 64,
            "sha384" => 96,
            "sha512" => 128,
            _ => return Err(ParseError::DigestUnsupported),
        };
        if hex.len() != expected {
            return Err(ParseError::DigestInvalidLength);
        }
    }
    // Without tag and digest the tag is `latest`, as `Reference::try_from` has it.
    Ok(match (tag, digest) {
        (Some(tag), Some(digest)) => {
            Reference::with_tag_and_digest(registry, repository, tag.into(), digest.into())
        }
        (None, Some(digest)) => Reference::with_digest(registry, repository, digest.into()),
        (tag, None) => Reference::with_tag(registry, repository, tag.unwrap_or("latest").into()),
    })
}

fn is_name(name: &str) -> bool {
    let mut segments = name.split('/');
    let first = segments.next().unwrap_or_default();
    let rest: Vec<&str> = segments.collect();
    let first_ok = if rest.is_empty() {
        is_path(first)
    } else {
        is_path(first) || is_domain(first)
    };
    first_ok && rest.iter().all(|s| is_path(s))
}

fn is_domain(domain: &str) -> bool {
    let (host, port) = match domain.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (domain, None),
    };
    let label = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    };
    host.split('.').all(label)
        && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}

/// `[a-z0-9]+ (sep [a-z0-9]+)*` with sep one of `.`, `_`, `__`, `-+`.
fn is_path(path: &str) -> bool {
    let b = path.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if b.is_empty() || !alnum(&b[0]) || !alnum(&b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(&b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(&b[i]) {
            i += 1;
        }
        let sep = &path[start..i];
        let ok = matches!(sep, "." | "_" | "__") || sep.bytes().all(|c| c == b'-');
        if !ok {
            return false;
        }
    }
    true
}

fn is_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    !b.is_empty()
        && b.len() <= 128
        && word(&b[0])
        && b[1..].iter().all(|c| word(c) || *c == b'.' || *c == b'-')
}

fn is_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let component = |c: &str| {
        let b = c.as_bytes();
        !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(u8::is_ascii_alphanumeric)
    };
    algorithm.split(['-', '_', '+', '.']).all(component)
        && hex.len() >= 32
        && hex.bytes().all(|c| c.is_ascii_hexdigit())
}

/// Registry and repository as the distribution library splits them.
fn split_domain(name: &str) -> (String, String) {
    let (mut domain, mut remainder) = match name.split_once('/') {
        Some((left, right)) if left.contains(['.', ':']) || left == "localhost" => {
            (left.to_string(), right.to_string())
        }
        _ => ("docker.io".to_string(), name.to_string()),
    };
    if domain == "index.docker.io" {
        domain = "docker.io".to_string();
    }
    if domain == "docker.io" && !remainder.contains('/') {
        remainder = format!("library/{remainder}");
    }
    (domain, remainder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(image: &str) {
        let ours = parse(image);
        let theirs = Reference::try_from(image);
        if image.is_ascii() {
            assert_eq!(ours, theirs, "{image:?}");
        } else {
            // the one intended difference: non-ASCII tags are refused
            assert!(
                ours.is_err() || ours == theirs,
                "{image:?}: {ours:?} vs {theirs:?}"
            );
        }
    }

    #[test]
    fn known_references() {
        let hex = "a".repeat(64);
        for image in [
            "nginx",
            "nginx:1.25",
            "library/nginx",
            "docker.io/nginx",
            "index.docker.io/library/nginx:1",
            "quay.io/org/p:1.0",
            "localhost/p",
            "localhost:5000/p",
            "localhost:5000",
            "host:5000/a/b/c:v1.2-rc_3",
            "Host.Example.COM/a",
            "Ab/c",
            "a--b/c__d/e.f_g",
            "a---b",
            "a___b",
            "a..b",
            "a._b",
            "-a",
            "a-",
            "a/",
            "/a",
            "a//b",
            "a:",
            ":a",
            "a:-b",
            "a:b:c",
            "a@",
            "a@sha256:",
            "a@sha256:abc",
            "a:@sha256:abc",
            "A",
            "a/B",
            "h-.com/a",
            "h:/a",
            "h:x/a",
            "1.2.3.4:80/a",
            "[::1]:5000/a",
            "a:_x",
            "a:.x",
            "a@md5:0123456789abcdef0123456789abcdef",
            "a@sha256+b64.x_y-z:0123456789abcdef0123456789abcdef",
            "a@1sha:0123456789abcdef0123456789abcdef",
            "a b",
            "a\n",
            &format!("r.io/p@sha256:{hex}"),
            &format!("r.io/p:1@sha256:{hex}"),
            &format!("r.io/p@sha384:{hex}"),
            &format!("r.io/p@sha512:{hex}{hex}"),
            &format!("r.io/p@sha256:{hex}@sha256:{hex}"),
            &format!("a:{}", "t".repeat(128)),
            &format!("a:{}", "t".repeat(129)),
            &format!("r.io/{}", "a".repeat(256)),
            &"a".repeat(250),
            &"a".repeat(248),
            "a:vé",
            "é",
        ] {
            same(image);
        }
    }

    fn piece() -> impl Strategy<Value = String> {
        let fixed = prop::sample::select(vec![
            ".",
            "_",
            "__",
            "-",
            "--",
            "/",
            "/",
            ":",
            ":",
            "@",
            "sha256:",
            "sha512:",
            "0123456789abcdef0123456789abcdef",
            "localhost",
            "r.io",
            "index.docker.io",
            "é",
            "a",
        ])
        .prop_map(str::to_string);
        prop_oneof![
            3 => "[a-z0-9]{1,4}",
            1 => "[A-Za-z0-9]{1,3}",
            1 => "[0-9]{1,5}",
            1 => "[ -~]",
            6 => fixed,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn agrees_with_oci_spec(pieces in prop::collection::vec(piece(), 1..12)) {
            same(&pieces.concat());
        }
    }
}
