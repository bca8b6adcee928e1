"""initialize / initialized / shutdown / exit with `djsec server` found on PATH.

Usage: python3 lsp_handshake.py EXPECTED_VERSION [ROOT]
Exits 0 when the server names itself djsec EXPECTED_VERSION, answers shutdown and exits 0.
"""

import json
import os
import shutil
import subprocess
import sys


def send(proc, message):
    body = json.dumps(message).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def receive(proc):
    length = None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the server closed its output")
        line = line.strip()
        if not line:
            break
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return json.loads(proc.stdout.read(length))


def answer(proc, request_id):
    """Read until the response to `request_id`, answering the server's own requests."""
    while True:
        message = receive(proc)
        if "method" in message and "id" in message:
            send(proc, {"jsonrpc": "2.0", "id": message["id"], "result": None})
        elif message.get("id") == request_id:
            return message


def main():
    expected = sys.argv[1]
    root = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    exe = shutil.which("djsec")
    if exe is None:
        raise SystemExit("djsec is not on PATH")
    proc = subprocess.Popen(
        [exe, "server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    root_uri = "file://" + root if root else None
    send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"processId": os.getpid(), "rootUri": root_uri, "capabilities": {}}})
    init = answer(proc, 1)
    info = init.get("result", {}).get("serverInfo", {})
    if (info.get("name"), info.get("version")) != ("djsec", expected):
        raise SystemExit(f"unexpected serverInfo: {info}")
    if "textDocumentSync" not in init["result"].get("capabilities", {}):
        raise SystemExit(f"no textDocumentSync in {init}")
    send(proc, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
    send(proc, {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
    shutdown = answer(proc, 2)
    if "error" in shutdown:
        raise SystemExit(f"shutdown failed: {shutdown}")
    send(proc, {"jsonrpc": "2.0", "method": "exit", "params": None})
    code = proc.wait(timeout=10)
    if code != 0:
        raise SystemExit(f"the server exited with {code}")
    print(f"handshake with {exe}: serverInfo {info}, exit code {code}")


if __name__ == "__main__":
    main()
