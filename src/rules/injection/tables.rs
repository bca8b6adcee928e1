//! Every entry of the sink table has a positive test: a call built from the entry itself, with
//! request data where the entry says the sink reads it, must be reported by the rule of the
//! entry's kind.

use crate::analysis::testing::findings;
use crate::semantic::sources::{Condition, Shape, Sink, SinkKind, Tables};

/// Segments that name a class whose instances the sink is a method of.
fn is_class(segment: &str) -> bool {
    segment.starts_with(|c: char| c.is_ascii_uppercase()) || segment == "writer"
}

/// The arguments of a call to `sink` with `tainted` where it reads its value.
fn arguments(sink: &Sink, tainted: &str) -> String {
    let mut args: Vec<String> = Vec::new();
    if sink.shape != Shape::Receiver {
        match sink.arg.position {
            Some(position) => {
                args.extend((0..position).map(|_| "'a'".to_string()));
                args.push(tainted.to_string());
            }
            None => {
                if let Some(keyword) = &sink.arg.keyword {
                    args.push(format!("{keyword}={tainted}"));
                }
            }
        }
    }
    if let Condition::WhenConstant {
        position, values, ..
    } = &sink.condition
        && let Some(value) = values.first()
    {
        while args.len() < *position {
            args.push("'a'".to_string());
        }
        args.insert(*position, format!("'{value}'"));
    }
    args.join(", ")
}

/// A view calling `sink` with request data.
fn positive(sink: &Sink) -> String {
    let tainted = match sink.kind {
        SinkKind::Formula => "[request.GET['x']]",
        _ => "request.GET['x']",
    };
    let args = arguments(sink, tainted);
    let mut head = String::from("from django.http import HttpResponse\n");
    let call = if let Some(method) = sink.name.strip_prefix('.') {
        format!("message.{method}({args})")
    } else if !sink.name.contains('.') {
        format!("{}({args})", sink.name)
    } else {
        let parts: Vec<&str> = sink.name.split('.').collect();
        let (last, before) = parts.split_last().unwrap_or((&"", &[]));
        let class_at = before.iter().position(|p| is_class(p));
        let module_end = class_at.unwrap_or(before.len());
        let module = before[..module_end].join(".");
        head.push_str(&format!("import {module}\n"));
        match class_at {
            Some(at) => {
                let class = before[..=at].join(".");
                let constructor_args = match sink.kind {
                    SinkKind::Formula => "response".to_string(),
                    _ if sink.shape == Shape::Receiver => tainted.to_string(),
                    _ => String::new(),
                };
                format!("{class}({constructor_args}).{last}({args})")
            }
            None => format!("{}({args})", sink.name),
        }
    };
    format!(
        "{head}def view(request):\n    response = HttpResponse()\n    {call}\n    return response\n"
    )
}

#[test]
fn every_sink_entry_has_a_positive_test() {
    let tables = Tables::default();
    assert!(
        tables.sinks().len() > 100,
        "the table is the point of this test"
    );
    let mut failures = Vec::new();
    for sink in tables.sinks() {
        let src = positive(sink);
        let Some(rule) = super::rule_for(sink.kind) else {
            failures.push(format!("{}: no rule reports {:?}", sink.name, sink.kind));
            continue;
        };
        let expected = match (sink.kind, sink.contained) {
            (SinkKind::Formula, _) => "hint",
            (_, true) => "warning",
            _ => "error",
        };
        let found: Vec<_> = findings(&src)
            .into_iter()
            .filter(|f| f.code == rule.code)
            .collect();
        if found.len() != 1 || found[0].severity.as_str() != expected {
            failures.push(format!(
                "{} ({:?}): expected one {} {expected}, got {:?}\n{src}",
                sink.name,
                sink.arg,
                rule.code,
                found
                    .iter()
                    .map(|f| (f.severity.as_str(), f.message.as_str()))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn configured_sinks_and_sanitizers_are_used() {
    use std::sync::Arc;

    use crate::analysis::{Context, analyze_text};
    use crate::syntax::Language;

    let src = "import os\nfrom app.shell import run\ndef v(request):\n    run(request.GET['cmd'])\n    run(os.path.basename(request.GET['cmd']))\n";
    let codes = |context: &Context| -> Vec<(&'static str, &'static str)> {
        analyze_text(src, Language::Python, context)
            .into_iter()
            .map(|f| (f.code, f.severity.as_str()))
            .collect()
    };
    assert_eq!(codes(&Context::default()), vec![]);
    let mut tables = Tables::default();
    tables.add_sink(Sink::new(
        SinkKind::Command,
        "app.shell.run",
        Some(0),
        "cmd",
    ));
    let context = Context {
        tables: Arc::new(tables.clone()),
        ..Context::default()
    };
    // `basename()` cleans paths, not commands.
    assert_eq!(
        codes(&context),
        vec![("DJS601", "error"), ("DJS601", "error")]
    );
    tables.add_sanitizer("os.path.basename", &[SinkKind::Command]);
    let context = Context {
        tables: Arc::new(tables),
        ..Context::default()
    };
    assert_eq!(codes(&context), vec![("DJS601", "error")]);
}
