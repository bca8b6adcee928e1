//! Globs over paths relative to the configuration file's folder (`exclude`, `per-file-ignores`,
//! settings modules).
//!
//! `*` does not cross `/`, `**` does. A pattern without `/` matches a file or folder name at any
//! depth (`migrations`, `*_test.py`); a pattern with `/` is anchored at the configuration folder
//! (`legacy/*.py`). A folder that matches covers everything below it.

use std::path::{Component, Path};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

#[derive(Debug, Clone)]
pub struct PathMatcher {
    set: GlobSet,
    any: bool,
}

impl Default for PathMatcher {
    fn default() -> Self {
        PathMatcher::new(&[])
    }
}

/// Whether a glob compiles (used when validating configuration).
pub fn check(pattern: &str) -> Result<(), String> {
    GlobBuilder::new(&normalise(pattern))
        .literal_separator(true)
        .build()
        .map(|_| ())
        .map_err(|e| e.kind().to_string())
}

fn normalise(pattern: &str) -> String {
    let p = pattern
        .trim()
        .trim_start_matches("./")
        .trim_end_matches('/');
    if p.contains('/') {
        p.trim_start_matches('/').to_string()
    } else {
        format!("**/{p}")
    }
}

impl PathMatcher {
    /// Compile the patterns; invalid ones (already reported by validation) are skipped.
    pub fn new(patterns: &[String]) -> PathMatcher {
        let mut builder = GlobSetBuilder::new();
        let mut any = false;
        for pattern in patterns {
            if let Ok(glob) = GlobBuilder::new(&normalise(pattern))
                .literal_separator(true)
                .build()
            {
                builder.add(glob);
                any = true;
            }
        }
        let set = builder.build().unwrap_or_else(|_| GlobSet::empty());
        PathMatcher { set, any }
    }

    pub fn is_empty(&self) -> bool {
        !self.any
    }

    /// Whether the relative path, or one of the folders it is in, matches.
    pub fn matches_path_or_ancestor(&self, relative: &Path) -> bool {
        if !self.any {
            return false;
        }
        let mut current = String::new();
        for component in relative.components() {
            let Component::Normal(part) = component else {
                continue;
            };
            if !current.is_empty() {
                current.push('/');
            }
            current.push_str(&part.to_string_lossy());
            if self.set.is_match(&current) {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(patterns: &[&str]) -> PathMatcher {
        PathMatcher::new(&patterns.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn names_match_at_any_depth_and_paths_are_anchored() {
        let matcher = m(&["migrations", "legacy/*.py", "*_test.py"]);
        assert!(matcher.matches_path_or_ancestor(Path::new("a/b/migrations/0001.py")));
        assert!(matcher.matches_path_or_ancestor(Path::new("legacy/x.py")));
        assert!(!matcher.matches_path_or_ancestor(Path::new("src/legacy/x.py")));
        assert!(!matcher.matches_path_or_ancestor(Path::new("legacy/sub/x.py")));
        assert!(matcher.matches_path_or_ancestor(Path::new("deep/views_test.py")));
        assert!(!matcher.matches_path_or_ancestor(Path::new("views.py")));
    }

    #[test]
    fn double_star_and_braces() {
        let matcher = m(&["tests/**", "./docs/", "**/{a,b}.py"]);
        assert!(matcher.matches_path_or_ancestor(Path::new("tests/unit/x.py")));
        assert!(matcher.matches_path_or_ancestor(Path::new("docs/conf.py")));
        assert!(matcher.matches_path_or_ancestor(Path::new("x/y/b.py")));
        assert!(!matcher.matches_path_or_ancestor(Path::new("x/y/c.py")));
        assert!(check("[").is_err());
        assert!(m(&["["]).is_empty());
    }
}
