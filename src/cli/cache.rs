//! `djsec check`'s persistent cache, like Ruff's `.ruff_cache`: the findings of each file, kept
//! between runs under a key of everything they depend on, so a re-run reads and hashes files
//! but analyses only those whose key changed.
//!
//! The key of a file ([`key`]) hashes (xxh3, 128 bits):
//! - the file's content and language;
//! - the djsec version and the build (the executable's size and modification time, so that a
//!   rebuilt binary with different rules never reads an older build's findings);
//! - the effective configuration of the file: every field of its `analysis::Context` but the
//!   project (path, rule selection with per-file ignores and severities, source and sink tables,
//!   settings role, auth decorators and mixins, public views, external suppressions);
//! - `ProjectIndex::fingerprint_for(path)`: the project facts its findings depend on (settings
//!   values and roles, the URLconf's routes and access facts), so that an edit of `settings.py`
//!   or `urls.py` invalidates exactly the files that read it.
//!
//! One file holds the findings (`check-v{FORMAT}.json` in the cache folder): a header line with the
//! format, the djsec version and a checksum of the body, then the entries as JSON, one per file
//! path (a path's new entry replaces its old one, so the cache does not grow with edits).
//! Anything unexpected — a missing, truncated, corrupt or foreign-version file, a checksum that
//! does not match, an unknown rule code, a range outside the file — is a miss: the file is
//! analysed again and the cache rewritten.
//!
//! A second file (`facts-v{FORMAT}.bin`, postcard under the same kind of header) keeps each
//! Python file's project facts ([`crate::project::facts::FileFacts`]: its function summaries,
//! decorators, classes and renders) under a key of the file's text and the
//! source tables, so that building the project index on a warm run parses only
//! the files that changed. It is checked like the findings (a foreign build, a bad checksum or
//! bytes after the facts discard them all) but apart from them: a damaged findings file leaves
//! the facts in use, and the other way round.
//!
//! Each file is written only when something in it changed, to a temporary file renamed into
//! place, so a crash or a concurrent run never leaves half a cache. The folder gets a
//! `.gitignore` (`*`) and a `CACHEDIR.TAG`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::analysis::{Applicability, Context, Edit, Finding, Fix, Severity};
use crate::project::FactsStore;
use crate::project::facts::FileFacts;
use crate::syntax::Language;

/// Bumped when the layout of the cache file or of the key changes.
pub const FORMAT: u32 = 3;

/// The default cache folder, under the project root.
pub const DEFAULT_DIR: &str = ".djsec_cache";

/// The cache of one run: what was loaded, and what this run computed.
pub struct Cache {
    file: PathBuf,
    dir: PathBuf,
    loaded: BTreeMap<String, Stored>,
    /// Why the loaded cache was discarded, if it was (for logs and tests).
    pub discarded: Option<String>,
    build: u128,
    facts: Arc<FactsCache>,
    /// Why the loaded facts were discarded, if they were.
    facts_discarded: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Body {
    entries: BTreeMap<String, Stored>,
}

/// One Python file's facts in `facts-v{FORMAT}.bin`.
#[derive(Clone, Serialize, Deserialize)]
struct StoredFacts {
    /// [`FileFacts::key`].
    key: u128,
    facts: Arc<FileFacts>,
}

/// The project facts kept in the cache: what was loaded, and what the index built this run
/// (handed to the index build as its [`FactsStore`]).
#[derive(Default)]
struct FactsCache {
    loaded: BTreeMap<String, StoredFacts>,
    fresh: Mutex<Vec<(String, StoredFacts)>>,
}

impl FactsStore for FactsCache {
    fn get(&self, path: &Path, key: u128) -> Option<Arc<FileFacts>> {
        let path = path.to_str()?;
        let stored = self.loaded.get(path)?;
        if stored.key != key {
            return None;
        }
        tracing::trace!(target: "djsec::cache", "facts-hit {path}");
        Some(Arc::clone(&stored.facts))
    }

