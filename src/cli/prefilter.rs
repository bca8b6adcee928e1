//! The scan's literal prefilter: a file in which no rule's trigger words occur is not parsed.
//!
//! Like Semgrep's rule prefilter, a byte search (one Aho-Corasick pass) for words without which
//! a rule cannot report: the name of its sink (`mark_safe`, `execute`, `HttpResponse`), of the
//! class or decorator it looks at (`View`, `csrf_exempt`), or of the request data it follows. A
//! file that contains none of the words of any rule has no findings, so `djsec check` reports it
//! as checked and clean without parsing it.
//!
//! Soundness is the whole point, so the words are conservative (substrings, not tokens: `raw`
//! matches `draw`), every rule code has an entry in [`TRIGGERS`] (a unit test fails for a rule
//! without one), and files the project index makes special are never skipped: settings modules
//! and URLconfs (the module-scoped settings rules report on what a file *lacks*), and files whose
//! views the URLconf routes. `tests/prefilter.rs` runs the full analysis on every file the
//! prefilter skips in the fixtures and, with `DJSEC_CORPORA`, in real projects, and fails on any
//! finding; `benches/scan.sh` compares whole scans with and without it.
//!
//! **A new rule adds its words here** (or `ALWAYS` to never skip a file of its language).
//! Project knowledge that lets a rule report on a file without its words (function summaries
//! across modules, say) must also keep such files from being skipped, as the routes do.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aho_corasick::AhoCorasick;

use crate::analysis::Context;
use crate::syntax::Language;

/// What makes a rule able to report on a file.
pub enum Trigger {
    /// Any of these words in a Python file (case-sensitive, as identifiers are).
    Python(&'static [&'static str]),
    /// Any of these words in a Python file, or data the rule follows from the request: the
    /// configured request parameters and attributes (`request`, `self.kwargs`, `cleaned_data`).
    PythonWithSources(&'static [&'static str]),
    /// Any of these words in a template (ASCII case-insensitive: HTML tag and attribute names).
    Template(&'static [&'static str]),
    /// The module-scoped settings rules: decided by `rules::settings::applies` (the file's path,
    /// its configured role, the index), never by words.
    Settings,
    /// Suppression comments, in both languages.
    Both(&'static [&'static str]),
}

/// Django template syntax: almost every template rule reads a `{{ }}` or a `{% %}`.
const TEMPLATE_TAGS: &[&str] = &["{{", "{%"];

