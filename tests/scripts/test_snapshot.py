"""End to end: `boltdiff snapshot` and snapshot files as verify instances (fixture personas).

* Round trip: a snapshot of the demo graph on the 3.5 persona (Bolt 3), verified against the
  same live server, gives exit 0 and every default check "same" (the sample included: the live
  side looked up the snapshot's keys).
* A snapshot made with Bolt 3 from the 3.5 persona against the 4.4 and 5 personas (same graph):
  no divergence, as live against live.
* Against each mutated persona (fixtures/mutations/*.json), a snapshot finds exactly what the
  live baseline finds with the same seed (the same report, divergence for divergence), exit 1,
  and the planted node named in the sample check; snapshot against snapshot too.
* Every bad file (truncated, corrupt, wrong magic, newer format version, wrong checksum, empty,
  a directory, a path that does not exist), as baseline or as target: exit 2 and one line.
* `boltdiff snapshot` refuses bad usage with exit 2, fails with 3 on an unreachable server or a
  wrong password and then writes nothing; a written file is 0600 with no temporary file left.
"""

import json
import os
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fixture_util import BOLTDIFF, SOURCE_DIR, FixtureServer  # noqa: E402

MUTATIONS = os.path.join(SOURCE_DIR, "fixtures", "mutations")
PASSWORD = "Wombat-Secret-3"  # must never show up in any output
SEED = "424242"
# Events have no uniqueness constraint: keyed explicitly so that the planted Event changes are
# sampled too (the snapshot and every verify must use the same --key options).
KEYS = ("--key", "Event.kind")


def run(*args, env=None, timeout=300):
    e = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    e.update({"NEO4J_USERNAME": "neo4j", "NEO4J_PASSWORD": PASSWORD})
    if env:
        e.update(env)
    p = subprocess.run([BOLTDIFF, *args], capture_output=True, text=True, env=e, timeout=timeout)
    assert PASSWORD not in p.stdout + p.stderr, "the password was printed"
    return p


def server(persona, *args):
    return FixtureServer(persona, "--auth", "neo4j:" + PASSWORD, *args)


def snapshot(uri, path, *args):
    p = run("snapshot", "--seed", SEED, "--quiet", uri, "-o", path, *args)
    if p.returncode != 0:
        raise AssertionError(f"snapshot failed ({p.returncode}): {p.stderr}")
    return p


def verify(*args):
    p = run("verify", "--format", "json", "--color", "never", "--seed", SEED, *args)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        raise AssertionError(f"no JSON report (exit {p.returncode}): {p.stdout!r} {p.stderr!r}")
    return p, doc


def divergences(doc, severities=("drift", "ambiguous", "expected")):
    return sorted((d["check"], d["severity"], d["kind"], d["subject"], d["baseline_value"],
                   d["target_value"]) for d in doc["divergences"] if d["severity"] in severities)


def statuses(doc):
    return {c["check"]: c["status"] for c in doc["checks"]}


