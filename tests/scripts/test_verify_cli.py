"""`boltdiff verify` at the command line: usage errors exit 2 with exactly one line on stderr
(and nothing on stdout), secrets are never repeated, --help lists every option and the exit
codes, and the top-level help lists the command. These need no server: they stop before any
connection is attempted."""

import os
import subprocess
import unittest

BOLTDIFF = os.environ.get("BOLTDIFF") or os.path.join(
    os.environ.get("BOLTDIFF_BINARY_DIR", "build"), "boltdiff")


def run(*args):
    return subprocess.run([BOLTDIFF, *args], capture_output=True, text=True, timeout=30)


USAGE_ERRORS = [
    ([], "expected a baseline and at least one target instance"),
    (["bolt://a"], "expected at least one target instance after the baseline"),
    (["--bogus", "a", "b"], "unknown option --bogus"),
    (["--check", "counts", "a", "b"], "unknown option --check"),
    (["--checks", "counts,nope", "a", "b"], "--checks: unknown check 'nope'"),
    (["-j", "0", "a", "b"], "--parallel: expected an integer from 1 to 64, got '0'"),
    (["--sample-size", "x", "a", "b"], "--sample-size: expected an integer"),
    (["--format", "yaml", "a", "b"], "--format: expected text or json, got 'yaml'"),
    (["a", "b", "--junit"], "--junit needs a value"),
    (["--pushgateway", "https://gw", "a", "b"], "--pushgateway: only http:// URLs are supported"),
    (["--match-by-id", "--key", "P.x", "a", "b"], "--match-by-id and --key cannot be used together"),
    (["bolt://a", "http://b"], "instance 1 (target): unsupported URI scheme 'http'"),
]


class VerifyCli(unittest.TestCase):
    def test_usage_errors_exit_2_with_one_line(self):
        for args, message in USAGE_ERRORS:
            with self.subTest(args=args):
                p = run("verify", *args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertEqual(p.stdout, "")
                lines = p.stderr.splitlines()
                self.assertEqual(len(lines), 1, p.stderr)
                self.assertTrue(lines[0].startswith("boltdiff verify: "), lines[0])
                self.assertIn(message, lines[0])
                self.assertTrue(lines[0].endswith("(see 'boltdiff verify --help')"), lines[0])

    def test_secrets_are_never_repeated(self):
        secret = "Sup3rS3cret"
        for args in (["bolt://neo4j:%s@old:7687" % secret, "bolt://new"],
                     ["--password=%s" % secret, "a", "b"],
                     ["--password", secret, "a", "b"],
                     ["--pushgateway", "http://u:%s@gw" % secret, "a", "b"]):
            with self.subTest(args=args):
                p = run("verify", *args)
                self.assertEqual(p.returncode, 2)
                self.assertNotIn(secret, p.stderr + p.stdout)
                self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)

    def test_help_lists_options_and_exit_codes(self):
        p = run("verify", "--help")
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stderr, "")
        for word in ("usage: boltdiff verify [options] BASELINE TARGET...", "--checks",
                     "--sample-size", "--seed", "--key", "--match-by-id", "--parallel",
                     "--fetch-size", "--retries", "--connect-timeout", "--query-timeout",
                     "--format", "--junit", "--prometheus", "--pushgateway", "--quiet",
                     "--color", "Exit codes:", "0  success, no divergence",
                     "1  divergence found", "2  usage or configuration error",
                     "3  connection, TLS or authentication failure",
                     "4  server or protocol error"):
            self.assertIn(word, p.stdout)
        self.assertTrue(all(len(line) <= 80 for line in p.stdout.splitlines()))

    def test_top_level_help_lists_verify(self):
        p = run("--help")
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"\n  verify +compare a baseline with targets")


if __name__ == "__main__":
    unittest.main()
