use super::*;
use crate::analysis::testing::{project_codes, project_codes_only};
use crate::semantic::sources::Tables;

fn facts(src: &str) -> RenderFacts {
    super::super::FileFacts::build(src, &Tables::default()).render
}

fn names(render: &Render) -> Vec<&str> {
    match &render.name {
        TemplateName::Names(n) => n.iter().map(String::as_str).collect(),
        TemplateName::Param { .. } | TemplateName::Built { .. } => Vec::new(),
    }
}

fn keys(render: &Render) -> Vec<&str> {
    render
        .context
        .entries
        .iter()
        .map(|(k, _)| k.as_str())
        .collect()
}

fn level(value: &Value) -> Option<Level> {
    match value {
        Value::Flow(f) => Some(f.level),
        _ => None,
    }
}

#[test]
fn renders_their_names_uses_and_contexts() {
    let src = r#"from django.shortcuts import render
from django.template.loader import render_to_string, get_template
from django.template.response import TemplateResponse
from django.http import HttpResponse
from django.core.mail import send_mail, EmailMultiAlternatives
from .forms import CommentForm
from .models import Comment

def thread(request, slug):
    form = CommentForm(request.POST or None)
    ctx = {"title": "Thread", "form": form}
    ctx["q"] = request.GET.get("q", "")
    ctx.update({"comment": Comment.objects.get(slug=slug)})
    return render(request, "app/thread.html", ctx)

def plain(request):
    return render(request, "app/robots.html", {}, content_type="text/plain")

def mail(user):
    subject = render_to_string("mail/subject.html", {"user": user}).strip()
    body = render_to_string("mail/body.html", {"user": user})
    html = get_template("mail/body_html.html").render({"user": user})
    msg = EmailMultiAlternatives(subject, body, to=[user.email])
    msg.attach_alternative(html, "text/html")
    msg.send()

def api(request):
    return HttpResponse(render_to_string("app/data.html"), content_type="application/json")

def page(request):
    return TemplateResponse(request, template="app/page.html", context={"n": 1})

def choose(request):
    return HttpResponse(get_template(["a.html", "b.html"]).render())

def partial(request):
    return JsonResponse({"html": render_to_string("app/row.html", {}, request)})

def hook(payload):
    body = json.dumps({"text": render_to_string("chat/message.html", payload)})
    requests.post("https://chat.example.com/hook", data=body)
"#;
    let f = facts(src);
    let by_fn =
        |name: &str| -> Vec<&Render> { f.renders.iter().filter(|r| r.function == name).collect() };
    let thread = by_fn("thread");
    assert_eq!(thread.len(), 1);
    assert_eq!(names(thread[0]), ["app/thread.html"]);
    assert_eq!(thread[0].how, How::Html);
    assert_eq!(keys(thread[0]), ["title", "form", "q", "comment"]);
    let entries = &thread[0].context.entries;
    assert_eq!(level(&entries[0].1), Some(Level::Constant));
    assert_eq!(entries[1].1, Value::Form { bound: true });
    assert_eq!(level(&entries[2].1), Some(Level::Request));
    assert_eq!(entries[3].1, Value::Model);

    assert_eq!(by_fn("plain")[0].how, How::Text);
    let mail: Vec<(Vec<&str>, How)> = by_fn("mail").iter().map(|r| (names(r), r.how)).collect();
    assert_eq!(
        mail,
        vec![
            (vec!["mail/subject.html"], How::Text),
            (vec!["mail/body.html"], How::Text),
            (vec!["mail/body_html.html"], How::Html),
        ]
    );
    assert_eq!(by_fn("api")[0].how, How::Text);
    assert_eq!(by_fn("page")[0].how, How::Html);
    assert_eq!(keys(by_fn("page")[0]), ["n"]);
    assert_eq!(names(by_fn("choose")[0]), ["a.html", "b.html"]);
    assert_eq!(by_fn("choose")[0].how, How::Html);
    // A JSON response goes to the site's own pages (often inserted as HTML); a JSON payload
    // posted to another service is text.
    assert_eq!(by_fn("partial")[0].how, How::Unknown);
    assert_eq!(by_fn("hook")[0].how, How::Text);
}

