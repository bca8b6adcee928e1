//! The rules: one file per rule (or per small family), each with its metadata and documentation.
//!
//! A rule file declares `pub const RULE: Rule` (code, name, family, default severity, fix
//! availability, documentation) and a `check` function. This module is the registry: it lists
//! every rule once, so `djsec rules`, hover and the CLI docs all read the same table.
//!
//! Codes are stable and grouped by family:
//! - `DJS1xx` cross-site scripting in Python code
//! - `DJS2xx` SQL injection
//! - `DJS3xx` access control (authentication, authorization, CSRF exemptions)
//! - `DJS4xx` insecure settings
//! - `DJS5xx` templates
//! - `DJS6xx` injection (commands, code, paths, URLs, deserialization, HTML e-mail, CSV)
//! - `DJS7xx` authentication and uploads (passwords, secrets, tokens, uploaded files)
//! - `DJS9xx` djsec itself (suppression comments, configuration)

pub mod access;
pub mod auth;
pub mod injection;
pub mod meta;
pub mod settings;
pub mod sql;
pub mod templates;
pub mod xss;

use serde::Serialize;

use crate::analysis::Severity;
use crate::analysis::python::PyChecker;
use crate::analysis::template::TemplateChecker;

/// A family of rules: can be selected or ignored as a whole by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Xss,
    Sql,
    Access,
    Settings,
    Templates,
    Meta,
    Injection,
    Auth,
}

impl Family {
    pub const ALL: [Family; 8] = [
        Family::Xss,
        Family::Sql,
        Family::Access,
        Family::Settings,
        Family::Templates,
        Family::Meta,
        Family::Injection,
        Family::Auth,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Family::Xss => "xss",
            Family::Sql => "sql",
            Family::Access => "access",
            Family::Settings => "settings",
            Family::Templates => "templates",
            Family::Meta => "meta",
            Family::Injection => "injection",
            Family::Auth => "auth",
        }
    }

    pub fn parse(name: &str) -> Option<Family> {
        Family::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
    }
}

/// Whether a rule can offer a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

impl FixAvailability {
    pub fn describe(self) -> &'static str {
        match self {
            FixAvailability::None => "No fix is available.",
            FixAvailability::Sometimes => "A fix is sometimes available.",
            FixAvailability::Always => "A fix is always available.",
        }
    }
}

/// A rule's identity and documentation.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rule {
    /// Stable code, e.g. `DJS101`.
    pub code: &'static str,
    /// Kebab-case name, e.g. `mark-safe-non-constant`.
    pub name: &'static str,
    pub family: Family,
    /// The default severity; a finding may use a lower one (e.g. when the value is not
    /// known to come from the request).
    pub severity: Severity,
    pub fix: FixAvailability,
    /// One sentence.
    pub summary: &'static str,
    /// Markdown with the sections: What it does, Why is this bad?, Example, Fix, Fix safety,
    /// References.
    #[serde(skip)]
    pub docs: &'static str,
    /// Django system check ids this rule mirrors (`security.W018`), if any.
    pub django_checks: &'static [&'static str],
    /// Equivalent rule ids in other tools (`bandit:B703`, `ruff:S308`, `semgrep:avoid-mark-safe`),
    /// used to honour their suppression comments when configured.
    pub peers: &'static [&'static str],
}

impl Rule {
    /// Where the rule's documentation lives online (the diagnostic's `codeDescription`).
    pub fn url(&self) -> String {
        format!("{DOCS_BASE_URL}{}.md", self.code)
    }

    /// The full documentation as Markdown, with a header line.
    pub fn render_markdown(&self) -> String {
        let mut out = format!(
            "# {} ({})\n\nFamily: {} · Default severity: {} · {}\n",
            self.name,
            self.code,
            self.family.as_str(),
            self.severity.as_str(),
            self.fix.describe()
        );
        if !self.django_checks.is_empty() {
            out.push_str(&format!(
                "Mirrors Django: {}\n",
                self.django_checks.join(", ")
            ));
        }
        if !self.peers.is_empty() {
            out.push_str(&format!(
                "Equivalent in other tools: {}\n",
                self.peers.join(", ")
            ));
        }
        out.push('\n');
        out.push_str(self.docs.trim());
        out.push('\n');
        out
    }
}

/// Where `codeDescription` links point: the rule docs rendered into the repository's docs.
pub const DOCS_BASE_URL: &str = "https://github.com/djsec/djsec/blob/main/docs/rules/";