class RoundTrip(unittest.TestCase):
    def test_snapshot_then_verify_against_the_same_instance(self):
        with tempfile.TemporaryDirectory() as tmp, server("3.5") as s:
            path = os.path.join(tmp, "before.snap")
            p = run("snapshot", "--seed", SEED, s.uri(), "-o", path)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("wrote " + path, p.stdout)
            self.assertEqual(os.listdir(tmp), ["before.snap"])  # no temporary file left
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            with open(path, "rb") as f:
                head = f.read(16)
            self.assertEqual(head[:14], b"BOLTDIFF-SNAP\0")
            self.assertEqual(int.from_bytes(head[14:16], "big"), 1)
            for order in ((path, s.uri()), (s.uri(), path)):
                p, doc = verify(*order)
                self.assertEqual(p.returncode, 0, (p.stderr, divergences(doc)))
                self.assertEqual(divergences(doc), [])
                st = statuses(doc)
                for check in ("inventory", "tokens", "counts", "schema", "coverage", "sample"):
                    self.assertEqual(st.get(check), "same", (check, doc["checks"]))
            # the snapshot's instance shows the server it was taken from
            self.assertTrue(doc["instances"][1]["version"].startswith("3.5."), doc["instances"])

    def test_bolt3_snapshot_of_35_against_44_and_5(self):
        with tempfile.TemporaryDirectory() as tmp, server("3.5") as s35, server("4.4") as s44, \
                server("5") as s5:
            path = os.path.join(tmp, "35.snap")
            snapshot(s35.uri(), path, "--bolt", "3")
            p, live = verify(s35.uri(), s44.uri(), s5.uri())
            p2, doc = verify(path, s44.uri(), s5.uri())
            self.assertEqual(p2.returncode, 0, (p2.stderr, divergences(doc)))
            self.assertEqual(doc["instances"][0]["bolt_version"], "3.0")
            self.assertEqual([d for d in divergences(doc) if d[1] == "drift"], [])
            for c in doc["checks"]:
                self.assertEqual(c["status"], "same", c)
            # exactly what the live 3.5 baseline finds (expected schema changes included)
            self.assertEqual(divergences(doc), divergences(live))

    def test_all_checks_snapshot_against_snapshot(self):
        """Full-check digests are stored and compared between snapshots."""
        with tempfile.TemporaryDirectory() as tmp, server("3.5") as s35, server("5") as s5:
            a, b = os.path.join(tmp, "35.snap"), os.path.join(tmp, "5.snap")
            snapshot(s35.uri(), a, "--checks", "all")
            snapshot(s5.uri(), b, "--checks", "all")
            p, doc = verify("--checks", "all", a, b)
            self.assertEqual(p.returncode, 0, (p.stderr, divergences(doc)))
            for c in doc["checks"]:
                self.assertEqual(c["status"], "same", c)