/// Every rule code and its trigger. Keep in code order; `every_rule_has_a_trigger` checks that
/// no code of `rules::ALL` is missing.
pub const TRIGGERS: &[(&str, Trigger)] = &[
    (
        "DJS101",
        Trigger::Python(&["mark_safe", "SafeString", "SafeText"]),
    ),
    ("DJS102", Trigger::Python(&["mark_safe"])),
    ("DJS103", Trigger::Python(&["format_html"])),
    ("DJS104", Trigger::Python(&["Safe"])),
    ("DJS105", Trigger::Python(&["__html__", "html_safe"])),
    ("DJS106", Trigger::Python(&["is_safe"])),
    ("DJS107", Trigger::Python(&["locals", "globals"])),
    ("DJS108", Trigger::Python(&["HttpResponse"])),
    ("DJS109", Trigger::Python(&["Markup"])),
    ("DJS110", Trigger::Python(&["Template", "from_string"])),
    ("DJS111", Trigger::Python(&["allow_tags"])),
    ("DJS201", Trigger::Python(&["execute", "raw"])),
    ("DJS202", Trigger::Python(&["extra"])),
    ("DJS203", Trigger::Python(&["RawSQL"])),
    (
        "DJS204",
        Trigger::Python(&["template", "function", "arg_joiner"]),
    ),
    ("DJS205", Trigger::PythonWithSources(&[])),
    // Access control: function views take a request parameter; class-based views derive from a
    // `…View`/`…ViewSet` (or an access `…Mixin`); DRF's decorators and settings.
    ("DJS301", Trigger::PythonWithSources(&["View"])),
    ("DJS302", Trigger::PythonWithSources(&["View", "Mixin"])),
    ("DJS303", Trigger::Python(&["View", "Mixin"])),
    ("DJS304", Trigger::Python(&["Mixin"])),
    (
        "DJS305",
        Trigger::PythonWithSources(&["View", "permission_classes", "api_view", "AllowAny"]),
    ),
    (
        "DJS306",
        Trigger::PythonWithSources(&["View", "permission_classes", "api_view"]),
    ),
    ("DJS307", Trigger::PythonWithSources(&["View"])),
    ("DJS308", Trigger::Python(&["csrf_exempt"])),
    ("DJS309", Trigger::PythonWithSources(&["View"])),
    ("DJS310", Trigger::PythonWithSources(&["HTTP_HOST", "Host"])),
    (
        "DJS311",
        Trigger::PythonWithSources(&["redirect", "Redirect"]),
    ),
    ("DJS312", Trigger::PythonWithSources(&["View", "password"])),
    ("DJS313", Trigger::Python(&["cookie"])),
    ("DJS314", Trigger::PythonWithSources(&["setattr"])),
    (
        "DJS315",
        Trigger::Python(&["__all__", "exclude", "View", "Form", "Serializer"]),
    ),
    (
        "DJS316",
        Trigger::PythonWithSources(&["View", "Mixin", "admin"]),
    ),
    ("DJS317", Trigger::PythonWithSources(&["View"])),
    (
        "DJS318",
        Trigger::PythonWithSources(&["View", "META", "environ", "settings", "traceback"]),
    ),
    (
        "DJS319",
        Trigger::PythonWithSources(&["View", "login", "Login", "password", "signup", "Signup"]),
    ),
    ("DJS401", Trigger::Settings),
    ("DJS402", Trigger::Settings),
    ("DJS403", Trigger::Settings),
    ("DJS404", Trigger::Settings),
    ("DJS405", Trigger::Settings),
    ("DJS406", Trigger::Settings),
    ("DJS407", Trigger::Settings),
    ("DJS408", Trigger::Settings),
    ("DJS409", Trigger::Settings),
    ("DJS410", Trigger::Settings),
    ("DJS411", Trigger::Settings),
    ("DJS412", Trigger::Settings),
    ("DJS413", Trigger::Settings),
    ("DJS414", Trigger::Settings),
    ("DJS415", Trigger::Settings),
    ("DJS416", Trigger::Settings),
    ("DJS417", Trigger::Settings),
    ("DJS418", Trigger::Settings),
    ("DJS419", Trigger::Settings),
    ("DJS420", Trigger::Settings),
    ("DJS421", Trigger::Settings),
    ("DJS422", Trigger::Settings),
    ("DJS423", Trigger::Settings),
    ("DJS430", Trigger::Settings),
    ("DJS431", Trigger::Settings),
    ("DJS432", Trigger::Settings),
    ("DJS433", Trigger::Settings),
    ("DJS434", Trigger::Settings),
    ("DJS435", Trigger::Settings),
    ("DJS436", Trigger::Settings),
    ("DJS437", Trigger::Settings),
    ("DJS438", Trigger::Settings),
    ("DJS439", Trigger::Settings),
    ("DJS440", Trigger::Settings),
    ("DJS441", Trigger::Settings),
    ("DJS442", Trigger::Settings),
    ("DJS443", Trigger::Settings),
    ("DJS444", Trigger::Settings),
    ("DJS445", Trigger::Settings),
    ("DJS446", Trigger::Settings),
    ("DJS447", Trigger::Settings),
    ("DJS501", Trigger::Template(TEMPLATE_TAGS)),
    ("DJS502", Trigger::Template(TEMPLATE_TAGS)),
    ("DJS503", Trigger::Template(TEMPLATE_TAGS)),
    ("DJS504", Trigger::Template(TEMPLATE_TAGS)),
    ("DJS510", Trigger::Template(&["form"])),
    ("DJS511", Trigger::Template(TEMPLATE_TAGS)),
    ("DJS512", Trigger::Template(TEMPLATE_TAGS)),
    ("DJS520", Trigger::Template(TEMPLATE_TAGS)),
    ("DJS521", Trigger::Template(TEMPLATE_TAGS)),
    ("DJS522", Trigger::Template(TEMPLATE_TAGS)),
    ("DJS523", Trigger::Template(TEMPLATE_TAGS)),
    ("DJS530", Trigger::Template(TEMPLATE_TAGS)),
    ("DJS531", Trigger::Template(&["target"])),
    ("DJS540", Trigger::Template(&["http:"])),
    ("DJS541", Trigger::Template(TEMPLATE_TAGS)),
    // Injection: the sink tables are configurable (`taint-sinks`), so any file that reads the
    // request may report; CSV exports also report values of unknown origin.
    ("DJS601", Trigger::PythonWithSources(&[])),
    ("DJS602", Trigger::PythonWithSources(&[])),
    ("DJS603", Trigger::PythonWithSources(&[])),
    ("DJS604", Trigger::PythonWithSources(&[])),
    ("DJS605", Trigger::PythonWithSources(&[])),
    ("DJS606", Trigger::PythonWithSources(&[])),
    ("DJS607", Trigger::PythonWithSources(&["csv", "writer"])),
    // Passwords, secrets and uploads.
    (
        "DJS701",
        Trigger::Python(&["set_password", "create_user", "create_superuser"]),
    ),
    ("DJS702", Trigger::Python(&["password"])),
    ("DJS703", Trigger::PythonWithSources(&["==", "!="])),
    ("DJS704", Trigger::Python(&["SECRET_KEY"])),
    ("DJS705", Trigger::Python(&["decode"])),
    ("DJS706", Trigger::Python(&["FileField", "ImageField"])),
    ("DJS707", Trigger::Python(&["upload_to"])),
    (
        "DJS708",
        Trigger::Python(&["FileSystemStorage", "MEDIA_ROOT", "upload_to", "storage"]),
    ),
    ("DJS709", Trigger::Python(&["MEDIA_URL"])),
    ("DJS710", Trigger::PythonWithSources(&[])),
    ("DJS901", Trigger::Both(&["djsec"])),
    ("DJS902", Trigger::Both(&["djsec"])),
];