/// The unit-scoped checks run on Python modules. A check may report several related codes.
///
/// A unit-scoped check reports a finding from what it sees in the top-level definition the
/// finding is in and in module-level statements (imports, constants), reached through the names
/// the definition mentions, and in the headers (decorators, bases) of the definitions it names;
/// nothing else (module-level names read without being named are listed in
/// [`NAMES_READ_EVERYWHERE`]). Incremental analysis re-runs it only on the definitions that
/// changed or that name something that changed (`analysis::incremental`). Its checker sees only
/// those parts of the module in `model.index`.
pub static PYTHON_CHECKS: &[fn(&mut PyChecker)] = &[
    xss::mark_safe::check,
    xss::mark_safe_decorator::check,
    xss::format_html::check,
    xss::safe_string_subclass::check,
    xss::html_method::check,
    xss::safe_filter::check,
    xss::locals_context::check,
    xss::reflected_response::check,
    xss::markup::check,
    xss::template_injection::check,
    xss::allow_tags::check,
    sql::raw_sql::check,
    sql::extra::check,
    sql::rawsql_expression::check,
    sql::expression_template::check,
    sql::field_name::check,
    access::check,
    injection::check,
    auth::check,
];

/// Module-level names that checks read without the statement they report on naming them:
/// incremental analysis checks every statement again when an edit changes what one of them
/// stands for. `urlpatterns` makes a module a URL module for the access rules
/// (`access::views::file_kind`).
pub const NAMES_READ_EVERYWHERE: &[&str] = &["urlpatterns"];

/// A check that needs the whole module at once (e.g. "a setting is missing from this settings
/// module"). It runs on every analysis over a full index, but only when `applies` says the module
/// concerns it, so keep `applies` cheap (look at the path or the project index).
pub struct ModuleCheck {
    pub applies: fn(&crate::analysis::Context) -> bool,
    pub check: fn(&mut PyChecker),
    /// Which top-level statements the check reads through the index: on a keystroke, only
    /// those are indexed (a 6,000-line views module is mostly function bodies, which the
    /// class-scoped access checks never look into).
    pub indexes: fn(tree_sitter::Node) -> bool,
    /// Whether the check's findings located in a top-level statement depend only on that
    /// statement, the classes it names (transitively), module-level statements and the
    /// context: then an edit inside one class re-checks that class and the statements that name
    /// it, not the whole module (`analysis::incremental`).
    pub by_class: bool,
}

/// Every top-level statement.
fn everything(_: tree_sitter::Node) -> bool {
    true
}

/// The module-scoped checks run on Python modules.
pub static PYTHON_MODULE_CHECKS: &[ModuleCheck] = &[
    ModuleCheck {
        applies: access::applies_to_module,
        check: access::check_module,
        indexes: access::module_check_reads,
        by_class: true,
    },
    ModuleCheck {
        applies: settings::applies,
        check: settings::check,
        indexes: everything,
        by_class: false,
    },
];

/// The checks run on templates.
pub static TEMPLATE_CHECKS: &[fn(&mut TemplateChecker)] = &[
    templates::safe_filter::check,
    templates::autoescape_off::check,
    templates::filter_tag_safe::check,
    templates::escapejs_html::check,
    templates::csrf::check,
    templates::script_var::check,
    templates::event_handler_var::check,
    templates::style_var::check,
    templates::unquoted_attribute_var::check,
    templates::url_attribute_var::check,
    templates::target_blank::check,
    templates::mixed_content::check,
    templates::debug_tag::check,
];

