//! Where tainted data comes from and what cleans it: tables, not code, so configuration can
//! extend them.

/// The tables the data-flow classifier consults.
#[derive(Debug, Clone)]
pub struct Tables {
    /// Attributes of `request` (or `self.request`) that carry client-controlled data.
    pub request_attributes: Vec<String>,
    /// Attributes of any object that carry client-controlled data (`form.cleaned_data`).
    pub tainted_attributes: Vec<String>,
    /// Qualified names (or bare builtins) whose result is escaped or otherwise harmless.
    pub sanitizers: Vec<String>,
    /// Names of the parameter that holds the request in a view.
    pub request_params: Vec<String>,
}

impl Default for Tables {
    fn default() -> Self {
        let own = |items: &[&str]| items.iter().map(|s| (*s).to_string()).collect();
        Tables {
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
            ]),
            tainted_attributes: own(&["cleaned_data", "validated_data", "initial_data"]),
            sanitizers: own(&[
                "django.utils.html.escape",
                "django.utils.html.conditional_escape",
                "django.utils.html.format_html",
                "django.utils.html.format_html_join",
                "django.utils.html.json_script",
                "django.utils.html.strip_tags",
                "django.utils.html.escapejs",
                "django.utils.html.urlize",
                "django.template.loader.render_to_string",
                "django.template.defaultfilters.escape",
                "django.template.defaultfilters.force_escape",
                "django.utils.http.urlencode",
                "django.utils.http.urlsafe_base64_encode",
                "urllib.parse.quote",
                "urllib.parse.quote_plus",
                "urllib.parse.urlencode",
                "html.escape",
                "markupsafe.escape",
                "jinja2.escape",
                "bleach.clean",
                "bleach.linkify",
                "nh3.clean",
                "uuid.UUID",
                "json.dumps",
                // Builtins that yield numbers or booleans.
                "int",
                "float",
                "bool",
                "len",
                "abs",
                "round",
                "ord",
                "hash",
                "id",
            ]),
            request_params: own(&["request"]),
        }
    }
}

impl Tables {
    pub fn is_sanitizer(&self, qualified_or_builtin: &str) -> bool {
        self.sanitizers.iter().any(|s| s == qualified_or_builtin)
    }
}
