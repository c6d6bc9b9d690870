"""End to end: `boltdiff verify` against fixture servers (scripts/fixture-server).

* The demo graph served by 3.5, 4.4 (with and without the utc patch), 5 and 2025 is the same
  everywhere: exit 0, every default check "same", whatever --parallel is.
* Each planted divergence (fixtures/mutations/*.json) on a target gives exit 1 and exactly the
  divergences an independent oracle predicts: the oracle reads the same graph files with the
  fixture's graph module and counts labels, types, (label)-[type]->() pairs and property
  coverage by brute force, so it shares no code with the C client or the Cypher engine.
* Faults: a connection dropped in the middle of a result (drop-after-records:N) and a
  Neo.TransientError (transient:N) are retried and give exactly the clean run's report (the
  access log shows that the failed query really ran twice: nothing was counted twice).
* Every query boltdiff sends is a read (access mode "r" in the server's access log).
* The coverage walk over sparse and shifted id spaces (--partition-size, id gaps, ids starting
  far from 0: the min/max id fallback) measures what a dense store gives.
* Bad options, an unknown label in --key, unreachable instances and a wrong password give their
  exit codes with one clear line, and the password never appears in any output.
"""

import collections
import json
import os
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = os.environ.get(
    "BOLTDIFF_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fixture.graph import load_graph  # noqa: E402
from fixture_util import BOLTDIFF, FixtureServer  # noqa: E402

DEMO = os.path.join(SOURCE_DIR, "fixtures", "graphs", "demo.json")
MUTATIONS = os.path.join(SOURCE_DIR, "fixtures", "mutations")
PASSWORD = "Quokka-Secret-7"  # must never show up in any output
MY_CHECKS = "inventory,tokens,counts,schema,coverage"


def run(*args, env=None, timeout=300):
    e = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    e.update({"NEO4J_USERNAME": "neo4j", "NEO4J_PASSWORD": PASSWORD})
    if env:
        e.update(env)
    return subprocess.run([BOLTDIFF, *args], capture_output=True, text=True, env=e,
                          timeout=timeout)


def verify_json(*args, **kw):
    p = run("verify", "--format", "json", "--color", "never", *args, **kw)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        raise AssertionError(f"no JSON report (exit {p.returncode}): {p.stdout!r} {p.stderr!r}")
    return p, doc


class Server(FixtureServer):
    def __exit__(self, *exc):
        r = super().__exit__(*exc)
        for f in (self.proc.stdout, self.proc.stderr):
            if f:
                f.close()
        return r


def server(persona, *args):
    return Server(persona, "--auth", "neo4j:" + PASSWORD, *args)


def drift(doc):
    return sorted((d["check"], d["kind"], d["subject"], d["baseline_value"], d["target_value"])
                  for d in doc["divergences"] if d["severity"] == "drift")


def stable(doc):
    """The report without what differs between two runs of the same thing."""
    return ([{k: v for k, v in d.items()} for d in doc["divergences"]],
            [(c["check"], c["target"], c["status"], c["divergences"]) for c in doc["checks"]],
            doc["summary"])


# ---- the oracle ------------------------------------------------------------------------------

def ident(name):
    plain = name and not name[0].isdigit() and all(c.isalnum() and c.isascii() or c == "_"
                                                    for c in name)
    return name if plain else "`" + name.replace("`", "``") + "`"


def oracle(graph, mutate=None):
    """What boltdiff's counts, tokens and coverage checks must find, by brute force."""
    g = load_graph(graph, mutate)
    m = {"labels": collections.Counter(), "types": collections.Counter(),
         "pairs": collections.Counter(), "cov": collections.Counter(), "nodes": 0, "rels": 0}
    labels_of = {}
    for nid in g.node_ids():
        n = g.node(nid)
        m["nodes"] += 1
        labels_of[nid] = n.labels
        for lab in n.labels:
            m["labels"][lab] += 1
            for k in n.props:
                m["cov"][f"(:{ident(lab)}).{ident(k)}"] += 1
    for rid in g.rel_ids():
        r = g.relationship(rid)
        m["rels"] += 1
        m["types"][r.type] += 1
        for k in r.props:
            m["cov"][f"[:{ident(r.type)}].{ident(k)}"] += 1
        for lab in labels_of[r.start]:
            m["pairs"][f"(:{ident(lab)})-[:{ident(r.type)}]->()"] += 1
        for lab in labels_of[r.end]:
            m["pairs"][f"()-[:{ident(r.type)}]->(:{ident(lab)})"] += 1
    m["schema"] = sorted((rule.label, tuple(rule.properties), rule.kind)
                         for rule in g.index_rules()) if hasattr(g, "index_rules") else []
    return m


def expected_drift(a, b):
    """(check, subject) of every drift divergence between two oracle measurements."""
    out = set()
    for key, what in (("labels", "label"), ("types", "relationship type")):
        for t in set(a[key]) ^ set(b[key]):
            out.add(("tokens", f"{what} {ident(t)}"))
    if a["nodes"] != b["nodes"]:
        out.add(("counts", "all nodes"))
    if a["rels"] != b["rels"]:
        out.add(("counts", "all relationships"))
    for t in set(a["labels"]) | set(b["labels"]):
        if a["labels"][t] != b["labels"][t]:
            out.add(("counts", f"(:{ident(t)})"))
    for t in set(a["types"]) | set(b["types"]):
        if a["types"][t] != b["types"][t]:
            out.add(("counts", f"()-[:{ident(t)}]->()"))
    for k in set(a["pairs"]) | set(b["pairs"]):
        if a["pairs"][k] != b["pairs"][k]:
            out.add(("counts", k))
    # Coverage: a token present on one side only is one divergence; else one per key.
    def tokens(m):
        return {k.rsplit(".", 1)[0] for k in m["cov"]}
    ta, tb = tokens(a), tokens(b)
    for t in ta ^ tb:
        out.add(("coverage", t))
    for k in set(a["cov"]) | set(b["cov"]):
        if k.rsplit(".", 1)[0] in ta & tb and a["cov"][k] != b["cov"][k]:
            out.add(("coverage", k))
    return out


# ---- tests -----------------------------------------------------------------------------------

class SameGraph(unittest.TestCase):
    def test_every_version_same_graph_exit_0(self):
        with server("3.5") as s35, server("4.4") as s44, \
                server("4.4", "--utc-patch", "off") as s44n, server("5") as s5, \
                server("2025") as s25:
            uris = [s.uri() for s in (s35, s44, s44n, s5, s25)]
            reports = []
            for k in ("1", "3"):
                p, doc = verify_json("--parallel", k, "--seed", "7", *uris)
                self.assertEqual(p.returncode, 0, (p.stderr, drift(doc)))
                self.assertEqual(drift(doc), [])
                for c in doc["checks"]:
                    self.assertEqual(c["status"], "same", c)
                inst = doc["instances"]
                self.assertEqual([i["status"] for i in inst], ["ok"] * 5)
                self.assertEqual([i["bolt_version"] for i in inst][:3], ["3.0", "4.4", "4.4"])
                self.assertTrue(inst[0]["version"].startswith("3.5."))
                self.assertEqual(inst[1]["database"], "neo4j")
                reports.append(stable(doc))
            # K connections change nothing in what is measured.
            self.assertEqual(reports[0], reports[1])

    def test_only_reads_reach_the_server(self):
        with tempfile.TemporaryDirectory() as tmp:
            logs = [os.path.join(tmp, f"access-{i}.log") for i in range(3)]
            with server("3.5", "--access-log", logs[0]) as a, \
                    server("4.4", "--access-log", logs[1]) as b, \
                    server("5", "--access-log", logs[2]) as c:
                p, doc = verify_json("--checks", "all", a.uri(), b.uri(), c.uri())
                self.assertIn(p.returncode, (0,), p.stderr)
            for path in logs:
                with open(path) as f:
                    entries = [json.loads(line) for line in f if line.strip()]
                self.assertGreater(len(entries), 10, path)
                for e in entries:
                    self.assertEqual(e.get("mode"), "r", e)
                    q = e["query"].upper()
                    for word in ("CREATE", "MERGE", "DELETE", "SET ", "REMOVE", "DROP", "LOAD CSV"):
                        self.assertNotIn(word, q, e)


class Mutations(unittest.TestCase):
    """Baseline: the clean demo graph on 3.5. Target: the same graph with one planted change,
    on 5.x (and on 4.4 for one of them)."""

    @classmethod
    def setUpClass(cls):
        cls.base = server("3.5").__enter__()
        cls.clean = oracle(DEMO)

    @classmethod
    def tearDownClass(cls):
        cls.base.__exit__(None, None, None)

    def check_mutation(self, name, persona="5"):
        path = os.path.join(MUTATIONS, name)
        want = expected_drift(self.clean, oracle(DEMO, path))
        if name == "dropped-index.json":
            want.add(("schema", "index :Person(name)"))
        with server(persona, "--mutate", path) as t:
            p, doc = verify_json("--checks", MY_CHECKS, self.base.uri(), t.uri())
            got = {(d[0], d[2]) for d in drift(doc)}
            self.assertEqual(got, want, f"{name}: {p.stderr}")
            self.assertEqual(p.returncode, 1 if want else 0, name)
            # With every default check on (the sample sees value changes too), a planted
            # change is always found. Event has no uniqueness constraint: it is sampled by the
            # key its mutation uses.
            p, doc = verify_json("--seed", "3", "--key", "Event.kind", self.base.uri(), t.uri())
            self.assertEqual(p.returncode, 1, f"{name}: {drift(doc)}")
            got = {(d[0], d[2]) for d in drift(doc) if d[0] in MY_CHECKS.split(",")}
            self.assertEqual(got, want, name)

    def test_missing_node(self):
        self.check_mutation("missing-node.json")

    def test_missing_node_on_44(self):
        self.check_mutation("missing-node.json", "4.4")

    def test_extra_label(self):
        self.check_mutation("extra-label.json")

    def test_extra_relationship(self):
        self.check_mutation("extra-relationship.json")

    def test_removed_property(self):
        self.check_mutation("removed-property.json")

    def test_changed_count_only(self):
        self.check_mutation("changed-count-only.json")

    def test_dropped_index(self):
        self.check_mutation("dropped-index.json")

    def test_demo_drift(self):
        self.check_mutation("demo-drift.json")

    def test_changed_value(self):
        self.check_mutation("changed-value.json")

    def test_datetime_zone_changed(self):
        self.check_mutation("datetime-zone-changed.json")

    def test_oracle_is_not_blind(self):
        # The oracle itself must see the planted count changes, else the tests above prove
        # nothing.
        self.assertIn(("counts", "all nodes"),
                      expected_drift(self.clean, oracle(DEMO, os.path.join(
                          MUTATIONS, "missing-node.json"))))
        self.assertIn(("coverage", "(:Person).score"),
                      expected_drift(self.clean, oracle(DEMO, os.path.join(
                          MUTATIONS, "removed-property.json"))))


class Faults(unittest.TestCase):
    def clean_and_faulty(self, checks, *fault):
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "access.log")
            with server("3.5") as base, server("5") as clean, \
                    server("5", "--access-log", log, *fault) as faulty:
                p1, d1 = verify_json("--checks", checks, "--seed", "5", base.uri(), clean.uri())
                p2, d2 = verify_json("--checks", checks, "--seed", "5", base.uri(), faulty.uri())
            with open(log) as f:
                queries = [json.loads(line)["query"] for line in f if line.strip()]
        self.assertEqual(p1.returncode, 0, p1.stderr)
        self.assertEqual(p2.returncode, 0, (p2.stderr, d2["instances"]))
        self.assertEqual(stable(d1), stable(d2))
        return queries

    def test_drop_in_the_token_lists(self):
        # db.labels() has 9 rows: the connection drops after 5 of them, the list is read again.
        q = self.clean_and_faulty(MY_CHECKS, "--fault", "drop-after-records:5")
        self.assertGreater(collections.Counter(q).most_common(1)[0][1], 1, q)

    def test_drop_in_a_coverage_partition(self):
        # A node partition of the demo answers 14 rows: the drop lands in one, which is read
        # again; had its first 10 rows been kept, coverage would differ from the clean run.
        q = self.clean_and_faulty("coverage", "--fault", "drop-after-records:10")
        partitions = [x for x in q if "range($lo, $hi)" in x]
        self.assertGreater(len(partitions), len(set(partitions)), q)

    def test_transient_errors(self):
        q = self.clean_and_faulty(MY_CHECKS, "--fault", "transient:2", "--fault", "transient:9",
                                  "--fault", "transient:30")
        self.assertGreater(len(q), len(set(q)))

    def test_retry_budget_spent(self):
        # Every RUN after the first few fails: with --retries 1 the checks end in error
        # (exit 4: a server error), and the report names them.
        faults = []
        for n in range(4, 400):
            faults += ["--fault", f"transient:{n}"]
        with server("3.5") as base, server("5", *faults) as bad:
            p, doc = verify_json("--retries", "1", "--checks", MY_CHECKS, base.uri(), bad.uri())
        self.assertEqual(p.returncode, 4, p.stderr)
        unchecked = {u["check"]: u for u in doc["instances"][1]["unchecked"]}
        # The token lists fail after 2 attempts; counts could not start without them; the
        # schema and coverage queries fail after 2 attempts each.
        self.assertEqual(sorted(unchecked), ["counts", "coverage", "schema", "tokens"])
        for check in ("tokens", "schema", "coverage"):
            self.assertIn("Neo.TransientError.General.DatabaseUnavailable",
                          unchecked[check]["reason"])
            self.assertIn("(after 2 attempts)", unchecked[check]["reason"])
            self.assertEqual(unchecked[check]["exit_class"], 4)
        self.assertIn("lists could not be read", unchecked["counts"]["reason"])
        for c in doc["checks"]:
            self.assertEqual(c["status"], "same" if c["check"] == "inventory" else "error", c)


