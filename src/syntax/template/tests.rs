use proptest::prelude::*;
use tree_sitter::InputEdit;

use super::html::point_at;
use super::*;

fn attr_text<'a>(
    text: &'a str,
    s: &TemplateSyntax,
    offset: usize,
) -> Option<(&'a str, &'a str, Quote)> {
    let (e, a) = s.attribute_ref_at(offset)?;
    let _ = e;
    Some((
        &text[a.name.clone()],
        a.value.as_ref().map_or("", |v| &text[v.clone()]),
        a.quote,
    ))
}

#[test]
fn variables_inside_attributes() {
    let t = r#"<a href="{{ url }}" class='x {{ c }}' data-x={{ d }} title=t{{ e }}>{{ body }}</a>"#;
    let s = parse(t, None);
    let at = |needle: &str| t.find(needle).unwrap_or(usize::MAX);
    assert_eq!(
        attr_text(t, &s, at("{{ url }}")),
        Some(("href", "{{ url }}", Quote::Double))
    );
    assert_eq!(
        attr_text(t, &s, at("{{ c }}")),
        Some(("class", "x {{ c }}", Quote::Single))
    );
    assert_eq!(
        attr_text(t, &s, at("{{ d }}")),
        Some(("data-x", "{{ d }}", Quote::None))
    );
    assert_eq!(
        attr_text(t, &s, at("{{ e }}")),
        Some(("title", "t{{ e }}", Quote::None))
    );
    assert_eq!(attr_text(t, &s, at("{{ body }}")), None);
    assert_eq!(s.element_name_at(at("{{ body }}")), Some("a"));
    assert_eq!(s.elements.len(), 1);
    let a = &s.elements[0];
    assert_eq!(a.attribute_value(t, "href"), Some("{{ url }}"));
    assert_eq!(&t[a.content.clone()], "{{ body }}");
    assert_eq!(a.end_tag.as_ref().map(|r| &t[r.clone()]), Some("</a>"));
}