/// The compiled words for one set of source tables (one configuration).
pub struct Prefilter {
    python: AhoCorasick,
    template: AhoCorasick,
}

impl Prefilter {
    /// The words of every rule, with the request sources and SQL sinks `context` configures.
    pub fn new(context: &Context) -> Prefilter {
        let tables = &context.tables;
        let mut python: Vec<String> = Vec::new();
        let mut template: Vec<String> = Vec::new();
        let mut sources = false;
        for (_, trigger) in TRIGGERS {
            match trigger {
                Trigger::Python(words) => python.extend(words.iter().map(|w| w.to_string())),
                Trigger::PythonWithSources(words) => {
                    python.extend(words.iter().map(|w| w.to_string()));
                    sources = true;
                }
                Trigger::Template(words) => template.extend(words.iter().map(|w| w.to_string())),
                Trigger::Both(words) => {
                    python.extend(words.iter().map(|w| w.to_string()));
                    template.extend(words.iter().map(|w| w.to_string()));
                }
                Trigger::Settings => {}
            }
        }
        if sources {
            python.extend(tables.request_params.iter().cloned());
            python.extend(tables.request_attributes.iter().cloned());
            python.extend(tables.tainted_attributes.iter().cloned());
            python.extend(tables.view_attributes.iter().cloned());
        }
        // Configured SQL sinks are called by their last name (`run_sql(...)`, `db.run_sql(...)`).
        python.extend(
            tables
                .sql_sinks
                .iter()
                .filter_map(|q| q.rsplit('.').next())
                .map(str::to_string),
        );
        python.retain(|w| !w.is_empty());
        template.retain(|w| !w.is_empty());
        python.sort();
        python.dedup();
        template.sort();
        template.dedup();
        let build = |words: &[String], case_insensitive: bool| {
            AhoCorasick::builder()
                .ascii_case_insensitive(case_insensitive)
                .build(words)
                .ok()
        };
        Prefilter {
            // A build failure (it has none for a few hundred short words) means "never skip".
            python: build(&python, false).unwrap_or_else(match_everything),
            template: build(&template, true).unwrap_or_else(match_everything),
        }
    }