#[test]
fn helpers_keep_the_name_symbolic_and_calls_are_recorded() {
    let src = r#"from django.template.loader import render_to_string
import requests

def tmpl(template_name, **ctx):
    template_path = "integrations/%s" % template_name
    return render_to_string(template_path, ctx).strip().replace("\xa0", " ")

class Sms:
    def notify(self, check):
        text = tmpl("sms_message.html", check=check, site_name="x")
        data = {"To": "+1", "Body": text}
        requests.post("https://api.example.com/sms", data=data)

def unrelated(request):
    return request.GET.get("q")
"#;
    let f = facts(src);
    assert_eq!(f.renders.len(), 1);
    let render = &f.renders[0];
    assert_eq!(render.function, "tmpl");
    assert_eq!(
        render.name,
        TemplateName::Param {
            param: 0,
            prefix: "integrations/".into(),
            suffix: String::new(),
        }
    );
    assert_eq!(render.how, How::Returned);
    assert_eq!(render.context.kwargs_param, Some(1));
    assert_eq!(f.calls.len(), 1, "{:?}", f.calls);
    let call = &f.calls[0];
    assert_eq!(call.callee, "@tmpl");
    assert_eq!(call.function, "Sms.notify");
    assert_eq!(call.how, How::Text);
    assert_eq!(call.args[0].constant.as_deref(), Some("sms_message.html"));
    assert_eq!(
        call.keywords
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>(),
        ["check", "site_name"]
    );
}

#[test]
fn class_based_views_and_url_confs() {
    let src = r#"from django.views.generic import DetailView, FormView
from django.utils.translation import gettext as _

class PostView(DetailView):
    template_name = "blog/post.html"
    extra_context = {"section": "blog"}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["preview"] = self.request.GET.get("preview")
        ctx["intro"] = _("Hello")
        return ctx

class Contact(FormView):
    template_name = "contact.txt"
    content_type = "text/plain"

class Reset(PasswordResetView):
    email_template_name = "registration/reset_email.html"
    html_email_template_name = "registration/reset_email_html.html"

urlpatterns = [path("about/", TemplateView.as_view(template_name="about.html"))]
"#;
    let f = facts(src);
    let post = f.renders.iter().find(|r| r.function == "PostView");
    let Some(post) = post else {
        panic!("no PostView render: {:?}", f.renders);
    };
    assert_eq!(names(post), ["blog/post.html"]);
    assert_eq!(post.how, How::Html);
    assert_eq!(keys(post), ["section", "preview", "intro", "object"]);
    assert_eq!(level(&post.context.entries[1].1), Some(Level::Request));
    assert_eq!(level(&post.context.entries[2].1), Some(Level::Constant));
    let contact = f.renders.iter().find(|r| r.function == "Contact");
    assert_eq!(contact.map(|r| r.how), Some(How::Text));
    assert!(contact.is_some_and(|r| keys(r).contains(&"form")));
    let reset: Vec<(Vec<&str>, How)> = f
        .renders
        .iter()
        .filter(|r| r.function == "Reset")
        .map(|r| (names(r), r.how))
        .collect();
    assert_eq!(
        reset,
        vec![
            (vec!["registration/reset_email.html"], How::Text),
            (vec!["registration/reset_email_html.html"], How::Html),
        ]
    );
    let about = f.renders.iter().find(|r| r.function == "<module>");
    assert_eq!(about.map(names), Some(vec!["about.html"]));
}

