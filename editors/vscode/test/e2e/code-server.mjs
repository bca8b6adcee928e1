// End-to-end test in a real VS Code workbench: code-server (from npm) driven by Debian's Chromium
// through playwright-core. Installs the platform .vsix (the server inside, bundled/djsec) alone into
// a throw-away profile, on a machine where no djsec is on PATH and no djsec.path or DJSEC_PATH is
// set, and opens a copy of test/fixture. Parts: the extension started its bundled server; the
// Problems panel lists the settings findings of mysite/settings.py, never opened (workspace
// diagnostics); DJS101 in views.py and its quick-fix through Ctrl+. (file checked on disk, the
// template opens as Django HTML); djsec.enable off and on in the Settings editor; with the bundled
// binary removed, "djsec: Restart server" shows the "not found" error. Screenshots and logs go to
// test/artifacts/ (gitignored).
//
// Environment:
//   CODE_SERVER  code-server executable (run with Node 24 first on PATH)        [required]
//   VSIX         the platform extension             [default ../../djsec-linux-x64.vsix]
//   CHROMIUM     browser                                        [default /usr/bin/chromium]
//   ARTIFACTS    screenshots and logs                           [default ../artifacts]
//   E2E_TIMEOUT  seconds for the whole run                      [default 240]
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXT_ROOT = path.resolve(HERE, "..", "..");
const CODE_SERVER = mustEnv("CODE_SERVER");
const VSIX = path.resolve(process.env.VSIX ?? path.join(EXT_ROOT, "djsec-linux-x64.vsix"));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = path.resolve(process.env.ARTIFACTS ?? path.join(EXT_ROOT, "test", "artifacts"));
const TOTAL_SECONDS = Number(process.env.E2E_TIMEOUT ?? 240);
const STEP_MS = 60_000;
const SETTINGS = JSON.parse(fs.readFileSync(path.join(EXT_ROOT, "package.json"), "utf8")).contributes
  .configuration.properties;
const ENABLE_DESCRIPTION = SETTINGS["djsec.enable"].description;
const VERSION = JSON.parse(fs.readFileSync(path.join(EXT_ROOT, "package.json"), "utf8")).version;

const started = Date.now();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "djsec-code-server-"));
const userData = path.join(tmp, "user-data");
const extensions = path.join(tmp, "extensions");
const project = path.join(tmp, "project");
const config = path.join(tmp, "code-server.yaml"); // not ~/.config/code-server/config.yaml
let server; // code-server child (its own process group)
let extensionDir; // the installed extension
let bundled; // its bundled/djsec
let browser;
let page;

function mustEnv(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`code-server e2e: set ${name}`);
    process.exit(2);
  }
  return v;
}

function step(msg) {
  console.log(`[code-server e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${msg}`);
}

async function shot(name) {
  if (page) {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) }).catch(() => {});
  }
}

/**
 * code-server's environment: no DJSEC_PATH and no PATH entry holding a `djsec`, so the extension
 * can only start the server it carries (and finds none once that is removed).
 */
