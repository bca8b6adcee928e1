//! The forms' field cleaners of the project: every `clean_<field>()` method, by field name.
//!
//! Django calls a form's `clean_<field>()` after the field's own validation and stores what it
//! returns in `cleaned_data[field]`. When every cleaner of a field in the project returns a
//! value that is safe for a sink (a URL it checked with `url_has_allowed_host_and_scheme()`, or
//! a fallback from the settings), `form.cleaned_data["<field>"]` is that value, whichever of
//! those forms `form` is: a view that reads it need not know which form class it got (often a
//! class loaded by name, as django-oscar's `get_class()`). Built once per project snapshot from
//! the function facts; the data flow asks it through
//! [`SummaryLookup::field_cleaners`](crate::semantic::summary::SummaryLookup::field_cleaners).

use std::collections::HashMap;
use std::sync::Arc;

use super::super::{FileId, ProjectIndex};
use crate::semantic::summary::FunctionSummary;

/// The field a method name cleans: `SignupForm.clean_next` → `next`. Only methods (a class
/// name before the dot), and not `clean()` itself.
pub fn field_of(name: &str) -> Option<&str> {
    let (_, method) = name.rsplit_once('.')?;
    method.strip_prefix("clean_").filter(|f| !f.is_empty())
}

/// A cleaner: the file it is in and its summary.
type Cleaner = (FileId, Arc<FunctionSummary>);

/// Every field cleaner of a project snapshot, by field.
#[derive(Debug, Default)]
pub struct CleanerMap {
    by_field: HashMap<String, Vec<Cleaner>>,
    digest: u128,
}

impl CleanerMap {
    pub fn build(index: &ProjectIndex) -> CleanerMap {
        let mut by_field: HashMap<String, Vec<Cleaner>> = HashMap::new();
        for (file, facts) in index.all_facts() {
            for (name, summary) in &facts.functions {
                if let Some(field) = field_of(name) {
                    by_field
                        .entry(field.to_string())
                        .or_default()
                        .push((file.clone(), Arc::clone(summary)));
                }
            }
        }
        // In path order, so that the answer and its digest are the same in every process.
        let mut fields: Vec<(&String, &mut Vec<Cleaner>)> = by_field.iter_mut().collect();
        fields.sort_by(|a, b| a.0.cmp(b.0));
        let mut text = String::new();
        for (field, cleaners) in fields {
            cleaners.sort_by(|a, b| (&a.0, &a.1.name).cmp(&(&b.0, &b.1.name)));
            text.push_str(&format!("{field}={cleaners:?}\u{1f}"));
        }
        CleanerMap {
            digest: xxhash_rust::xxh3::xxh3_128(text.as_bytes()),
            by_field,
        }
    }

    /// The cleaners of `field`, in path order.
    pub fn get(&self, field: &str) -> &[Cleaner] {
        self.by_field.get(field).map_or(&[], Vec::as_slice)
    }

    /// A hash of every cleaner (what the findings of a file reading `cleaned_data` depend on).
    pub fn digest(&self) -> u128 {
        self.digest
    }
}

/// The cleaners of a snapshot, built on first use.
pub fn cleaner_map(index: &ProjectIndex) -> &CleanerMap {
    index.cleaners.get_or_init(|| CleanerMap::build(index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_come_from_clean_methods() {
        assert_eq!(field_of("SignupForm.clean_next"), Some("next"));
        assert_eq!(
            field_of("SignupForm.clean_redirect_url"),
            Some("redirect_url")
        );
        assert_eq!(field_of("SignupForm.clean"), None);
        assert_eq!(field_of("SignupForm.clean_"), None);
        assert_eq!(field_of("clean_next"), None);
    }
}