#[test]
fn names_built_by_a_helper_and_email_templates_of_auth_views() {
    let views = r#"from django.contrib.auth.views import PasswordResetView

def _t(fragment):
    return f"desk/registration/{fragment}"

password_reset = PasswordResetView.as_view(
    template_name=_t("password_reset_form.html"),
    email_template_name=_t("password_reset_email.html"),
    subject_template_name=_t("password_reset_subject.txt"),
)
"#;
    let f = facts(views);
    assert_eq!(
        f.name_builders,
        [(
            "_t".to_string(),
            "desk/registration/".to_string(),
            String::new()
        )]
    );
    let email = "{% autoescape off %}Reset at {{ protocol }}://{{ domain }}{% endautoescape %}\n";
    let form = "{% autoescape off %}<p>{{ domain }}</p>{% endautoescape %}\n";
    let files = [
        ("desk/__init__.py", ""),
        ("desk/views.py", views),
        (
            "desk/templates/desk/registration/password_reset_email.html",
            email,
        ),
        (
            "desk/templates/desk/registration/password_reset_form.html",
            form,
        ),
    ];
    // The e-mail body is plain text: no HTML rules.
    assert_eq!(
        project_codes(
            &files,
            "desk/templates/desk/registration/password_reset_email.html"
        ),
        vec![]
    );
    let codes: Vec<&str> = project_codes(
        &files,
        "desk/templates/desk/registration/password_reset_form.html",
    )
    .into_iter()
    .map(|c| c.0)
    .collect();
    assert_eq!(codes, ["DJS502", "DJS502"]);
}

#[test]
fn facts_are_the_same_summarised_whole_or_by_definition() {
    let v1 = "from django.shortcuts import render\nurlpatterns = [path('a/', V.as_view(template_name='a.html'))]\ndef a(request):\n    return render(request, 'x.html', {'q': request.GET['q']})\ndef b(request):\n    return render(request, 'y.html')\n";
    let v2 = "from django.shortcuts import render\nurlpatterns = [path('a/', V.as_view(template_name='a.html'))]\ndef a(request):\n    return render(request, 'x.html', {'q': 'const'})\ndef b(request):\n    return render(request, 'y.html')\n";
    let tables = Tables::default();
    let mut memo = super::super::Memo::default();
    for src in [v1, v2, v1] {
        let tree = crate::syntax::python::parse(src, None);
        let incremental = memo.facts(src, &tree, &tables);
        assert_eq!(
            *incremental,
            super::super::FileFacts::build(src, &tables),
            "{src}"
        );
        assert_eq!(incremental.render.renders.len(), 3);
    }
}

#[test]
fn environment_factories_that_turn_autoescaping_off() {
    let f = facts(
        "from jinja2 import Environment\ndef environment(**options):\n    env = Environment(**options, autoescape=False)\n    return env\n\ndef other(**options):\n    options['autoescape'] = False\n    return Environment(**options)\n\ndef fine(**options):\n    return Environment(**options)\n",
    );
    assert_eq!(f.autoescape_off_factories, ["environment", "other"]);
}

