//! A per-file summary of a Python module's top level, as the settings evaluator needs it:
//! assignments, mutations, imports (star imports in particular) and the `if`/`try` blocks around
//! them, with their values as small owned expression trees.
//!
//! Summaries are plain data (no tree-sitter nodes), so the project index can keep one per file and
//! replace only the summary of a file that changed. Building one walks the module's top-level
//! statements; nested blocks and expressions are followed to a fixed depth (deeper parts become
//! [`ExprKind::Opaque`]), so hostile input cannot make it recurse without bound.

use std::ops::Range;

use tree_sitter::{Node, Tree};

use crate::semantic::node::text;
use crate::syntax::python::{Field, Fields};

/// A byte range in the summarised file. It is location, not content: two spans always compare
/// equal, so two summaries are equal exactly when they say the same thing, wherever it is written.
#[derive(Debug, Clone, Default)]
pub struct Span(pub Range<usize>);

impl PartialEq for Span {
    fn eq(&self, _: &Span) -> bool {
        true
    }
}

impl Span {
    pub fn of(node: Node) -> Span {
        Span(node.byte_range())
    }

    pub fn range(&self) -> Range<usize> {
        self.0.clone()
    }
}

/// How deep expressions and blocks are followed; deeper parts are opaque.
const MAX_EXPR_DEPTH: u32 = 48;
const MAX_BLOCK_DEPTH: u32 = 10;
/// Containers with more elements than this are opaque (settings lists are short).
const MAX_ITEMS: usize = 5_000;
/// Statements summarised per file, all blocks included.
const MAX_STATEMENTS: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
    Pos,
    Invert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    BitOr,
    BitAnd,
    BitXor,
    LShift,
    RShift,
    /// `and` / `or` return one of their operands.
    And,
    Or,
    /// `@` and anything else: the value is unknown.
    Other,
}

impl BinOp {
    fn parse(op: &str) -> BinOp {
        match op.trim_end_matches('=') {
            "+" => BinOp::Add,
            "-" => BinOp::Sub,
            "*" => BinOp::Mul,
            "/" => BinOp::Div,
            "//" => BinOp::FloorDiv,
            "%" => BinOp::Mod,
            "**" => BinOp::Pow,
            "|" => BinOp::BitOr,
            "&" => BinOp::BitAnd,
            "^" => BinOp::BitXor,
            "<<" => BinOp::LShift,
            ">>" => BinOp::RShift,
            "and" => BinOp::And,
            "or" => BinOp::Or,
            _ => BinOp::Other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    In,
    NotIn,
    Is,
    IsNot,
}

/// One part of an f-string.
#[derive(Debug, Clone, PartialEq)]
pub enum FPart {
    Lit(String),
    /// An interpolated expression; `plain` is false when it has a conversion or format spec
    /// (then the result is not computed).
    Value {
        expr: Expr,
        plain: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    FString(Vec<FPart>),
    Name(String),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Set(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    /// `body if test else orelse`
    Cond {
        body: Box<Expr>,
        test: Box<Expr>,
        orelse: Box<Expr>,
    },
    Attr(Box<Expr>, String),
    Subscript(Box<Expr>, Box<Expr>),
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        kwargs: Vec<(String, Expr)>,
    },
    /// Anything the evaluator does not model (comprehensions, lambdas, `*args` calls, slices...).
    Opaque,
}

impl Expr {
    fn opaque(node: Node) -> Expr {
        Expr {
            kind: ExprKind::Opaque,
            span: Span::of(node),
        }
    }

    /// The dotted name of a `Name` or an attribute chain on one (`os.environ.get`).
    pub fn dotted(&self) -> Option<String> {
        let mut parts = Vec::new();
        let mut current = self;
        for _ in 0..32 {
            match &current.kind {
                ExprKind::Name(n) => {
                    parts.push(n.as_str());
                    parts.reverse();
                    return Some(parts.join("."));
                }
                ExprKind::Attr(object, attr) => {
                    parts.push(attr.as_str());
                    current = object;
                }
                _ => return None,
            }
        }
        None
    }
}

/// An assignment target.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// `NAME = ...`
    Name { name: String, span: Span },
    /// `NAME[k1][k2] = ...` (e.g. `TEMPLATES[0]["OPTIONS"]["autoescape"] = False`).
    Item {
        name: String,
        keys: Vec<Expr>,
        span: Span,
    },
    /// Unpacking, attributes, starred targets: these names become unknown.
    Other { names: Vec<String> },
}

/// A star import or `from x import names`, relative (`level` dots) or absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleRef {
    pub level: u32,
    /// Dotted module path after the dots (may be empty for `from . import x`).
    pub module: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// `a = b = value` (targets in source order).
    Assign { targets: Vec<Target>, value: Expr },
    AugAssign {
        target: Target,
        op: BinOp,
        value: Expr,
    },
    /// An expression statement (calls such as `MIDDLEWARE.append(...)`, `include(...)`).
    Expr(Expr),
    /// `from module import *`
    StarImport(ModuleRef),
    /// `from module import a as b`: `(imported name, local name)`.
    ImportFrom {
        module: ModuleRef,
        names: Vec<(String, String)>,
    },
    /// `import a.b as c`: `(local name, qualified module)`; `import a.b` binds `a` to `a`.
    Import(Vec<(String, String)>),
    /// `if`/`elif`/`else`: each branch with its condition (`None` for `else`).
    If(Vec<(Option<Expr>, Vec<Stmt>)>),
    /// `try:` body (handlers are assumed not to run; their bindings are in `handler_binds`).
    Try {
        body: Vec<Stmt>,
        handler_binds: Vec<String>,
    },
    /// A statement whose effect is not modelled (`for`, `while`, `with`, `def`, `class`, ...):
    /// the names it binds become unknown.
    Opaque { binds: Vec<String> },
    /// `del a, b`
    Del(Vec<String>),
}

/// What a settings module says about its own role, in a comment: `# djsec: settings=production`
/// (or `development`, `base`, `defaults`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Deployed: production-only checks apply.
    Production,
    /// Development, test, CI or local settings, or settings that serve no request (a docs or
    /// asset build's): production-only checks stay silent.
    Development,
    /// Inherited by other settings modules, not deployed by itself.
    Base,
    /// A framework's defaults, extended by each deployment's own settings module outside the
    /// project (`from nautobot.core.settings import *` in `nautobot_config.py`, dynaconf's
    /// per-deployment files): judged for the dangerous defaults deployments inherit silently,
    /// not for the choices each deployment makes (HTTPS, hosts, cookies' `Secure` flag, the
    /// secret key, the mail server).
    Defaults,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Production => "production",
            Role::Development => "development",
            Role::Base => "base",
            Role::Defaults => "defaults",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_lowercase().as_str() {
            "production" | "prod" => Some(Role::Production),
            "development" | "dev" | "test" | "local" => Some(Role::Development),
            "base" => Some(Role::Base),
            "defaults" | "default" => Some(Role::Defaults),
            _ => None,
        }
    }
}

