//! DJS605 `insecure-deserialization`: request data, cookies or uploaded files deserialized with
//! pickle, marshal, dill, shelve, jsonpickle or an unsafe YAML loader.

use super::Hit;
use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::{Level, node};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS605",
    name: "insecure-deserialization",
    family: Family::Injection,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "Request data is deserialized with pickle, marshal, jsonpickle or an unsafe YAML loader.",
    django_checks: &[],
    peers: &[
        "bandit:B301",
        "bandit:B302",
        "bandit:B506",
        "ruff:S301",
        "ruff:S302",
        "ruff:S506",
        "semgrep:avoid-insecure-deserialization",
        "semgrep:avoid-pickle",
        "semgrep:avoid-pyyaml-load",
    ],
    docs: r#"
## What it does
Reports request data — query parameters, the body, cookies, headers, uploaded files, followed
through decoding (`base64.b64decode()`, `zlib.decompress()`, `bytes()`), local variables and the
project's helpers — that reaches:

- `pickle.loads()` / `load()` / `Unpickler()` (also `_pickle`, `cPickle`), `dill`, `marshal`,
  `shelve.open()`, `jsonpickle.decode()`, `pandas.read_pickle()`, `joblib.load()`, Django's
  `PickleSerializer().loads()`;
- `yaml.load()` / `yaml.load_all()` without a safe loader (`Loader=yaml.SafeLoader`,
  `CSafeLoader`, `BaseLoader`), and `yaml.unsafe_load()`.

Severity: an **error** with request data. `yaml.load()` without a safe loader on a value of
unknown origin is a **hint** (the quick-fix is cheap and PyYAML 6 requires a loader anyway); other
unknown values are not reported: pickle of the application's own data (caches, queues) is how
those work.

## Why is this bad?
Unpickling runs code chosen by whoever wrote the bytes: a pickle from a cookie or an upload is
remote code execution. YAML's full loaders build arbitrary Python objects the same way.
Signing the data (`django.core.signing`) does not help if the key leaks; JSON does not run
code.

## Example
```python
import base64, pickle

def restore(request):
    cart = pickle.loads(base64.b64decode(request.COOKIES["cart"]))
    ...
```

Use instead:
```python
from django.core import signing

def restore(request):
    cart = signing.loads(request.COOKIES["cart"])  # JSON, signed with SECRET_KEY
    ...
```

## Fix
`yaml.load(x)` (and `load_all`, `unsafe_load`, with or without an unsafe `Loader=`) becomes
`yaml.safe_load(x)` (`safe_load_all`). For pickle there is no mechanical fix: use JSON
(`json.loads()`, `django.core.signing.loads()`).

## Fix safety
Unsafe: documents with Python-specific tags (`!!python/object`) no longer load; that is the
point, but a program relying on them breaks.

## References
- Python: [`pickle`](https://docs.python.org/3/library/pickle.html) (the warning at the top); PyYAML: [`yaml.load` deprecation](https://github.com/yaml/pyyaml/wiki/PyYAML-yaml.load(input)-Deprecation)
- OWASP: Deserialization Cheat Sheet; CWE-502
"#,
};

pub(crate) fn message(hit: &Hit) -> String {
    let label = hit.label.clone();
    match hit.flow.level {
        Level::Request => format!(
            "{} is deserialized by `{label}`: the client's bytes can build any object and run code; use JSON",
            super::origin(&hit.flow)
        ),
        _ => format!(
            "`{label}` without a safe loader builds any Python object the document names: use `yaml.safe_load()`"
        ),
    }
}

