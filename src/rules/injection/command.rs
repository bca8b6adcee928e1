//! DJS601 `command-injection`: request data in a shell command line, or choosing the program
//! to run.

use tree_sitter::Node;

use super::Hit;
use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::sources::Shape;
use crate::semantic::strings::{self, Piece};
use crate::semantic::{Level, node};

pub const RULE: Rule = Rule {
    code: "DJS601",
    name: "command-injection",
    family: Family::Injection,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "Request data reaches a shell command line or chooses the program to run.",
    django_checks: &[],
    peers: &[
        "bandit:B602",
        "bandit:B604",
        "bandit:B605",
        "bandit:B606",
        "bandit:B607",
        "ruff:S602",
        "ruff:S604",
        "ruff:S605",
        "ruff:S606",
        "ruff:S607",
        "semgrep:command-injection-os-system",
        "semgrep:subprocess-injection",
    ],
    docs: r#"
## What it does
Reports request data (`request.GET`, `request.POST`, headers, cookies, uploaded files, URL
parameters, `form.cleaned_data`, ..., followed through local variables and the project's own
helpers) that reaches:

- a command line a shell reads: `os.system()`, `os.popen()`, `subprocess.getoutput()`,
  `asyncio.create_subprocess_shell()`, paramiko's `exec_command()`, and `subprocess.run()` /
  `call()` / `check_call()` / `check_output()` / `Popen()` with `shell=True` (the string, or the
  first element of a list); also `["sh", "-c", cmd]`;
- the program to run: the first element of the argument list of `subprocess.*` without a shell,
  a whole string passed without a shell, `os.exec*()`, `os.spawn*()`, `os.posix_spawn()`,
  `pty.spawn()`, `asyncio.create_subprocess_exec()`.

The message names the way the data took, e.g. `` `request.GET["host"]` → `host` →
`os.system()` ``, and SARIF output carries it as a code flow.

Not reported: constant commands, request data passed as an *argument* of a list without a shell
(`subprocess.run(["ping", "-c", "1", host])`: the program cannot change), values quoted with
`shlex.quote()` inside a shell string, numbers (`int(x)`), values checked against a constant
allow-list.

The finding is an **error** when request data reaches the command. A shell command line
formatted with a value of unknown origin is a **hint** (audit it: most are built from settings or
file names the application chose); other unknown values are not reported, to keep the rule
precise.

Extra sinks (a project's own `run_shell()` helper) are added in the configuration under
`taint-sinks.command`.

## Why is this bad?
A shell reads `;`, `|`, `$(...)` and backquotes as more commands: whoever controls part of the
command line runs any command with the rights of the web server. Choosing the program is the
same without a shell.

## Example
```python
import subprocess

def ping(request):
    host = request.GET["host"]
    out = subprocess.run(f"ping -c 1 {host}", shell=True, capture_output=True)
    return HttpResponse(out.stdout)
```

Use instead:
```python
import subprocess

def ping(request):
    host = request.GET["host"]
    out = subprocess.run(["ping", "-c", "1", host], shell=False, capture_output=True)
    return HttpResponse(out.stdout)
```

## Fix
For `subprocess.*(f"cmd {x}", shell=True)` (an f-string, `%` or `.format()` written in the call,
without shell syntax such as quotes, pipes, redirections or `$`), the quick-fix splits the
command line into a list (each interpolated value one element) and sets `shell=False`.
Otherwise pass a list without a shell, or quote each value with `shlex.quote()`; better, validate
the value against an allow-list.

## Fix safety
Unsafe: without a shell, a value with spaces stays one argument and shell features (globbing,
`~`, variables) no longer apply; that is the point, but the command may need adjusting.

## References
- Python: [`subprocess` security considerations](https://docs.python.org/3/library/subprocess.html#security-considerations), [`shlex.quote`](https://docs.python.org/3/library/shlex.html#shlex.quote)
- OWASP: OS Command Injection Defense Cheat Sheet; CWE-78
"#,
};

/// The part of an argument list that decides what runs.
pub(crate) struct Target<'t> {
    pub value: Node<'t>,
    /// A shell reads it.
    pub shell: bool,
    /// It is the program of a list (or of an `exec`), where part of it already chooses another
    /// program (`f"/usr/bin/{x}"`).
    pub partial_program: bool,
}

/// Programs that run their `-c` argument as a command line.
const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "/bin/sh",
    "/bin/bash",
    "/usr/bin/sh",
    "/usr/bin/bash",
    "/bin/zsh",
    "cmd",
    "cmd.exe",
    "powershell",
    "pwsh",
];