/// The summary of one Python module.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModuleSummary {
    pub body: Vec<Stmt>,
    /// `# djsec: settings=...` in a comment.
    pub role_marker: Option<Role>,
    /// Any top-level UPPERCASE assignment (a hint that the module holds settings).
    pub assigns_settings: bool,
    /// Bytes of the first line (where findings about the whole module go).
    pub first_line: Span,
    /// The end of the source (an empty span), to append at the end.
    pub end: Span,
    /// Whether the source ends with a newline.
    pub ends_with_newline: bool,
}

impl ModuleSummary {
    /// Summarise a parsed module.
    pub fn build(tree: &Tree, src: &str) -> ModuleSummary {
        let root = tree.root_node();
        let mut builder = Builder { src, statements: 0 };
        let body = builder.block(root, 0);
        let assigns_settings = body.iter().any(|s| match &s.kind {
            StmtKind::Assign { targets, .. } => targets
                .iter()
                .any(|t| matches!(t, Target::Name { name, .. } if is_setting_name(name))),
            _ => false,
        });
        let first_line_end = src.find('\n').unwrap_or(src.len());
        ModuleSummary {
            body,
            role_marker: role_marker(src),
            assigns_settings,
            first_line: Span(0..first_line_end),
            end: Span(src.len()..src.len()),
            ends_with_newline: src.ends_with('\n') || src.is_empty(),
        }
    }

    /// Parse and summarise source text.
    pub fn parse(src: &str) -> ModuleSummary {
        let tree = crate::syntax::python::parse(src, None);
        ModuleSummary::build(&tree, src)
    }

    /// Every import of another module's names (star imports and `from x import y`),
    /// unconditional ones flagged `true` (those at the top level, not inside `if` or `try`).
    pub fn module_imports(&self) -> Vec<(&ModuleRef, bool)> {
        self.imports_where(|_| true)
    }

    /// The imports through which a module takes settings from another: star imports and
    /// `from x import NAME` of setting names (`from .base import INSTALLED_APPS`), flagged like
    /// [`ModuleSummary::module_imports`]. `from mysite.utils import env_list` is not one: the
    /// imported module is not a settings module for it.
    pub fn settings_imports(&self) -> Vec<(&ModuleRef, bool)> {
        self.imports_where(|names| names.is_none_or(|n| n.iter().any(|(n, _)| is_setting_name(n))))
    }

