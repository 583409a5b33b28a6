"""docs/troubleshooting.md covers every message the project can print.

The messages are not listed by hand: they are extracted from the code.
Every string literal of the non-test Rust code of the message-bearing
modules is split at its format placeholders (`{id}`, `{}`, `{:?}`) and at
line breaks; every piece that reads as text (at least three words of two or
more letters) must appear verbatim in the guide, compared after collapsing
whitespace. The guide may show messages as templates (`'{id}' is not a
DNS-1123 label`): the pieces are substrings of them. The install script's
`fail`/`echo` strings are split the same way at `$VAR`, `${…}`, `$#`.

Literals that a user never sees (serde attributes, JSON pointers, library
texts the code matches on) are exempted below, each with a one-word reason;
paths, names and keys that do show up in messages are simply in the guide.
A new message in the code fails this test until the guide explains it.
"""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs/troubleshooting.md"

# Rust code that prints messages: files, or directories scanned recursively.
RUST_SOURCES = [
    "src/diagnostic.rs",       # ERROR/WARNING rendering
    "src/yaml_input",          # YAML syntax, size, encoding, keys, tags, aliases
    "src/api.rs",              # release ranges in the section warning
    "src/validate",            # llsd-providers validate (also inject, status, policy)
    "src/pipeline",            # merge-config: metadata and placement errors, merge-log.txt
    "src/merge",               # merge-config: base config errors, log lines, warnings
    "src/inject",              # llsd-providers inject and the policy's mutation
    "src/json.rs",             # a mistyped Kubernetes field
    "src/contract",            # the pod's names (no messages of its own today)
    "src/operation",           # the composed operations (the playground's and the CLI's)
    "src/install",             # merge-config: resolution, install and shadowing messages
    "src/wheel.rs",            # wheel names and METADATA (install, check-image)
    "src/image_check",         # llsd-providers check-image
    "src/status",              # llsd-providers status
    "crates/cli/src",          # usage errors, the kubectl plugin
    "crates/fs/src",           # I/O errors: reading inputs and trees, writing outputs, unpacking
    "crates/controller/src",   # the status controller's setup and run errors
    "crates/policy/src",       # Kubewarden policy rejections and warnings
]
# Messages defined as named constants in files that are otherwise not
# messages (the CRD's schema descriptions are `kubectl explain` text).
NAMED_MESSAGES = [("src/crd.rs", "UNIQUE_IDS_MESSAGE")]
SHELL_SOURCES = ["src/contract/install.sh"]

# Literals that pass the "reads as text" filter but are never shown to a
# user. Reasons: serde (an attribute string), key (a lookup key that is
# never printed), internal (a library's text the code matches on and
# rewrites before printing), content (the text of a file the code
# generates, shown as that file: the playground's prefilled spec).
EXEMPT = {
    "Option::is_none": "serde",
    "CARGO_PKG_VERSION": "key",                   # env! at build time: the version, never the name, is printed
    "Vec::is_empty": "serde",
    "/schema/openAPIV3Schema/properties/spec/properties/server/properties/externalProviders": "key",  # into the CRD
    "/spec/template/metadata/annotations": "key",  # JSON pointer into a Deployment
    "text/plain; charset=utf-8": "key",           # the controller's probes' Content-Type header
    "recursion limit exceeded": "internal",       # saphyr-parser text, replaced by our message
    "tag:yaml.org,2002:": "key",                  # the prefix `!!` stands for, matched in tags
    "extra_providers_output": "key",              # a clap argument id in a `requires` attribute
    "platform_python_implementation": "key",      # marker names read from the probe's JSON
    "python_full_version": "key",
    "3.N and 3.N.0 are valid versions": "internal",  # expect() of versions built from a u32
    # operation/prefill.rs: the lls-provider-spec.yaml the playground offers
    "# /lls-provider/lls-provider-spec.yaml of": "content",
    "# A browser cannot pull images: this file is a guess from the LLSD entry.": "content",
    "# Paste the real one from the image (e.g. `crane export IMAGE - | tar -xO lls-provider/lls-provider-spec.yaml`).": "content",
    "vendor: Example Org": "content",
}