    fn put(&self, path: &Path, key: u128, facts: &Arc<FileFacts>) {
        let Some(path) = path.to_str() else { return };
        tracing::trace!(target: "djsec::cache", "facts-built {path}");
        let stored = StoredFacts {
            key,
            facts: Arc::clone(facts),
        };
        self.fresh
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((path.to_string(), stored));
    }
}

#[derive(Clone, Serialize, Deserialize)]
struct Stored {
    /// The key, as 32 hex digits.
    key: String,
    findings: Vec<StoredFinding>,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredFinding {
    code: String,
    start: usize,
    end: usize,
    severity: String,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fix: Option<StoredFix>,
    /// The taint path: `(start, end, label)` per step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    steps: Vec<(usize, usize, String)>,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredFix {
    title: String,
    safe: bool,
    edits: Vec<(usize, usize, String)>,
}

impl StoredFinding {
    fn from_finding(f: &Finding) -> StoredFinding {
        StoredFinding {
            code: f.code.to_string(),
            start: f.range.start,
            end: f.range.end,
            severity: f.severity.as_str().to_string(),
            message: f.message.clone(),
            fix: f.fix.as_ref().map(|fix| StoredFix {
                title: fix.title.clone(),
                safe: fix.applicability == Applicability::Safe,
                edits: fix
                    .edits
                    .iter()
                    .map(|e| (e.range.start, e.range.end, e.new_text.clone()))
                    .collect(),
            }),
            steps: f
                .steps
                .iter()
                .map(|s| (s.range.start, s.range.end, s.label.clone()))
                .collect(),
        }
    }

    /// The finding, when it is valid for `text` (a known code, ranges inside the text on
    /// character boundaries).
    fn to_finding(&self, text: &str) -> Option<Finding> {
        let valid = |start: usize, end: usize| {
            start <= end
                && end <= text.len()
                && text.is_char_boundary(start)
                && text.is_char_boundary(end)
        };
        let rule = crate::rules::by_code(&self.code)?;
        if !valid(self.start, self.end) {
            return None;
        }
        let fix = match &self.fix {
            None => None,
            Some(fix) => {
                let mut edits = Vec::with_capacity(fix.edits.len());
                for (start, end, new_text) in &fix.edits {
                    if !valid(*start, *end) {
                        return None;
                    }
                    edits.push(Edit::replace(*start..*end, new_text.clone()));
                }
                Some(Fix {
                    title: fix.title.clone(),
                    applicability: if fix.safe {
                        Applicability::Safe
                    } else {
                        Applicability::Unsafe
                    },
                    edits,
                })
            }
        };
        let mut steps = Vec::with_capacity(self.steps.len());
        for (start, end, label) in &self.steps {
            if !valid(*start, *end) {
                return None;
            }
            steps.push(crate::analysis::Step {
                range: *start..*end,
                label: label.clone(),
            });
        }
        Some(Finding {
            code: rule.code,
            range: self.start..self.end,
            severity: Severity::parse(&self.severity)?,
            message: self.message.clone(),
            fix,
            steps,
        })
    }
}

/// What identifies this build of djsec: the version, the cache format and the executable.
fn build_id() -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(&FORMAT.to_le_bytes());
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::metadata(exe).ok())
    {
        h.update(&meta.len().to_le_bytes());
        if let Some(since) = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        {
            h.update(&since.as_nanos().to_le_bytes());
        }
    }
    h.digest128()
}

