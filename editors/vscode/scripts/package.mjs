// Package the extension for one platform with the djsec binary inside, as ruff-vscode does:
//
//   node scripts/package.mjs --target linux-x64 [--binary PATH] [--out FILE]
//
// The binary is copied to bundled/djsec (bundled/djsec.exe on Windows), where the extension looks
// after djsec.path and DJSEC_PATH, and `vsce package --target` writes djsec-<target>.vsix, which
// VS Code installs only on that platform. Default binary: target/<triple>/release/djsec from a
// cross build, else target/release/djsec when the target is this machine's platform. The binary's
// format (ELF, Mach-O, PE) must match the target.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const EXT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const REPO = path.resolve(EXT_ROOT, "..", "..");

/** VS Code's platform targets → Rust target triples and executable formats. */
export const TARGETS = {
  "linux-x64": { triple: "x86_64-unknown-linux-gnu", format: "elf" },
  "linux-arm64": { triple: "aarch64-unknown-linux-gnu", format: "elf" },
  "linux-armhf": { triple: "armv7-unknown-linux-gnueabihf", format: "elf" },
  "alpine-x64": { triple: "x86_64-unknown-linux-musl", format: "elf" },
  "alpine-arm64": { triple: "aarch64-unknown-linux-musl", format: "elf" },
  "darwin-x64": { triple: "x86_64-apple-darwin", format: "macho" },
  "darwin-arm64": { triple: "aarch64-apple-darwin", format: "macho" },
  "win32-x64": { triple: "x86_64-pc-windows-msvc", format: "pe" },
  "win32-arm64": { triple: "aarch64-pc-windows-msvc", format: "pe" },
};

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split("=", 2);
    if (!["--target", "--binary", "--out"].includes(key)) {
      fail(`unknown argument ${argv[i]} (use --target T [--binary PATH] [--out FILE])`);
    }
    out[key.slice(2)] = inline ?? argv[++i];
  }
  return out;
}

/** The executable format of a file, from its first bytes. */
export function formatOf(file) {
  const fd = fs.openSync(file, "r");
  const head = Buffer.alloc(4);
  fs.readSync(fd, head, 0, 4, 0);
  fs.closeSync(fd);
  if (head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return "elf";
  if (head[0] === 0x4d && head[1] === 0x5a) return "pe";
  const magic = head.readUInt32BE(0);
  if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic)) return "macho";
  return "unknown";
}

function hostTarget() {
  const arch = { x64: "x64", arm64: "arm64", arm: "armhf" }[process.arch];
  return `${process.platform}-${arch}`;
}

function main() {
  const opts = args(process.argv.slice(2));
  const target = opts.target;
  const spec = TARGETS[target];
  if (!spec) {
    fail(`--target must be one of ${Object.keys(TARGETS).join(", ")}`);
  }
  const exe = target.startsWith("win32") ? "djsec.exe" : "djsec";
  let binary = opts.binary && path.resolve(opts.binary);
  if (!binary) {
    const cross = path.join(REPO, "target", spec.triple, "release", exe);
    const native = path.join(REPO, "target", "release", exe);
    binary = fs.existsSync(cross) ? cross : target === hostTarget() ? native : cross;
  }
  if (!fs.existsSync(binary)) {
    fail(`no binary at ${binary} (cargo build --release --target ${spec.triple}, or pass --binary)`);
  }
  const format = formatOf(binary);
  if (format !== spec.format) {
    fail(`${binary} is ${format}, not the ${spec.format} executable ${target} needs`);
  }
  const out = path.resolve(opts.out ?? path.join(EXT_ROOT, `djsec-${target}.vsix`));
  const bundled = path.join(EXT_ROOT, "bundled");
  fs.rmSync(bundled, { recursive: true, force: true });
  fs.mkdirSync(bundled);
  try {
    fs.copyFileSync(binary, path.join(bundled, exe));
    fs.chmodSync(path.join(bundled, exe), 0o755);
    const vsce = path.join(EXT_ROOT, "node_modules", ".bin", process.platform === "win32" ? "vsce.cmd" : "vsce");
    const run = spawnSync(vsce, ["package", "--no-dependencies", "--target", target, "--out", out], {
      cwd: EXT_ROOT,
      stdio: "inherit",
    });
    if (run.status !== 0) {
      fail(`vsce package exited ${run.status}`);
    }
  } finally {
    fs.rmSync(bundled, { recursive: true, force: true });
  }
  console.log(`package: ${out} (${target}, server ${binary})`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}
