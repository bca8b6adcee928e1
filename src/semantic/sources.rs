//! Where tainted data comes from, what cleans it and what passes it on: tables, not code, so
//! configuration can extend them (`Tables::add_sanitizer`, plain `Vec`s for the rest).
//!
//! The data-flow classifier ([`super::flow`]) is the only reader of most tables; the rules read
//! the sink tables (`sql_sinks`).

/// The kind of sink a value flows into. A sanitizer only cleans values for some kinds: HTML
/// escaping makes a value safe in a page, not in a SQL query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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
    /// A command line or a program to run (`os.system`, `subprocess.run`).
    Command,
    /// Python source code or a name to import or look up (`eval`, `import_module`).
    Eval,
    /// A file-system path (`open`, `shutil`, storage APIs).
    Path,
    /// A URL the server fetches (`requests.get`): server-side request forgery.
    Url,
    /// Bytes or text deserialized into objects (`pickle.loads`, `yaml.load`).
    Deserialize,
    /// A cell of a CSV export opened in a spreadsheet (formula injection).
    Formula,
}

impl SinkKind {
    /// Every kind, for summaries computed per sink.
    pub const ALL: &'static [SinkKind] = &[
        SinkKind::Html,
        SinkKind::Sql,
        SinkKind::Code,
        SinkKind::Redirect,
        SinkKind::Command,
        SinkKind::Eval,
        SinkKind::Path,
        SinkKind::Url,
        SinkKind::Deserialize,
        SinkKind::Formula,
    ];

    /// The name configuration uses for the kinds it can extend (`taint-sinks`,
    /// `taint-sanitizers`), and the kind a name stands for.
    pub const CONFIGURABLE: &'static [(&'static str, SinkKind)] = &[
        ("command", SinkKind::Command),
        ("code", SinkKind::Eval),
        ("path", SinkKind::Path),
        ("url", SinkKind::Url),
        ("deserialization", SinkKind::Deserialize),
        ("html-email", SinkKind::Html),
        ("csv", SinkKind::Formula),
    ];

    /// The kind a configuration name stands for (`command`, `path`, ...).
    pub fn from_config_name(name: &str) -> Option<SinkKind> {
        SinkKind::CONFIGURABLE
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k)
    }
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

/// Where a sink reads the value it is dangerous with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkArg {
    /// Positional index (a method's receiver not counted).
    pub position: Option<usize>,
    /// Keyword name.
    pub keyword: Option<String>,
}

/// How a sink reads its argument: what part of the value matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The whole value: a path, source code, serialized bytes, HTML.
    Value,
    /// A command line run by a shell (`os.system`): data formatted into it can add commands;
    /// `shlex.quote()` makes a value one word.
    Shell,
    /// A program and its arguments with an optional shell (`subprocess.run(args, shell=...)`):
    /// with a truthy `shell=` the string (or the first element of a list) is a shell command
    /// line; without, only the program matters — the first element of a list, or a whole
    /// string — and the arguments are data.
    Argv,
    /// A program to run (`os.execv(path, args)`, `pty.spawn(argv)`): a list's first element or a
    /// string.
    Program,
    /// A URL the server fetches: its scheme and host matter; a value in the path or the query
    /// string of a constant host does not make a request go elsewhere.
    Url,
    /// The receiver of a method on a `pathlib.Path` (`(BASE / name).read_text()`).
    Receiver,
}

/// What makes a call to a sink safe, or dangerous, whatever its argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Every call is a sink.
    Always,
    /// Safe with a safe YAML loader (`Loader=yaml.SafeLoader`) at `position` or `keyword`.
    UnlessSafeLoader { position: usize, keyword: String },
    /// A sink only when the argument at `position` / `keyword` is one of these constants
    /// (`attach_alternative(html, "text/html")`).
    WhenConstant {
        position: usize,
        keyword: String,
        values: Vec<String>,
    },
}

/// YAML loaders that build plain data only.
pub const SAFE_YAML_LOADERS: &[&str] = &[
    "yaml.SafeLoader",
    "yaml.CSafeLoader",
    "yaml.BaseLoader",
    "yaml.CBaseLoader",
    "yaml.loader.SafeLoader",
    "yaml.loader.BaseLoader",
    "yaml.cyaml.CSafeLoader",
];

/// A callable that is dangerous with tainted data in one of its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sink {
    pub kind: SinkKind,
    /// A qualified name (`subprocess.run`), a builtin (`eval`), a method of the objects a class
    /// builds (`requests.Session.get` matches `requests.Session().get(...)` and `s.get(...)`
    /// after `s = requests.Session()`), or `.method` for a method of any receiver (only for
    /// names nothing else uses).
    pub name: String,
    pub arg: SinkArg,
    pub shape: Shape,
    pub condition: Condition,
    /// The API keeps names inside its root folder and rejects `..` (Django's storages): the
    /// client still picks which file, which is a warning rather than an error.
    pub contained: bool,
    /// Values of unknown origin are reported as hints (`eval(x)` is rare enough to audit).
    pub audit_unknown: bool,
}