/// The configuration part of a file's key: every field of its context but the project (which
/// the fingerprint covers). Destructures the context, so a new field cannot be forgotten here.
///
/// The source tables are large and shared by every file of a configuration: their hash is
/// computed once per `Arc` (the memo holds a clone, so an address is never reused for other
/// tables while it is remembered).
pub fn config_key(context: &Context) -> u128 {
    type Memo = Vec<(std::sync::Arc<crate::semantic::sources::Tables>, u128)>;
    thread_local! {
        static TABLES: std::cell::RefCell<Memo> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let tables_key = TABLES.with(|memo| {
        let mut memo = memo.borrow_mut();
        if let Some((_, key)) = memo
            .iter()
            .find(|(t, _)| std::sync::Arc::ptr_eq(t, &context.tables))
        {
            return *key;
        }
        let key = context.tables.stable_hash();
        if memo.len() >= 16 {
            memo.remove(0);
        }
        memo.push((std::sync::Arc::clone(&context.tables), key));
        key
    });
    config_key_with(context, tables_key)
}

fn config_key_with(context: &Context, tables_key: u128) -> u128 {
    let Context {
        path,
        tables: _,
        rules,
        external_suppressions,
        settings_role,
        auth_decorators,
        auth_mixins,
        public_views,
        project: _,
    } = context;
    let text = format!(
        "{path:?}\u{1}{tables_key:x}\u{1}{rules:?}\u{1}{external_suppressions:?}\u{1}{settings_role:?}\u{1}{auth_decorators:?}\u{1}{auth_mixins:?}\u{1}{public_views:?}"
    );
    xxhash_rust::xxh3::xxh3_128(text.as_bytes())
}

impl Cache {
    /// Load the cache kept in `dir` (a missing or unreadable one is empty).
    pub fn load(dir: &Path) -> Cache {
        let build = build_id();
        let mut cache = Cache {
            file: dir.join(format!("check-v{FORMAT}.json")),
            dir: dir.to_path_buf(),
            loaded: BTreeMap::new(),
            discarded: None,
            build,
            facts: Arc::default(),
            facts_discarded: None,
        };
        let started = std::time::Instant::now();
        match read_verified(&cache.file, build, |body| {
            serde_json::from_slice::<Body>(body).map_err(|e| format!("unreadable entries: {e}"))
        }) {
            Ok(Some(body)) => cache.loaded = body.entries,
            Ok(None) => {}
            Err(why) => cache.discarded = Some(why),
        }
        let facts_file = cache.facts_file();
        match read_verified(&facts_file, build, |body| {
            match postcard::take_from_bytes::<BTreeMap<String, StoredFacts>>(body) {
                Ok((facts, [])) => Ok(facts),
                Ok((_, rest)) => Err(format!("{} bytes after the facts", rest.len())),
                Err(e) => Err(format!("unreadable facts: {e}")),
            }
        }) {
            Ok(Some(loaded)) => {
                cache.facts = Arc::new(FactsCache {
                    loaded,
                    fresh: Mutex::default(),
                });
            }
            Ok(None) => {}
            Err(why) => cache.facts_discarded = Some(why),
        }
        tracing::debug!(
            "cache {}: {} files' findings and {} files' facts read in {:.1?}",
            dir.display(),
            cache.loaded.len(),
            cache.facts.loaded.len(),
            started.elapsed()
        );
        cache
    }

    fn facts_file(&self) -> PathBuf {
        self.dir.join(format!("facts-v{FORMAT}.bin"))
    }

    /// The project facts of the cache, for the index build.
    pub fn facts_store(&self) -> Arc<dyn FactsStore> {
        Arc::clone(&self.facts) as Arc<dyn FactsStore>
    }

    /// The key of a file: content, language, build, configuration and project fingerprint.
    pub fn key(&self, text: &str, language: Language, config: u128, fingerprint: u128) -> u128 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&self.build.to_le_bytes());
        h.update(&[language as u8]);
        h.update(&config.to_le_bytes());
        h.update(&fingerprint.to_le_bytes());
        h.update(&xxhash_rust::xxh3::xxh3_128(text.as_bytes()).to_le_bytes());
        h.digest128()
    }

    /// The cached findings of the file at `path` when its key is `key` and they are valid for
    /// `text`.
    pub fn get(&self, path: &Path, key: u128, text: &str) -> Option<Vec<Finding>> {
        let stored = self.loaded.get(path.to_str()?)?;
        if stored.key != format!("{key:032x}") {
            return None;
        }
        stored.findings.iter().map(|f| f.to_finding(text)).collect()
    }

    /// Write the cache: this run's entries over the loaded ones; loaded entries of files that no
    /// longer exist are dropped (`seen`: the files this run read, which need no check). Each of
    /// the two files is written only when something in it changed. Errors are returned for a
    /// warning, never fatal.
    pub fn save(
        self,
        fresh: Vec<(PathBuf, u128, Vec<Finding>)>,
        seen: impl Fn(&str) -> bool,
    ) -> std::io::Result<()> {
        let started = std::time::Instant::now();
        let facts_file = self.facts_file();
        let exists = |path: &str| seen(path) || Path::new(path).is_file();
        let mut entries = self.loaded;
        let before = entries.len();
        let findings_changed = !fresh.is_empty() || self.discarded.is_some();
        entries.retain(|path, _| exists(path));
        let findings_changed = findings_changed || entries.len() != before;
        for (path, key, findings) in fresh {
            let Some(path) = path.to_str() else { continue };
            entries.insert(
                path.to_string(),
                Stored {
                    key: format!("{key:032x}"),
                    findings: findings.iter().map(StoredFinding::from_finding).collect(),
                },
            );
        }
        // Facts: this run's over the loaded ones, of files that still exist (the index reads
        // every Python file of the project, not only the files this run checks). The index
        // keeps the store, so its maps are copied: `Arc`s, not facts.
        let fresh_facts: Vec<(String, StoredFacts)> = self
            .facts
            .fresh
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let facts_changed = !fresh_facts.is_empty() || self.facts_discarded.is_some();
        let facts = facts_changed.then(|| {
            let mut facts = self.facts.loaded.clone();
            facts.retain(|path, _| exists(path));
            facts.extend(fresh_facts);
            facts
        });
        // Nothing new: leave the files as they are.
        if !findings_changed && facts.is_none() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.dir)?;
        let gitignore = self.dir.join(".gitignore");
        if !gitignore.exists() {
            std::fs::write(&gitignore, "# Created by djsec automatically.\n*\n")?;
        }
        let tag = self.dir.join("CACHEDIR.TAG");
        if !tag.exists() {
            std::fs::write(
                &tag,
                "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by djsec.\n",
            )?;
        }
        let mut written = 0;
        if findings_changed {
            let body = serde_json::to_vec(&Body { entries }).map_err(std::io::Error::other)?;
            written += write_verified(&self.file, self.build, &body)?;
        }
        if let Some(facts) = facts {
            let body = postcard::to_stdvec(&facts).map_err(std::io::Error::other)?;
            written += write_verified(&facts_file, self.build, &body)?;
        }
        tracing::debug!(
            "cache {}: {written} bytes written in {:.1?}",
            self.dir.display(),
            started.elapsed()
        );
        Ok(())
    }
}