class PartitionWalk(unittest.TestCase):
    def test_small_partitions_same_coverage(self):
        with server("3.5") as a, server("5") as b:
            p1, d1 = verify_json("--checks", "coverage", a.uri(), b.uri())
            p2, d2 = verify_json("--checks", "coverage", "--partition-size", "7", "-j", "2",
                                 a.uri(), b.uri())
        self.assertEqual(p1.returncode, 0)
        self.assertEqual(p2.returncode, 0, drift(d2))

    def test_shifted_and_sparse_ids(self):
        # Same data under other ids: gaps of 37 between nodes, and ids starting at 5,000,000
        # (50 empty partitions of 100,000 ids before the first node: the walk gives up walking
        # and asks for the id range).
        with tempfile.TemporaryDirectory() as tmp:
            specs = {"dense": {"id_base": 0, "id_stride": 1},
                     "sparse": {"id_base": 3, "id_stride": 37},
                     "shifted": {"id_base": 5000000, "id_stride": 1}}
            paths = {}
            for name, ids in specs.items():
                paths[name] = os.path.join(tmp, name + ".json")
                with open(paths[name], "w") as f:
                    json.dump({"format": "boltdiff-graph/1", "name": name, "generate": dict(
                        nodes=3000, seed=11, rels_per_node=2, rel_base=0, key_base=1, **ids)}, f)
            logs = {name: os.path.join(tmp, name + ".log") for name in specs}
            with server("3.5", "--graph", paths["dense"], "--access-log", logs["dense"]) as a, \
                    server("5", "--graph", paths["sparse"], "--access-log", logs["sparse"]) as b, \
                    server("4.4", "--graph", paths["shifted"], "--access-log",
                           logs["shifted"]) as c:
                p, doc = verify_json("--checks", "tokens,counts,coverage", "--partition-size",
                                     "1000", a.uri(), b.uri(), c.uri())
            queries = {}
            for name, path in logs.items():
                with open(path) as f:
                    queries[name] = [json.loads(line)["query"] for line in f if line.strip()]
        self.assertEqual(p.returncode, 0, (p.stderr, drift(doc)))
        for c in doc["checks"]:
            self.assertEqual(c["status"], "same", c)
        # Dense and sparse ids: the walk ends on the count store total, no full scan. Shifted:
        # it gave up after 16 empty partitions and asked for the node id range once.
        def range_queries(name):
            return [q for q in queries[name] if "min(id(n))" in q]
        self.assertEqual(range_queries("dense"), [])
        self.assertEqual(range_queries("sparse"), [])
        self.assertEqual(len(range_queries("shifted")), 1)
        partitions = [q for q in queries["shifted"] if "id(n) IN range" in q]
        self.assertLess(len(partitions), 16 + 3000 // 1000 + 4, len(partitions))

    def test_coverage_sees_a_removed_property(self):
        with server("3.5") as a, server("4.4", "--mutate", os.path.join(
                MUTATIONS, "removed-property.json")) as b:
            p, doc = verify_json("--checks", "coverage", "--partition-size", "5", a.uri(),
                                 b.uri())
        self.assertEqual(p.returncode, 1)
        # uid 1003 is a Person and an Employee
        self.assertEqual([(d[2], d[3], d[4]) for d in drift(doc)],
                         [("(:Employee).score", "40", "39"), ("(:Person).score", "120", "119")])


class Errors(unittest.TestCase):
    def assert_one_line(self, p, code, *words):
        self.assertEqual(p.returncode, code, (p.stdout, p.stderr))
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        for w in words:
            self.assertIn(w, lines[0])
        self.assertNotIn(PASSWORD, p.stdout + p.stderr)

    def test_bad_options(self):
        self.assert_one_line(run("verify", "--parallel", "0", "bolt://a:1", "bolt://b:1"), 2,
                             "--parallel")
        self.assert_one_line(run("verify", "--partition-size", "0", "bolt://a:1", "bolt://b:1"),
                             2, "--partition-size")
        self.assert_one_line(run("verify", "--bolt", "9.x", "bolt://a:1", "bolt://b:1"), 2,
                             "--bolt")

    def test_unknown_key_label(self):
        with server("3.5") as a, server("5") as b:
            p = run("verify", "--key", "Persn.uid", a.uri(), b.uri())
        self.assert_one_line(p, 2, "--key", "Persn", "Person")

    def test_unreachable_instance(self):
        with server("3.5") as a:
            p, doc = verify_json("--retries", "1", "--connect-timeout", "2s", a.uri(),
                                 "bolt://127.0.0.1:1")
        self.assertEqual(p.returncode, 3, p.stderr)
        bad = doc["instances"][1]
        self.assertEqual(bad["status"], "failed")
        msg = bad["error"]["message"] if isinstance(bad["error"], dict) else str(bad["error"])
        self.assertIn("127.0.0.1:1", msg)
        self.assertNotIn("\n", msg)
        self.assertTrue(bad["unchecked"])

    def test_wrong_password(self):
        with tempfile.TemporaryDirectory() as tmp:
            pw = os.path.join(tmp, "pw")
            with open(pw, "w") as f:
                f.write("not-" + PASSWORD + "\n")
            with server("3.5") as a, server("5") as b:
                p = run("verify", "--color", "never", "--password-file", pw, a.uri(), b.uri())
                p2, doc = verify_json("--password-file", pw, a.uri(), b.uri())
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("authentication failed", p.stdout)
        self.assertNotIn(PASSWORD, p.stdout + p.stderr + p2.stdout + p2.stderr)
        self.assertEqual([i["status"] for i in doc["instances"]], ["failed", "failed"])


if __name__ == "__main__":
    unittest.main()