    /// Star imports (`names` is `None`) and `from x import ...` for which `keep(names)` holds,
    /// at any block depth up to the bound.
    fn imports_where(
        &self,
        keep: impl Fn(Option<&[(String, String)]>) -> bool,
    ) -> Vec<(&ModuleRef, bool)> {
        let mut out = Vec::new();
        let mut stack: Vec<(&[Stmt], bool, u32)> = vec![(&self.body, true, 0)];
        while let Some((stmts, top, depth)) = stack.pop() {
            for stmt in stmts {
                match &stmt.kind {
                    StmtKind::StarImport(m) if keep(None) => out.push((m, top)),
                    StmtKind::ImportFrom { module, names } if keep(Some(names)) => {
                        out.push((module, top))
                    }
                    StmtKind::If(branches) if depth < MAX_BLOCK_DEPTH => {
                        for (_, body) in branches {
                            stack.push((body, false, depth + 1));
                        }
                    }
                    StmtKind::Try { body, .. } if depth < MAX_BLOCK_DEPTH => {
                        stack.push((body, false, depth + 1));
                    }
                    _ => {}
                }
            }
        }
        out
    }
}

/// A Django setting name: UPPERCASE letters, digits and underscores, starting with a letter.
pub fn is_setting_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn role_marker(src: &str) -> Option<Role> {
    let at = src.find("djsec: settings=")?;
    let rest = &src[at + "djsec: settings=".len()..];
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    Role::parse(&word)
}

struct Builder<'s> {
    src: &'s str,
    statements: usize,
}