    /// Whether the file may have findings: false only when it provably has none.
    pub fn may_report(&self, text: &str, language: Language, context: &Context) -> bool {
        match language {
            Language::Python => {
                crate::rules::settings::applies(context)
                    || routed(context)
                    || self.python.is_match(text)
            }
            Language::Template => self.template.is_match(text),
        }
    }
}

/// An automaton that matches any text (the empty word).
fn match_everything() -> AhoCorasick {
    match AhoCorasick::new([""]) {
        Ok(a) => a,
        Err(_) => unreachable!("the empty pattern always compiles"),
    }
}

/// Whether the URLconf routes a view to this file or its package's `__init__.py` (the access
/// rules then read routes, wrappers and URL names for it).
fn routed(context: &Context) -> bool {
    let (Some(path), Some(index)) = (context.path.as_deref(), context.project.as_deref()) else {
        return false;
    };
    let path = index.normalize(path);
    let routes = &index.access().routes;
    routes.contains_key(path.as_path())
        || path
            .parent()
            .is_some_and(|dir| routes.contains_key(dir.join("__init__.py").as_path()))
}

/// One [`Prefilter`] per configuration (source tables) met during a scan.
#[derive(Default)]
pub struct Prefilters {
    built: Mutex<HashMap<usize, Arc<Prefilter>>>,
}

impl Prefilters {
    pub fn may_report(&self, text: &str, language: Language, context: &Context) -> bool {
        let key = Arc::as_ptr(&context.tables) as usize;
        let prefilter = match self.built.lock() {
            Ok(mut built) => Arc::clone(
                built
                    .entry(key)
                    .or_insert_with(|| Arc::new(Prefilter::new(context))),
            ),
            Err(_) => return true,
        };
        prefilter.may_report(text, language, context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_trigger() {
        for rule in crate::rules::ALL {
            assert!(
                TRIGGERS.iter().any(|(code, _)| *code == rule.code),
                "{} has no prefilter trigger in cli/prefilter.rs",
                rule.code
            );
        }
        for (code, _) in TRIGGERS {
            assert!(
                crate::rules::by_code(code).is_some(),
                "{code} is not a rule"
            );
        }
    }

    #[test]
    fn skips_only_files_without_words() {
        let context = Context::for_path("app/models.py");
        let p = Prefilter::new(&context);
        assert!(!p.may_report(
            "from django.db import models\nclass Item(models.Model):\n    name = models.CharField(max_length=10)\n",
            Language::Python,
            &context
        ));
        assert!(!p.may_report("", Language::Python, &context));
        for text in [
            "def v(request):\n    pass\n",
            "x = mark_safe(y)\n",
            "# djsec: ignore\n",
            "class V(ListView):\n    model = M\n",
        ] {
            assert!(p.may_report(text, Language::Python, &context), "{text}");
        }
        // A settings module is never skipped: its rules report what it lacks.
        let settings = Context::for_path("mysite/settings.py");
        assert!(p.may_report("", Language::Python, &settings));
        let tpl = Context::for_path("app/templates/a.html");
        assert!(!p.may_report("<p>Hello</p>\n", Language::Template, &tpl));
        for text in [
            "{{ x }}",
            "{% if %}",
            "<FORM method=post>",
            "<a TARGET=_blank>",
            "<script src=HTTP://x>",
        ] {
            assert!(p.may_report(text, Language::Template, &tpl), "{text}");
        }
    }

    #[test]
    fn configured_sources_and_sinks_are_words() {
        let mut tables = crate::semantic::sources::Tables::default();
        tables.sql_sinks.push("myapp.db.run_query".into());
        tables.tainted_attributes.push("payload".into());
        let context = Context {
            tables: Arc::new(tables),
            ..Context::for_path("app/x.py")
        };
        let p = Prefilter::new(&context);
        assert!(p.may_report("run_query(q)\n", Language::Python, &context));
        assert!(p.may_report("x = obj.payload\n", Language::Python, &context));
    }
}
