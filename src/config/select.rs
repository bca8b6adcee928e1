//! Rule selectors and how `select` / `extend-select` / `ignore` combine across layers.
//!
//! A selector is `ALL`, a family name (`xss`, `sql`, `access`, `settings`, `templates`, `meta`),
//! a code prefix (`DJS`, `DJS1`, `DJS10`), a full code (`DJS101`) or a rule name
//! (`mark-safe-non-constant`).
//!
//! Layers apply in order (configuration file, then editor settings or `--config`, then CLI
//! flags). Within one layer the most specific selector decides a rule's fate (a code beats a
//! prefix, a longer prefix a shorter one, a family counts as a one-digit prefix); on a tie,
//! `ignore` wins. A layer with `select` starts from nothing; a layer without it starts from what
//! the earlier layers left enabled.

use crate::analysis::{RuleSettings, Severity};
use crate::rules::{self, Family, Rule};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    All,
    Family(Family),
    /// An upper-case code prefix, or a whole code.
    Prefix(String),
}

impl Selector {
    /// Parse a selector; `None` when it names no family, rule or code range.
    pub fn parse(text: &str) -> Option<Selector> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("ALL") {
            return Some(Selector::All);
        }
        if let Some(family) = Family::parse(t) {
            return Some(Selector::Family(family));
        }
        if let Some(rule) = rules::by_code(t) {
            return Some(Selector::Prefix(rule.code.to_string()));
        }
        let upper = t.to_ascii_uppercase();
        let digits = upper.strip_prefix("DJS")?;
        (digits.len() <= 3 && digits.chars().all(|c| c.is_ascii_digit()))
            .then_some(Selector::Prefix(upper))
    }

    pub fn matches(&self, rule: &Rule) -> bool {
        match self {
            Selector::All => true,
            Selector::Family(f) => rule.family == *f,
            Selector::Prefix(p) => rule.code.starts_with(p.as_str()),
        }
    }

    /// How specific the selector is: a full code is the most specific.
    fn specificity(&self) -> usize {
        match self {
            Selector::All => 0,
            Selector::Family(_) => 4,
            Selector::Prefix(p) => p.len(),
        }
    }

    pub fn as_string(&self) -> String {
        match self {
            Selector::All => "ALL".to_string(),
            Selector::Family(f) => f.as_str().to_string(),
            Selector::Prefix(p) => p.clone(),
        }
    }
}

fn best(selectors: &[Selector], rule: &Rule) -> Option<usize> {
    selectors
        .iter()
        .filter(|s| s.matches(rule))
        .map(Selector::specificity)
        .max()
}

/// The codes of every rule that one of the selectors matches.
pub fn codes_matching(selectors: &[Selector]) -> Vec<&'static str> {
    rules::ALL
        .iter()
        .filter(|r| selectors.iter().any(|s| s.matches(r)))
        .map(|r| r.code)
        .collect()
}

