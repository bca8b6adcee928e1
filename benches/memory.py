#!/usr/bin/env python3
"""The language server's resident memory with a whole project indexed and files open.

Starts `djsec server` over stdio on PROJECT (the workspace folder), waits until the server logs
that its project index is built, opens OPEN files one by one (the largest views modules and
templates, alternately) and waits for the diagnostics of each, then reads the server's VmRSS and
VmHWM (peak) from /proc/PID/status. Prints one line per stage.

    benches/memory.py --bin target/release/djsec --project DIR [--open 20]

`benches/memory.sh` generates the project and runs this (see docs/performance.md, "Memory").
"""

import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024  # MiB
    return fields


class Server:
    def __init__(self, binary, root):
        env = dict(os.environ, DJSEC_LOG="info")
        self.proc = subprocess.Popen(
            [binary, "server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=root,
            env=env,
        )
        self.messages = queue.Queue()
        self.logs = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._log, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            if length is None:
                continue
            self.messages.put(json.loads(out.read(length)))

    def _log(self):
        for line in self.proc.stderr:
            self.logs.put(line.decode("utf-8", "replace"))

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, predicate, timeout=600):
        deadline = time.time() + timeout
        while True:
            message = self.messages.get(timeout=max(0.1, deadline - time.time()))
            if message.get("method") in ("window/workDoneProgress/create", "client/registerCapability",
                                         "workspace/configuration") and "id" in message:
                result = [{}] if message["method"] == "workspace/configuration" else None
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})
                continue
            if predicate(message):
                return message

    def wait_log(self, needle, timeout=600):
        deadline = time.time() + timeout
        while True:
            line = self.logs.get(timeout=max(0.1, deadline - time.time()))
            if needle in line:
                return line


def pick_files(root, count):
    views, templates = [], []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            path = os.path.join(dirpath, name)
            if name == "views.py":
                views.append((os.path.getsize(path), path))
            elif name.endswith(".html"):
                templates.append((os.path.getsize(path), path))
    views.sort(reverse=True)
    templates.sort(reverse=True)
    picked = []
    while len(picked) < count and (views or templates):
        for pool in (views, templates):
            if pool and len(picked) < count:
                picked.append(pool.pop(0)[1])
    return picked


def count_lines(root):
    files = lines = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name.endswith(".py") or name.endswith(".html"):
                files += 1
                with open(os.path.join(dirpath, name), "rb") as f:
                    lines += f.read().count(b"\n")
    return files, lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--open", type=int, default=20)
    args = parser.parse_args()
    root = os.path.abspath(args.project)
    files, lines = count_lines(root)
    print(f"project: {root}: {files} .py and .html files, {lines} lines")
    server = Server(os.path.abspath(args.bin), root)
    pid = server.proc.pid
    uri = "file://" + root
    started = time.time()
    server.request("initialize", {
        "processId": os.getpid(),
        "rootUri": uri,
        "workspaceFolders": [{"uri": uri, "name": "project"}],
        "capabilities": {"textDocument": {"publishDiagnostics": {}}},
    })
    server.notify("initialized", {})
    print(f"after initialize: {status(pid)}")
    line = server.wait_log("project index of")
    print(f"index built in {time.time() - started:.1f} s: {line.strip()[-120:]}")
    time.sleep(0.5)
    print(f"indexed, no file open: {status(pid)}")
    opened = pick_files(root, args.open)
    for i, path in enumerate(opened, 1):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        file_uri = "file://" + path
        language = "python" if path.endswith(".py") else "django-html"
        server.notify("textDocument/didOpen", {"textDocument": {
            "uri": file_uri, "languageId": language, "version": 1, "text": text}})
        server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == file_uri)
    time.sleep(0.5)
    final = status(pid)
    print(f"indexed, {len(opened)} files open: {final}")
    print(f"RESULT rss_mib={final['VmRSS']:.1f} peak_mib={final['VmHWM']:.1f} "
          f"files={files} lines={lines} open={len(opened)} budget_mib=300")
    server.request("shutdown", None)
    server.notify("exit", None)
    server.proc.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
