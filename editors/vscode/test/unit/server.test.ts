import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  bundledPath,
  expandPath,
  findServer,
  INSTALL_HINT,
  LookupError,
  notFoundMessage,
  pathCandidates,
  repairBundled,
  serverExecutable,
  SOURCE_LABEL,
} from "../../src/server";

const EXT = "/ext";
const BUNDLED = "/ext/bundled/djsec";

/** A fake file system: only `files` are executables. */
function lookup(files: string[], env: Record<string, string>, settingPath = "", workspaceFolder?: string) {
  return findServer({
    env,
    settingPath,
    extensionPath: EXT,
    workspaceFolder,
    platform: "linux",
    isExecutable: (f) => files.includes(f),
  });
}

describe("findServer order", () => {
  const all = ["/env/djsec", "/setting/djsec", BUNDLED, "/usr/bin/djsec"];
  const env = { DJSEC_PATH: "/env/djsec", PATH: "/usr/bin", HOME: "/home/u" };

  it("prefers the djsec.path setting over everything", () => {
    assert.deepEqual(lookup(all, env, "/setting/djsec"), { path: "/setting/djsec", source: "setting" });
  });

  it("then DJSEC_PATH", () => {
    assert.deepEqual(lookup(all, env), { path: "/env/djsec", source: "env" });
  });

  it("then the bundled binary", () => {
    assert.deepEqual(lookup(all, { PATH: "/usr/bin" }), { path: BUNDLED, source: "bundled" });
  });

  it("then PATH, first directory that has it", () => {
    const files = ["/opt/b/djsec", "/usr/bin/djsec"];
    assert.deepEqual(lookup(files, { PATH: "/opt/a:/opt/b:/usr/bin" }), {
      path: "/opt/b/djsec",
      source: "path",
    });
  });

  it("returns undefined when nothing is found", () => {
    assert.equal(lookup([], { PATH: "/usr/bin:/bin" }), undefined);
  });

  it("treats a blank DJSEC_PATH and a blank setting as unset", () => {
    assert.deepEqual(lookup(["/usr/bin/djsec"], { DJSEC_PATH: "  ", PATH: "/usr/bin" }, " "), {
      path: "/usr/bin/djsec",
      source: "path",
    });
  });
});

describe("findServer with wrong explicit paths", () => {
  it("does not fall back when DJSEC_PATH is not executable", () => {
    assert.throws(
      () => lookup(["/usr/bin/djsec"], { DJSEC_PATH: "/nope/djsec", PATH: "/usr/bin" }),
      (e: unknown) => e instanceof LookupError && /DJSEC_PATH.*\/nope\/djsec/.test(e.message),
    );
  });

  it("does not fall back when djsec.path is not executable", () => {
    assert.throws(
      () => lookup([BUNDLED], { PATH: "" }, "/missing/djsec"),
      (e: unknown) => e instanceof LookupError && /djsec\.path.*\/missing\/djsec/.test(e.message),
    );
  });

  it("looks a bare command name in the setting up on PATH", () => {
    assert.deepEqual(lookup(["/opt/bin/djsec-dev"], { PATH: "/opt/bin" }, "djsec-dev"), {
      path: "/opt/bin/djsec-dev",
      source: "setting",
    });
    assert.throws(() => lookup([], { PATH: "/opt/bin" }, "djsec-dev"), /not on PATH/);
  });
});

describe("path expansion", () => {
  it("expands ~ in the setting", () => {
    assert.deepEqual(lookup(["/home/u/.cargo/bin/djsec"], { HOME: "/home/u" }, "~/.cargo/bin/djsec"), {
      path: "/home/u/.cargo/bin/djsec",
      source: "setting",
    });
  });

  it("resolves a relative setting against the workspace folder", () => {
    assert.equal(expandPath("target/release/djsec", {}, "/proj"), path.join("/proj", "target/release/djsec"));
    assert.deepEqual(lookup(["/proj/target/release/djsec"], {}, "./target/release/djsec", "/proj"), {
      path: "/proj/target/release/djsec",
      source: "setting",
    });
  });
});

