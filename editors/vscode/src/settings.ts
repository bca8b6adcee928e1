// Mapping VS Code's `djsec.*` settings to what the server reads. No `vscode` import: unit-tested
// with node's test runner.

export type Trace = "off" | "messages" | "verbose";
export type Severity = "error" | "warning" | "information" | "hint";
/** Which files besides the open ones the server reports: the Problems panel shows the project. */
export type WorkspaceScope = "off" | "settings" | "all";

/** The `settings` object the server reads from initializationOptions and didChangeConfiguration. */
export interface ServerSettings {
  enable: boolean;
  select: string[];
  ignore: string[];
  severity: Record<string, Severity>;
  trace: Trace;
  workspaceDiagnostics: WorkspaceScope;
}

/** Reads one key of the `djsec` section, e.g. `get("trace.server")`; a WorkspaceConfiguration fits. */
export interface SettingsSource {
  get(key: string): unknown;
}

/** Settings whose change needs a new server process rather than a notification. */
export const RESTART_KEYS = ["djsec.path"] as const;

const TRACES: readonly Trace[] = ["off", "messages", "verbose"];
const SCOPES: readonly WorkspaceScope[] = ["off", "settings", "all"];
const SEVERITIES: Record<string, Severity> = {
  error: "error",
  warning: "warning",
  warn: "warning",
  information: "information",
  info: "information",
  hint: "hint",
};

function codes(value: unknown): string[] {
  if (!Array.isArray(value)) {
    return [];
  }
  const out: string[] = [];
  for (const v of value) {
    if (typeof v === "string" && v.trim() !== "" && !out.includes(v.trim().toUpperCase())) {
      out.push(v.trim().toUpperCase());
    }
  }
  return out;
}

function severities(value: unknown): Record<string, Severity> {
  const out: Record<string, Severity> = {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return out;
  }
  for (const [code, sev] of Object.entries(value as Record<string, unknown>)) {
    const mapped = typeof sev === "string" ? SEVERITIES[sev.trim().toLowerCase()] : undefined;
    if (mapped && code.trim() !== "") {
      out[code.trim().toUpperCase()] = mapped;
    }
  }
  return out;
}

export function serverSettings(source: SettingsSource): ServerSettings {
  const enable = source.get("enable");
  const trace = source.get("trace.server");
  const scope = source.get("workspaceDiagnostics");
  return {
    enable: typeof enable === "boolean" ? enable : true,
    select: codes(source.get("select")),
    ignore: codes(source.get("ignore")),
    severity: severities(source.get("severity")),
    trace: TRACES.includes(trace as Trace) ? (trace as Trace) : "off",
    workspaceDiagnostics: SCOPES.includes(scope as WorkspaceScope) ? (scope as WorkspaceScope) : "all",
  };
}

/** `initializationOptions` sent with `initialize`. */
export function initializationOptions(source: SettingsSource): { settings: ServerSettings } {
  return { settings: serverSettings(source) };
}

/** Params of `workspace/didChangeConfiguration` after a `djsec.*` setting changed. */
export function didChangeConfigurationParams(source: SettingsSource): {
  settings: { djsec: ServerSettings };
} {
  return { settings: { djsec: serverSettings(source) } };
}