function serverEnv() {
  const env = { ...process.env };
  delete env.DJSEC_PATH;
  env.PATH = (env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => dir && !fs.existsSync(path.join(dir, "djsec")))
    .join(path.delimiter);
  return env;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(what, fn, ms = STEP_MS, every = 250) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) {
        return v;
      }
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out after ${ms / 1000}s waiting for ${what}${last ? ` (last error: ${last.message})` : ""}`);
}

function killServer() {
  if (server && server.exitCode === null && server.signalCode === null) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {}
    const t = Date.now();
    while (Date.now() - t < 3000 && server.exitCode === null) {
      spawnSync("sleep", ["0.1"]);
      try {
        process.kill(-server.pid, 0);
      } catch {
        return;
      }
    }
    try {
      process.kill(-server.pid, "SIGKILL");
    } catch {}
  }
}

async function cleanup() {
  await browser?.close().catch(() => {});
  killServer();
  // Keep what a person needs to see why it failed: code-server's and the extension host's logs.
  try {
    fs.cpSync(path.join(userData, "logs"), path.join(ARTIFACTS, "logs"), { recursive: true });
  } catch {}
  fs.rmSync(tmp, { recursive: true, force: true });
}

/** Text of the Problems panel, or "" if it is not shown. */
async function problemsText() {
  const panel = page.locator(".markers-panel");
  return (await panel.count()) ? await panel.first().innerText() : "";
}

const USER_SETTINGS = {
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "security.workspace.trust.enabled": false,
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "telemetry.telemetryLevel": "off",
  "chat.disableAIFeatures": true,
  "files.autoSave": "off",
};

/** The profile's settings.json; VS Code picks up changes while running. */
function writeUserSettings(djsec) {
  const file = path.join(userData, "User", "settings.json");
  // Write then rename, as editors save: the watcher never sees a half-written file.
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ ...USER_SETTINGS, ...djsec }, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

async function openFile(relPath) {
  await page.keyboard.press("Control+P");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: STEP_MS });
  await input.fill(relPath);
  // Click the result rather than pressing Enter: Enter can land on a recently opened file
  // before the list is filtered.
  const row = page
    .locator(".quick-input-widget .monaco-list-row", { hasText: path.basename(relPath) })
    .first();
  await row.waitFor({ timeout: STEP_MS });
  await row.click();
  await page
    .locator(".tabs-container .tab.active", { hasText: path.basename(relPath) })
    .waitFor({ timeout: STEP_MS });
  await page.locator(".monaco-editor .view-lines").first().waitFor({ timeout: STEP_MS });
}

/** Click the checkbox of a boolean setting in the Settings editor, as a user does. */
async function toggleSetting(id, description) {
  step(`toggling ${id} in the Settings editor`);
  await page.keyboard.press("Control+,");
  const search = page.locator(".settings-editor .suggest-input-container .monaco-editor").first();
  await search.waitFor({ timeout: STEP_MS });
  await search.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.type(id);
  const item = page.locator(".settings-editor .setting-item-bool", { hasText: description }).first();
  await item.waitFor({ timeout: STEP_MS });
  const checkbox = item.locator(".setting-value-checkbox");
  const before = await checkbox.getAttribute("aria-checked");
  await checkbox.click();
  await waitFor(`${id} to change`, async () => (await checkbox.getAttribute("aria-checked")) !== before);
  await shot(`07-settings-${id}-${before === "true" ? "off" : "on"}`);
}

async function languageMode() {
  return (await page.locator('[id="status.editor.mode"]').innerText()).trim();
}

/** Installs the extension, starts code-server and the browser, opens the project. */
async function setUp() {
  for (const [what, p] of [
    ["code-server", CODE_SERVER],
    ["vsix", VSIX],
    ["chromium", CHROMIUM],
  ]) {
    if (!fs.existsSync(p)) {
      throw new Error(`${what} not found at ${p}`);
    }
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const f of fs.readdirSync(ARTIFACTS)) {
    fs.rmSync(path.join(ARTIFACTS, f), { recursive: true, force: true });
  }
  fs.cpSync(path.join(EXT_ROOT, "test", "fixture"), project, { recursive: true });
  fs.mkdirSync(path.join(userData, "User"), { recursive: true });
  writeUserSettings({});
  const leaked = serverEnv().PATH.split(path.delimiter).filter((d) => fs.existsSync(path.join(d, "djsec")));
  if (leaked.length > 0 || serverEnv().DJSEC_PATH) {
    throw new Error(`djsec is reachable without the extension: ${leaked}`);
  }

  step(`installing ${path.basename(VSIX)}`);
  const install = spawnSync(
    CODE_SERVER,
    ["--config", config, "--user-data-dir", userData, "--extensions-dir", extensions, "--install-extension", VSIX],
    { encoding: "utf8", timeout: STEP_MS },
  );
  const installOut = `${install.stdout}${install.stderr}`;
  if (install.status !== 0 || !/successfully installed/i.test(installOut)) {
    throw new Error(`--install-extension failed (status ${install.status}):\n${installOut}`);
  }
  const installed = fs.readdirSync(extensions).filter((d) => d.startsWith("djsec.djsec-"));
  if (installed.length !== 1) {
    throw new Error(`expected one djsec extension in ${extensions}, found ${installed}`);
  }
  extensionDir = path.join(extensions, installed[0]);
  bundled = path.join(extensionDir, "bundled", "djsec");
  if (!fs.existsSync(bundled)) {
    throw new Error(`the installed extension has no bundled server: ${fs.readdirSync(extensionDir)}`);
  }
  step(`installed ${installed[0]} with ${path.relative(extensions, bundled)}`);

  const port = await freePort();
  step(`starting code-server on 127.0.0.1:${port}`);
  const serverLog = fs.openSync(path.join(ARTIFACTS, "code-server.log"), "w");
  server = spawn(
    CODE_SERVER,
    [
      "--config", config,
      "--user-data-dir", userData,
      "--extensions-dir", extensions,
      "--bind-addr", `127.0.0.1:${port}`,
      "--auth", "none",
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      "--disable-getting-started-override",
      project,
    ],
    {
      detached: true, // own process group: killServer() takes the extension host and djsec too
      stdio: ["ignore", serverLog, serverLog],
      env: serverEnv(),
    },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor("code-server /healthz", async () => (await fetch(`${base}/healthz`)).ok);

  step("launching chromium");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${base}/?folder=${encodeURIComponent(project)}`);
  await page.locator(".monaco-workbench").waitFor({ timeout: STEP_MS });
  await shot("01-workbench");
}