impl Sink {
    pub fn new(kind: SinkKind, name: &str, position: Option<usize>, keyword: &str) -> Sink {
        Sink {
            kind,
            name: name.to_string(),
            arg: SinkArg {
                position,
                keyword: (!keyword.is_empty()).then(|| keyword.to_string()),
            },
            shape: Shape::Value,
            condition: Condition::Always,
            contained: false,
            audit_unknown: false,
        }
    }

    fn shape(mut self, shape: Shape) -> Sink {
        self.shape = shape;
        self
    }

    /// The last part of the name (`get` of `requests.Session.get`): calls are matched by it first.
    pub fn last_name(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }
}

/// The sinks of the injection rules (`DJS6xx`), one line each. Configuration adds more
/// (`taint-sinks`); every entry has a positive test (`rules::injection::tables`).
fn default_sinks() -> Vec<Sink> {
    use Shape::{Argv, Program, Receiver, Shell, Url};
    use SinkKind::{Command, Deserialize, Eval, Formula, Html, Path};
    let mut sinks = Vec::new();
    fn add(
        sinks: &mut Vec<Sink>,
        kind: SinkKind,
        name: &str,
        position: Option<usize>,
        keyword: &str,
        shape: Shape,
    ) {
        sinks.push(Sink::new(kind, name, position, keyword).shape(shape));
    }
    // Command injection: a shell, or a program to run.
    for name in ["os.system", "os.popen"] {
        add(&mut sinks, Command, name, Some(0), "cmd", Shell);
    }
    for name in [
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "commands.getoutput",
        "commands.getstatusoutput",
        "asyncio.create_subprocess_shell",
    ] {
        add(&mut sinks, Command, name, Some(0), "cmd", Shell);
    }
    add(
        &mut sinks,
        Command,
        "paramiko.SSHClient.exec_command",
        Some(0),
        "command",
        Shell,
    );
    for name in [
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
    ] {
        add(&mut sinks, Command, name, Some(0), "args", Argv);
    }
    add(
        &mut sinks,
        Command,
        "asyncio.create_subprocess_exec",
        Some(0),
        "program",
        Program,
    );
    add(&mut sinks, Command, "pty.spawn", Some(0), "argv", Program);
    for name in [
        "os.execl",
        "os.execle",
        "os.execlp",
        "os.execlpe",
        "os.execv",
        "os.execve",
        "os.execvp",
        "os.execvpe",
        "os.posix_spawn",
        "os.posix_spawnp",
    ] {
        add(&mut sinks, Command, name, Some(0), "path", Program);
    }
    for name in [
        "os.spawnl",
        "os.spawnle",
        "os.spawnlp",
        "os.spawnlpe",
        "os.spawnv",
        "os.spawnve",
        "os.spawnvp",
        "os.spawnvpe",
    ] {
        add(&mut sinks, Command, name, Some(1), "file", Program);
    }
    // Code injection: source code, or a name to import.
    for name in ["eval", "exec", "builtins.eval", "builtins.exec"] {
        let mut sink = Sink::new(Eval, name, Some(0), "source");
        sink.audit_unknown = true;
        sinks.push(sink);
    }
    for name in ["compile", "builtins.compile"] {
        sinks.push(Sink::new(Eval, name, Some(0), "source"));
    }
    for (name, keyword) in [
        ("importlib.import_module", "name"),
        ("__import__", "name"),
        ("builtins.__import__", "name"),
        ("importlib.__import__", "name"),
        ("django.utils.module_loading.import_string", "dotted_path"),
        ("pydoc.locate", "path"),
    ] {
        sinks.push(Sink::new(Eval, name, Some(0), keyword));
    }
    // Path traversal: files opened, written, removed or listed.
    for name in ["open", "builtins.open", "io.open", "codecs.open", "os.open"] {
        add(&mut sinks, Path, name, Some(0), "file", Shape::Value);
    }
    for name in [
        "os.remove",
        "os.unlink",
        "os.rmdir",
        "os.removedirs",
        "os.mkdir",
        "os.makedirs",
        "os.listdir",
        "os.scandir",
        "os.walk",
        "os.chmod",
        "os.chown",
        "os.truncate",
        "shutil.rmtree",
        "glob.glob",
        "zipfile.ZipFile",
        "tarfile.open",
        "shelve.open",
    ] {
        add(&mut sinks, Path, name, Some(0), "path", Shape::Value);
    }
    for name in [
        "os.rename",
        "os.replace",
        "os.symlink",
        "os.link",
        "shutil.copy",
        "shutil.copy2",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.move",
    ] {
        add(&mut sinks, Path, name, Some(0), "src", Shape::Value);
        add(&mut sinks, Path, name, Some(1), "dst", Shape::Value);
    }
    for name in ["sendfile.sendfile", "django_sendfile.sendfile"] {
        add(&mut sinks, Path, name, Some(1), "filename", Shape::Value);
    }
    for storage in [
        "django.core.files.storage.default_storage",
        "django.core.files.storage.FileSystemStorage",
        "django.core.files.storage.filesystem.FileSystemStorage",
    ] {
        // Not `save()`: it rejects `..` and absolute names and never overwrites a file
        // (`get_available_name()`).
        for method in ["open", "delete"] {
            let mut sink = Sink::new(Path, &format!("{storage}.{method}"), Some(0), "name");
            sink.contained = true;
            sinks.push(sink);
        }
    }
    for method in [
        "open",
        "read_text",
        "read_bytes",
        "write_text",
        "write_bytes",
        "unlink",
        "rmdir",
        "mkdir",
        "touch",
        "rename",
        "iterdir",
    ] {
        add(
            &mut sinks,
            Path,
            &format!("pathlib.Path.{method}"),
            None,
            "",
            Receiver,
        );
    }
    // Server-side request forgery: URLs the server fetches.
    const VERBS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];
    for module in [
        "requests",
        "requests.Session",
        "requests.sessions.Session",
        "httpx",
        "httpx.Client",
        "httpx.AsyncClient",
        "aiohttp.ClientSession",
    ] {
        for verb in VERBS {
            add(
                &mut sinks,
                SinkKind::Url,
                &format!("{module}.{verb}"),
                Some(0),
                "url",
                Url,
            );
        }
        add(
            &mut sinks,
            SinkKind::Url,
            &format!("{module}.request"),
            Some(1),
            "url",
            Url,
        );
    }
    add(
        &mut sinks,
        SinkKind::Url,
        "httpx.stream",
        Some(1),
        "url",
        Url,
    );
    for name in [
        "urllib.request.urlopen",
        "urllib.request.Request",
        "urllib.request.urlretrieve",
        "urllib2.urlopen",
        "urllib2.Request",
    ] {
        add(&mut sinks, SinkKind::Url, name, Some(0), "url", Url);
    }
    for name in [
        "urllib3.request",
        "urllib3.PoolManager.request",
        "urllib3.PoolManager.urlopen",
    ] {
        add(&mut sinks, SinkKind::Url, name, Some(1), "url", Url);
    }
    for name in ["http.client.HTTPConnection", "http.client.HTTPSConnection"] {
        add(
            &mut sinks,
            SinkKind::Url,
            name,
            Some(0),
            "host",
            Shape::Value,
        );
    }
    // Insecure deserialization.
    for module in ["pickle", "_pickle", "cPickle", "dill", "marshal"] {
        for function in ["loads", "load"] {
            add(
                &mut sinks,
                Deserialize,
                &format!("{module}.{function}"),
                Some(0),
                "",
                Shape::Value,
            );
        }
    }
    for name in [
        "pickle.Unpickler",
        "jsonpickle.decode",
        "yaml.unsafe_load",
        "yaml.unsafe_load_all",
        "pandas.read_pickle",
        "joblib.load",
        "django.contrib.sessions.serializers.PickleSerializer.loads",
    ] {
        add(&mut sinks, Deserialize, name, Some(0), "", Shape::Value);
    }
    for name in ["yaml.load", "yaml.load_all"] {
        let mut sink = Sink::new(Deserialize, name, Some(0), "stream");
        sink.condition = Condition::UnlessSafeLoader {
            position: 1,
            keyword: "Loader".to_string(),
        };
        sinks.push(sink);
    }
    // HTML e-mail: the same XSS in an inbox.
    for (name, position) in [
        ("django.core.mail.send_mail", 8),
        ("django.core.mail.mail_admins", 4),
        ("django.core.mail.mail_managers", 4),
    ] {
        sinks.push(Sink::new(Html, name, Some(position), "html_message"));
    }
    for name in [
        "django.core.mail.EmailMultiAlternatives.attach_alternative",
        ".attach_alternative",
    ] {
        let mut sink = Sink::new(Html, name, Some(0), "content");
        sink.condition = Condition::WhenConstant {
            position: 1,
            keyword: "mimetype".to_string(),
            values: vec!["text/html".to_string()],
        };
        sinks.push(sink);
    }
    // CSV exports opened in a spreadsheet.
    for writer in ["csv.writer", "csv.DictWriter"] {
        for method in ["writerow", "writerows"] {
            add(
                &mut sinks,
                Formula,
                &format!("{writer}.{method}"),
                Some(0),
                "",
                Shape::Value,
            );
        }
    }
    sinks
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
    /// The sinks of the injection rules; read through [`Tables::sinks_named`], extended with
    /// [`Tables::add_sink`].
    sinks: Vec<Sink>,
    /// Indexes into `sinks` by [`Sink::last_name`].
    sinks_by_name: std::collections::BTreeMap<String, Vec<usize>>,
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
            sinks: Vec::new(),
            sinks_by_name: std::collections::BTreeMap::new(),
        };
        for sink in default_sinks() {
            tables.add_sink(sink);
        }
        // Data decoded, parsed or joined into a path carries what went in.
        tables.propagators.extend(own(&[
            "base64.b64decode",
            "base64.urlsafe_b64decode",
            "base64.decodebytes",
            "base64.b32decode",
            "base64.b16decode",
            "binascii.unhexlify",
            "binascii.a2b_base64",
            "codecs.decode",
            "zlib.decompress",
            "gzip.decompress",
            "bz2.decompress",
            "lzma.decompress",
            "json.loads",
            "urllib.parse.unquote",
            "urllib.parse.unquote_plus",
            "urllib.parse.urljoin",
            "bytes",
            "bytearray",
            "io.BytesIO",
            "io.StringIO",
            "django.utils.encoding.force_bytes",
            "django.utils.encoding.smart_bytes",
            "os.path.join",
            "os.path.abspath",
            "os.path.normpath",
            "os.path.realpath",
            "os.path.expanduser",
            "os.path.splitext",
            "posixpath.join",
            "pathlib.Path",
            "pathlib.PurePath",
            "pathlib.PosixPath",
            "pathlib.PurePosixPath",
        ]));
        // One shell word, whatever the value.
        for name in ["shlex.quote", "pipes.quote", "shlex.join"] {
            tables.add_sanitizer(name, &[SinkKind::Command]);
        }
        // A name that cannot leave its folder: `safe_join()` raises, the others drop every
        // separator.
        for name in [
            "django.utils._os.safe_join",
            "os.path.basename",
            "posixpath.basename",
            "ntpath.basename",
            "django.utils.text.get_valid_filename",
            "werkzeug.utils.secure_filename",
        ] {
            tables.add_sanitizer(name, &[SinkKind::Path]);
        }
        // Letters, digits, `-` and `_` only.
        tables.add_sanitizer("django.utils.text.slugify", &[]);
        // A path of this site.
        for name in ["django.urls.reverse", "django.core.urlresolvers.reverse"] {
            tables.add_sanitizer(name, &[SinkKind::Url]);
        }
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
            // readme_renderer renders Markdown, reStructuredText and plain text to HTML and
            // cleans the result with an allow-list (nh3, bleach in older versions).
            "readme_renderer.markdown.render",
            "readme_renderer.rst.render",
            "readme_renderer.txt.render",
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
    /// A hash of the tables that is the same in every process (their `Debug` form: lists in
    /// configuration order), for keys that outlive a run.
    pub fn stable_hash(&self) -> u128 {
        xxhash_rust::xxh3::xxh3_128(format!("{self:?}").as_bytes())
    }

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

    /// Add a sink of the injection rules (an identical entry is not added twice).
    pub fn add_sink(&mut self, sink: Sink) {
        if self.sinks.contains(&sink) {
            return;
        }
        self.sinks_by_name
            .entry(sink.last_name().to_string())
            .or_default()
            .push(self.sinks.len());
        self.sinks.push(sink);
    }

    /// Every sink of the injection rules.
    pub fn sinks(&self) -> &[Sink] {
        &self.sinks
    }

    /// The sinks whose name ends with `last` (the name a call calls).
    pub fn sinks_named<'t>(&'t self, last: &str) -> impl Iterator<Item = &'t Sink> + 't {
        self.sinks_by_name
            .get(last)
            .into_iter()
            .flatten()
            .filter_map(|i| self.sinks.get(*i))
    }

    /// Whether some sink's name ends with `last` (a cheap test before resolving a call).
    pub fn has_sink_named(&self, last: &str) -> bool {
        self.sinks_by_name.contains_key(last)
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
        // readme_renderer cleans its HTML with an allow-list; a bare Markdown renderer does not.
        assert!(tables.is_sanitizer("readme_renderer.markdown.render", SinkKind::Html));
        assert!(tables.is_sanitizer("readme_renderer.rst.render", SinkKind::Html));
        assert!(!tables.is_sanitizer("readme_renderer.markdown.render", SinkKind::Sql));
        assert!(!tables.is_sanitizer("markdown.markdown", SinkKind::Html));
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