# ---------------------------------------------------------------- extraction

_CFG_TEST = re.compile(r"#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]")
_INNER_CFG_TEST = re.compile(r"#!\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]")
_CHAR = re.compile(r"'(?:\\(?:u\{[0-9a-fA-F]{1,6}\}|x[0-9a-fA-F]{2}|.)|[^\\'\n])'")
_RAW = re.compile(r'b?r(#*)"')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


def _rust_tokens(text):
    """String literals and the punctuation that delimits items, in order:
    ("str", value), ("{",), ("}",), (";",), ("cfg-test",). Comments are
    skipped; char literals and lifetimes never open a string."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):  # block comments nest in Rust
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "#" and (m := _CFG_TEST.match(text, i)):
            yield ("cfg-test",)
            i = m.end()
        elif c == "'":
            m = _CHAR.match(text, i)
            i = m.end() if m else i + 1  # a lifetime: just the quote
        elif c in "br" and (m := _RAW.match(text, i)) and not (
                i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            close = '"' + m.group(1)
            end = text.find(close, m.end())
            if end < 0:
                raise ValueError(f"unterminated raw string at byte {i}")
            yield ("str", text[m.end():end])
            i = end + len(close)
        elif c == '"':
            i, value = _string_body(text, i + 1)
            yield ("str", value)
        elif c in "{};":
            yield (c,)
            i += 1
        else:
            i += 1


def _string_body(text, i):
    """Reads a "…" literal's body from `i`; returns (index after the
    closing quote, value with escapes resolved)."""
    out = []
    n = len(text)
    while i < n and text[i] != '"':
        if text[i] != "\\":
            out.append(text[i])
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "\n":  # line continuation: the newline and the next line's indent vanish
            i += 2
            while i < n and text[i] in " \t\r\n":
                i += 1
        elif nxt == "u":
            m = re.match(r"u\{([0-9a-fA-F]+)\}", text[i + 1:])
            out.append(chr(int(m.group(1), 16)))
            i += 1 + m.end()
        elif nxt == "x":
            out.append(chr(int(text[i + 2:i + 4], 16)))
            i += 4
        else:
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
    if i >= n:
        raise ValueError("unterminated string literal")
    return i + 1, "".join(out)


def rust_literals(text):
    """The string literals of Rust source outside `#[cfg(test)]` items."""
    if _INNER_CFG_TEST.search(text):
        return []
    literals = []
    skipping, depth = False, 0
    for token in _rust_tokens(text):
        kind = token[0]
        if not skipping:
            if kind == "cfg-test":
                skipping, depth = True, 0
            elif kind == "str":
                literals.append(token[1])
            continue
        # Inside the item after #[cfg(test)]: it ends at `;` at its top
        # level (`mod tests;`, `use …;`) or where its body's braces close.
        if kind == "{":
            depth += 1
        elif kind == "}":
            depth -= 1
            if depth == 0:
                skipping = False
        elif kind == ";" and depth == 0:
            skipping = False
    return literals


_SHELL_CALL = re.compile(r'(?<![\w$-])(?:fail|echo)[ \t]+(?=")')
_SHELL_EXPANSION = re.compile(r"\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\$[#?@*0-9]")


def shell_message_strings(text):
    """The double-quoted arguments of every `fail` and `echo` call."""
    strings = []
    for call in _SHELL_CALL.finditer(text):
        i = call.end()
        while i < len(text) and text[i] == '"':
            j, buf = i + 1, []
            while text[j] != '"':
                if text[j] == "\\" and text[j + 1] in '"\\$`':
                    buf.append(text[j + 1])
                    j += 2
                else:
                    buf.append(text[j])
                    j += 1
            strings.append("".join(buf))
            i = j + 1
            # further arguments: blanks and backslash-newline continuations
            while m := re.match(r"[ \t]*\\\n[ \t]*|[ \t]+", text[i:]):
                i += m.end()
    return strings


def _reads_as_text(piece):
    return len(re.findall(r"[A-Za-z]{2,}", piece)) >= 3


def rust_fragments(literal):
    """The pieces of a Rust literal between format placeholders and line breaks."""
    protected = literal.replace("{{", "\x01").replace("}}", "\x02")
    pieces = []
    for part in re.split(r"\{[^{}]*\}", protected):
        part = part.replace("\x01", "{").replace("\x02", "}")
        pieces.extend(line.strip() for line in part.split("\n"))
    return [p for p in pieces if _reads_as_text(p)]


def shell_fragments(string):
    pieces = []
    for part in _SHELL_EXPANSION.split(string):
        pieces.extend(line.strip() for line in part.split("\n"))
    return [p for p in pieces if _reads_as_text(p)]


def _rust_files(source):
    path = ROOT / source
    files = [path] if path.is_file() else sorted(path.rglob("*.rs"))
    # tests, and the test builders (testing.rs: compiled for tests only)
    return [f for f in files if f.name not in ("tests.rs", "testing.rs") and not f.name.endswith("_tests.rs")]


def named_constant(path, name):
    text = (ROOT / path).read_text()
    m = re.search(rf"\bconst {name}: &str\s*=\s*", text)
    assert m, f"{name} is no longer defined in {path}"
    _, value = _string_body(text, m.end() + 1)
    return value


def code_fragments():
    """{fragment: sorted list of the files it comes from}."""
    found = {}

    def add(fragment, origin):
        found.setdefault(fragment, set()).add(origin)

    for source in RUST_SOURCES:
        assert (ROOT / source).exists(), f"{source} is listed in RUST_SOURCES but does not exist"
        for path in _rust_files(source):
            origin = str(path.relative_to(ROOT))
            for literal in rust_literals(path.read_text()):
                for fragment in rust_fragments(literal):
                    add(fragment, origin)
    for path, name in NAMED_MESSAGES:
        for fragment in rust_fragments(named_constant(path, name)):
            add(fragment, f"{path} ({name})")
    for source in SHELL_SOURCES:
        for string in shell_message_strings((ROOT / source).read_text()):
            for fragment in shell_fragments(string):
                add(fragment, source)
    return {fragment: sorted(origins) for fragment, origins in found.items()}


# ------------------------------------------------------------------ matching

def _collapse(text):
    return re.sub(r"\s+", " ", text).strip()


def missing_from(guide_text, fragments):
    """The fragments that do not appear verbatim in the guide."""
    guide = _collapse(guide_text)
    return sorted(f for f in fragments if _collapse(f) not in guide)


# --------------------------------------------------------------------- tests

@pytest.fixture(scope="module")
def fragments():
    return code_fragments()


@pytest.fixture(scope="module")
def guide_text():
    return GUIDE.read_text()


def test_every_message_in_the_code_is_in_the_guide(fragments, guide_text):
    wanted = {f: o for f, o in fragments.items() if f not in EXEMPT}
    missing = missing_from(guide_text, wanted)
    report = "\n".join(f"  {f!r}  ({', '.join(wanted[f])})" for f in missing)
    assert not missing, (
        f"{len(missing)} message fragment(s) of the code are not in {GUIDE.relative_to(ROOT)}; "
        f"add the message with its cause and fix (or, if no user ever sees it, exempt it):\n{report}")


def test_exemptions_are_current_and_needed(fragments, guide_text):
    stale = sorted(set(EXEMPT) - set(fragments))
    assert not stale, f"exempted fragments no longer in the code; remove them from EXEMPT: {stale}"
    covered = sorted(f for f in EXEMPT if not missing_from(guide_text, [f]))
    assert not covered, f"exempted fragments the guide shows anyway; remove them from EXEMPT: {covered}"
    assert set(EXEMPT.values()) <= {"serde", "key", "internal", "content"}, EXEMPT


def test_the_extraction_finds_the_messages_it_must(fragments):
    # Sanity: a tokenizer that silently lost its way would find few or none.
    assert len(fragments) > 250, len(fragments)
    for known in [
        "is not a DNS-1123 label",                                  # validate
        "but is placed under externalProviders.",                   # merge-config error block
        "overrides base provider in API",                           # merge warning
        "Cannot copy the provider tree to",                         # install (copy) script
        "keeps failing; last exit",                                 # status
    ]:
        assert any(known in f for f in fragments), known
    assert any(o == ["src/contract/install.sh"] for o in fragments.values())
    assert any("src/crd.rs (UNIQUE_IDS_MESSAGE)" in o for o in fragments.values())


def test_the_matcher_reports_a_message_removed_from_the_guide(fragments, guide_text):
    # Negative control: drop one message from the guide and the check must fail.
    fragment = "' has an invalid digest '"
    assert fragment in fragments
    assert not missing_from(guide_text, [fragment])
    without = guide_text.replace("has an invalid digest", "has a bad digest")
    assert missing_from(without, [fragment]) == [fragment]
    # the same through the test's own entry point: every other fragment still matches
    wanted = [f for f in fragments if f not in EXEMPT]
    assert missing_from(without, wanted) == [fragment]
    # whitespace differences (line wrapping in the guide) do not matter ...
    assert not missing_from("x '{image}'  has an\n   invalid\tdigest '{digest}'", [fragment])
    # ... but a word does
    assert missing_from("'{image}' has an invalid image digest '{digest}'", [fragment]) == [fragment]


def test_the_tokenizer_handles_rust_syntax():
    source = r'''
        // "line comment"
        /* "block /* nested */ comment" */
        fn f<'a>(x: &'a str) -> char { let q = '"'; let e = '\''; let u = '\u{7f}'; q }
        const A: &str = "one \"two\" \
                         three";
        const B: &str = r#"raw "quoted" text"#;
        const C: &[u8] = br"bytes";
        #[cfg(test)]
        use crate::testing::only;
        #[cfg(test)]
        mod tests { fn g() { let s = "in tests"; { "nested" }; } }
        const D: &str = "after tests {{literal}} {placeholder}";
        #[cfg(not(test))]
        const E: &str = "kept";
    '''
    assert rust_literals(source) == [
        'one "two" three', 'raw "quoted" text', "bytes",
        "after tests {{literal}} {placeholder}", "kept"]
    # "fix:" alone is too short to count as a message
    assert rust_fragments("'{id}' is not a DNS-1123 label\n  fix: {fix} and more words") == [
        "' is not a DNS-1123 label", "and more words"]
    assert rust_fragments("keep {{literal braces}} in text") == ["keep {literal braces} in text"]


def test_the_shell_extraction_splits_at_expansions():
    script = ('# fail SUMMARY DETAILS: a comment\nfail() {\n    exit 1\n}\n'
              'if true; then\n    fail "Missing $SRC/file in image $IMAGE (init container ${C})." \\\n'
              '         "ERROR: long\n\nProvider: $ID"\nfi\n'
              'cp a b || fail "Cannot \\"copy\\" \\$HOME" "x"\n'
              'echo "Installed provider \'$ID\': $# wheel(s) into $P"\n')
    assert shell_message_strings(script) == [
        "Missing $SRC/file in image $IMAGE (init container ${C}).",
        "ERROR: long\n\nProvider: $ID",
        'Cannot "copy" $HOME', "x",
        "Installed provider '$ID': $# wheel(s) into $P"]
    assert shell_fragments("Cannot write the shared volume $DEST (init container $C, provider '$ID').") == [
        "Cannot write the shared volume"]