class Mutations(unittest.TestCase):
    """Baseline: a snapshot of the clean demo graph on 3.5. Targets: the graph with one planted
    change on the 5 persona. The oracle is the live 3.5 baseline with the same seed."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.base = server("3.5").__enter__()
        cls.snap = os.path.join(cls.tmp.name, "clean35.snap")
        snapshot(cls.base.uri(), cls.snap, *KEYS)

    @classmethod
    def tearDownClass(cls):
        cls.base.__exit__(None, None, None)
        cls.tmp.cleanup()

    def planted_nodes(self, path):
        with open(path) as f:
            muts = json.load(f)["mutations"]
        out = []
        for m in muts:
            for ref in (m.get("node"), m.get("start")):
                if ref:
                    v = ref["value"]
                    out.append((ref["label"], ref["key"], json.dumps(v) if isinstance(v, str)
                                else str(v)))
        return out

    def test_each_mutation(self):
        names = sorted(f for f in os.listdir(MUTATIONS) if f.endswith(".json"))
        self.assertGreaterEqual(len(names), 8)
        for name in names:
            path = os.path.join(MUTATIONS, name)
            with self.subTest(mutation=name), server("5", "--mutate", path) as target:
                p_live, live = verify(*KEYS, self.base.uri(), target.uri())
                p, doc = verify(*KEYS, self.snap, target.uri())
                self.assertEqual(p.returncode, 1, (name, p.stderr, divergences(doc)))
                self.assertEqual(p.returncode, p_live.returncode)
                found = divergences(doc)
                self.assertTrue([d for d in found if d[1] == "drift"], name)
                # exactly the live baseline's findings, divergence for divergence
                self.assertEqual(found, divergences(live), name)
                self.assertEqual(statuses(doc), statuses(live), name)
                # the planted node is named by the sample check
                sample_subjects = [d[3] for d in found if d[0] == "sample"]
                for label, key, value in self.planted_nodes(path):
                    self.assertTrue(any(label in s and f"{key}: {value}" in s
                                        for s in sample_subjects),
                                    (name, label, key, value, sample_subjects))

    def test_snapshot_against_snapshot(self):
        """--sample-from: the second snapshot looks up the first one's keys, so the two compare
        node for node, exactly as the live instances would."""
        path = os.path.join(MUTATIONS, "demo-drift.json")
        with server("5", "--mutate", path) as target:
            after = os.path.join(self.tmp.name, "drift5.snap")
            snapshot(target.uri(), after, "--sample-from", self.snap, *KEYS)
            p_live, live = verify(*KEYS, self.base.uri(), target.uri())
            p, doc = verify(*KEYS, self.snap, after)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(divergences(doc), divergences(live))
        self.assertEqual(statuses(doc), statuses(live))
        self.assertIn(("sample", "drift", "missing_node", "(:Person {uid: 1042})", "present",
                       None), divergences(doc))

    def test_independent_snapshots_compare_the_keys_they_share(self):
        """Without --sample-from each snapshot sampled on its own: a key one of them never
        looked up is not called missing; the deleted node still shows in the counts."""
        path = os.path.join(MUTATIONS, "missing-node.json")
        with server("5", "--mutate", path) as target:
            after = os.path.join(self.tmp.name, "missing5.snap")
            snapshot(target.uri(), after, *KEYS)
        p = run("verify", "--format", "json", "--color", "never", *KEYS, self.snap, after)
        doc = json.loads(p.stdout)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("sampled different keys", p.stderr)
        found = divergences(doc)
        self.assertIn(("counts", "drift"), [d[:2] for d in found])
        # never "missing" for a key the other snapshot did not look up; the neighbours of the
        # deleted node still show their lost relationships
        self.assertEqual([d for d in found if d[2] in ("missing_node", "extra_node")], [])
        self.assertIn("relationships_changed", [d[2] for d in found if d[0] == "sample"])


class BadFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.srv = server("5").__enter__()
        cls.good = os.path.join(cls.tmp.name, "good.snap")
        snapshot(cls.srv.uri(), cls.good)
        with open(cls.good, "rb") as f:
            cls.bytes = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)
        cls.tmp.cleanup()

    def write(self, name, data):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def expect_exit_2(self, path, words):
        for args in ((path, self.srv.uri()), (self.srv.uri(), path)):
            p = run("verify", "--color", "never", *args)
            self.assertEqual(p.returncode, 2, (path, p.stdout, p.stderr))
            lines = p.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, p.stderr)
            self.assertTrue(lines[0].startswith("boltdiff verify: instance "), lines[0])
            for w in words:
                self.assertIn(w, lines[0])
            self.assertEqual(p.stdout, "")

    def test_truncated(self):
        b = self.bytes
        for cut in (1, 20, 39, 40, len(b) // 2, len(b) - 1):
            self.expect_exit_2(self.write(f"cut{cut}.snap", b[:cut]), ["truncated"])

    def test_corrupt_payload(self):
        b = bytearray(self.bytes)
        b[60:80] = bytes(20)
        self.expect_exit_2(self.write("corrupt.snap", bytes(b)), ["checksum mismatch"])

    def test_wrong_checksum(self):
        b = bytearray(self.bytes)
        b[30] ^= 0x01
        self.expect_exit_2(self.write("sum.snap", bytes(b)), ["checksum mismatch"])

    def test_wrong_magic(self):
        self.expect_exit_2(self.write("magic.snap", b"BOLTDIFF-SNAQ" + self.bytes[13:]),
                           ["not a boltdiff snapshot"])
        self.expect_exit_2(os.path.join(SOURCE_DIR, "fixtures", "graphs", "demo.json"),
                           ["not a boltdiff snapshot"])

    def test_newer_version(self):
        b = bytearray(self.bytes)
        b[14:16] = (2).to_bytes(2, "big")
        self.expect_exit_2(self.write("v2.snap", bytes(b)), ["version 2", "version 1"])

    def test_empty_directory_and_missing(self):
        self.expect_exit_2(self.write("empty.snap", b""), ["empty file"])
        self.expect_exit_2(self.tmp.name, ["not a regular file"])
        self.expect_exit_2(os.path.join(self.tmp.name, "nope.snap"),
                           ["neither a URI", "nor an existing snapshot file"])

    def test_good_file_still_reads(self):
        p, doc = verify(self.good, self.srv.uri())
        self.assertEqual(p.returncode, 0, p.stderr)


class SnapshotCommand(unittest.TestCase):
    def one_line(self, p, code, *words):
        self.assertEqual(p.returncode, code, (p.stdout, p.stderr))
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertTrue(lines[0].startswith("boltdiff snapshot: "), lines[0])
        for w in words:
            self.assertIn(w, lines[0])

    def test_usage_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "x.snap")
            self.one_line(run("snapshot", "bolt://127.0.0.1:1"), 2, "-o FILE is required")
            self.one_line(run("snapshot", "-o", out), 2, "expected the URI")
            self.one_line(run("snapshot", "bolt://a:1", "bolt://b:1", "-o", out), 2,
                          "expected one instance, got 2")
            self.one_line(run("snapshot", os.path.join(tmp, "old.snap"), "-o", out), 2,
                          "expected the URI of a live instance")
            self.one_line(run("snapshot", "bolt://a:1", "-o", out, "--junit", "j.xml"), 2,
                          "--junit is an option of 'boltdiff verify'")
            self.one_line(run("snapshot", "bolt://a:1", "-o", os.path.join(tmp, "no", "x.snap")),
                          2, "cannot write in")
            self.one_line(run("snapshot", "bolt://a:1", "-o", tmp), 2, "is a directory")
            self.one_line(run("snapshot", "bolt://neo4j:" + PASSWORD + "@a:1", "-o", out), 2,
                          "password in the URI is refused")
            self.assertEqual(os.listdir(tmp), [])
            p = run("snapshot", "--help")
            self.assertEqual(p.returncode, 0)
            self.assertIn("usage: boltdiff snapshot", p.stdout)
            self.assertIn("Exit codes:", p.stdout)

    def test_connection_failures_write_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "x.snap")
            # a port nothing listens on: take one from a server that is gone
            with server("5") as s:
                gone = s.uri()
            p = run("snapshot", "--quiet", "--retries", "0", "--connect-timeout", "2s", gone,
                    "-o", out)
            self.one_line(p, 3, "no snapshot written")
            with server("5") as s:
                p = run("snapshot", "--quiet", s.uri(), "-o", out,
                        env={"NEO4J_PASSWORD": "wrong-" + PASSWORD[::-1]})
            self.one_line(p, 3, "no snapshot written")
            self.assertEqual(os.listdir(tmp), [])

    def test_overwrite_is_atomic_and_complete(self):
        with tempfile.TemporaryDirectory() as tmp, server("4.4") as s:
            out = os.path.join(tmp, "x.snap")
            snapshot(s.uri(), out, "--checks", "counts")
            small = os.path.getsize(out)
            snapshot(s.uri(), out)
            self.assertGreater(os.path.getsize(out), small)
            self.assertEqual(os.listdir(tmp), ["x.snap"])
            # a snapshot that lacks checks: those are skipped, not failed
            snapshot(s.uri(), out, "--checks", "counts")
            p, doc = verify(out, s.uri())
            self.assertEqual(p.returncode, 0, p.stderr)
            st = statuses(doc)
            self.assertEqual(st["counts"], "same")
            self.assertEqual(st["schema"], "skipped")
            reason = [c.get("reason") for c in doc["checks"] if c["check"] == "schema"][0]
            self.assertIn("not in the snapshot", reason or "")


if __name__ == "__main__":
    unittest.main(verbosity=2)