/// Every rule, in code order.
pub static ALL: &[&Rule] = &[
    &xss::mark_safe::RULE,
    &xss::mark_safe_decorator::RULE,
    &xss::format_html::RULE,
    &xss::safe_string_subclass::RULE,
    &xss::html_method::RULE,
    &xss::safe_filter::RULE,
    &xss::locals_context::RULE,
    &xss::reflected_response::RULE,
    &xss::markup::RULE,
    &xss::template_injection::RULE,
    &xss::allow_tags::RULE,
    &sql::raw_sql::RULE,
    &sql::extra::RULE,
    &sql::rawsql_expression::RULE,
    &sql::expression_template::RULE,
    &sql::field_name::RULE,
    &access::function_views::RULE,
    &access::class_views::WITHOUT_AUTH,
    &access::class_views::MIXIN_ORDER,
    &access::class_views::PERMISSION_MISSING,
    &access::drf::ALLOW_ANY,
    &access::drf::DEFAULT_ALLOW_ANY,
    &access::drf::OBJECT_PERMISSION,
    &access::csrf_exempt::RULE,
    &access::idor::RULE,
    &access::host_header::RULE,
    &access::open_redirect::RULE,
    &access::sensitive_params::RULE,
    &access::cookies::RULE,
    &access::mass_assignment::FROM_REQUEST,
    &access::mass_assignment::ALL_FIELDS,
    &access::admin_views::RULE,
    &access::exposure::DATA,
    &access::exposure::INTERNALS,
    &access::rate_limit::RULE,
    &settings::debug::DEBUG_ENABLED,
    &settings::secrets::WEAK_SECRET_KEY,
    &settings::secrets::WEAK_SECRET_KEY_FALLBACK,
    &settings::hosts::ALLOWED_HOSTS_EMPTY,
    &settings::middleware::SECURITY_MIDDLEWARE_MISSING,
    &settings::middleware::CLICKJACKING_MIDDLEWARE_MISSING,
    &settings::middleware::CSRF_MIDDLEWARE_MISSING,
    &settings::https::HSTS_NOT_ENABLED,
    &settings::https::HSTS_SUBDOMAINS,
    &settings::https::HSTS_PRELOAD,
    &settings::https::NOSNIFF_DISABLED,
    &settings::https::SSL_REDIRECT_DISABLED,
    &settings::headers::X_FRAME_OPTIONS,
    &settings::headers::REFERRER_POLICY_UNSET,
    &settings::headers::REFERRER_POLICY_INVALID,
    &settings::headers::COOP_INVALID,
    &settings::cookies::CSRF_COOKIE_NOT_SECURE,
    &settings::cookies::SESSION_COOKIE_NOT_SECURE,
    &settings::cookies::SESSION_COOKIE_NOT_HTTPONLY,
    &settings::csp::CSP_NOT_DICT,
    &settings::csp::CSP_NONCE_WITHOUT_CONTEXT_PROCESSOR,
    &settings::caches::FILE_CACHE_EXPOSED,
    &settings::mail::DEV_EMAIL_BACKEND,
    &settings::secrets::HARDCODED_SECRET_KEY,
    &settings::secrets::HARDCODED_CREDENTIAL,
    &settings::hosts::ALLOWED_HOSTS_WILDCARD,
    &settings::cors::CORS_ALLOW_ALL,
    &settings::cors::CSRF_TRUSTED_ORIGINS_INSECURE,
    &settings::passwords::WEAK_PASSWORD_HASHER,
    &settings::passwords::PASSWORD_VALIDATORS_MISSING,
    &settings::cookies::SAMESITE_NONE_WITHOUT_SECURE,
    &settings::cookies::PICKLE_SESSION_SERIALIZER,
    &settings::https::PROXY_SSL_HEADER_UNUSUAL,
    &settings::middleware::MIDDLEWARE_ORDER,
    &settings::csp::CSP_MISSING,
    &settings::uploads::UPLOAD_PERMISSIONS_WORLD_WRITABLE,
    &settings::uploads::UPLOAD_LIMITS_DISABLED,
    &settings::uploads::TEMPLATE_AUTOESCAPE_OFF,
    &settings::debug::DEBUG_PROPAGATE_EXCEPTIONS,
    &settings::urls::ADMIN_DEFAULT_URL,
    &settings::urls::MEDIA_SERVED_WITHOUT_DEBUG_GUARD,
    &templates::safe_filter::RULE,
    &templates::autoescape_off::RULE,
    &templates::filter_tag_safe::RULE,
    &templates::escapejs_html::RULE,
    &templates::csrf::MISSING_CSRF_TOKEN,
    &templates::csrf::CSRF_TOKEN_IN_GET_FORM,
    &templates::csrf::CSRF_TOKEN_OFF_SITE,
    &templates::script_var::RULE,
    &templates::event_handler_var::RULE,
    &templates::style_var::RULE,
    &templates::unquoted_attribute_var::RULE,
    &templates::url_attribute_var::RULE,
    &templates::target_blank::RULE,
    &templates::mixed_content::RULE,
    &templates::debug_tag::RULE,
    &injection::command::RULE,
    &injection::code::RULE,
    &injection::path::RULE,
    &injection::ssrf::RULE,
    &injection::deserialization::RULE,
    &injection::email::RULE,
    &injection::csv::RULE,
    &auth::passwords::UNVALIDATED_PASSWORD,
    &auth::passwords::EMPTY_PASSWORD,
    &auth::compare::RULE,
    &auth::secret_salt::RULE,
    &auth::jwt::RULE,
    &auth::uploads::UNVALIDATED_UPLOAD,
    &auth::uploads::CLIENT_FILE_NAME,
    &auth::uploads::UPLOAD_LOCATION,
    &auth::uploads::MEDIA_SAME_HOST,
    &auth::uploads::SERVED_INLINE,
    &meta::suppression::UNUSED_SUPPRESSION,
    &meta::suppression::BARE_SUPPRESSION,
];

/// Look a rule up by code (case-insensitive) or name.
pub fn by_code(code: &str) -> Option<&'static Rule> {
    ALL.iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code) || r.name.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for rule in ALL {
            assert!(codes.insert(rule.code), "duplicate code {}", rule.code);
            assert!(names.insert(rule.name), "duplicate name {}", rule.name);
            assert!(
                rule.code.len() == 6 && rule.code.starts_with("DJS"),
                "bad code {}",
                rule.code
            );
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "name {} is not kebab-case",
                rule.name
            );
        }
    }

    #[test]
    fn every_rule_is_documented_with_all_sections() {
        for rule in ALL {
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Fix",
                "## Fix safety",
            ] {
                assert!(
                    rule.docs.contains(section),
                    "{} docs lack section {section:?}",
                    rule.code
                );
            }
            assert!(!rule.summary.is_empty(), "{} has no summary", rule.code);
        }
    }

    #[test]
    fn lookup_by_code_or_name() {
        assert_eq!(by_code("djs101").map(|r| r.code), Some("DJS101"));
        assert_eq!(
            by_code("mark-safe-non-constant").map(|r| r.code),
            Some("DJS101")
        );
        assert!(by_code("DJS000").is_none());
    }
}