/** DJS101 in the Problems panel, the quick-fix through Ctrl+., the file on disk, a template. */
async function quickFix() {
  step("opening blog/views.py");
  await openFile("blog/views.py");
  await waitFor("language mode Python", async () => (await languageMode()) === "Python");

  step("waiting for DJS101 in the Problems panel");
  await page.keyboard.press("Control+Shift+M");
  await page.locator(".markers-panel").first().waitFor({ timeout: STEP_MS });
  const problems = await waitFor("DJS101 from djsec", async () => {
    const text = await problemsText();
    return /DJS101/.test(text) && /djsec/.test(text) ? text : "";
  });
  step(`Problems panel: ${problems.replace(/\s+/g, " ").trim()}`);
  const row = (await page.locator(".markers-panel .monaco-list-row", { hasText: "DJS101" }).first().innerText())
    .replace(/\s+/g, " ")
    .trim();
  if (!/Ln 5\b/.test(row)) {
    throw new Error(`DJS101 is not reported on line 5: ${row}`);
  }
  await shot("03-problems-djs101");

  step("Ctrl+. on line 5");
  // Put the cursor inside the mark_safe call: Ctrl+G 5, then a few columns in.
  await page.locator(".monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+G");
  await page.keyboard.type("5:14");
  await page.keyboard.press("Enter");
  await waitFor("the cursor on line 5", async () =>
    /Ln 5, Col 14/.test(await page.locator('[id="status.editor.selection"]').innerText()),
  );
  const fix = page.locator(".action-widget .monaco-list-row", { hasText: "Replace mark_safe" }).first();
  // A Ctrl+. that lands while the Go-to-line box is closing is lost: press again, as a user would.
  await waitFor("the quick-fix menu", async () => {
    await page.keyboard.press("Control+.");
    return await fix.waitFor({ timeout: 5000 }).then(
      () => true,
      () => false,
    );
  });
  const menu = (await page.locator(".action-widget").first().innerText()).replace(/\s+/g, " ").trim();
  step(`quick-fix menu: ${menu}`);
  if (!/Suppress DJS101/.test(menu)) {
    throw new Error(`"Suppress DJS101 on this line" is missing from the menu: ${menu}`);
  }
  await shot("04-quick-fix-menu");
  await fix.click();

  step("saving and checking the file");
  const viewsPath = path.join(project, "blog", "views.py");
  await waitFor("the editor to change", async () =>
    (await page.locator(".monaco-editor .view-lines").first().innerText()).includes("format_html"),
  );
  await page.keyboard.press("Control+S");
  const after = await waitFor("views.py saved with format_html", () => {
    const text = fs.readFileSync(viewsPath, "utf8");
    return text.includes("format_html(") ? text : "";
  });
  const expected = ['format_html("<b>{}</b>", name)', "from django.utils.html import format_html"];
  for (const needle of expected) {
    if (!after.includes(needle)) {
      throw new Error(`views.py lacks ${needle}:\n${after}`);
    }
  }
  if (/mark_safe\(/.test(after)) {
    throw new Error(`mark_safe( is still called:\n${after}`);
  }
  step("DJS101 should be gone");
  await waitFor("DJS101 to disappear", async () => !/DJS101/.test(await problemsText()));
  await shot("05-fixed");

  step("opening a template");
  await openFile("blog/templates/blog/greet.html");
  await waitFor("language mode Django HTML", async () => (await languageMode()) === "Django HTML");
  await shot("06-template-mode");

  fs.writeFileSync(path.join(ARTIFACTS, "views.py.after"), after);
  step("views.py after the fix:\n" + after.trimEnd());
}

/**
 * Settings reach the running server (workspace/didChangeConfiguration): with the fix undone
 * (DJS101 back), untick "djsec: Enable" in the Settings editor and DJS101 must go; tick it again
 * and it must come back.
 */
async function settings() {
  step("undoing the fix in views.py");
  await openFile("blog/views.py");
  await page.locator(".monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+Z");
  await page.keyboard.press("Control+S");
  // The server answers in milliseconds; 20 s is plenty once the workbench is up.
  const ms = 20_000;
  await waitFor("DJS101 back after undoing the fix", async () => /DJS101/.test(await problemsText()), ms);
  await toggleSetting("djsec.enable", ENABLE_DESCRIPTION);
  await waitFor("DJS101 to go with djsec.enable off", async () => !/DJS101/.test(await problemsText()), ms);
  // The workspace findings follow the settings too (the client pulls them every two seconds).
  await waitFor("settings.py's DJS401 to go with djsec.enable off", async () => !/DJS401/.test(await problemsText()), ms);
  await toggleSetting("djsec.enable", ENABLE_DESCRIPTION);
  await waitFor("DJS101 to come back with djsec.enable on", async () => /DJS101/.test(await problemsText()), ms);
  await waitFor("DJS401 to come back with djsec.enable on", async () => /DJS401/.test(await problemsText()), ms);
}

const guard = setTimeout(async () => {
  console.error(`code-server e2e: FAIL: the whole run took over ${TOTAL_SECONDS}s`);
  await shot("timeout");
  await cleanup();
  process.exit(1);
}, TOTAL_SECONDS * 1000);

for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, async () => {
    console.error(`code-server e2e: FAIL: got ${sig}`);
    await cleanup();
    process.exit(1);
  });
}