#[test]
fn django_tokens_are_invisible_to_html() {
    // A `>` and quotes inside Django tags do not end the start tag or the attribute value.
    let t = r#"<div {% if a > b %}class="on"{% endif %} title="{{ "x" }}" data-y="{% url 'p' a="b" %}">in</div>"#;
    let s = parse(t, None);
    assert_eq!(s.elements.len(), 1);
    let d = &s.elements[0];
    let names: Vec<&str> = d.attributes.iter().map(|a| a.name_lower.as_str()).collect();
    assert_eq!(names, vec!["class", "title", "data-y"]);
    assert_eq!(d.attribute_value(t, "title"), Some(r#"{{ "x" }}"#));
    assert_eq!(
        d.attribute_value(t, "data-y"),
        Some(r#"{% url 'p' a="b" %}"#)
    );
    assert_eq!(&t[d.content.clone()], "in");
    assert!(!s.to_sexp().contains("ERROR"));
}

#[test]
fn script_and_style_raw_text() {
    let t = "<div><script type=\"text/javascript\">var x = {{ x }}; if (a < b) {}</script>\
             <style>.a { color: {{ c }} }</style><p>{{ p }}</p></div>";
    let s = parse(t, None);
    let at = |needle: &str| t.find(needle).unwrap_or(usize::MAX);
    let (i, kind) = s
        .raw_text_at(at("{{ x }}"))
        .unwrap_or((usize::MAX, ElementKind::Normal));
    assert_eq!(kind, ElementKind::Script);
    assert_eq!(
        s.elements[i].attribute_value(t, "type"),
        Some("text/javascript")
    );
    assert_eq!(
        s.raw_text_at(at("{{ c }}")).map(|(_, k)| k),
        Some(ElementKind::Style)
    );
    assert_eq!(s.raw_text_at(at("{{ p }}")), None);
    assert_eq!(s.element_name_at(at("{{ p }}")), Some("p"));
    // The start tag of the script is not its raw text.
    assert_eq!(s.raw_text_at(at("type=")), None);
    let names: Vec<&str> = s
        .ancestors(s.element_at(at("{{ p }}")).unwrap_or(0))
        .map(|i| s.elements[i].name.as_str())
        .collect();
    assert_eq!(names, vec!["p", "div"]);
}

#[test]
fn unclosed_script_is_still_raw_text() {
    let t = "<p>a</p>\n<script>\n  var x = {{ x }};\n";
    let s = parse(t, None);
    let at = t.find("{{ x }}").unwrap_or(0);
    assert_eq!(s.raw_text_at(at).map(|(_, k)| k), Some(ElementKind::Script));
}

#[test]
fn elements_left_open_at_the_end() {
    // A fragment whose `<div>` is closed by another template: error recovery leaves bare start
    // tags; they become elements containing what follows.
    let t = "<div class=\"wrapper\">\n<script>var x = {{ x }};</script>\n<form method=\"post\"><input></form>\n<p>hi {{ y }}";
    let s = parse(t, None);
    let names: Vec<&str> = s.elements.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, vec!["div", "script", "form", "input", "p"]);
    assert_eq!(s.elements[0].range.end, t.len(), "{}", s.to_sexp());
    assert_eq!(s.elements[1].parent, Some(0));
    assert_eq!(s.elements[2].parent, Some(0));
    assert_eq!(s.elements[3].parent, Some(2));
    let at = t.find("{{ y }}").unwrap_or(0);
    let chain: Vec<&str> = s
        .ancestors(s.element_at(at).unwrap_or(usize::MAX))
        .map(|i| s.elements[i].name.as_str())
        .collect();
    assert_eq!(chain, vec!["p", "div"]);
    let at = t.find("{{ x }}").unwrap_or(0);
    assert_eq!(s.raw_text_at(at).map(|(_, k)| k), Some(ElementKind::Script));
    // Typing a form: the form contains its input before `</form>` is written.
    let t = "<html><body><form method=\"post\">\n  <input name=\"a\" value=\"{{ a }}\">";
    let s = parse(t, None);
    let form = s
        .elements
        .iter()
        .position(|e| e.name == "form")
        .unwrap_or(usize::MAX);
    let at = t.find("{{ a }}").unwrap_or(0);
    assert!(
        s.ancestors(s.element_at(at).unwrap_or(usize::MAX))
            .any(|i| i == form)
    );
    assert_eq!(
        s.attribute_ref_at(at)
            .map(|(e, a)| (e.name.as_str(), a.name_lower.as_str())),
        Some(("input", "value"))
    );
}

#[test]
fn stray_end_tags_and_unterminated_comments_are_hidden() {
    let t = "</div></span><p>{{ x }}</p><!-- never closed <b>x</b>";
    let s = parse(t, None);
    assert!(!s.to_sexp().contains("ERROR"), "{}", s.to_sexp());
    assert_eq!(s.elements.len(), 2);
    assert_eq!(s.element_name_at(t.find("{{ x }}").unwrap_or(0)), Some("p"));
    // End tags that close something are kept.
    let t = "<div><span></span></div>";
    let s = parse(t, None);
    assert_eq!(s.hidden, Vec::<html::Hidden>::new());
    assert_eq!(s.elements.len(), 2);
}

#[test]
fn template_of_only_django_tokens() {
    for t in ["{% if x %}{{ y }}{% endif %}", "{{ x }}", "{# c #}", ""] {
        let s = parse(t, None);
        assert!(s.elements.is_empty());
        assert_eq!(s.html.root_node().kind(), "document");
        assert!(!s.html.root_node().has_error());
        // The next parse (same thread-local parser) is not affected by the empty range.
        let s2 = parse("<b>x</b>", None);
        assert_eq!(s2.elements.len(), 1);
    }
}

#[test]
fn blocks_around_elements() {
    let t = "{% block content %}<form method=\"post\">{% if u %}{% csrf_token %}{% endif %}</form>{% endblock %}";
    let s = parse(t, None);
    let csrf = s.block_tags(t, "csrf_token").next().unwrap_or(usize::MAX);
    let offset = s.tokens[csrf].range.start;
    let names: Vec<&str> = s
        .enclosing_blocks(offset)
        .map(|b| b.name.as_str())
        .collect();
    assert_eq!(names, vec!["if", "block"]);
    assert_eq!(s.element_name_at(offset), Some("form"));
    let form = &s.elements[0];
    assert_eq!(form.attribute_value(t, "method"), Some("post"));
    assert!(form.range.contains(&offset));
}

#[test]
fn autoescape_state() {
    let t = "{% autoescape off %}{{ a }}{% autoescape on %}{{ b }}{% endautoescape %}{{ c }}{% endautoescape %}{{ d }}";
    let s = parse(t, None);
    let at = |needle: &str| t.find(needle).unwrap_or(usize::MAX);
    assert_eq!(
        s.autoescape_at(t, at("{{ a }}")).map(|(_, on)| on),
        Some(false)
    );
    assert_eq!(
        s.autoescape_at(t, at("{{ b }}")).map(|(_, on)| on),
        Some(true)
    );
    assert_eq!(
        s.autoescape_at(t, at("{{ c }}")).map(|(_, on)| on),
        Some(false)
    );
    assert_eq!(s.autoescape_at(t, at("{{ d }}")).map(|(_, on)| on), None);
}

#[test]
fn half_typed_templates_do_not_panic() {
    let samples = [
        "<form method=\"post\"",
        "<form method=\"post\">{% csrf",
        "<a href=\"{{ url",
        "<a href=\"{{ url }}",
        "<a href={{",
        "<script>{{ x }}",
        "<script>{{ x }}</scr",
        "<style>{% if %}",
        "</div></div>{% endif %}{% endfor %}",
        "<div <div <div",
        "<input value=\"{{ x }}",
        "<<<<>>>>{{{{}}}}{%%}{##}",
        "<a {{ attrs }}>",
        "<div class=\"a\" {% if x %}",
        "\0<\0a\0>{{\0}}",
        "<p>é{{ ü }}<b title=\"ß{{ x }}\">\u{1F600}</b>",
        "<!-- {{ x }} -->",
        "<!DOCTYPE html><html>{% block b %}",
        "<template><script>{{ x }}</script></template>",
        "{% verbatim %}<script>{{ x }}</script>{% endverbatim %}",
    ];
    for t in samples {
        let s = parse(t, None);
        let _ = s.to_sexp();
        for offset in 0..=t.len() {
            let _ = s.element_at(offset);
            let _ = s.raw_text_at(offset);
            let _ = s.start_tag_at(offset);
            let _ = s.enclosing_blocks(offset).count();
            let _ = s.token_at(offset);
        }
        for i in 0..s.tokens.len() {
            let _ = s.filter_expression(t, i);
            let _ = s.block_tag(t, i);
        }
        for e in &s.elements {
            assert!(t.get(e.range.clone()).is_some());
            assert!(t.get(e.content.clone()).is_some());
            for a in &e.attributes {
                assert!(t.get(a.range.clone()).is_some());
                assert!(a.range.start >= e.start_tag.start && a.range.end <= e.start_tag.end);
            }
        }
    }
}

#[test]
fn half_typed_start_tag_is_marked() {
    let s = parse("<form method=\"post\"", None);
    assert_eq!(s.elements.len(), 1);
    assert!(!s.elements[0].start_tag_closed);
    assert!(!s.elements[0].self_closing);
    let s = parse("<br/>", None);
    assert!(s.elements[0].self_closing);
}

#[test]
fn deep_div_nesting() {
    let n = 100_000;
    let t = "<div>".repeat(n) + "{{ x }}" + &"</div>".repeat(n);
    let s = parse(&t, None);
    // Elements beyond the depth limit are hidden from the HTML parser (see `html::MAX_DEPTH`).
    let limit = html::MAX_DEPTH;
    assert_eq!(s.elements.len(), limit);
    assert_eq!(s.elements[limit - 1].depth, limit - 1);
    let at = t.find("{{ x }}").unwrap_or(0);
    assert_eq!(s.element_at(at), Some(limit - 1));
    assert_eq!(s.ancestors(limit - 1).count(), limit);
    assert!(!s.html.root_node().has_error());
    assert!(!s.to_sexp().is_empty());
    // Below the limit, everything is there.
    let n = limit - 1;
    let t = "<div>".repeat(n) + "{{ x }}" + &"</div>".repeat(n);
    let s = parse(&t, None);
    assert_eq!(s.elements.len(), n);
    // Implicitly closed elements do not count: 5,000 `<li>` in a list are all parsed.
    let t = "<ul>".to_string() + &"<li>{{ x }}".repeat(5000) + "</ul>";
    let s = parse(&t, None);
    assert_eq!(s.elements.len(), 5001);
}

#[test]
fn deep_if_nesting() {
    let n = 100_000;
    let t = "{% if x %}<b>".repeat(n) + "{{ y }}" + &"</b>{% endif %}".repeat(n);
    let s = parse(&t, None);
    assert_eq!(s.blocks.blocks.len(), n);
    let at = t.find("{{ y }}").unwrap_or(0);
    assert_eq!(s.enclosing_blocks(at).count(), n);
    assert_eq!(s.element_name_at(at), Some("b"));
}

#[test]
fn ten_megabytes() {
    let chunk = "<div class=\"row {{ cls }}\">\n  {% if user %}<a href=\"{% url 'x' %}\">{{ user.name|default:\"a|b\" }}</a>{% endif %}\n  <script>var a = {{ a }};</script>\n</div>\n";
    let t = chunk.repeat(10 * 1024 * 1024 / chunk.len() + 1);
    let start = std::time::Instant::now();
    let s = parse(&t, None);
    assert!(s.tokens.len() > 100_000);
    assert!(s.elements.len() > 100_000);
    assert!(
        start.elapsed().as_secs() < 60,
        "10 MB took {:?}",
        start.elapsed()
    );
    // One flat line of 10 MB with unterminated openers.
    let t = "{{ <a {% ".repeat(1024 * 1024);
    let s = parse(&t, None);
    assert!(!s.tokens.is_empty());
}

#[test]
fn budget_headroom() {
    // Ordinary and broken markup stays far below the work budget.
    let chunk = "<div class=\"row {{ cls }}\">\n  {% if user %}<a href=\"{% url 'x' %}\">{{ user.name }}</a>{% endif %}\n  <script>var a = {{ a }}; if (a < 1) {}</script>\n</div>\n<!-- c --><p>x<ul><li>a<li>b</ul><table><tr><td>1<td>2</table><a <b class=\"\n";
    for t in [
        chunk.repeat(500),
        "<<".repeat(5000),
        "<a ".repeat(5000),
        "</div>".repeat(5000),
        "<!-- ".repeat(5000),
    ] {
        let tokens = lexer::tokenize(&t);
        let hidden = html::hidden_ranges(&t, &tokens);
        let p = html::parse(&html::blanked(&t, &hidden), None);
        assert!(p.complete);
        let kib = (t.len() / 1024).max(1);
        assert!(
            p.bytes_read <= 6 * t.len(),
            "read {} of {}",
            p.bytes_read,
            t.len()
        );
        assert!(
            p.progress_calls <= 100 * kib,
            "{} calls for {kib} KiB",
            p.progress_calls
        );
    }
}

#[test]
fn over_budget_gives_an_empty_tree() {
    let tiny = html::Budget {
        bytes_per_byte: 0,
        bytes_base: 10,
        calls_per_kib: 0,
        calls_base: 1,
        millis_base: 10_000,
        millis_per_mib: 0,
    };
    let t = "<div><p>hello</p></div>".repeat(100);
    let p = html::parse_with_budget(t.as_bytes(), None, &tiny);
    assert!(!p.complete);
    assert_eq!(p.tree.root_node().child_count(), 0);
    // The thread's parser still works afterwards.
    let s = parse("<b>x</b>", None);
    assert!(s.html_complete);
    assert_eq!(s.elements.len(), 1);
}

/// Apply `new` over `range` of `text`, returning the new text and the tree-sitter edit.
fn edit(text: &str, range: Range<usize>, new: &str) -> (String, InputEdit) {
    let mut out = String::with_capacity(text.len() + new.len());
    out.push_str(&text[..range.start]);
    out.push_str(new);
    out.push_str(&text[range.end..]);
    let new_end = range.start + new.len();
    let e = InputEdit {
        start_byte: range.start,
        old_end_byte: range.end,
        new_end_byte: new_end,
        start_position: point_at(text, range.start),
        old_end_position: point_at(text, range.end),
        new_end_position: point_at(&out, new_end),
    };
    (out, e)
}

fn check_incremental(text: &str, edits: &[(Range<usize>, &str)]) {
    let mut text = text.to_string();
    let mut syntax = parse(&text, None);
    for (range, new) in edits {
        let range = range.start.min(text.len())..range.end.min(text.len());
        let range = floor(&text, range.start)..floor(&text, range.end.max(range.start));
        let (next, e) = edit(&text, range, new);
        syntax.edit(&e);
        let incremental = parse(&next, Some(&syntax));
        let fresh = parse(&next, None);
        assert_eq!(
            incremental.to_sexp(),
            fresh.to_sexp(),
            "incremental != fresh after editing to {next:?}"
        );
        text = next;
        syntax = incremental;
    }
}

fn floor(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[test]
fn incremental_equals_fresh() {
    let t = "<form method=\"post\">\n  {% csrf_token %}\n  <input name=\"a\" value=\"{{ a }}\">\n</form>\n<script>var x = {{ x }};</script>\n";
    check_incremental(
        t,
        &[
            (0..0, "{% if u %}"),
            (20..20, "{{ y }}"),
            (5..9, ""),
            (0..10, ""),
            (30..30, "{% endif %}"),
            (40..45, "<div"),
            (50..50, "}}"),
            (0..0, "{% verbatim %}"),
            (60..60, "{% endverbatim %}"),
            (3..3, "{% comment %}"),
            (90..90, "{% endcomment %}"),
        ],
    );
    // Typing a template character by character.
    let target = "<div class=\"{{ c }}\">{% if a %}<a href='{% url \"x\" %}'>{{ b|safe }}</a>{% endif %}</div>";
    let mut edits = Vec::new();
    for (i, ch) in target.char_indices() {
        edits.push((i..i, &target[i..i + ch.len_utf8()]));
    }
    check_incremental("", &edits);
    // Deleting it character by character from the front.
    let edits: Vec<(Range<usize>, &str)> = (0..target.len()).map(|_| (0..1, "")).collect();
    check_incremental(target, &edits);
}

const FRAGMENTS: &[&str] = &[
    "<div>",
    "</div>",
    "<a href=\"",
    "\">",
    "{{ x }}",
    "{{",
    "}}",
    "{% if a %}",
    "{% endif %}",
    "{% ",
    " %}",
    "<script>",
    "</script>",
    "<style>",
    "text",
    "\n",
    "'",
    "\"",
    "=",
    "<",
    ">",
    "{# c #}",
    "{% verbatim %}",
    "{% endverbatim %}",
    "{% comment %}",
    "{% endcomment %}",
    "<form method=post>",
    "</form>",
    "é",
    "<br/>",
    "<!-- ",
    " -->",
];

fn template_strategy() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn incremental_equals_fresh_prop(
        text in template_strategy(),
        edits in proptest::collection::vec((0usize..400, 0usize..20, proptest::sample::select(FRAGMENTS)), 1..6),
    ) {
        let edits: Vec<(Range<usize>, &str)> = edits.iter().map(|&(s, l, f)| (s..s + l, f)).collect();
        check_incremental(&text, &edits);
    }

    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let s = parse(&text, None);
        let _ = s.to_sexp();
        for i in 0..s.tokens.len() {
            let _ = s.filter_expression(&text, i);
        }
    }

    #[test]
    fn never_panics_on_template_soup(text in template_strategy()) {
        let s = parse(&text, None);
        let mut at = 0;
        for t in &s.tokens {
            prop_assert_eq!(t.range.start, at);
            at = t.range.end;
        }
        prop_assert_eq!(at, text.len());
        for offset in 0..=text.len() {
            let _ = s.element_at(offset);
            let _ = s.start_tag_at(offset);
        }
    }
}
