//! Where tainted data comes from, what cleans it and what passes it on: tables, not code, so
//! configuration can extend them (`Tables::add_sanitizer`, plain `Vec`s for the rest).
//!
//! The data-flow classifier ([`super::flow`]) is the only reader of most tables; the rules read
//! the sink tables (`sql_sinks`).

/// The kind of sink a value flows into. A sanitizer only cleans values for some kinds: HTML
/// escaping makes a value safe in a page, not in a SQL query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SinkKind {
    /// HTML marked safe or written to a response.
    Html,
    /// A SQL query.
    Sql,
    /// Source code of a template (server-side template injection).
    Code,
    /// The target of a redirect: a value is clean once checked to stay on this site
    /// (`url_has_allowed_host_and_scheme()`, or a project helper that does it).
    Redirect,
}

impl SinkKind {
    /// Every kind, for summaries computed per sink.
    pub const ALL: &'static [SinkKind] = &[
        SinkKind::Html,
        SinkKind::Sql,
        SinkKind::Code,
        SinkKind::Redirect,
    ];
}

/// A method whose result is harmless for some sinks whatever its receiver:
/// `when.isoformat()`, `obj.get_absolute_url()`, `request.GET.urlencode()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeMethod {
    pub name: String,
    /// The sinks it is harmless for; empty means every sink.
    pub sinks: Vec<SinkKind>,
}

/// A callable whose result is harmless for some sinks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanitizer {
    /// Qualified name (`django.utils.html.escape`) or bare builtin (`int`).
    pub name: String,
    /// The sinks it cleans for; empty means every sink (numbers, UUIDs).
    pub sinks: Vec<SinkKind>,
}

impl Sanitizer {
    pub fn cleans(&self, sink: SinkKind) -> bool {
        self.sinks.is_empty() || self.sinks.contains(&sink)
    }
}

/// The tables the data-flow classifier consults.
#[derive(Debug, Clone)]
pub struct Tables {
    /// Attributes of `request` (or `self.request`) that carry client-controlled data.
    pub request_attributes: Vec<String>,
    /// Attributes of any object that carry client-controlled data (`form.cleaned_data`).
    pub tainted_attributes: Vec<String>,
    /// Attributes of `self` that carry URL parameters in class-based views (`self.kwargs`).
    pub view_attributes: Vec<String>,
    /// Names of the parameter that holds the request in a view.
    pub request_params: Vec<String>,
    /// Callables whose result is escaped or otherwise harmless, per sink kind.
    pub sanitizers: Vec<Sanitizer>,
    /// Callables whose result carries exactly the data of their arguments (`str()`, `gettext()`):
    /// a constant in, a constant out.
    pub propagators: Vec<String>,
    /// Callables that mark a string as safe HTML (`mark_safe`, `SafeString`, `Markup`). The rules
    /// report non-constant arguments at the call itself, so the data flow treats their result as
    /// already handled.
    pub html_markers: Vec<String>,
    /// Extra callables whose first argument is a SQL query (qualified names), checked like
    /// `cursor.execute()`. Empty by default; configuration adds project helpers.
    pub sql_sinks: Vec<String>,
    /// Methods whose result cannot carry markup (dates, numbers, URLs Django built).
    pub safe_methods: Vec<SafeMethod>,
}