#[test]
fn template_names_of_a_path() {
    assert_eq!(
        template_names(Path::new("/p/app/templates/app/x.html")),
        ["app/x.html"]
    );
    assert_eq!(
        template_names(Path::new("/p/templates/a/jinja2/b.html")),
        ["a/jinja2/b.html", "b.html"]
    );
    assert!(template_names(Path::new("/p/app/x.html")).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Across modules: the template rules read how each template is rendered.

const VIEWS: &str = r#"from django.shortcuts import render
from .forms import CommentForm
from .models import Comment
from .helpers import clean

def thread(request, slug):
    comment = Comment.objects.get(slug=slug)
    form = CommentForm(request.POST or None)
    return render(request, "app/thread.html", {
        "q": request.GET.get("q", ""),
        "title": "Thread",
        "comment": comment,
        "form": form,
        "cleaned": clean(request.GET.get("body", "")),
    })
"#;

const HELPERS: &str = "import bleach\n\ndef clean(value):\n    return bleach.clean(value)\n";

fn thread_codes(template: &str, codes: &[&str]) -> Vec<(&'static str, usize, usize, &'static str)> {
    let template: &'static str = Box::leak(template.to_string().into_boxed_str());
    project_codes_only(
        &[
            ("app/__init__.py", ""),
            ("app/views.py", VIEWS),
            ("app/helpers.py", HELPERS),
            ("app/templates/app/thread.html", template),
        ],
        "app/templates/app/thread.html",
        codes,
    )
}

#[test]
fn safe_filter_is_judged_by_what_the_view_passes() {
    let template = concat!(
        "<p>{{ q|safe }}</p>\n",
        "<h1>{{ title|safe }}</h1>\n",
        "<div>{{ comment.body|safe }}</div>\n",
        "{{ form.as_p|safe }}{{ form.body.help_text|safe }}\n",
        "<div>{{ form.data.body|safe }}</div>\n",
        "<div>{{ cleaned|safe }}</div>\n",
        "{% for c in comment.replies %}{{ c.text|safe }}{% endfor %}\n",
        "<div>{{ unknown|safe }}</div>\n",
    );
    assert_eq!(
        thread_codes(template, &["DJS501"]),
        vec![
            // Request data: an error.
            ("DJS501", 1, 4, "error"),
            // Stored data (a model object): a warning.
            ("DJS501", 3, 6, "hint"),
            // The data submitted to a bound form is request data.
            ("DJS501", 5, 6, "error"),
            // Through a loop over a model's field: still stored data.
            ("DJS501", 7, 31, "hint"),
            // Not passed by the view: unknown, a warning as without a project.
            ("DJS501", 8, 6, "hint"),
        ]
    );
    let findings = project_findings(template);
    let first = findings.iter().find(|f| f.code == "DJS501");
    let message = first.map(|f| f.message.clone()).unwrap_or_default();
    assert!(
        message.contains("`q` comes from request.GET")
            && message.contains("`thread()` in app/views.py:9"),
        "{message}"
    );
}

fn project_findings(template: &str) -> Vec<crate::analysis::Finding> {
    let files = [
        ("app/__init__.py", ""),
        ("app/views.py", VIEWS),
        ("app/helpers.py", HELPERS),
        ("app/templates/app/thread.html", template),
    ];
    let index = ProjectIndex::from_files(Path::new("/p"), &files);
    let context = crate::analysis::Context {
        project: Some(Arc::new(index)),
        ..crate::analysis::Context::for_path("/p/app/templates/app/thread.html")
    };
    crate::analysis::analyze_text(template, crate::syntax::Language::Template, &context)
}

#[test]
fn script_variables_are_judged_by_what_the_view_passes() {
    let template = concat!(
        "<script>\n",
        "  var a = \"{{ q }}\";\n",
        "  var b = \"{{ title }}\";\n",
        "  var c = \"{{ comment.body }}\";\n",
        "  var d = {{ q }};\n",
        "  var e = {{ comment.body }};\n",
        "  var f = {{ title }};\n",
        "  var g = '{{ request.GET.next }}';\n",
        "</script>\n",
    );
    assert_eq!(
        thread_codes(template, &["DJS520"]),
        vec![
            // User text in a quoted string: a warning (a backslash or a line break ends it).
            ("DJS520", 2, 12, "warning"),
            // Stored data in a string: an audit hint.
            ("DJS520", 4, 12, "hint"),
            // User data as code: an error.
            ("DJS520", 5, 11, "error"),
            ("DJS520", 6, 11, "warning"),
            // Request data read in the template itself.
            ("DJS520", 8, 12, "warning"),
        ]
    );
}

#[test]
fn event_handler_variables_are_judged_by_what_the_view_passes() {
    let template = concat!(
        "<a onclick=\"f('{{ q }}')\">x</a>\n",
        "<a onclick=\"f('{{ comment.body }}')\">x</a>\n",
        "<a onclick=\"f('{{ cleaned }}')\">x</a>\n",
        "<a onclick=\"f('{{ form.body.auto_id }}', '{{ field.name }}')\">x</a>\n",
    );
    assert_eq!(
        thread_codes(template, &["DJS521"]),
        vec![
            // Request data: the browser decodes the escaped quotes first, an error.
            ("DJS521", 1, 16, "error"),
            // Stored data: a warning that says which view passes it.
            ("DJS521", 2, 16, "warning"),
            // Escaped for HTML (sanitised) is not escaped for an event handler.
            ("DJS521", 3, 16, "warning"),
        ]
    );
    let findings = project_findings(template);
    let first = findings.iter().find(|f| f.code == "DJS521");
    let message = first.map(|f| f.message.clone()).unwrap_or_default();
    assert!(message.contains("`q` comes from request.GET"), "{message}");
}

#[test]
fn script_variables_with_a_view_keep_their_severity_by_origin() {
    let template = concat!(
        "<script>\n",
        // Request data in a string that goes on after it: it cannot end the string.
        "  load(\"/replies?sort={{ q }}&page=2\");\n",
        // Marked safe and spliced into code: by origin.
        "  var a = {{ q|safe }};\n",
        "  var b = {{ comment.body|safe }};\n",
        "  var c = {{ unknown_json|safe }};\n",
        "</script>\n",
    );
    assert_eq!(
        thread_codes(template, &["DJS520"]),
        vec![
            ("DJS520", 2, 23, "hint"),
            ("DJS520", 3, 11, "error"),
            ("DJS520", 4, 11, "warning"),
            ("DJS520", 5, 11, "info"),
        ]
    );
}

#[test]
fn templates_rendered_only_as_text_get_no_html_rules() {
    let notify = r#"from django.template.loader import render_to_string
import requests

def tmpl(template_name, **ctx):
    return render_to_string("integrations/%s" % template_name, ctx).strip()

def send_sms(check):
    text = tmpl("sms_message.html", check=check)
    requests.post("https://api.example.com/sms", data={"To": "+1", "Body": text})
"#;
    let template = "{{ check.name|safe }} is down <script>var x = {{ check.name }};</script>\n";
    let both = r#"from django.shortcuts import render
def page(request, check):
    return render(request, "integrations/sms_message.html", {"check": check})
"#;
    let files = |extra: Option<&'static str>| {
        let mut files = vec![
            ("app/__init__.py", ""),
            ("app/notify.py", notify),
            ("app/templates/integrations/sms_message.html", template),
        ];
        if let Some(views) = extra {
            files.push(("app/views.py", views));
        }
        files
    };
    let target = "app/templates/integrations/sms_message.html";
    // Only ever sent as an SMS: plain text, no HTML rules.
    assert_eq!(project_codes(&files(None), target), vec![]);
    // Also rendered as a page: the HTML rules apply.
    let codes: Vec<&str> = project_codes(&files(Some(both)), target)
        .into_iter()
        .map(|c| c.0)
        .collect();
    assert_eq!(codes, ["DJS501", "DJS520"]);
    // Without a project nothing is known: the rules apply.
    let alone = crate::analysis::testing::codes_at_in(crate::syntax::Language::Template, template);
    assert_eq!(alone.len(), 2);
}

#[test]
fn a_helper_passes_its_callers_values() {
    let mail = r#"from django.template.loader import render_to_string
from django.core.mail import send_mail

def send(name, to, ctx):
    html = render_to_string("emails/%s.html" % name, ctx)
    send_mail("Hi", "", None, [to], html_message=html)
"#;
    let views = r#"from .mail import send

def invite(request):
    send("invite", "a@example.com", {"note": request.POST["note"], "site": "Example"})
"#;
    let template = "<p>{{ note|safe }}</p><p>{{ site|safe }}</p>\n";
    let got = project_codes_only(
        &[
            ("app/__init__.py", ""),
            ("app/mail.py", mail),
            ("app/views.py", views),
            ("app/templates/emails/invite.html", template),
        ],
        "app/templates/emails/invite.html",
        &["DJS501"],
    );
    assert_eq!(got, vec![("DJS501", 1, 4, "error")]);
}

#[test]
fn class_based_view_context() {
    let views = r#"from django.views.generic import DetailView
from django.utils.translation import gettext as _

class PostView(DetailView):
    template_name = "blog/post.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["preview"] = self.request.GET.get("preview")
        ctx["intro"] = _("Hello")
        return ctx
"#;
    let template = "{{ preview|safe }}{{ intro|safe }}{{ object.body|safe }}\n";
    let got = project_codes_only(
        &[
            ("blog/__init__.py", ""),
            ("blog/views.py", views),
            ("blog/templates/blog/post.html", template),
        ],
        "blog/templates/blog/post.html",
        &["DJS501"],
    );
    assert_eq!(
        got,
        vec![("DJS501", 1, 1, "error"), ("DJS501", 1, 35, "hint")]
    );
}

const JINJA_SETTINGS_OFF: &str = r#"SECRET_KEY = "x"
TEMPLATES = [
    {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True},
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]
"#;

fn jinja_codes(
    settings: &'static str,
    extra: &[(&'static str, &'static str)],
) -> Vec<(&'static str, usize, usize, &'static str)> {
    let template = "<p>{{ name }}</p><p>{{ 42 }}{{ url('home') }}</p>\n<script>var s = \"{{ name }}\";</script>\n";
    let mut files = vec![
        ("mysite/__init__.py", ""),
        ("mysite/settings.py", settings),
        ("app/__init__.py", ""),
        ("app/jinja2/app/page.html", template),
        ("app/templates/app/page.html", template),
    ];
    files.extend_from_slice(extra);
    project_codes_only(&files, "app/jinja2/app/page.html", &["DJS502", "DJS520"])
}

#[test]
fn a_jinja2_backend_without_autoescaping_renders_everything_unescaped() {
    assert_eq!(
        jinja_codes(JINJA_SETTINGS_OFF, &[]),
        vec![("DJS502", 1, 4, "hint"), ("DJS520", 2, 18, "warning")]
    );
    // A view passing request data: an error.
    let views = "from django.shortcuts import render\ndef page(request):\n    return render(request, 'app/page.html', {'name': request.GET['name']})\n";
    assert_eq!(
        jinja_codes(JINJA_SETTINGS_OFF, &[("app/views.py", views)]),
        vec![("DJS502", 1, 4, "error"), ("DJS520", 2, 18, "error")]
    );
    // The Django templates of the same project keep their escaping.
    let files = [
        ("mysite/__init__.py", ""),
        ("mysite/settings.py", JINJA_SETTINGS_OFF),
        ("app/templates/app/page.html", "<p>{{ name }}</p>\n"),
    ];
    assert_eq!(
        project_codes_only(&files, "app/templates/app/page.html", &["DJS502"]),
        vec![]
    );
    // Autoescaping on (Django's default for its Jinja2 backend): nothing.
    let on = "SECRET_KEY = 'x'\nTEMPLATES = [{'BACKEND': 'django.template.backends.jinja2.Jinja2', 'APP_DIRS': True}]\n";
    assert_eq!(jinja_codes(on, &[]), vec![("DJS520", 2, 18, "hint")]);
}

#[test]
fn a_jinja2_environment_factory_without_autoescaping() {
    let settings = "SECRET_KEY = 'x'\nTEMPLATES = [{'BACKEND': 'django.template.backends.jinja2.Jinja2', 'APP_DIRS': True, 'OPTIONS': {'environment': 'mysite.jinja.environment'}}]\n";
    let factory = "from jinja2 import Environment\n\ndef environment(**options):\n    options['autoescape'] = False\n    return Environment(**options)\n";
    assert_eq!(
        jinja_codes(settings, &[("mysite/jinja.py", factory)]),
        vec![("DJS502", 1, 4, "hint"), ("DJS520", 2, 18, "warning")]
    );
    let escaping = "from jinja2 import Environment\n\ndef environment(**options):\n    return Environment(**options)\n";
    assert_eq!(
        jinja_codes(settings, &[("mysite/jinja.py", escaping)]),
        vec![("DJS520", 2, 18, "hint")]
    );
}

#[test]
fn deep_and_long_input_stays_bounded() {
    let chain = ".filter(x=1)".repeat(20_000);
    let nested = format!(
        "{}render_to_string('a.html'){}",
        "(".repeat(5_000),
        ")".repeat(5_000)
    );
    let plus = format!("render_to_string('b.html'){}", " + x".repeat(20_000));
    let src = format!(
        "from django.template.loader import render_to_string\nfrom django.shortcuts import render\ndef v(request):\n    qs = Item.objects.all(){chain}\n    a = {nested}\n    b = {plus}\n    return render(request, 'c.html', {{'qs': qs, 'a': a}})\n"
    );
    // Climbing from a render to its use is bounded (tree-sitter finds a node's parent from the
    // root): thousands of parentheses or `+` around it make the use unknown, not slow.
    let f = facts(&src);
    let names: Vec<Vec<&str>> = f.renders.iter().map(names).collect();
    assert_eq!(names, vec![vec!["a.html"], vec!["b.html"], vec!["c.html"]]);
}