/// What decides the program of `subprocess.run(args, shell=...)`-style calls and of `exec`s.
pub(crate) fn target<'t>(
    checker: &PyChecker<'t>,
    call: Node<'t>,
    arg: Node<'t>,
    shape: Shape,
) -> Option<Target<'t>> {
    let src = checker.source();
    let shell = shape == Shape::Argv && shell_on(call, src);
    let list = list_literal(checker, arg);
    if shell {
        let value = list
            .as_ref()
            .and_then(|l| l.first().copied())
            .unwrap_or(arg);
        return Some(Target {
            value,
            shell: true,
            partial_program: false,
        });
    }
    match list {
        Some(items) => {
            let first = *items.first()?;
            // `["sh", "-c", cmd]`: the shell reads the element after `-c`.
            let program = string_constant(first, src);
            if program.is_some_and(|p| SHELLS.contains(&p))
                && items
                    .get(1)
                    .and_then(|f| string_constant(*f, src))
                    .is_some_and(|f| matches!(f, "-c" | "/c" | "/C" | "-Command" | "-command"))
                && let Some(command) = items.get(2)
            {
                return Some(Target {
                    value: *command,
                    shell: true,
                    partial_program: false,
                });
            }
            Some(Target {
                value: first,
                shell: false,
                partial_program: true,
            })
        }
        None => Some(Target {
            value: arg,
            shell: false,
            partial_program: shape == Shape::Program,
        }),
    }
}

/// Whether `shell=` is given and not a false constant.
fn shell_on(call: Node, src: &str) -> bool {
    node::keyword_arg(call, "shell", src)
        .map(node::unparenthesize)
        .is_some_and(|v| !matches!(v.kind(), "false" | "none") && node::text(v, src) != "0")
}

/// The text of a plain string literal.
fn string_constant<'s>(n: Node, src: &'s str) -> Option<&'s str> {
    let n = node::unparenthesize(n);
    (n.kind() == "string" && !node::is_fstring(n))
        .then(|| {
            let t = node::text(n, src);
            t.strip_prefix(['"', '\''])
                .and_then(|t| t.strip_suffix(['"', '\'']))
        })
        .flatten()
}