/// `yaml.load(x)` → `yaml.safe_load(x)`, dropping an unsafe `Loader=`.
pub(crate) fn fix(checker: &PyChecker, hit: &Hit) -> Option<Fix> {
    let safe = match hit.sink.name.as_str() {
        "yaml.load" | "yaml.unsafe_load" => "safe_load",
        "yaml.load_all" | "yaml.unsafe_load_all" => "safe_load_all",
        _ => return None,
    };
    let src = checker.source();
    let call = hit.call;
    let function = hit.site.function?;
    let mut edits = Vec::new();
    match function.kind() {
        // `yaml.load(...)`: rename the attribute.
        "attribute" => {
            let attr = function.field(Field::Attribute)?;
            edits.push(Edit::replace(attr.byte_range(), safe));
        }
        // `load(...)` imported from yaml.
        "identifier" => {
            let (local, import) = checker.ensure_import("yaml", safe)?;
            edits.push(Edit::replace(function.byte_range(), local));
            edits.extend(import);
        }
        _ => return None,
    }
    // The loader argument goes: positional after the stream, or `Loader=`.
    let args = call.field(Field::Arguments)?;
    let mut cursor = args.walk();
    let items: Vec<_> = args
        .named_children(&mut cursor)
        .filter(|a| a.kind() != "comment")
        .collect();
    if items.len() > 2
        || items
            .iter()
            .any(|a| matches!(a.kind(), "list_splat" | "dictionary_splat"))
    {
        return None;
    }
    for (i, item) in items.iter().enumerate() {
        let keyword = item.kind() == "keyword_argument";
        let is_loader = (i == 1 && !keyword)
            || (keyword
                && item
                    .field(Field::Name)
                    .is_some_and(|n| node::text(n, src) == "Loader"));
        if !is_loader {
            continue;
        }
        let previous = i.checked_sub(1).and_then(|j| items.get(j))?;
        edits.push(Edit::delete(previous.end_byte()..item.end_byte()));
    }
    Some(Fix::unsafe_(format!("Use `yaml.{safe}()`"), edits))
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at_only};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Python, src, &["DJS605"])
    }

    #[test]
    fn flags_request_data_deserialized() {
        let src = "import base64, pickle, yaml, jsonpickle, marshal\ndef v(request):\n    pickle.loads(base64.b64decode(request.COOKIES['cart']))\n    pickle.load(request.FILES['dump'])\n    yaml.load(request.body, Loader=yaml.FullLoader)\n    jsonpickle.decode(request.POST['state'])\n    marshal.loads(request.body)\n    yaml.unsafe_load(request.GET['y'])\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS605", 3, 5, "error"),
                ("DJS605", 4, 5, "error"),
                ("DJS605", 5, 5, "error"),
                ("DJS605", 6, 5, "error"),
                ("DJS605", 7, 5, "error"),
                ("DJS605", 8, 5, "error"),
            ]
        );
    }

    #[test]
    fn silent_on_safe_loaders_json_and_own_data() {
        let src = "import json, pickle, yaml\nfrom django.core import signing\nfrom django.core.cache import cache\ndef v(request):\n    yaml.load(request.body, Loader=yaml.SafeLoader)\n    yaml.safe_load(request.body)\n    json.loads(request.body)\n    signing.loads(request.COOKIES['c'])\n    pickle.loads(cache.get('k'))\n    yaml.load(request.body, yaml.CSafeLoader)\n";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn unknown_yaml_is_a_hint_and_fixes_to_safe_load() {
        let src = "import yaml\ndef read(path):\n    with open(path) as f:\n        return yaml.load(f, Loader=yaml.Loader)\n";
        assert_eq!(codes(src), vec![("DJS605", 4, 16, "hint")]);
        let fixed = assert_fix(src, "DJS605");
        assert!(fixed.contains("return yaml.safe_load(f)\n"), "{fixed}");
        let src = "from yaml import load\ndef v(request):\n    return load(request.body)\n";
        let fixed = assert_fix(src, "DJS605");
        assert!(
            fixed.starts_with("from yaml import safe_load\n"),
            "the unused `load` import goes: {fixed}"
        );
        assert!(fixed.contains("return safe_load(request.body)"), "{fixed}");
    }
}