/// Write `body` under its header to a temporary file and rename it into place, so a crash or a
/// concurrent run never leaves half a file. Returns the bytes written.
fn write_verified(file: &Path, build: u128, body: &[u8]) -> std::io::Result<usize> {
    let mut out = header(build, body).into_bytes();
    out.extend_from_slice(body);
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("cache");
    let tmp = file.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, &out)?;
    std::fs::rename(&tmp, file).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(out.len())
}

/// Read a cache file and decode its body once its header checks: `Ok(None)` when there is no
/// such file, `Err` with the reason when it cannot be used.
fn read_verified<T>(
    file: &Path,
    build: u128,
    decode: impl FnOnce(&[u8]) -> Result<T, String>,
) -> Result<Option<T>, String> {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("unreadable: {e}")),
    };
    verify(&bytes, build)
        .and_then(decode)
        .map(Some)
        .inspect_err(|why| tracing::debug!("cache {}: {why}; rebuilding it", file.display()))
}

/// `djsec-cache FORMAT VERSION BUILD CHECKSUM\n`.
fn header(build: u128, body: &[u8]) -> String {
    format!(
        "djsec-cache {FORMAT} {} {build:032x} {:032x}\n",
        env!("CARGO_PKG_VERSION"),
        xxhash_rust::xxh3::xxh3_128(body)
    )
}