/// The elements of a list or tuple literal, directly or bound once to a name before the call.
fn list_literal<'t>(checker: &PyChecker<'t>, arg: Node<'t>) -> Option<Vec<Node<'t>>> {
    let arg = node::unparenthesize(arg);
    let elements = |list: Node<'t>| {
        let mut cursor = list.walk();
        list.named_children(&mut cursor)
            .filter(|c| c.kind() != "comment")
            .collect::<Vec<_>>()
    };
    match arg.kind() {
        "list" | "tuple" => Some(elements(arg)),
        "identifier" => {
            let src = checker.source();
            let index = &checker.model.index;
            let bindings = index.bindings(index.scope_at(arg), node::text(arg, src));
            let before: Vec<_> = bindings
                .iter()
                .filter(|b| b.node.end_byte() <= arg.start_byte())
                .collect();
            match before.as_slice() {
                [only] if !only.augmented => {
                    let value = node::unparenthesize(only.value?);
                    matches!(value.kind(), "list" | "tuple").then(|| elements(value))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

pub(crate) fn message(hit: &Hit) -> String {
    let origin = super::origin(&hit.flow);
    let label = hit.label.clone();
    match (hit.flow.level, hit.shell) {
        (Level::Request, true) => format!(
            "{origin} reaches a shell command line (`{label}`): it can run any command; pass a list without a shell"
        ),
        (Level::Request, false) => format!(
            "{origin} chooses the program `{label}` runs: it can run any program; choose it from an allow-list"
        ),
        _ => format!(
            "a shell command line (`{label}`) is formatted with a non-constant value: check that no part of it comes from users, or pass a list without a shell"
        ),
    }
}

/// `subprocess.run(f"ping -c 1 {host}", shell=True)` →
/// `subprocess.run(["ping", "-c", "1", host], shell=False)`.
pub(crate) fn fix(checker: &PyChecker, hit: &Hit) -> Option<Fix> {
    if hit.sink.shape != Shape::Argv || !hit.shell {
        return None;
    }
    let src = checker.source();
    let call = hit.call;
    let shell = node::keyword_arg(call, "shell", src)?;
    let command = node::positional_args(call)
        .first()
        .copied()
        .or_else(|| node::keyword_arg(call, "args", src))?;
    if command != hit.value {
        return None;
    }
    let template = strings::decompose(command, src)?;
    let list = argv_list(&template, src)?;
    Some(Fix::unsafe_(
        "Pass the command as a list, without a shell",
        vec![
            Edit::replace(command.byte_range(), list),
            Edit::replace(shell.byte_range(), "False"),
        ],
    ))
}

/// Shell syntax the split into a list cannot keep.
const SHELL_SYNTAX: &[char] = &[
    '\'', '"', '\\', '|', '&', ';', '<', '>', '$', '`', '*', '?', '~', '(', ')', '[', ']', '{',
    '}', '#', '\n', '\t',
];

/// The list literal for a command line: words split at spaces, each interpolated value its own
/// element (or part of an f-string element when glued to text, `--name={x}`).
fn argv_list(template: &strings::Template, src: &str) -> Option<String> {
    let quote = if template.open.contains('\'') && !template.open.contains('"') {
        '\''
    } else {
        '"'
    };
    if template.open.len() != 1 {
        // Triple-quoted or raw strings: keep the fix to the plain cases.
        return None;
    }
    let mut words: Vec<Vec<WordPart>> = vec![Vec::new()];
    for piece in &template.pieces {
        match piece {
            Piece::Lit(text) => {
                if text.contains(SHELL_SYNTAX) {
                    return None;
                }
                for (i, chunk) in text.split(' ').enumerate() {
                    if i > 0 && words.last().is_some_and(|w| !w.is_empty()) {
                        words.push(Vec::new());
                    }
                    if !chunk.is_empty() {
                        words.last_mut()?.push(WordPart::Lit(chunk.to_string()));
                    }
                }
            }
            Piece::Value { expr, spec } => {
                if !spec.is_empty() {
                    return None;
                }
                words
                    .last_mut()?
                    .push(WordPart::Value(node::text(*expr, src).to_string()));
            }
        }
    }
    let rendered: Vec<String> = words
        .into_iter()
        .filter(|w| !w.is_empty())
        .map(|word| match word.as_slice() {
            [WordPart::Value(v)] => v.clone(),
            parts if parts.iter().all(|p| matches!(p, WordPart::Lit(_))) => {
                let text: String = parts
                    .iter()
                    .map(|p| match p {
                        WordPart::Lit(t) | WordPart::Value(t) => t.as_str(),
                    })
                    .collect();
                format!("{quote}{text}{quote}")
            }
            parts => {
                let text: String = parts
                    .iter()
                    .map(|p| match p {
                        WordPart::Lit(t) => t.clone(),
                        WordPart::Value(v) => format!("{{{v}}}"),
                    })
                    .collect();
                format!("f{quote}{text}{quote}")
            }
        })
        .collect();
    // `VAR=value cmd`: an assignment a shell reads, not a program.
    if rendered.is_empty() || rendered.first().is_some_and(|w| w.contains('=')) {
        return None;
    }
    Some(format!("[{}]", rendered.join(", ")))
}

enum WordPart {
    Lit(String),
    Value(String),
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at_only, findings};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Python, src, &["DJS601"])
    }

    #[test]
    fn flags_shells_and_programs_from_the_request() {
        let src = "import os, subprocess\ndef v(request, name):\n    host = request.GET['host']\n    os.system('ping -c 1 ' + host)\n    os.popen(f'nslookup {host}')\n    subprocess.run(f'ping {host}', shell=True)\n    subprocess.call([request.POST['prog'], '-v'])\n    subprocess.check_output(['sh', '-c', 'echo ' + host])\n    subprocess.Popen(request.GET['cmd'])\n    os.execv(f'/usr/bin/{name}', ['x'])\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS601", 4, 5, "error"),
                ("DJS601", 5, 5, "error"),
                ("DJS601", 6, 5, "error"),
                ("DJS601", 7, 5, "error"),
                ("DJS601", 8, 5, "error"),
                ("DJS601", 9, 5, "error"),
                ("DJS601", 10, 5, "error"),
            ]
        );
    }

    #[test]
    fn message_names_the_path() {
        let src = "import os\ndef v(request):\n    host = request.GET['host']\n    cmd = f'ping {host}'\n    os.system(cmd)\n";
        let found = findings(src);
        let Some(f) = found.iter().find(|f| f.code == "DJS601") else {
            panic!("no DJS601 in {found:?}");
        };
        assert!(
            f.message
                .ends_with("(`request.GET['host']` → `host` → `cmd` → `os.system()`)"),
            "{}",
            f.message
        );
        assert_eq!(f.steps.len(), 4);
        assert_eq!(&src[f.steps[0].range.clone()], "request.GET['host']");
    }

    #[test]
    fn silent_on_arguments_quoting_constants_and_allow_lists() {
        let src = "import os, shlex, subprocess\nTOOLS = {'ping', 'dig'}\ndef v(request):\n    host = request.GET['host']\n    subprocess.run(['ping', '-c', '1', host])\n    subprocess.run(['ping', host], shell=False)\n    os.system(f'ping {shlex.quote(host)}')\n    os.system('uptime')\n    subprocess.run(f'ping {int(request.GET[\"n\"])}', shell=True)\n    subprocess.run(f'ping {host}')\n    tool = request.GET['tool']\n    if tool in TOOLS:\n        subprocess.run([tool, host])\n    args = ['ping', host]\n    subprocess.run(args)\n    def system(x):\n        pass\n    system(host)\n";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn unknown_shell_strings_are_hints() {
        let src = "import os, subprocess\ndef build(path):\n    os.system(f'tar czf {path}')\n    subprocess.run(path, shell=True)\n    subprocess.run([path])\n";
        assert_eq!(codes(src), vec![("DJS601", 3, 5, "hint")]);
    }

    #[test]
    fn fix_splits_the_command_line() {
        let src = "import subprocess\ndef v(request):\n    host = request.GET['host']\n    subprocess.run(f'ping -c 1 {host} --tag=x{host}', shell=True, check=True)\n";
        let fixed = assert_fix(src, "DJS601");
        assert!(
            fixed.contains(
                "subprocess.run(['ping', '-c', '1', host, f'--tag=x{host}'], shell=False, check=True)"
            ),
            "{fixed}"
        );
        // Shell syntax: no fix.
        let piped = "import subprocess\ndef v(request):\n    subprocess.run(f\"cat {request.GET['f']} | wc -l\", shell=True)\n";
        assert_eq!(
            crate::analysis::testing::fix_applicability(piped, "DJS601"),
            vec!["none"]
        );
    }
}