/** The extension's output channel (a log file in the profile's logs). */
function outputLog() {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(p);
      } else if (entry.name === "djsec.log") {
        found.push(p);
      }
    }
  };
  try {
    walk(path.join(userData, "logs"));
  } catch {}
  return found.map((f) => fs.readFileSync(f, "utf8")).join("\n");
}

/** The extension started the server it carries and says so in its output channel. */
async function bundledServer() {
  const log = await waitFor("the djsec output channel to say which server started", () => {
    const text = outputLog();
    return /Started djsec /.test(text) ? text : "";
  });
  const starting = log.split("\n").find((l) => l.includes("Starting ")) ?? "";
  step(`output channel: ${starting.trim()}`);
  if (!starting.includes(bundled) || !starting.includes("(the binary bundled with the extension)")) {
    throw new Error(`the extension did not start its bundled server:\n${log}`);
  }
  if (!log.includes(`Started djsec ${VERSION} from the binary bundled with the extension`)) {
    throw new Error(`no "Started djsec ${VERSION}" line:\n${log}`);
  }
}

/**
 * Before any file is opened, the Problems panel lists the findings of mysite/settings.py, which
 * is never opened (VS Code pulls `workspace/diagnostic`).
 */
async function workspace() {
  await page.keyboard.press("Control+Shift+M");
  await page.locator(".markers-panel").first().waitFor({ timeout: STEP_MS });
  const problems = await waitFor("settings.py's DJS401 in the Problems panel", async () => {
    const text = await problemsText();
    return /settings\.py/.test(text) && /DJS401/.test(text) ? text : "";
  });
  step(`Problems panel: ${problems.replace(/\s+/g, " ").trim()}`);
  const row = (await page.locator(".markers-panel .monaco-list-row", { hasText: "DJS401" }).first().innerText())
    .replace(/\s+/g, " ")
    .trim();
  if (!/DEBUG/.test(row) || !/Ln 5\b/.test(row)) {
    throw new Error(`DJS401 is not the DEBUG finding on line 5 of settings.py: ${row}`);
  }
  const tabs = await page.locator(".tabs-container .tab").allInnerTexts();
  if (tabs.some((t) => /settings\.py/.test(t))) {
    throw new Error(`settings.py was opened: tabs ${tabs}`);
  }
  await shot("02-problems-workspace");
}

