//! `djsec rules` and `djsec rule CODE`.

use std::io::Write;

use serde::Serialize;

use super::{DocFormat, exit};
use crate::rules::{self, Rule};

#[derive(Serialize)]
struct RuleJson<'a> {
    code: &'a str,
    name: &'a str,
    family: &'a str,
    severity: &'a str,
    fix: rules::FixAvailability,
    summary: &'a str,
    django_checks: &'a [&'a str],
    peers: &'a [&'a str],
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    docs: Option<&'a str>,
}

fn to_json(rule: &Rule, with_docs: bool) -> RuleJson<'_> {
    RuleJson {
        code: rule.code,
        name: rule.name,
        family: rule.family.as_str(),
        severity: rule.severity.as_str(),
        fix: rule.fix,
        summary: rule.summary,
        django_checks: rule.django_checks,
        peers: rule.peers,
        url: rule.url(),
        docs: with_docs.then(|| rule.docs.trim()),
    }
}

pub fn list(format: DocFormat, out: &mut impl Write) -> i32 {
    let result = match format {
        DocFormat::Json => {
            let all: Vec<_> = rules::ALL.iter().map(|r| to_json(r, false)).collect();
            serde_json::to_writer_pretty(&mut *out, &all)
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(out))
        }
        DocFormat::Text => rules::ALL.iter().try_for_each(|r| {
            writeln!(
                out,
                "{}  {:<32} {:<9} {:<7} {}",
                r.code,
                r.name,
                r.family.as_str(),
                r.severity.as_str(),
                r.summary
            )
        }),
    };
    match result {
        Ok(()) => exit::CLEAN,
        Err(_) => exit::ERROR,
    }
}

pub fn show(code: &str, format: DocFormat, out: &mut impl Write, err: &mut impl Write) -> i32 {
    let Some(rule) = rules::by_code(code) else {
        let _ = writeln!(
            err,
            "djsec: no rule named {code:?}; `djsec rules` lists them"
        );
        return exit::ERROR;
    };
    let result = match format {
        DocFormat::Json => serde_json::to_writer_pretty(&mut *out, &to_json(rule, true))
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        DocFormat::Text => write!(out, "{}", rule.render_markdown()),
    };
    match result {
        Ok(()) => exit::CLEAN,
        Err(_) => exit::ERROR,
    }
}
