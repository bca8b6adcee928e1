//! Values of settings as the static evaluator computes them: Python constants with the place
//! they were written, and whether they are the default of an environment read.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// A file, by its normalised absolute path.
pub type FileId = Arc<Path>;

/// Where a value (or a statement) is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Loc {
    pub file: FileId,
    pub span: Range<usize>,
}

/// A reader of environment variables with per-variable defaults: django-environ's `Env(...)`,
/// environs' `Env()`, decouple's `AutoConfig()`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvReader {
    pub style: EnvStyle,
    /// django-environ schema: `Env(DEBUG=(bool, False))` gives `("DEBUG", Some(False))`.
    pub schema: Vec<(String, Option<Value>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvStyle {
    /// django-environ: defaults are returned as written, without casting.
    Environ,
    /// environs: defaults are returned as written.
    Environs,
    /// python-decouple: the default goes through `cast` like a value read from the environment.
    Decouple,
}

/// A `cast=` for an environment read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cast {
    None,
    Bool,
    Int,
    Float,
    Str,
    List,
    Tuple,
    /// decouple's `Csv()`: comma-separated, stripped, empty items dropped.
    Csv,
    /// Anything else (a custom callable, `dj_database_url.parse`): the result is unknown.
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    Set(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    /// A `pathlib.Path`, as its string.
    Path(String),
    /// Something from outside the evaluated modules, by qualified name: a module (`os`), a
    /// function (`os.getenv`), a class (`pathlib.Path`), a builtin (`builtins.bool`).
    Ref(String),
    EnvReader(Arc<EnvReader>),
    Cast(Cast),
    /// Not known statically.
    Unknown,
}

/// A value, where it is written, and the environment variable it defaults for (when it is the
/// default of an environment read, or computed from one).
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub kind: Kind,
    pub loc: Option<Loc>,
    pub env: Option<Arc<str>>,
}

impl Value {
    pub fn new(kind: Kind, loc: Option<Loc>) -> Value {
        Value {
            kind,
            loc,
            env: None,
        }
    }

    pub fn unknown(loc: Option<Loc>) -> Value {
        Value::new(Kind::Unknown, loc)
    }