/**
 * With the bundled binary gone (and no djsec.path, DJSEC_PATH or djsec on PATH), "djsec: Restart
 * server" tells the user how to install the server.
 */
async function notFound() {
  fs.rmSync(bundled);
  step("removed the bundled server; running djsec: Restart server");
  await page.keyboard.press("Escape");
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: STEP_MS });
  await input.fill(">djsec: Restart server");
  const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: "Restart server" }).first();
  await row.waitFor({ timeout: STEP_MS });
  await row.click();
  const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "was not found" }).first();
  await toast.waitFor({ timeout: 20_000 });
  const message = (await toast.innerText()).replace(/\s+/g, " ").trim();
  step(`notification: ${message}`);
  for (const needle of ["pip install djsec", "djsec.path"]) {
    if (!message.includes(needle)) {
      throw new Error(`the notification lacks "${needle}": ${message}`);
    }
  }
  await shot("08-server-not-found");
}

// Each part prints "RESULT <part> PASS|FAIL"; .ci/editors/test.sh turns them into its lines.
const PARTS = [
  ["bundled-server", bundledServer],
  ["workspace-diagnostics", workspace],
  ["quick-fix", quickFix],
  ["settings", settings],
  ["server-not-found", notFound],
];
let code = 0;
try {
  await setUp();
  for (const [name, run] of PARTS) {
    try {
      await run();
      console.log(`RESULT ${name} PASS`);
    } catch (err) {
      code = 1;
      console.error(`code-server e2e: ${name}: ${err.stack ?? err}`);
      await shot(`failure-${name}`);
      console.error(`Problems panel at failure:\n${await problemsText().catch(() => "?")}`);
      console.log(`RESULT ${name} FAIL ${String(err.message ?? err).split("\n")[0]}`);
      await page.keyboard.press("Escape").catch(() => {});
    }
  }
} catch (err) {
  code = 1;
  console.error(`code-server e2e: FAIL: ${err.stack ?? err}`);
  await shot("failure");
} finally {
  clearTimeout(guard);
  await cleanup();
}
step(code === 0 ? "PASS" : "FAIL");
process.exit(code);