impl Builder<'_> {
    fn block(&mut self, block: Node, depth: u32) -> Vec<Stmt> {
        let mut out = Vec::new();
        let mut cursor = block.walk();
        let children: Vec<Node> = block.named_children(&mut cursor).collect();
        for child in children {
            if self.statements >= MAX_STATEMENTS {
                break;
            }
            self.statements += 1;
            if let Some(stmt) = self.statement(child, depth) {
                out.push(stmt);
            }
        }
        out
    }

    fn statement(&mut self, node: Node, depth: u32) -> Option<Stmt> {
        let span = Span::of(node);
        let kind = match node.kind() {
            "expression_statement" => {
                let inner = node.named_child(0)?;
                match inner.kind() {
                    "assignment" => self.assignment(inner),
                    "augmented_assignment" => {
                        let target = self.target(inner.field(Field::Left)?);
                        let op = inner
                            .field(Field::Operator)
                            .map_or(BinOp::Other, |o| BinOp::parse(text(o, self.src)));
                        let value = self.expr(inner.field(Field::Right)?, 0);
                        StmtKind::AugAssign { target, op, value }
                    }
                    _ => StmtKind::Expr(self.expr(inner, 0)),
                }
            }
            "import_statement" => {
                let mut names = Vec::new();
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    match name.kind() {
                        "dotted_name" => {
                            let full = dotted(name, self.src);
                            let first = full.split('.').next().unwrap_or("").to_string();
                            names.push((first.clone(), first));
                        }
                        "aliased_import" => {
                            if let (Some(n), Some(a)) =
                                (name.field(Field::Name), name.field(Field::Alias))
                            {
                                names.push((text(a, self.src).to_string(), dotted(n, self.src)));
                            }
                        }
                        _ => {}
                    }
                }
                StmtKind::Import(names)
            }
            "import_from_statement" => {
                let module = self.module_ref(node.field(Field::ModuleName)?);
                let mut cursor = node.walk();
                let wildcard = node
                    .children(&mut cursor)
                    .any(|c| c.kind() == "wildcard_import");
                if wildcard {
                    StmtKind::StarImport(module)
                } else {
                    let mut names = Vec::new();
                    let mut cursor = node.walk();
                    for name in node.children_by_field_name("name", &mut cursor) {
                        match name.kind() {
                            "dotted_name" => {
                                let n = dotted(name, self.src);
                                names.push((n.clone(), n));
                            }
                            "aliased_import" => {
                                if let (Some(n), Some(a)) =
                                    (name.field(Field::Name), name.field(Field::Alias))
                                {
                                    names
                                        .push((dotted(n, self.src), text(a, self.src).to_string()));
                                }
                            }
                            _ => {}
                        }
                    }
                    StmtKind::ImportFrom { module, names }
                }
            }
            "if_statement" => {
                if depth >= MAX_BLOCK_DEPTH {
                    return Some(Stmt {
                        kind: StmtKind::Opaque {
                            binds: bound_names(node, self.src),
                        },
                        span,
                    });
                }
                let mut branches = Vec::new();
                let condition = node.field(Field::Condition).map(|c| self.expr(c, 0));
                let body = node
                    .field(Field::Consequence)
                    .map(|b| self.block(b, depth + 1))
                    .unwrap_or_default();
                branches.push((Some(condition.unwrap_or_else(|| Expr::opaque(node))), body));
                let mut cursor = node.walk();
                let alternatives: Vec<Node> = node
                    .children_by_field_name("alternative", &mut cursor)
                    .collect();
                for alt in alternatives {
                    match alt.kind() {
                        "elif_clause" => {
                            let condition = alt
                                .field(Field::Condition)
                                .map_or_else(|| Expr::opaque(alt), |c| self.expr(c, 0));
                            let body = alt
                                .field(Field::Consequence)
                                .map(|b| self.block(b, depth + 1))
                                .unwrap_or_default();
                            branches.push((Some(condition), body));
                        }
                        "else_clause" => {
                            let body = alt
                                .field(Field::Body)
                                .map(|b| self.block(b, depth + 1))
                                .unwrap_or_default();
                            branches.push((None, body));
                        }
                        _ => {}
                    }
                }
                StmtKind::If(branches)
            }
            "try_statement" => {
                if depth >= MAX_BLOCK_DEPTH {
                    return Some(Stmt {
                        kind: StmtKind::Opaque {
                            binds: bound_names(node, self.src),
                        },
                        span,
                    });
                }
                let body = node
                    .field(Field::Body)
                    .map(|b| self.block(b, depth + 1))
                    .unwrap_or_default();
                let mut handler_binds = Vec::new();
                let mut cursor = node.walk();
                for clause in node.named_children(&mut cursor) {
                    if matches!(
                        clause.kind(),
                        "except_clause" | "else_clause" | "finally_clause" | "except_group_clause"
                    ) {
                        handler_binds.extend(bound_names(clause, self.src));
                    }
                }
                StmtKind::Try {
                    body,
                    handler_binds,
                }
            }
            "delete_statement" => {
                let mut names = Vec::new();
                let mut cursor = node.walk();
                for target in node.named_children(&mut cursor) {
                    collect_target_names(target, self.src, &mut names);
                }
                StmtKind::Del(names)
            }
            "comment" | "pass_statement" | "future_import_statement" | "assert_statement" => {
                return None;
            }
            _ => StmtKind::Opaque {
                binds: bound_names(node, self.src),
            },
        };
        Some(Stmt { kind, span })
    }

    fn assignment(&mut self, node: Node) -> StmtKind {
        // `a = b = value`: the right side is itself an assignment.
        let mut targets = Vec::new();
        let mut current = node;
        for _ in 0..64 {
            if let Some(left) = current.field(Field::Left) {
                targets.push(self.target(left));
            }
            match current.field(Field::Right) {
                Some(right) if right.kind() == "assignment" => current = right,
                Some(right) => {
                    let value = self.expr(right, 0);
                    return StmtKind::Assign { targets, value };
                }
                // An annotation without a value (`X: int`) binds nothing.
                None => return StmtKind::Opaque { binds: Vec::new() },
            }
        }
        let names = targets
            .into_iter()
            .flat_map(|t| match t {
                Target::Name { name, .. } => vec![name],
                Target::Item { .. } => Vec::new(),
                Target::Other { names } => names,
            })
            .collect();
        StmtKind::Opaque { binds: names }
    }

    fn target(&mut self, node: Node) -> Target {
        match node.kind() {
            "identifier" => Target::Name {
                name: text(node, self.src).to_string(),
                span: Span::of(node),
            },
            "subscript" => {
                let mut keys = Vec::new();
                let mut current = node;
                for _ in 0..16 {
                    let (Some(value), Some(key)) =
                        (current.field(Field::Value), current.field(Field::Subscript))
                    else {
                        break;
                    };
                    keys.push(self.expr(key, 0));
                    match value.kind() {
                        "identifier" => {
                            keys.reverse();
                            return Target::Item {
                                name: text(value, self.src).to_string(),
                                keys,
                                span: Span::of(node),
                            };
                        }
                        "subscript" => current = value,
                        _ => break,
                    }
                }
                Target::Other { names: Vec::new() }
            }
            _ => {
                let mut names = Vec::new();
                collect_target_names(node, self.src, &mut names);
                Target::Other { names }
            }
        }
    }

    fn module_ref(&self, node: Node) -> ModuleRef {
        if node.kind() == "relative_import" {
            let mut level = 0;
            let mut module = String::new();
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                match child.kind() {
                    "import_prefix" => {
                        level = text(child, self.src).chars().filter(|c| *c == '.').count() as u32
                    }
                    "dotted_name" => module = dotted(child, self.src),
                    _ => {}
                }
            }
            ModuleRef { level, module }
        } else {
            ModuleRef {
                level: 0,
                module: dotted(node, self.src),
            }
        }
    }

    fn expr(&mut self, node: Node, depth: u32) -> Expr {
        let span = Span::of(node);
        if depth > MAX_EXPR_DEPTH {
            return Expr::opaque(node);
        }
        let src = self.src;
        let kind = match node.kind() {
            "none" => ExprKind::None,
            "true" => ExprKind::Bool(true),
            "false" => ExprKind::Bool(false),
            "integer" => parse_int(text(node, src)).map_or(ExprKind::Opaque, ExprKind::Int),
            "float" => parse_float(text(node, src)).map_or(ExprKind::Opaque, ExprKind::Float),
            "string" => self.string(node, depth),
            "concatenated_string" => {
                let mut cursor = node.walk();
                let parts: Vec<Node> = node.named_children(&mut cursor).collect();
                let mut result: Option<Expr> = None;
                for part in parts {
                    if part.kind() == "comment" {
                        continue;
                    }
                    let piece = self.expr(part, depth + 1);
                    result = Some(match result {
                        None => piece,
                        Some(left) => Expr {
                            kind: ExprKind::Binary(BinOp::Add, Box::new(left), Box::new(piece)),
                            span: span.clone(),
                        },
                    });
                }
                return result.map_or_else(
                    || Expr::opaque(node),
                    |mut e| {
                        e.span = span;
                        e
                    },
                );
            }
            "identifier" => ExprKind::Name(text(node, src).to_string()),
            "parenthesized_expression" => {
                return match node.named_child(0) {
                    Some(inner) if inner.kind() != "comment" => self.expr(inner, depth + 1),
                    _ => Expr::opaque(node),
                };
            }
            "list" | "tuple" | "set" | "expression_list" => {
                let Some(items) = self.items(node, depth) else {
                    return Expr::opaque(node);
                };
                match node.kind() {
                    "list" => ExprKind::List(items),
                    "set" => ExprKind::Set(items),
                    _ => ExprKind::Tuple(items),
                }
            }
            "dictionary" => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                if children.len() > MAX_ITEMS {
                    return Expr::opaque(node);
                }
                let mut pairs = Vec::new();
                for child in children {
                    match child.kind() {
                        "pair" => {
                            let (Some(k), Some(v)) =
                                (child.field(Field::Key), child.field(Field::Value))
                            else {
                                return Expr::opaque(node);
                            };
                            pairs.push((self.expr(k, depth + 1), self.expr(v, depth + 1)));
                        }
                        "comment" => {}
                        _ => return Expr::opaque(node),
                    }
                }
                ExprKind::Dict(pairs)
            }
            "unary_operator" | "not_operator" => {
                let Some(arg) = node.field(Field::Argument) else {
                    return Expr::opaque(node);
                };
                let op = if node.kind() == "not_operator" {
                    UnOp::Not
                } else {
                    match node.field(Field::Operator).map(|o| text(o, src)) {
                        Some("-") => UnOp::Neg,
                        Some("+") => UnOp::Pos,
                        Some("~") => UnOp::Invert,
                        _ => return Expr::opaque(node),
                    }
                };
                ExprKind::Unary(op, Box::new(self.expr(arg, depth + 1)))
            }
            "binary_operator" | "boolean_operator" => {
                let (Some(l), Some(r), Some(op)) = (
                    node.field(Field::Left),
                    node.field(Field::Right),
                    node.field(Field::Operator),
                ) else {
                    return Expr::opaque(node);
                };
                ExprKind::Binary(
                    BinOp::parse(text(op, src)),
                    Box::new(self.expr(l, depth + 1)),
                    Box::new(self.expr(r, depth + 1)),
                )
            }
            "comparison_operator" => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.children(&mut cursor).collect();
                let mut first: Option<Expr> = None;
                let mut rest = Vec::new();
                let mut pending: Option<CmpOp> = None;
                for child in children {
                    if child.is_named() {
                        if child.kind() == "comment" {
                            continue;
                        }
                        let e = self.expr(child, depth + 1);
                        match (first.is_none(), pending.take()) {
                            (true, _) => first = Some(e),
                            (false, Some(op)) => rest.push((op, e)),
                            (false, None) => return Expr::opaque(node),
                        }
                    } else {
                        let op = match child.kind() {
                            "==" => CmpOp::Eq,
                            "!=" | "<>" => CmpOp::NotEq,
                            "<" => CmpOp::Lt,
                            "<=" => CmpOp::LtE,
                            ">" => CmpOp::Gt,
                            ">=" => CmpOp::GtE,
                            "in" => CmpOp::In,
                            "not in" => CmpOp::NotIn,
                            "is" => CmpOp::Is,
                            "is not" => CmpOp::IsNot,
                            _ => continue,
                        };
                        pending = Some(op);
                    }
                }
                match first {
                    Some(f) if !rest.is_empty() => ExprKind::Compare(Box::new(f), rest),
                    _ => return Expr::opaque(node),
                }
            }
            "conditional_expression" => {
                let mut cursor = node.walk();
                let parts: Vec<Node> = node
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment")
                    .collect();
                let [body, test, orelse] = parts.as_slice() else {
                    return Expr::opaque(node);
                };
                ExprKind::Cond {
                    body: Box::new(self.expr(*body, depth + 1)),
                    test: Box::new(self.expr(*test, depth + 1)),
                    orelse: Box::new(self.expr(*orelse, depth + 1)),
                }
            }
            "attribute" => {
                let (Some(object), Some(attr)) =
                    (node.field(Field::Object), node.field(Field::Attribute))
                else {
                    return Expr::opaque(node);
                };
                ExprKind::Attr(
                    Box::new(self.expr(object, depth + 1)),
                    text(attr, src).to_string(),
                )
            }
            "subscript" => {
                let (Some(value), Some(key)) =
                    (node.field(Field::Value), node.field(Field::Subscript))
                else {
                    return Expr::opaque(node);
                };
                let mut cursor = node.walk();
                if node
                    .children_by_field_name("subscript", &mut cursor)
                    .count()
                    != 1
                {
                    return Expr::opaque(node);
                }
                ExprKind::Subscript(
                    Box::new(self.expr(value, depth + 1)),
                    Box::new(self.expr(key, depth + 1)),
                )
            }
            "call" => {
                let (Some(function), Some(arguments)) =
                    (node.field(Field::Function), node.field(Field::Arguments))
                else {
                    return Expr::opaque(node);
                };
                if arguments.kind() != "argument_list" {
                    return Expr::opaque(node);
                }
                let mut args = Vec::new();
                let mut kwargs = Vec::new();
                let mut cursor = arguments.walk();
                let children: Vec<Node> = arguments.named_children(&mut cursor).collect();
                if children.len() > MAX_ITEMS {
                    return Expr::opaque(node);
                }
                for arg in children {
                    match arg.kind() {
                        "comment" => {}
                        "keyword_argument" => {
                            let (Some(name), Some(value)) =
                                (arg.field(Field::Name), arg.field(Field::Value))
                            else {
                                return Expr::opaque(node);
                            };
                            kwargs.push((text(name, src).to_string(), self.expr(value, depth + 1)));
                        }
                        "list_splat" | "dictionary_splat" => {
                            // Unknown arguments: keep the callee visible (for names) but opaque.
                            return Expr::opaque(node);
                        }
                        _ => args.push(self.expr(arg, depth + 1)),
                    }
                }
                ExprKind::Call {
                    func: Box::new(self.expr(function, depth + 1)),
                    args,
                    kwargs,
                }
            }
            _ => ExprKind::Opaque,
        };
        Expr { kind, span }
    }

    fn items(&mut self, node: Node, depth: u32) -> Option<Vec<Expr>> {
        let mut cursor = node.walk();
        let children: Vec<Node> = node
            .named_children(&mut cursor)
            .filter(|c| c.kind() != "comment")
            .collect();
        if children.len() > MAX_ITEMS {
            return None;
        }
        let mut items = Vec::with_capacity(children.len());
        for child in children {
            if matches!(child.kind(), "list_splat" | "parenthesized_list_splat") {
                return None;
            }
            items.push(self.expr(child, depth + 1));
        }
        Some(items)
    }

    fn string(&mut self, node: Node, depth: u32) -> ExprKind {
        let src = self.src;
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        let (Some(start), Some(end)) = (
            children.first().filter(|c| c.kind() == "string_start"),
            children.last().filter(|c| c.kind() == "string_end"),
        ) else {
            return ExprKind::Opaque;
        };
        let start_text = text(*start, src);
        let prefix_len = start_text.find(['"', '\'']).unwrap_or(start_text.len());
        let prefix = start_text[..prefix_len].to_ascii_lowercase();
        let raw = prefix.contains('r');
        let bytes = prefix.contains('b');
        let is_f = prefix.contains('f');
        if prefix.contains('t') {
            return ExprKind::Opaque;
        }
        if !is_f {
            let Some(body) = src.get(start.end_byte()..end.start_byte()) else {
                return ExprKind::Opaque;
            };
            let Some(decoded) = decode(body, raw) else {
                return ExprKind::Opaque;
            };
            return if bytes {
                ExprKind::Bytes(decoded.into_bytes())
            } else {
                ExprKind::Str(decoded)
            };
        }
        // f-string: literal runs and interpolations in order.
        let mut parts = Vec::new();
        let mut pos = start.end_byte();
        let interpolations: Vec<Node> = children
            .iter()
            .filter(|c| c.kind() == "interpolation")
            .copied()
            .collect();
        for interpolation in interpolations {
            let Some(lit) = src.get(pos..interpolation.start_byte()) else {
                return ExprKind::Opaque;
            };
            let Some(lit) = decode(&lit.replace("{{", "{").replace("}}", "}"), raw) else {
                return ExprKind::Opaque;
            };
            if !lit.is_empty() {
                parts.push(FPart::Lit(lit));
            }
            let Some(expr) = interpolation.field(Field::Expression) else {
                return ExprKind::Opaque;
            };
            let plain = interpolation.field(Field::FormatSpecifier).is_none()
                && interpolation.field(Field::TypeConversion).is_none()
                && !text(interpolation, src)
                    .trim_end_matches('}')
                    .trim_end()
                    .ends_with('=');
            parts.push(FPart::Value {
                expr: self.expr(expr, depth + 1),
                plain,
            });
            pos = interpolation.end_byte();
        }
        let Some(lit) = src.get(pos..end.start_byte()) else {
            return ExprKind::Opaque;
        };
        let Some(lit) = decode(&lit.replace("{{", "{").replace("}}", "}"), raw) else {
            return ExprKind::Opaque;
        };
        if !lit.is_empty() {
            parts.push(FPart::Lit(lit));
        }
        ExprKind::FString(parts)
    }
}

