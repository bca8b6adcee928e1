import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  didChangeConfigurationParams,
  initializationOptions,
  serverSettings,
  type SettingsSource,
} from "../../src/settings";

/** Like WorkspaceConfiguration.get on the `djsec` section. */
function source(values: Record<string, unknown>): SettingsSource {
  return { get: (key) => values[key] };
}

describe("serverSettings", () => {
  it("has the server's defaults when nothing is set", () => {
    assert.deepEqual(serverSettings(source({})), {
      enable: true,
      select: [],
      ignore: [],
      severity: {},
      trace: "off",
      workspaceDiagnostics: "all",
    });
  });

  it("maps every djsec.* setting", () => {
    const s = serverSettings(
      source({
        enable: false,
        select: ["DJS1", "DJS201"],
        ignore: ["DJS101"],
        severity: { DJS101: "error", DJS201: "hint" },
        "trace.server": "verbose",
        workspaceDiagnostics: "settings",
        path: "/usr/bin/djsec",
      }),
    );
    assert.deepEqual(s, {
      enable: false,
      select: ["DJS1", "DJS201"],
      ignore: ["DJS101"],
      severity: { DJS101: "error", DJS201: "hint" },
      trace: "verbose",
      workspaceDiagnostics: "settings",
    });
    assert.ok(!("path" in s), "djsec.path is the client's business only");
  });

  it("normalises codes: trims, upper-cases, drops blanks, duplicates and non-strings", () => {
    const s = serverSettings(source({ select: [" djs101", "DJS101", "", 7, null, "djs2"] }));
    assert.deepEqual(s.select, ["DJS101", "DJS2"]);
  });

  it("keeps only known severities, accepting common spellings", () => {
    const s = serverSettings(
      source({ severity: { djs101: "Error", DJS102: "warn", DJS103: "info", DJS104: "fatal", DJS105: 3 } }),
    );
    assert.deepEqual(s.severity, { DJS101: "error", DJS102: "warning", DJS103: "information" });
  });

  it("falls back on wrong types", () => {
    const s = serverSettings(
      source({
        enable: "yes",
        select: "DJS101",
        severity: ["DJS101"],
        "trace.server": "loud",
        workspaceDiagnostics: "everything",
      }),
    );
    assert.deepEqual(s, {
      enable: true,
      select: [],
      ignore: [],
      severity: {},
      trace: "off",
      workspaceDiagnostics: "all",
    });
  });
});

describe("the two messages carry the same settings", () => {
  const values = source({ enable: true, select: ["DJS1"], "trace.server": "messages" });

  it("initializationOptions is { settings }", () => {
    assert.deepEqual(initializationOptions(values), { settings: serverSettings(values) });
  });

  it("didChangeConfiguration is { settings: { djsec } }", () => {
    assert.deepEqual(didChangeConfigurationParams(values), { settings: { djsec: serverSettings(values) } });
  });

  it("serialises to plain JSON", () => {
    const json = JSON.parse(JSON.stringify(initializationOptions(values)));
    assert.equal(json.settings.trace, "messages");
    assert.deepEqual(json.settings.select, ["DJS1"]);
  });
});
