// Finding the djsec executable. No `vscode` import: unit-tested with node's test runner.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const ENV_VAR = "DJSEC_PATH";
export const INSTALL_HINT =
  "Install the extension built for your platform (it carries the server), or install the server with " +
  "`pip install djsec` (or `pipx install djsec`, `uv tool install djsec`; from a djsec checkout " +
  "`pip install .` or `cargo install --path . --locked`), or set `djsec.path` to the executable.";

export type Source = "setting" | "env" | "bundled" | "path";

/** How the output channel names where the server came from. */
export const SOURCE_LABEL: Record<Source, string> = {
  setting: "the djsec.path setting",
  env: `the ${ENV_VAR} environment variable`,
  bundled: "the binary bundled with the extension",
  path: "djsec on PATH",
};

export interface Found {
  path: string;
  source: Source;
}

export interface LookupInput {
  /** Process environment (DJSEC_PATH, PATH, PATHEXT, HOME). */
  env: Record<string, string | undefined>;
  /** Value of the `djsec.path` setting ("" when unset). */
  settingPath: string;
  /** Root of the installed extension; a bundled binary lives in `bundled/`. */
  extensionPath: string;
  /** Folder that relative paths in the setting are resolved against. */
  workspaceFolder?: string;
  platform?: NodeJS.Platform;
  /** Injected for tests; defaults to checking for an executable regular file. */
  isExecutable?: (file: string) => boolean;
}

/** Thrown when an explicitly configured path is wrong: we must not silently fall back. */
export class LookupError extends Error {}

export function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    if (process.platform === "win32") {
      return true;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function exeName(platform: NodeJS.Platform): string {
  return platform === "win32" ? "djsec.exe" : "djsec";
}

/** `~` and `~/x` expand to the home directory; a relative path is taken from the workspace folder. */
export function expandPath(
  p: string,
  env: Record<string, string | undefined>,
  workspaceFolder?: string,
): string {
  let out = p.trim();
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) {
    out = path.join(env.HOME ?? env.USERPROFILE ?? os.homedir(), out.slice(1));
  }
  if (!path.isAbsolute(out) && workspaceFolder && /[\\/]/.test(out)) {
    out = path.join(workspaceFolder, out);
  }
  return out;
}

/** Every candidate for `name` on PATH, in order (with PATHEXT suffixes on Windows). */
export function pathCandidates(
  name: string,
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform,
): string[] {
  const sep = platform === "win32" ? ";" : ":";
  const dirs = (env.PATH ?? env.Path ?? "").split(sep).filter((d) => d.length > 0);
  const exts =
    platform === "win32" && !path.extname(name)
      ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";").filter((e) => e.length > 0)
      : [""];
  const join = platform === "win32" ? path.win32.join : path.posix.join;
  return dirs.flatMap((d) => exts.map((e) => join(d, name + e.toLowerCase())));
}

/** Where a platform-specific build of the extension keeps its server. */
export function bundledPath(extensionPath: string, platform: NodeJS.Platform = process.platform): string {
  return path.join(extensionPath, "bundled", exeName(platform));
}

/**
 * Make the bundled binary executable if unpacking the extension lost its mode bits. Returns
 * whether it had to (for the log); never throws.
 */
export function repairBundled(extensionPath: string): boolean {
  const file = bundledPath(extensionPath);
  try {
    if (process.platform === "win32" || !fs.statSync(file).isFile() || isExecutableFile(file)) {
      return false;
    }
    fs.chmodSync(file, 0o755);
    return true;
  } catch {
    return false;
  }
}

/**
 * Order: the `djsec.path` setting, `DJSEC_PATH`, the bundled binary, `djsec` on PATH.
 * Returns undefined when nothing is found; throws LookupError when an explicit path is unusable.
 */
export function findServer(input: LookupInput): Found | undefined {
  const platform = input.platform ?? process.platform;
  const ok = input.isExecutable ?? isExecutableFile;

  const fromSetting = input.settingPath.trim();
  if (fromSetting) {
    const p = expandPath(fromSetting, input.env, input.workspaceFolder);
    if (path.isAbsolute(p) || /[\\/]/.test(p)) {
      if (!ok(p)) {
        throw new LookupError(`djsec.path is set to "${fromSetting}", which is not an executable file.`);
      }
      return { path: p, source: "setting" };
    }
    // A bare command name: look it up on PATH.
    const hit = pathCandidates(p, input.env, platform).find(ok);
    if (!hit) {
      throw new LookupError(`djsec.path is set to "${fromSetting}", which is not on PATH.`);
    }
    return { path: hit, source: "setting" };
  }

  const fromEnv = input.env[ENV_VAR]?.trim();
  if (fromEnv) {
    const p = expandPath(fromEnv, input.env);
    if (!ok(p)) {
      throw new LookupError(`${ENV_VAR} is set to "${fromEnv}", which is not an executable file.`);
    }
    return { path: p, source: "env" };
  }

  const bundled = bundledPath(input.extensionPath, platform);
  if (ok(bundled)) {
    return { path: bundled, source: "bundled" };
  }

  const onPath = pathCandidates("djsec", input.env, platform).find(ok);
  if (onPath) {
    return { path: onPath, source: "path" };
  }
  return undefined;
}

/**
 * How to run the server: `djsec server` over stdio. No `transport` on purpose: with
 * `TransportKind.stdio` vscode-languageclient appends `--stdio`, which `djsec server` rejects.
 * Structurally a vscode-languageclient `Executable`.
 */
export function serverExecutable(
  found: Found,
  env: Record<string, string | undefined>,
): { command: string; args: string[]; options: { env: Record<string, string | undefined> } } {
  return { command: found.path, args: ["server"], options: { env } };
}

export function notFoundMessage(): string {
  return `djsec: the djsec executable was not found (checked djsec.path, ${ENV_VAR}, the bundled binary and PATH). ${INSTALL_HINT}`;
}
