"""Run a composite GitHub Action's steps locally, the way the runner does for `shell: bash`.

Usage: python run_action.py ACTION_DIR WORKSPACE [input=value ...]

Each `run` step gets its `env:` with `${{ inputs.NAME }}` (inputs given on the command line, else
their defaults), `${{ github.action_path }}`, `${{ github.workspace }}` and
`${{ steps.ID.outputs.NAME }}` substituted, runs as `bash --noprofile --norc -eo pipefail` in
WORKSPACE, and may append to $GITHUB_PATH and $GITHUB_OUTPUT. Prints `outputs: {...}` and exits
with the first failing step's code. Only what action.yml uses is supported: anything else (a
`uses:` step, an expression elsewhere) is an error, so the test cannot pass by skipping it.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def main():
    action_dir, workspace = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    given = dict(arg.split("=", 1) for arg in sys.argv[3:])
    with open(os.path.join(action_dir, "action.yml"), encoding="utf-8") as f:
        action = yaml.safe_load(f)
    assert action["runs"]["using"] == "composite", action["runs"]
    inputs = {name: str(spec.get("default", "")) for name, spec in action.get("inputs", {}).items()}
    unknown = set(given) - set(inputs)
    assert not unknown, f"unknown inputs {unknown}"
    inputs.update(given)
    temp = tempfile.mkdtemp(prefix="djsec-action-")
    path_file, extra_path, outputs = os.path.join(temp, "path"), [], {}

    def value(expr, steps):
        kind, _, rest = expr.partition(".")
        if kind == "inputs":
            return inputs[rest]
        if expr == "github.action_path":
            return action_dir
        if expr == "github.workspace":
            return workspace
        if kind == "steps":
            step_id, _, name = rest.partition(".outputs.")
            return steps.get(step_id, {}).get(name, "")
        raise SystemExit(f"unsupported expression: {expr}")

    steps = {}
    for i, step in enumerate(action["runs"]["steps"]):
        assert "run" in step and step.get("shell") == "bash", f"unsupported step {step}"
        assert not EXPR.search(step["run"]), f"expressions belong in env:, not run: ({step['name']})"
        env = dict(os.environ)
        env.update({k: EXPR.sub(lambda m: value(m.group(1), steps), str(v))
                    for k, v in step.get("env", {}).items()})
        output_file = os.path.join(temp, f"output{i}")
        open(output_file, "w").close()
        open(path_file, "w").close()
        env.update(GITHUB_PATH=path_file, GITHUB_OUTPUT=output_file, GITHUB_WORKSPACE=workspace,
                   GITHUB_ACTION_PATH=action_dir, RUNNER_TEMP=temp,
                   PATH=os.pathsep.join(extra_path + [os.environ.get("PATH", "")]))
        script = os.path.join(temp, f"step{i}.sh")
        with open(script, "w") as f:
            f.write(step["run"])
        print(f"::group::{step['name']}", flush=True)
        code = subprocess.call(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                               cwd=workspace, env=env)
        print("::endgroup::", flush=True)
        extra_path[:0] = [l.strip() for l in reversed(open(path_file).read().splitlines()) if l.strip()]
        step_outputs = dict(l.split("=", 1) for l in open(output_file).read().splitlines() if "=" in l)
        steps[step.get("id", f"step{i}")] = step_outputs
        if code != 0:
            print(f"step '{step['name']}' exited {code}")
            sys.exit(code)
    for name, spec in action.get("outputs", {}).items():
        outputs[name] = EXPR.sub(lambda m: value(m.group(1), steps), spec["value"])
    print("outputs:", json.dumps(outputs))


if __name__ == "__main__":
    main()
