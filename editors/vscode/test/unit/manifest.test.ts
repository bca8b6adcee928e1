// The manifest (package.json) and the code must agree: settings read, languages selected, commands.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { DOCUMENT_SELECTOR, TEMPLATE_GLOB, TEMPLATE_LANGUAGE } from "../../src/selector";
import { serverSettings } from "../../src/settings";

// Compiled to out/test/unit/, so the extension root is three levels up.
const ROOT = path.resolve(__dirname, "..", "..", "..");
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const extensionSource = fs.readFileSync(path.join(ROOT, "src", "extension.ts"), "utf8");
const properties: Record<string, { default: unknown }> = manifest.contributes.configuration.properties;

/** The server's languages (see the server contract); `html` only under templates/. */
const SERVER_LANGUAGES = ["python", "htmldjango", "django-html", "html-django", "django", "jinja", "html"];

describe("package.json", () => {
  it("declares vscode-languageclient 11 with the engine it needs", () => {
    assert.match(manifest.dependencies["vscode-languageclient"], /^\^11\./);
    assert.equal(manifest.engines.vscode, "^1.91.0");
  });

  it("contributes the django-html language for templates", () => {
    const lang = manifest.contributes.languages.find((l: { id: string }) => l.id === TEMPLATE_LANGUAGE);
    assert.ok(lang, "no django-html language contributed");
    assert.ok(lang.filenamePatterns.includes(TEMPLATE_GLOB));
    assert.ok(lang.extensions.includes(".djhtml"));
    const grammar = manifest.contributes.grammars.find((g: { language: string }) => g.language === TEMPLATE_LANGUAGE);
    assert.ok(fs.existsSync(path.join(ROOT, grammar.path)), `grammar ${grammar.path} missing`);
    JSON.parse(fs.readFileSync(path.join(ROOT, grammar.path), "utf8"));
    JSON.parse(fs.readFileSync(path.join(ROOT, lang.configuration), "utf8"));
  });

  it("activates for every language it selects, and only sends languages the server accepts", () => {
    for (const filter of DOCUMENT_SELECTOR) {
      assert.ok(filter.language && SERVER_LANGUAGES.includes(filter.language), `${filter.language}`);
      assert.ok(manifest.activationEvents.includes(`onLanguage:${filter.language}`), `${filter.language}`);
    }
    const html = DOCUMENT_SELECTOR.find((f) => f.language === "html");
    assert.equal(html?.pattern, TEMPLATE_GLOB, "plain html must be limited to templates/");
  });

  it("defaults in the manifest map to the server's defaults", () => {
    const defaults = serverSettings({
      get: (key) => properties[`djsec.${key}`]?.default,
    });
    assert.deepEqual(defaults, {
      enable: true,
      select: [],
      ignore: [],
      severity: {},
      trace: "off",
      workspaceDiagnostics: "all",
    });
  });

  it("has a setting for each key the client reads", () => {
    const read = [...extensionSource.matchAll(/config\(\)\.get<[^>]+>\("([^"]+)"\)/g)].map((m) => m[1]);
    const mapped = ["enable", "select", "ignore", "severity", "trace.server", "workspaceDiagnostics"];
    for (const key of [...read, ...mapped]) {
      assert.ok(properties[`djsec.${key}`], `djsec.${key} is read but not contributed`);
    }
  });

  it("registers every contributed command", () => {
    const ids: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);
    assert.deepEqual(ids.sort(), ["djsec.restart", "djsec.showOutput"]);
    for (const id of ids) {
      assert.ok(extensionSource.includes(`registerCommand("${id}"`), `${id} not registered`);
    }
  });
});