fn dotted(node: Node, src: &str) -> String {
    text(node, src).split_whitespace().collect()
}

/// Names bound by a compound statement we do not model: loop targets, `with ... as`, function
/// and class names, and assignments anywhere inside. Iterative and bounded.
fn bound_names(node: Node, src: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![node];
    let mut visited = 0;
    while let Some(n) = stack.pop() {
        visited += 1;
        if visited > 50_000 {
            break;
        }
        match n.kind() {
            "function_definition" | "class_definition" => {
                if let Some(name) = n.field(Field::Name) {
                    names.push(text(name, src).to_string());
                }
                // Their bodies bind names in their own scope.
                continue;
            }
            "assignment" | "augmented_assignment" => {
                if let Some(left) = n.field(Field::Left) {
                    collect_target_names(left, src, &mut names);
                }
            }
            "for_statement" | "for_in_clause" => {
                if let Some(left) = n.field(Field::Left) {
                    collect_target_names(left, src, &mut names);
                }
            }
            "as_pattern" => {
                if let Some(alias) = n.field(Field::Alias) {
                    collect_target_names(alias, src, &mut names);
                }
            }
            "import_statement" | "import_from_statement" => {
                let mut cursor = n.walk();
                for name in n.children_by_field_name("name", &mut cursor) {
                    let local = match name.kind() {
                        "aliased_import" => name.field(Field::Alias),
                        _ => Some(name),
                    };
                    if let Some(local) = local {
                        let t = dotted(local, src);
                        names.push(t.split('.').next().unwrap_or("").to_string());
                    }
                }
            }
            "named_expression" => {
                if let Some(name) = n.field(Field::Name) {
                    names.push(text(name, src).to_string());
                }
            }
            "lambda"
            | "list_comprehension"
            | "dictionary_comprehension"
            | "set_comprehension"
            | "generator_expression" => continue,
            _ => {}
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
    names.sort();
    names.dedup();
    names
}

fn collect_target_names(node: Node, src: &str, names: &mut Vec<String>) {
    let mut stack = vec![node];
    let mut visited = 0;
    while let Some(n) = stack.pop() {
        visited += 1;
        if visited > 10_000 {
            return;
        }
        match n.kind() {
            "identifier" => names.push(text(n, src).to_string()),
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "list_splat_pattern"
            | "parenthesized_expression"
            | "tuple"
            | "list"
            | "expression_list" => {
                let mut cursor = n.walk();
                stack.extend(n.named_children(&mut cursor));
            }
            // `a[0] = ...`, `a.b = ...`: `a` is mutated; treat it as rebound.
            "subscript" => {
                if let Some(v) = n.field(Field::Value) {
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
}

fn parse_int(raw: &str) -> Option<i128> {
    let t: String = raw.chars().filter(|c| *c != '_').collect();
    let lower = t.to_ascii_lowercase();
    let (digits, radix) = if let Some(d) = lower.strip_prefix("0x") {
        (d, 16)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (d, 8)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (d, 2)
    } else {
        (lower.as_str(), 10)
    };
    if digits.ends_with(['j', 'l']) {
        return None;
    }
    i128::from_str_radix(digits, radix).ok()
}

fn parse_float(raw: &str) -> Option<f64> {
    let t: String = raw.chars().filter(|c| *c != '_').collect();
    if t.ends_with(['j', 'J']) {
        return None;
    }
    t.parse().ok()
}

/// Decode the body of a Python string literal (without its quotes). `None` for escapes that
/// are not worth modelling (`\N{...}`).
fn decode(body: &str, raw: bool) -> Option<String> {
    if raw || !body.contains('\\') {
        return Some(body.to_string());
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            '\n' => {}
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut value = e.to_digit(8)?;
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value)?);
            }
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut value = 0u32;
                for _ in 0..n {
                    value = value * 16 + chars.next()?.to_digit(16)?;
                }
                out.push(char::from_u32(value)?);
            }
            'N' => return None,
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(src: &str) -> ModuleSummary {
        ModuleSummary::parse(src)
    }

    fn value_of(src: &str) -> ExprKind {
        match &summary(src).body[0].kind {
            StmtKind::Assign { value, .. } => value.kind.clone(),
            other => panic!("not an assignment: {other:?}"),
        }
    }

    #[test]
    fn literals() {
        assert_eq!(value_of("X = 0o777"), ExprKind::Int(0o777));
        assert_eq!(value_of("X = 1_000"), ExprKind::Int(1000));
        assert_eq!(value_of("X = 'a\\tb'"), ExprKind::Str("a\tb".into()));
        assert_eq!(value_of("X = r'a\\tb'"), ExprKind::Str("a\\tb".into()));
        assert_eq!(value_of("X = b'ab'"), ExprKind::Bytes(b"ab".to_vec()));
        assert_eq!(value_of("X = 2.5"), ExprKind::Float(2.5));
        assert_eq!(value_of("X = None"), ExprKind::None);
        assert!(matches!(
            value_of("X = 'a' 'b'"),
            ExprKind::Binary(BinOp::Add, _, _)
        ));
        assert!(matches!(value_of("X = [i for i in y]"), ExprKind::Opaque));
    }

    #[test]
    fn statements() {
        let s = summary(
            "from .base import *\nimport os, os.path as p\nfrom decouple import config as c\nA = B = 1\nM += ['x']\nif DEBUG:\n    X = 1\nelif Y:\n    X = 2\nelse:\n    X = 3\ntry:\n    from .local import *\nexcept ImportError:\n    Z = 1\nfor i in range(3):\n    W = i\nT[0]['K'] = False\n# djsec: settings=development\n",
        );
        let kinds: Vec<&StmtKind> = s.body.iter().map(|st| &st.kind).collect();
        assert!(
            matches!(kinds[0], StmtKind::StarImport(ModuleRef { level: 1, module }) if module == "base")
        );
        assert_eq!(
            kinds[1],
            &StmtKind::Import(vec![
                ("os".into(), "os".into()),
                ("p".into(), "os.path".into())
            ])
        );
        assert!(
            matches!(kinds[2], StmtKind::ImportFrom { names, .. } if names == &vec![("config".to_string(), "c".to_string())])
        );
        assert!(matches!(kinds[3], StmtKind::Assign { targets, .. } if targets.len() == 2));
        assert!(matches!(
            kinds[4],
            StmtKind::AugAssign { op: BinOp::Add, .. }
        ));
        assert!(matches!(kinds[5], StmtKind::If(b) if b.len() == 3));
        assert!(
            matches!(kinds[6], StmtKind::Try { handler_binds, .. } if handler_binds == &vec!["Z".to_string()])
        );
        assert!(
            matches!(kinds[7], StmtKind::Opaque { binds } if binds == &vec!["W".to_string(), "i".to_string()])
        );
        assert!(
            matches!(kinds[8], StmtKind::Assign { targets, .. } if matches!(&targets[0], Target::Item { name, keys, .. } if name == "T" && keys.len() == 2))
        );
        assert_eq!(s.role_marker, Some(Role::Development));
        assert_eq!(s.module_imports().len(), 3);
        assert!(s.assigns_settings);
    }

    #[test]
    fn spans_do_not_affect_equality() {
        assert_eq!(summary("X = 1\n"), summary("\n\nX   =   1\n"));
        assert_ne!(summary("X = 1\n"), summary("X = 2\n"));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = format!("X = {}1{}\n", "[".repeat(5000), "]".repeat(5000));
        let s = summary(&deep);
        assert_eq!(s.body.len(), 1);
        let deep_if = "if A:\n".to_string()
            + &(1..40)
                .map(|i| format!("{}if A:\n", "    ".repeat(i)))
                .collect::<String>()
            + &"    ".repeat(40)
            + "X = 1\n";
        let s = summary(&deep_if);
        assert_eq!(s.body.len(), 1);
    }
}
