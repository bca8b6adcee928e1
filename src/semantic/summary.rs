//! Function summaries: what a function's result is made of, in terms of its parameters, so that
//! the data flow can see through calls to the project's own helpers (Pysa's idea: a summary per
//! function, composed at the call site).
//!
//! A summary is plain data, computed from one function's text and its module's imports alone
//! (see [`crate::project::facts`]): a value that comes from a parameter is kept *symbolic*
//! ([`Symbolic::params`]), and so is the result of a call the module cannot see through
//! ([`CallRef`]: another project function, named as the module names it). Composition happens at
//! the call site, where the arguments' flows are known and the project index can look the callees
//! up ([`SummaryLookup`]); depth and cycles are bounded there (`flow::MAX_SUMMARY_DEPTH`).
//!
//! A summary says, for each kind of sink, how clean the result is: `bleach.clean(x)` is escaped
//! for HTML and still `x` for SQL. Most functions do not depend on the sink (no sanitizer on the
//! way); they keep one flow for all ([`Returns::Same`]).

use std::path::Path;
use std::sync::Arc;

use super::flow::Flow;
use super::sources::SinkKind;

/// The most parameters a summary tracks (bits of a `u64`); later ones are unknown data.
pub const MAX_PARAMS: usize = 64;

/// The symbolic part of a [`Flow`] while a function is summarised.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Symbolic {
    /// Parameters whose value reaches the result without a sanitizer for the sink (bit `i` is
    /// parameter `i`, counting `self`).
    pub params: u64,
    /// Parameters formatted into a string on the way (so the call site knows whether the result
    /// mixes its argument into text).
    pub formatted_params: u64,
    /// Calls to functions the module cannot see through, whose result reaches the value.
    pub calls: Vec<CallRef>,
}

impl Symbolic {
    pub fn is_empty(&self) -> bool {
        self.params == 0 && self.calls.is_empty()
    }

    /// Merge `other` in; false when calls had to be dropped (more than [`MAX_CALL_REFS`]): the
    /// value is then unknown data.
    pub fn join(&mut self, other: &Symbolic) -> bool {
        self.params |= other.params;
        self.formatted_params |= other.formatted_params;
        let mut complete = true;
        for call in &other.calls {
            if self.calls.contains(call) {
                continue;
            }
            if self.calls.len() >= MAX_CALL_REFS {
                complete = false;
                continue;
            }
            self.calls.push(call.clone());
        }
        complete
    }
}

/// The most calls a summary keeps; a value made of more is unknown data (see `flow`).
pub const MAX_CALL_REFS: usize = 8;

/// A call inside a summarised function whose callee the summary names but cannot see.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallRef {
    /// How the module names the callee: an imported qualified name (`app.utils.clean`,
    /// `.utils.clean` for a relative import), or `@name` / `@Class.method` for a definition of
    /// the same module.
    pub callee: String,
    /// Called through an attribute of an instance (`self.helper(x)`): the callee's first
    /// parameter is the receiver, not the first argument.
    pub bound: bool,
    /// The arguments, themselves symbolic in the summarised function's parameters.
    pub args: Vec<Flow>,
    pub keywords: Vec<(String, Flow)>,
}

/// What a function returns, per sink.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Returns {
    /// No sanitizer on the way: the same flow for every sink.
    Same(Flow),
    /// The flow for each sink kind (every kind in [`SinkKind::ALL`]).
    PerSink(Vec<(SinkKind, Flow)>),
}

impl Returns {
    pub fn for_sink(&self, sink: SinkKind) -> Option<&Flow> {
        match self {
            Returns::Same(flow) => Some(flow),
            Returns::PerSink(flows) => flows.iter().find(|(s, _)| *s == sink).map(|(_, f)| f),
        }
    }
}

/// A function that checks one of its arguments and returns a bool (`if guard(url): ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Guard {
    /// The parameter it checks (counting `self`).
    pub param: usize,
    pub kind: GuardKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum GuardKind {
    /// True only for URLs of this site: `url_has_allowed_host_and_scheme()`, a check that the
    /// parsed URL has no host (`netloc`), `resolve()` of the path, an allow-list.
    SafeUrl,
}

/// The summary of one function or method.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FunctionSummary {
    /// `name`, or `Class.name` for a method.
    pub name: String,
    /// Parameter names, `self` included.
    pub params: Vec<String>,
    /// A method taking its receiver first (not a `@staticmethod`).
    pub bound: bool,
    /// `None` when the function returns nothing the data flow can summarise (a generator).
    pub returns: Option<Returns>,
    /// Set when the function checks an argument and returns whether it passed.
    pub guard: Option<Guard>,
}

impl FunctionSummary {
    /// The parameter an argument binds: positional `index` (after the receiver for a bound
    /// call) or `keyword`.
    pub fn param_index(
        &self,
        bound_call: bool,
        position: Option<usize>,
        keyword: Option<&str>,
    ) -> Option<usize> {
        match (position, keyword) {
            (Some(i), _) => {
                let shift = usize::from(self.bound && bound_call);
                let index = i + shift;
                let name = self.params.get(index)?;
                // `*args` and `**kwargs` swallow the rest: unknown.
                (!name.starts_with('*')).then_some(index)
            }
            (None, Some(k)) => self.params.iter().position(|p| p == k),
            (None, None) => None,
        }
    }
}

/// Where summaries come from: the project index plus the summaries of the buffer being analysed.
/// Implemented by `project::facts::Resolver`; the data flow asks it at call sites.
pub trait SummaryLookup {
    /// The summary of the function `callee` names (see [`CallRef::callee`]), as written in the
    /// module `from` (`None`: the buffer being analysed), with the module it lives in (the calls
    /// its summary makes are named as that module names them).
    fn function(
        &self,
        from: Option<&Arc<Path>>,
        callee: &str,
    ) -> Option<(Option<Arc<Path>>, Arc<FunctionSummary>)>;

    /// The summaries of every form's `clean_<field>()` method (the buffer's and the project's):
    /// what `form.cleaned_data[field]` holds after validation. Empty when there is none.
    fn field_cleaners(&self, _field: &str) -> Vec<Arc<FunctionSummary>> {
        Vec::new()
    }

    /// The implementation, for callers that need more than summaries (the access rules ask
    /// `project::facts::Resolver` for decorators and classes).
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}