    /// A value with no location (a Django default).
    pub fn bare(kind: Kind) -> Value {
        Value::new(kind, None)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, Kind::Unknown)
    }

    pub fn with_env(mut self, env: Option<Arc<str>>) -> Value {
        if self.env.is_none() {
            self.env = env;
        }
        self
    }

    /// Python truthiness; `None` when unknown.
    pub fn truthy(&self) -> Option<bool> {
        Some(match &self.kind {
            Kind::None => false,
            Kind::Bool(b) => *b,
            Kind::Int(i) => *i != 0,
            Kind::Float(f) => *f != 0.0,
            Kind::Str(s) => !s.is_empty(),
            Kind::Bytes(b) => !b.is_empty(),
            Kind::List(v) | Kind::Tuple(v) | Kind::Set(v) => !v.is_empty(),
            Kind::Dict(v) => !v.is_empty(),
            Kind::Path(_) | Kind::Ref(_) | Kind::EnvReader(_) | Kind::Cast(_) => true,
            Kind::Unknown => return None,
        })
    }

    /// `value is True`; `None` when unknown.
    pub fn is_true(&self) -> Option<bool> {
        match self.kind {
            Kind::Unknown => None,
            Kind::Bool(b) => Some(b),
            _ => Some(false),
        }
    }

    /// `value is None`; `None` when unknown.
    pub fn is_none(&self) -> Option<bool> {
        match self.kind {
            Kind::Unknown => None,
            Kind::None => Some(true),
            _ => Some(false),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i128> {
        match self.kind {
            Kind::Int(i) => Some(i),
            Kind::Bool(b) => Some(i128::from(b)),
            _ => None,
        }
    }

    /// The elements of a list, tuple or set.
    pub fn items(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::List(v) | Kind::Tuple(v) | Kind::Set(v) => Some(v),
            _ => None,
        }
    }

    /// Whether a list/tuple/set contains the exact string (`Some(true)` as soon as one element
    /// matches; `None` if some element is unknown and none matches, or the value is not a
    /// sequence Django would accept).
    pub fn contains_str(&self, needle: &str) -> Option<bool> {
        let items = self.items()?;
        let mut unknown = false;
        for item in items {
            match &item.kind {
                Kind::Str(s) if s == needle => return Some(true),
                Kind::Unknown => unknown = true,
                _ => {}
            }
        }
        if unknown { None } else { Some(false) }
    }

    /// The value for a dict key given as a string (`None` if absent or the value is no dict).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match &self.kind {
            Kind::Dict(pairs) => pairs
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Whether a dict has unknown keys (then a missing key may still be present).
    pub fn dict_is_partial(&self) -> bool {
        match &self.kind {
            Kind::Dict(pairs) => pairs.iter().any(|(k, _)| k.is_unknown()),
            _ => true,
        }
    }

    /// A short Python rendering for messages (`True`, `'SAMEORIGIN'`, `[...]`).
    pub fn repr(&self) -> String {
        match &self.kind {
            Kind::None => "None".into(),
            Kind::Bool(true) => "True".into(),
            Kind::Bool(false) => "False".into(),
            Kind::Int(i) => i.to_string(),
            Kind::Float(f) => format!("{f:?}"),
            Kind::Str(s) => {
                let shown: String = s.chars().take(60).collect();
                let ellipsis = if shown.len() < s.len() { "..." } else { "" };
                format!("{:?}{ellipsis}", shown)
            }
            Kind::Bytes(_) => "b'...'".into(),
            Kind::List(v) if v.is_empty() => "[]".into(),
            Kind::List(_) => "[...]".into(),
            Kind::Tuple(v) if v.is_empty() => "()".into(),
            Kind::Tuple(_) => "(...)".into(),
            Kind::Set(_) => "{...}".into(),
            Kind::Dict(v) if v.is_empty() => "{}".into(),
            Kind::Dict(_) => "{...}".into(),
            Kind::Path(p) => format!("Path({p:?})"),
            Kind::Ref(q) => q.clone(),
            Kind::EnvReader(_) | Kind::Cast(_) | Kind::Unknown => "?".into(),
        }
    }
}

/// Python `==` for the values the evaluator models; `None` when it cannot tell.
pub fn py_eq(a: &Value, b: &Value) -> Option<bool> {
    use Kind::*;
    Some(match (&a.kind, &b.kind) {
        (Unknown, _) | (_, Unknown) => return Option::None,
        (EnvReader(_), _) | (_, EnvReader(_)) | (Cast(_), _) | (_, Cast(_)) => return Option::None,
        (None, None) => true,
        (Str(x), Str(y)) => x == y,
        (Bytes(x), Bytes(y)) => x == y,
        (Path(x), Path(y)) => x == y,
        (Ref(x), Ref(y)) => {
            if x == y {
                true
            } else {
                return Option::None;
            }
        }
        (Ref(_), _) | (_, Ref(_)) => return Option::None,
        (Bool(_) | Int(_) | Float(_), Bool(_) | Int(_) | Float(_)) => {
            let (x, y) = (num(a)?, num(b)?);
            x == y
        }
        (List(x), List(y)) | (Tuple(x), Tuple(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (i, j) in x.iter().zip(y) {
                if !py_eq(i, j)? {
                    return Some(false);
                }
            }
            true
        }
        (Dict(x), Dict(y)) => {
            if x.len() != y.len() {
                return Option::None;
            }
            for ((k1, v1), (k2, v2)) in x.iter().zip(y) {
                if !py_eq(k1, k2)? || !py_eq(v1, v2)? {
                    return Option::None;
                }
            }
            true
        }
        (Set(_), Set(_)) => return Option::None,
        _ => false,
    })
}

/// A number as f64 for comparisons (bools are ints in Python).
pub fn num(v: &Value) -> Option<f64> {
    match v.kind {
        Kind::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
        Kind::Int(i) => Some(i as f64),
        Kind::Float(f) => Some(f),
        _ => None,
    }
}
