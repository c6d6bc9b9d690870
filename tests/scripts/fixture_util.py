"""Shared helpers for script-level tests: start the fixture server, find the boltdiff binary.

    with FixtureServer("5", "--graph", path) as srv:
        srv.port, srv.uri("bolt")
"""

import os
import subprocess
import sys
import threading

SOURCE_DIR = os.environ.get(
    "BOLTDIFF_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
SERVER = os.path.join(SOURCE_DIR, "scripts", "fixture-server")
BOLTDIFF = os.environ.get("BOLTDIFF", os.path.join(SOURCE_DIR, "build", "release", "boltdiff"))


class FixtureServer:
    """A fixture server on an ephemeral port for the duration of a with-block."""

    def __init__(self, persona, *args, env=None):
        self.persona = persona
        self.args = list(args)
        self.env = env
        self.proc = None
        self.port = None
        self.stderr_lines = []

    def __enter__(self):
        cmd = [sys.executable, SERVER, "--persona", self.persona, "--port", "0"] + self.args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=self.env)
        line = self.proc.stdout.readline()
        if not line.startswith("listening "):
            err = self.proc.stderr.read()
            self.proc.kill()
            raise RuntimeError(f"fixture server did not start: {line!r} {err}")
        self.port = int(line.rsplit(":", 1)[1])
        # Drain stderr so a chatty server never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def uri(self, scheme="bolt", host="127.0.0.1"):
        return f"{scheme}://{host}:{self.port}"

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return False