fn own(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

impl Default for Tables {
    fn default() -> Self {
        use SinkKind::Html;
        let mut tables = Tables {
            request_attributes: own(&[
                "GET",
                "POST",
                "COOKIES",
                "META",
                "headers",
                "body",
                "FILES",
                "data",
                "query_params",
                "path",
                "path_info",
                "get_full_path",
                "build_absolute_uri",
                "content_params",
                "get_host",
                "get_signed_cookie",
            ]),
            tainted_attributes: own(&["cleaned_data", "validated_data", "initial_data"]),
            view_attributes: own(&["kwargs", "args"]),
            request_params: own(&["request"]),
            sanitizers: Vec::new(),
            propagators: own(&[
                "str",
                "repr",
                "list",
                "tuple",
                "sorted",
                "reversed",
                "set",
                "frozenset",
                "django.utils.translation.gettext",
                "django.utils.translation.gettext_lazy",
                "django.utils.translation.ugettext",
                "django.utils.translation.ugettext_lazy",
                "django.utils.translation.pgettext",
                "django.utils.translation.pgettext_lazy",
                "django.utils.translation.ngettext",
                "django.utils.translation.ngettext_lazy",
                "django.utils.translation.npgettext",
                "django.utils.translation.npgettext_lazy",
                "django.utils.encoding.force_str",
                "django.utils.encoding.smart_str",
                "django.utils.text.capfirst",
                "textwrap.dedent",
                "textwrap.indent",
                // They transform markup without making it safe.
                "django.utils.html.strip_tags",
                "django.utils.html.urlize",
                "django.utils.html.linebreaks",
                "django.utils.text.Truncator",
                "json.dumps",
            ]),
            html_markers: own(&[
                "django.utils.safestring.mark_safe",
                "django.utils.html.mark_safe",
                "django.utils.text.mark_safe",
                "django.utils.safestring.SafeString",
                "django.utils.safestring.SafeText",
                "markupsafe.Markup",
                "jinja2.Markup",
                "flask.Markup",
            ]),
            sql_sinks: Vec::new(),
            safe_methods: Vec::new(),
        };
        // HTML escapers and builders that escape their arguments. Deliberately absent:
        // `strip_tags` (its output is not guaranteed safe), `urlize` (does not escape unless
        // asked), `json.dumps` (`</script>` passes through).
        for name in [
            "django.utils.html.escape",
            "django.utils.html.conditional_escape",
            "django.utils.html.format_html",
            "django.utils.html.format_html_join",
            "django.utils.html.json_script",
            "django.utils.html.escapejs",
            "django.utils.html.avoid_wrapping",
            "django.template.loader.render_to_string",
            "django.template.defaultfilters.escape",
            "django.template.defaultfilters.force_escape",
            "django.template.defaultfilters.escapejs_filter",
            "django.utils.http.urlencode",
            "urllib.parse.quote",
            "urllib.parse.quote_plus",
            "urllib.parse.urlencode",
            "html.escape",
            "markupsafe.escape",
            "markupsafe.Markup.escape",
            "jinja2.escape",
            "bleach.clean",
            "bleach.linkify",
            "nh3.clean",
            // URLs Django builds from a pattern: every argument is percent-encoded.
            "django.urls.reverse",
            "django.core.urlresolvers.reverse",
            // Dates, numbers and durations formatted for people: no markup.
            "django.contrib.humanize.templatetags.humanize.naturalday",
            "django.contrib.humanize.templatetags.humanize.naturaltime",
            "django.contrib.humanize.templatetags.humanize.intcomma",
            "django.contrib.humanize.templatetags.humanize.intword",
            "django.contrib.humanize.templatetags.humanize.ordinal",
            "django.contrib.humanize.templatetags.humanize.apnumber",
            "django.utils.formats.date_format",
            "django.utils.formats.time_format",
            "django.utils.formats.number_format",
            "django.utils.formats.localize",
            "django.utils.dateformat.format",
            "django.utils.dateformat.time_format",
            "django.utils.timesince.timesince",
            "django.utils.timesince.timeuntil",
            "django.template.defaultfilters.date",
            "django.template.defaultfilters.time",
            "django.template.defaultfilters.filesizeformat",
            "django.template.defaultfilters.floatformat",
            "django.template.defaultfilters.timesince_filter",
            "django.template.defaultfilters.timeuntil_filter",
        ] {
            tables.add_sanitizer(name, &[Html]);
        }
        // The usual local alias of `connection.ops.quote_name`.
        tables.add_sanitizer("qn", &[SinkKind::Sql]);
        // The target stays on this site: a URL pattern, or a URL checked against the host.
        for name in ["django.urls.reverse", "django.core.urlresolvers.reverse"] {
            tables.add_sanitizer(name, &[SinkKind::Redirect]);
        }
        for (name, sinks) in [
            // Dates and times in ISO or a format string: digits and separators.
            ("isoformat", &[][..]),
            ("timestamp", &[]),
            ("toordinal", &[]),
            ("count", &[]),
            ("exists", &[]),
            // `QueryDict.urlencode()` percent-encodes everything HTML cares about but `&`.
            ("urlencode", &[Html][..]),
            ("strftime", &[Html]),
            // A path Django built with `reverse()`: escaped for HTML, on this site.
            ("get_absolute_url", &[Html, SinkKind::Redirect]),
            // Django renders templates, forms, widgets and bound fields with autoescaping.
            ("render", &[Html]),
            ("render_to_string", &[Html]),
            ("as_p", &[Html]),
            ("as_table", &[Html]),
            ("as_ul", &[Html]),
            ("as_div", &[Html]),
            ("as_widget", &[Html]),
            ("label_tag", &[Html]),
            // A quoted SQL identifier (`connection.ops.quote_name(table)`).
            ("quote_name", &[SinkKind::Sql]),
        ] {
            tables.safe_methods.push(SafeMethod {
                name: name.to_string(),
                sinks: sinks.to_vec(),
            });
        }
        // Conversions whose result cannot carry markup or SQL.
        for name in [
            "django.utils.http.urlsafe_base64_encode",
            "uuid.UUID",
            "decimal.Decimal",
            "int",
            "float",
            "bool",
            "len",
            "abs",
            "round",
            "ord",
            "hash",
            "id",
            "sum",
        ] {
            tables.add_sanitizer(name, &[]);
        }
        tables
    }
}

impl Tables {
    /// Register a sanitizer for the given sinks (all sinks when `sinks` is empty).
    pub fn add_sanitizer(&mut self, name: &str, sinks: &[SinkKind]) {
        self.sanitizers.push(Sanitizer {
            name: name.to_string(),
            sinks: sinks.to_vec(),
        });
    }

    /// Whether a call to `qualified_or_builtin` yields a value that is harmless for `sink`.
    pub fn is_sanitizer(&self, qualified_or_builtin: &str, sink: SinkKind) -> bool {
        self.sanitizers
            .iter()
            .any(|s| s.name == qualified_or_builtin && s.cleans(sink))
    }

    /// Whether a call to this name cleans for some sinks and not others (so the data flow of a
    /// function that calls it depends on the sink).
    pub fn is_sink_specific(&self, qualified_or_builtin: &str) -> bool {
        self.sanitizers
            .iter()
            .any(|s| s.name == qualified_or_builtin && !s.sinks.is_empty())
            || self.is_html_marker(qualified_or_builtin)
    }

    /// Whether `obj.method()` is harmless for `sink`, whatever `obj` is.
    pub fn safe_method(&self, method: &str, sink: SinkKind) -> bool {
        self.safe_methods
            .iter()
            .any(|m| m.name == method && (m.sinks.is_empty() || m.sinks.contains(&sink)))
    }

    pub fn is_sink_specific_method(&self, method: &str) -> bool {
        self.safe_methods
            .iter()
            .any(|m| m.name == method && !m.sinks.is_empty())
    }

    pub fn is_propagator(&self, qualified_or_builtin: &str) -> bool {
        self.propagators.iter().any(|s| s == qualified_or_builtin)
    }

    pub fn is_html_marker(&self, qualified: &str) -> bool {
        self.html_markers.iter().any(|s| s == qualified)
    }

    pub fn is_sql_sink(&self, qualified: &str) -> bool {
        self.sql_sinks.iter().any(|s| s == qualified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizers_are_per_sink() {
        let tables = Tables::default();
        assert!(tables.is_sanitizer("django.utils.html.escape", SinkKind::Html));
        assert!(!tables.is_sanitizer("django.utils.html.escape", SinkKind::Sql));
        assert!(tables.is_sanitizer("int", SinkKind::Sql));
        assert!(tables.is_sanitizer("int", SinkKind::Html));
        assert!(!tables.is_sanitizer("json.dumps", SinkKind::Html));
        assert!(!tables.is_sanitizer("django.utils.html.strip_tags", SinkKind::Html));
    }

    #[test]
    fn configuration_can_extend_tables() {
        let mut tables = Tables::default();
        assert!(!tables.is_sanitizer("app.html.clean", SinkKind::Html));
        tables.add_sanitizer("app.html.clean", &[SinkKind::Html]);
        assert!(tables.is_sanitizer("app.html.clean", SinkKind::Html));
        assert!(!tables.is_sanitizer("app.html.clean", SinkKind::Sql));
        tables.sql_sinks.push("app.db.run".into());
        assert!(tables.is_sql_sink("app.db.run"));
    }
}