/// Fold the layers' selections and severities into concrete per-code settings.
pub fn resolve_rules(layers: &[&super::Layer]) -> RuleSettings {
    let mut enabled: Vec<bool> = vec![true; rules::ALL.len()];
    let mut severity: Vec<Option<Severity>> = vec![None; rules::ALL.len()];
    for layer in layers {
        let chosen: Vec<Selector> = layer
            .select
            .iter()
            .flatten()
            .chain(&layer.extend_select)
            .cloned()
            .collect();
        for (i, rule) in rules::ALL.iter().enumerate() {
            match (best(&chosen, rule), best(&layer.ignore, rule)) {
                (Some(s), Some(i_)) => enabled[i] = s > i_,
                (Some(_), None) => enabled[i] = true,
                (None, Some(_)) => enabled[i] = false,
                (None, None) if layer.select.is_some() => enabled[i] = false,
                (None, None) => {}
            }
            if let Some((_, level)) = layer
                .severity
                .iter()
                .filter(|(s, _)| s.matches(rule))
                .max_by_key(|(s, _)| s.specificity())
            {
                severity[i] = Some(*level);
            }
        }
    }
    RuleSettings {
        select: Vec::new(),
        ignore: rules::ALL
            .iter()
            .zip(&enabled)
            .filter(|(_, on)| !**on)
            .map(|(r, _)| r.code.to_string())
            .collect(),
        severity: rules::ALL
            .iter()
            .zip(&severity)
            .filter_map(|(r, s)| s.map(|s| (r.code.to_string(), s)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Layer;

    fn sel(items: &[&str]) -> Vec<Selector> {
        items.iter().filter_map(|s| Selector::parse(s)).collect()
    }

    #[test]
    fn parses_selectors() {
        assert_eq!(Selector::parse("all"), Some(Selector::All));
        assert_eq!(Selector::parse("XSS"), Some(Selector::Family(Family::Xss)));
        assert_eq!(
            Selector::parse("djs1"),
            Some(Selector::Prefix("DJS1".into()))
        );
        assert_eq!(
            Selector::parse("mark-safe-non-constant"),
            Some(Selector::Prefix("DJS101".into()))
        );
        assert_eq!(Selector::parse("DJS1234"), None);
        assert_eq!(Selector::parse("S308"), None);
        assert_eq!(Selector::parse(""), None);
    }

    #[test]
    fn more_specific_wins_within_a_layer_and_ignore_wins_ties() {
        let layer = Layer {
            select: Some(sel(&["DJS"])),
            ignore: sel(&["DJS1", "DJS2"]),
            extend_select: sel(&["DJS101"]),
            ..Layer::default()
        };
        let r = resolve_rules(&[&layer]);
        assert!(r.is_enabled("DJS101"));
        assert!(!r.is_enabled("DJS201"));
        assert!(r.is_enabled("DJS901"));
        let tie = Layer {
            select: Some(sel(&["DJS101"])),
            ignore: sel(&["mark-safe-non-constant"]),
            ..Layer::default()
        };
        assert!(!resolve_rules(&[&tie]).is_enabled("DJS101"));
    }

    #[test]
    fn later_layers_override_earlier_ones() {
        let file = Layer {
            ignore: sel(&["DJS101"]),
            severity: vec![(Selector::Family(Family::Sql), Severity::Warning)],
            ..Layer::default()
        };
        let editor = Layer {
            extend_select: sel(&["DJS101"]),
            severity: vec![(Selector::Prefix("DJS201".into()), Severity::Hint)],
            ..Layer::default()
        };
        let severity_of = |r: &crate::analysis::RuleSettings, code: &str| {
            r.severity.iter().find(|(c, _)| c == code).map(|(_, s)| *s)
        };
        let sql_codes: Vec<String> = crate::rules::ALL
            .iter()
            .filter(|r| r.family == Family::Sql)
            .map(|r| r.code.to_string())
            .collect();
        let only_file = resolve_rules(&[&file]);
        assert!(!only_file.is_enabled("DJS101"));
        // The family override reaches every SQL rule, and nothing else.
        assert_eq!(
            only_file.severity,
            sql_codes
                .iter()
                .map(|c| (c.clone(), Severity::Warning))
                .collect::<Vec<_>>()
        );
        let both = resolve_rules(&[&file, &editor]);
        assert!(both.is_enabled("DJS101"));
        // The editor's code override wins over the file's family override for that code only.
        assert_eq!(severity_of(&both, "DJS201"), Some(Severity::Hint));
        assert_eq!(severity_of(&both, "DJS202"), Some(Severity::Warning));
        assert_eq!(severity_of(&both, "DJS101"), None);
        let cli = Layer {
            select: Some(sel(&["sql"])),
            ..Layer::default()
        };
        let all = resolve_rules(&[&file, &editor, &cli]);
        assert!(!all.is_enabled("DJS101"));
        assert!(all.is_enabled("DJS201"));
        assert!(!all.is_enabled("DJS901"));
    }

    #[test]
    fn empty_select_disables_everything_and_no_layer_enables_everything() {
        let none = Layer {
            select: Some(Vec::new()),
            ..Layer::default()
        };
        let r = resolve_rules(&[&none]);
        assert!(rules::ALL.iter().all(|rule| !r.is_enabled(rule.code)));
        let r = resolve_rules(&[]);
        assert!(rules::ALL.iter().all(|rule| r.is_enabled(rule.code)));
    }
}
