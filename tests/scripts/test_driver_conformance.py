"""The fixture server checked by the official Neo4j JavaScript driver (npm neo4j-driver).

Each driver major connects to every persona it can speak to: 4.4 to 3.5 (Bolt 3) and 4.4;
5.28 to 4.4 (Bolt 4.4), 5 and 2025 (Bolt 5.x); 6.x to 5 and 2025 through the manifest
handshake (Bolt 5.8 and 6.0). scripts/conformance/check.js runs the checks (authentication,
every value type, graph entities, routing over neo4j://, rejected syntax); this test starts the
servers and asserts every pair passes. The packages are pinned by scripts/conformance/
package-lock.json and installed by scripts/test.sh with npm ci.
"""

import os
import subprocess
import unittest

from fixture_util import SOURCE_DIR, FixtureServer

CONFORMANCE = os.path.join(SOURCE_DIR, "scripts", "conformance")

# (driver major, persona, Bolt version the pair must negotiate, extra server args)
PAIRS = [
    ("4", "3.5", "3.0", ["--cluster"]),
    ("4", "4.4", "4.4", []),
    ("5", "4.4", "4.4", []),
    ("5", "5", "5.8", []),
    ("5", "2025", "5.8", []),
    ("6", "5", "5.8", []),
    ("6", "2025", "6.0", []),
]


class DriverConformance(unittest.TestCase):
    def test_pairs(self):
        self.assertTrue(os.path.isdir(os.path.join(CONFORMANCE, "node_modules")),
                        "run scripts/test.sh (npm ci in scripts/conformance) first")
        env = dict(os.environ, CONFORMANCE_PASSWORD="pass", CONFORMANCE_USER="neo4j")
        for major, persona, bolt, extra in PAIRS:
            with self.subTest(driver=major, persona=persona):
                with FixtureServer(persona, "--auth-file", self._auth_file(), *extra) as srv:
                    cmd = ["node", "check.js", "--driver", major, "--persona", persona,
                           "--uri", srv.uri("bolt"), "--routing-uri", srv.uri("neo4j"),
                           "--expect-bolt", bolt]
                    if persona != "3.5":
                        cmd += ["--database", "neo4j"]
                    out = subprocess.run(cmd, cwd=CONFORMANCE, env=env, capture_output=True,
                                         text=True, timeout=120)
                    print(out.stdout)
                    self.assertEqual(out.returncode, 0,
                                     f"driver {major} vs persona {persona}:\n{out.stdout}{out.stderr}"
                                     f"\nserver log:\n{''.join(srv.stderr_lines[-30:])}")

    def _auth_file(self):
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"conformance-auth-{os.getpid()}")
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.write("neo4j:pass\n")
            self.addCleanup(lambda: os.path.exists(path) and os.unlink(path))
        return path


if __name__ == "__main__":
    unittest.main()