describe("PATH candidates", () => {
  it("skips empty entries", () => {
    assert.deepEqual(pathCandidates("djsec", { PATH: "/a::/b:" }, "linux"), ["/a/djsec", "/b/djsec"]);
  });

  it("adds PATHEXT suffixes on Windows", () => {
    assert.deepEqual(pathCandidates("djsec", { PATH: "C:\\bin", PATHEXT: ".EXE;.CMD" }, "win32"), [
      "C:\\bin\\djsec.exe",
      "C:\\bin\\djsec.cmd",
    ]);
  });

  it("uses bundled/djsec.exe on Windows", () => {
    const found = findServer({
      env: {},
      settingPath: "",
      extensionPath: "/ext",
      platform: "win32",
      isExecutable: (f) => f === path.join("/ext", "bundled", "djsec.exe"),
    });
    assert.equal(found?.source, "bundled");
  });
});

describe("the real file check", () => {
  it("accepts an executable file and refuses a plain file and a directory", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "djsec-lookup-"));
    try {
      const exe = path.join(dir, "djsec");
      const plain = path.join(dir, "plain");
      fs.writeFileSync(exe, "#!/bin/sh\n", { mode: 0o755 });
      fs.writeFileSync(plain, "", { mode: 0o644 });
      const env = { PATH: dir };
      assert.deepEqual(findServer({ env, settingPath: "", extensionPath: "/nonexistent" }), {
        path: exe,
        source: "path",
      });
      if (process.platform !== "win32" && process.getuid?.() !== 0) {
        assert.throws(() => findServer({ env: {}, settingPath: plain, extensionPath: "/x" }), LookupError);
      }
      assert.throws(() => findServer({ env: {}, settingPath: dir, extensionPath: "/x" }), LookupError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the not-found message", () => {
  it("names every place checked and both install commands", () => {
    const m = notFoundMessage();
    for (const needle of [
      "DJSEC_PATH",
      "djsec.path",
      "bundled",
      "PATH",
      "pip install djsec",
      "uv tool install djsec",
      "cargo install --path . --locked",
    ]) {
      assert.ok(m.includes(needle), `missing ${needle}: ${m}`);
    }
    assert.ok(m.includes(INSTALL_HINT));
  });
});

describe("the server command", () => {
  it("is `djsec server` over stdio with no extra arguments", () => {
    const exe = serverExecutable({ path: "/usr/bin/djsec", source: "path" }, { HOME: "/h" });
    assert.deepEqual(exe, { command: "/usr/bin/djsec", args: ["server"], options: { env: { HOME: "/h" } } });
    // A `transport` of TransportKind.stdio would make vscode-languageclient add `--stdio`.
    assert.ok(!("transport" in exe));
  });
});

describe("the bundled binary", () => {
  it("lives in bundled/ and is made executable when unpacking lost the mode bits", () => {
    const ext = fs.mkdtempSync(path.join(os.tmpdir(), "djsec-ext-"));
    try {
      assert.equal(repairBundled(ext), false, "nothing to repair without a bundled binary");
      fs.mkdirSync(path.join(ext, "bundled"));
      const exe = bundledPath(ext);
      assert.equal(exe, path.join(ext, "bundled", process.platform === "win32" ? "djsec.exe" : "djsec"));
      fs.writeFileSync(exe, "#!/bin/sh\n", { mode: 0o644 });
      if (process.platform !== "win32") {
        assert.equal(repairBundled(ext), true);
        assert.equal(fs.statSync(exe).mode & 0o111, 0o111);
        assert.equal(repairBundled(ext), false, "already executable");
      }
      assert.deepEqual(findServer({ env: { PATH: "" }, settingPath: "", extensionPath: ext }), {
        path: exe,
        source: "bundled",
      });
    } finally {
      fs.rmSync(ext, { recursive: true, force: true });
    }
  });

  it("every source has a label for the output channel", () => {
    assert.deepEqual(Object.keys(SOURCE_LABEL).sort(), ["bundled", "env", "path", "setting"]);
    assert.match(SOURCE_LABEL.bundled, /bundled with the extension/);
  });
});