/// The body of a cache file once its header checks, or why it cannot be used.
fn verify(bytes: &[u8], build: u128) -> Result<&[u8], String> {
    let newline = memchr::memchr(b'\n', bytes).ok_or("no header line (truncated?)")?;
    let (head, body) = (&bytes[..newline + 1], &bytes[newline + 1..]);
    let head = std::str::from_utf8(head).map_err(|_| "the header is not text")?;
    if head != header(build, body) {
        let fields: Vec<&str> = head.split_whitespace().collect();
        return Err(match fields.as_slice() {
            ["djsec-cache", format, ..] if *format != FORMAT.to_string() => {
                format!("cache format {format}, not {FORMAT}")
            }
            ["djsec-cache", _, version, ..] if *version != env!("CARGO_PKG_VERSION") => {
                format!("written by djsec {version}")
            }
            ["djsec-cache", _, _, b, ..] if *b != format!("{build:032x}") => {
                "written by another build of djsec".to_string()
            }
            ["djsec-cache", ..] => "checksum mismatch (corrupt or truncated)".to_string(),
            _ => "not a djsec cache file".to_string(),
        });
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding() -> Finding {
        Finding::new("DJS101", 2..5, Severity::Error, "msg")
            .with_fix(Some(Fix::safe("fix it", vec![Edit::replace(2..5, "x")])))
    }

    #[test]
    fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let text = "a = mark_safe(b)\n";
        let cache = Cache::load(dir.path());
        let key = cache.key(text, Language::Python, 1, 2);
        let path = dir.path().join("a.py");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        assert!(cache.get(&path, key, text).is_none());
        cache
            .save(vec![(path.clone(), key, vec![finding()])], |_| false)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(dir.path().join(".gitignore").is_file());
        let cache = Cache::load(dir.path());
        assert_eq!(cache.get(&path, key, text), Some(vec![finding()]));
        // Another key, or a text the ranges do not fit, is a miss.
        assert_eq!(cache.get(&path, key ^ 1, text), None);
        assert_eq!(cache.get(&path, key, "ab"), None);
        // A flipped byte in the body is caught by the checksum.
        let file = dir.path().join(format!("check-v{FORMAT}.json"));
        let mut bytes = std::fs::read(&file).unwrap_or_default();
        let at = bytes.len() - 10;
        bytes[at] ^= 0x20;
        std::fs::write(&file, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let cache = Cache::load(dir.path());
        assert!(cache.discarded.is_some());
        assert_eq!(cache.get(&path, key, text), None);
    }

    /// A facts file whose checksum matches but whose body is not facts (only a writer with the
    /// checksum could make one): read as an error, never a panic, and the cache goes on without
    /// the facts.
    #[test]
    fn a_well_checksummed_body_that_is_not_facts_is_discarded() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let build = build_id();
        let file = dir.path().join(format!("facts-v{FORMAT}.bin"));
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut discarded = 0;
        for round in 0..200 {
            let len = [0, 1, 7, 64, 1_000, 20_000][round % 6];
            let body: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    // Small numbers now and then: lengths and enum tags that decode far.
                    if state.is_multiple_of(3) {
                        (state >> 8) as u8 % 4
                    } else {
                        (state >> 8) as u8
                    }
                })
                .collect();
            write_verified(&file, build, &body).unwrap_or_else(|e| panic!("{e}"));
            let cache = Cache::load(dir.path());
            if cache.facts_discarded.is_some() {
                discarded += 1;
            } else {
                // Whatever decoded completely is only looked up by path and key.
                let store = cache.facts_store();
                assert!(
                    store.get(Path::new("/p/a.py"), 1).is_none(),
                    "round {round}"
                );
            }
        }
        // The bodies are random: all but a rare few (an empty map, a lucky decode) are refused.
        assert!(discarded >= 180, "{discarded} of 200 refused");
    }

    #[test]
    fn the_config_key_sees_every_setting() {
        let a = Context::for_path("a.py");
        let mut b = Context::for_path("a.py");
        assert_eq!(config_key(&a), config_key(&b));
        b.public_views = std::sync::Arc::from(vec!["x.y".to_string()]);
        assert_ne!(config_key(&a), config_key(&b));
        assert_ne!(config_key(&a), config_key(&Context::for_path("b.py")));
        let mut tables = (*a.tables).clone();
        tables.sql_sinks.push("app.db.run".into());
        let c = Context {
            tables: std::sync::Arc::new(tables),
            ..Context::for_path("a.py")
        };
        assert_ne!(config_key(&a), config_key(&c));
        assert_eq!(config_key(&c), config_key(&c.clone()));
    }
}
