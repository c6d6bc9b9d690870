"""End to end: the sample and full checks of `boltdiff verify` against fixture servers.

* The demo graph on 3.5, 4.4 (with and without the utc patch), 5 and 2025 gives no sample and
  no full divergence but the info notes of the labels without a key: canonical hashing makes
  the same node hash the same whatever the version and the DateTime encoding.
* The DST fall-back datetimes (the demo's clock-change events) are reported as ambiguous, never
  as drift, when one side sent them in the legacy encoding; between two exact sides they are
  compared exactly.
* Each planted mutation gives exactly the explained divergences an independent oracle predicts:
  the oracle reads the graph files with the fixture's graph module, matches nodes by key and
  compares labels, properties and per-(type, direction) relationships in Python; it shares no
  code with the C client. The full check names the same nodes and flags the same labels.
* Sampling: per label exactly min(sample size, nodes) keys, chosen on the baseline from the seed:
  the same seed gives the same keys whatever --parallel and the baseline's version, another
  seed other keys; big labels go through id windows (seen in the access log).
* Full: partitioned scans over K connections give the same digests as one scan; renumbered ids
  change nothing (ids never enter a hash); with many divergent nodes at most 20 are named per
  label, then "and M more".
"""

import collections
import json
import math
import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = os.environ.get(
    "BOLTDIFF_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fixture import values as V  # noqa: E402
from fixture.graph import load_graph  # noqa: E402
from fixture_util import BOLTDIFF, FixtureServer  # noqa: E402

DEMO = os.path.join(SOURCE_DIR, "fixtures", "graphs", "demo.json")
MUTATIONS = os.path.join(SOURCE_DIR, "fixtures", "mutations")
NAMES = 20  # BV_FULL_NAMES


def run(*args, timeout=600):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    return subprocess.run([BOLTDIFF, *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


def verify(*args):
    p = run("verify", "--no-auth", "--format", "json", "--color", "never", *args)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        raise AssertionError(f"no JSON report (exit {p.returncode}): {p.stdout!r} {p.stderr!r}")
    return p, doc


def server(persona, *args):
    return FixtureServer(persona, "--no-auth", *args)


def divs(doc, check=None, severity=None, target=None):
    return [d for d in doc["divergences"]
            if (check is None or d["check"] == check)
            and (severity is None or d["severity"] == severity)
            and (target is None or d["target"] == target)]


def ident(name):
    plain = name and not name[0].isdigit() and all(c.isascii() and (c.isalnum() or c == "_")
                                                    for c in name)
    return name if plain else "`" + name.replace("`", "``") + "`"


def render_key(v):
    """The canonical rendering of an integer or string key (verify/canon.h)."""
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise ValueError(f"oracle: unsupported key {v!r}")
    return json.dumps(v, ensure_ascii=False) if isinstance(v, str) else str(v)


def subject(label, prop, key):
    return f"(:{ident(label)} {{{ident(prop)}: {render_key(key)}}})"


# ---- the oracle -------------------------------------------------------------------------------

def same_value(a, b):
    """Stored-value equality as Neo4j keeps values: floats by their bits (NaN is NaN, -0.0 is not
    0.0), DateTimes by every field (zone id included), lists element-wise."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return a == b


def canon(v):
    """A hashable form of a value, for multisets of relationships."""
    if isinstance(v, float):
        return ("f", struct.pack("<d", v))
    if isinstance(v, (list, tuple)):
        return ("l", tuple(canon(x) for x in v))
    if isinstance(v, dict):
        return ("m", tuple(sorted((k, canon(x)) for k, x in v.items())))
    return (type(v).__name__, repr(v))


class Oracle:
    """One graph file (+ mutation) read with the fixture's graph module: every node by key."""

    def __init__(self, graph, mutate=None, keys=None):
        g = load_graph(graph, mutate)
        self.keys = {r.label: r.properties[0] for r in g.constraint_rules()
                     if r.kind in ("unique", "node_key") and len(r.properties) == 1}
        self.keys.update(keys or {})
        self.labels = collections.Counter()
        ident_of = {}
        nodes = {}
        for nid in g.node_ids():
            n = g.node(nid)
            nodes[nid] = n
            for lab in n.labels:
                self.labels[lab] += 1
            for lab in sorted(n.labels):
                if lab in self.keys and self.keys[lab] in n.props:
                    ident_of[nid] = (lab, n.props[self.keys[lab]])
                    break
        self.by_key = {}   # (label, key) -> node data
        self.keyless = collections.defaultdict(list)
        for nid, n in nodes.items():
            rels = collections.defaultdict(collections.Counter)
            for direction, arrow in (("out", ">"), ("in", "<")):
                for rid, other, _ in g.rels_of(nid, direction):
                    start, end, typ, props = g.rel_record(rid)
                    rels[typ + arrow][(canon(props), canon(ident_of.get(other)))] += 1
            data = {"labels": frozenset(n.labels), "props": dict(n.props), "rels": rels}
            keyed = False
            for lab in n.labels:
                if lab in self.keys and self.keys[lab] in n.props:
                    self.by_key[(lab, n.props[self.keys[lab]])] = data
                    keyed = True
            if not keyed:
                for lab in n.labels:
                    self.keyless[lab].append(data)

    def sample_drift(self, target):
        """(kind, subject) of every drift the sample check must report, baseline = self, every
        keyed node sampled (the demo's labels are smaller than the default sample)."""
        out = []
        for (lab, key), b in self.by_key.items():
            subj = subject(lab, self.keys[lab], key)
            t = target.by_key.get((lab, key))
            if t is None:
                out.append(("missing_node", subj))
                continue
            for added in t["labels"] - b["labels"]:
                out.append(("label_added", subj))
            for removed in b["labels"] - t["labels"]:
                out.append(("label_removed", subj))
            for k in set(b["props"]) | set(t["props"]):
                if k not in t["props"]:
                    out.append(("property_removed", f"{subj}.{ident(k)}"))
                elif k not in b["props"]:
                    out.append(("property_added", f"{subj}.{ident(k)}"))
                elif not same_value(b["props"][k], t["props"][k]):
                    out.append(("property_changed", f"{subj}.{ident(k)}"))
            for sig in set(b["rels"]) | set(t["rels"]):
                if b["rels"].get(sig) != t["rels"].get(sig):
                    out.append(("relationships_changed", subj))
        return sorted(out)

    def changed_labels(self, target):
        """Labels whose multiset of nodes differs (what the full check's digests must flag)."""
        out = set()
        for k in set(self.by_key) | set(target.by_key):
            b, t = self.by_key.get(k), target.by_key.get(k)
            if b is None or t is None or b["labels"] != t["labels"] or \
                    set(b["props"]) != set(t["props"]) or \
                    any(not same_value(b["props"][p], t["props"][p]) for p in b["props"]) or \
                    b["rels"] != t["rels"]:
                out |= (b or t)["labels"] | (t or b)["labels"]
        for lab in set(self.keyless) | set(target.keyless):
            if len(self.keyless[lab]) != len(target.keyless[lab]):
                out.add(lab)
        return out


def drift_pairs(doc, check):
    return sorted((d["kind"], d["subject"]) for d in divs(doc, check, "drift"))


NODE = re.compile(r"^(\(:[^ ]+ (?:\{.*?\}|id \d+)\))")


def node_of(subj):
    m = NODE.match(subj)
    return m.group(1) if m else subj


# ---- tests ------------------------------------------------------------------------------------

class SameGraph(unittest.TestCase):
    def test_every_version_same_nodes(self):
        with server("3.5") as s35, server("4.4") as s44, \
                server("4.4", "--utc-patch", "off") as s44n, server("5") as s5, \
                server("2025") as s25:
            uris = [s.uri() for s in (s35, s44, s44n, s5, s25)]
            p, doc = verify("--checks", "sample,full", "--key", "Event.kind", "--seed", "3",
                            *uris)
            self.assertEqual(p.returncode, 0, (p.stderr, divs(doc, severity="drift")))
            self.assertEqual(divs(doc, severity="drift"), [])
            for c in doc["checks"]:
                self.assertEqual(c["status"], "same", c)
            self.assertEqual(len(doc["checks"]), 2 * 4)
            # labels without a key: one note per target, nothing else in info
            notes = sorted({d["subject"] for d in divs(doc, "sample", "info")})
            self.assertEqual(notes, ["(:Audit)", "(:Customer)", "(:Employee)"])
            for d in divs(doc, "sample", "info"):
                self.assertEqual(d["kind"], "not_sampled")
            self.assertEqual(divs(doc, "full"), [])
            # the ambiguous ones are the two fall-back events, on every target (3.5 is legacy)
            amb = divs(doc, severity="ambiguous")
            self.assertEqual({node_of(d["subject"]) for d in amb},
                             {'(:Event {kind: "clock-change-early"})',
                              '(:Event {kind: "clock-change-late"})'})
            self.assertEqual({d["target"] for d in amb}, {1, 2, 3, 4})
            for d in amb:
                self.assertEqual(d["kind"], "ambiguous_value", d)
                self.assertIn("(ambiguous: +02:00 or +01:00)", d["baseline_value"])

    def test_exact_sides_compare_fallback_instants_exactly(self):
        """5 against 4.4 with the utc patch: both sides send the instant, nothing is ambiguous;
        against 4.4 without the patch the legacy side makes the events ambiguous again."""
        with server("5") as s5, server("4.4") as s44, \
                server("4.4", "--utc-patch", "off") as s44n:
            p, doc = verify("--checks", "sample", "--key", "Event.kind", s5.uri(), s44.uri(),
                            s44n.uri())
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(divs(doc, severity="ambiguous", target=1), [])
            self.assertEqual(divs(doc, severity="drift"), [])
            amb = divs(doc, severity="ambiguous", target=2)
            self.assertEqual(len(amb), 4, amb)  # at and stamps of both events
            for d in amb:
                self.assertIn("(ambiguous:", d["target_value"])
            # --strict turns them into a failing run, drift stays 0
            p, doc = verify("--strict", "--checks", "sample", "--key", "Event.kind", s5.uri(),
                            s44n.uri())
            self.assertEqual(p.returncode, 1)
            self.assertEqual(doc["summary"]["drift"], 0)

    def test_instant_moved_in_the_fallback_hour_is_drift_between_exact_sides(self):
        with tempfile.TemporaryDirectory() as tmp:
            mut = os.path.join(tmp, "moved.json")
            with open(mut, "w") as f:
                json.dump({"mutations": [{"op": "set-property", "node": {
                    "label": "Event", "key": "kind", "value": "clock-change-late"},
                    "key": "at", "value": {"$datetime": "2021-10-31T02:30:00+02:00[Europe/Berlin]"}}]},
                    f)
            with server("5") as a, server("5", "--mutate", mut) as b, \
                    server("3.5", "--mutate", mut) as c:
                p, doc = verify("--checks", "sample", "--key", "Event.kind", a.uri(), b.uri(),
                                c.uri())
                self.assertEqual(p.returncode, 1, p.stderr)
                d = divs(doc, severity="drift", target=1)
                self.assertEqual([(x["kind"], x["subject"]) for x in d],
                                 [("property_changed", '(:Event {kind: "clock-change-late"}).at')])
                self.assertEqual(d[0]["baseline_value"], "2021-10-31T02:30:00+01:00[Europe/Berlin]")
                self.assertEqual(d[0]["target_value"], "2021-10-31T02:30:00+02:00[Europe/Berlin]")
                # the legacy 3.5 target cannot show it: ambiguous, never drift
                self.assertEqual(divs(doc, severity="drift", target=2), [])
                late = [x for x in divs(doc, severity="ambiguous", target=2)
                        if x["subject"] == '(:Event {kind: "clock-change-late"}).at']
                self.assertEqual(len(late), 1)


class Mutations(unittest.TestCase):
    """Baseline: the clean demo graph on 3.5. Target: one planted mutation on 5.x (4.4 for one)."""

    @classmethod
    def setUpClass(cls):
        cls.base = server("3.5").__enter__()
        cls.clean = Oracle(DEMO, keys={"Event": "kind"})

    @classmethod
    def tearDownClass(cls):
        cls.base.__exit__(None, None, None)

    def check(self, name, persona="5"):
        path = os.path.join(MUTATIONS, name + ".json")
        target = Oracle(DEMO, path, keys={"Event": "kind"})
        want = self.clean.sample_drift(target)
        self.assertNotEqual(want, [], "the oracle sees the mutation")
        with server(persona, "--mutate", path) as t:
            p, doc = verify("--checks", "sample,full", "--key", "Event.kind", "--seed", "11",
                            self.base.uri(), t.uri())
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(drift_pairs(doc, "sample"), want)
        # full: one digest per changed label, the same nodes named as the sample explains
        labels = self.clean.changed_labels(target)
        digests = sorted(d["subject"] for d in divs(doc, "full", "drift") if d["kind"] == "digest")
        self.assertEqual(digests, sorted(f"(:{ident(x)})" for x in labels))
        named = sorted((k, s) for k, s in drift_pairs(doc, "full") if k != "digest")
        self.assertEqual(named, want)
        for lab in labels:
            if lab not in self.clean.keys:
                self.assertIn(f"(:{ident(lab)})",
                              [d["subject"] for d in divs(doc, "full", "info")
                               if d["kind"] == "not_named"])
        return doc

    def value(self, doc, subj, check="sample"):
        d = [x for x in divs(doc, check, "drift") if x["subject"] == subj]
        self.assertEqual(len(d), 1, d)
        return d[0]

    def test_changed_value(self):
        doc = self.check("changed-value")
        d = self.value(doc, '(:Product {sku: "SKU-00007"}).price')
        self.assertEqual((d["baseline_value"], d["target_value"]), ("665.69", "0.01"))
        self.assertEqual(d["message"],
                         '(:Product {sku: "SKU-00007"}).price: 665.69 on baseline, 0.01 on target')
        self.assertEqual(self.value(doc, d["subject"], "full")["message"], d["message"])

    def test_missing_node(self):
        doc = self.check("missing-node")
        d = self.value(doc, "(:Person {uid: 1042})")
        self.assertEqual(d["message"], "(:Person {uid: 1042}): missing on target")

    def test_missing_node_on_44(self):
        self.check("missing-node", persona="4.4")

    def test_removed_property(self):
        doc = self.check("removed-property")
        d = self.value(doc, "(:Person {uid: 1003}).score")
        self.assertEqual(d["kind"], "property_removed")
        self.assertIsNone(d["target_value"])

    def test_extra_label(self):
        doc = self.check("extra-label")
        d = self.value(doc, "(:Person {uid: 1010})")
        self.assertEqual((d["kind"], d["target_value"]), ("label_added", ":VIP"))
        self.assertEqual(d["message"], "(:Person {uid: 1010}): label :VIP added on target")

    def test_extra_relationship(self):
        doc = self.check("extra-relationship")
        msgs = sorted(d["message"] for d in divs(doc, "sample", "drift"))
        self.assertEqual(msgs, [
            "(:Person {uid: 1001}) -[:KNOWS]->: 2 relationships on baseline, 3 relationships on "
            "target",
            "(:Person {uid: 1002}) <-[:KNOWS]-: 1 relationship on baseline, 2 relationships on "
            "target"])

    def test_datetime_zone_changed(self):
        doc = self.check("datetime-zone-changed")
        d = self.value(doc, '(:Event {kind: "clock-change-late"}).at')
        self.assertEqual(d["kind"], "property_changed")
        self.assertEqual(d["target_value"], "2021-10-31T02:30:00+01:00")
        self.assertIn("(ambiguous: +02:00 or +01:00)", d["baseline_value"])

    def test_snapshot_baseline(self):
        """A snapshot of the baseline brings its sampled keys: the live target looks up exactly
        those and the mutation is explained as against the live baseline."""
        path = os.path.join(MUTATIONS, "changed-value.json")
        with tempfile.TemporaryDirectory() as tmp, server("5", "--mutate", path) as t:
            snap = os.path.join(tmp, "base.snap")
            p = run("snapshot", "--no-auth", "--quiet", "--seed", "4", "--key", "Event.kind",
                    self.base.uri(), "-o", snap)
            self.assertEqual(p.returncode, 0, p.stderr)
            p, doc = verify("--checks", "sample", "--key", "Event.kind", snap, t.uri())
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertEqual(drift_pairs(doc, "sample"),
                             self.clean.sample_drift(Oracle(DEMO, path, keys={"Event": "kind"})))

    def test_oracle_is_not_blind(self):
        """The oracle itself finds nothing between two clean graphs, and the key-less labels of
        the demo are the ones the report lists as not sampled."""
        self.assertEqual(self.clean.sample_drift(Oracle(DEMO, keys={"Event": "kind"})), [])
        self.assertEqual(sorted(set(self.clean.labels) - set(self.clean.keys)),
                         ["Audit", "Customer", "Employee"])


def generated(path, seed, nodes=5000, **kw):
    spec = {"nodes": nodes, "seed": seed}
    spec.update(kw)
    with open(path, "w") as f:
        json.dump({"format": "boltdiff-graph/1", "name": "gen", "generate": spec}, f)
    return path


def sampled_keys(doc, target=1):
    """The sampled (label, key) pairs, read from a report in which every sampled node differs."""
    out = set()
    for d in divs(doc, "sample", target=target):
        m = re.match(r"^\(:(\w+) \{uid: (\d+)\}\)", d["subject"])
        if m:
            out.add((m.group(1), int(m.group(2))))
    return out


class Sampling(unittest.TestCase):
    """Baseline: a generated graph; target: the same keys with other content (another generator
    seed), so that every sampled key shows up in the report."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.g7 = generated(os.path.join(cls.tmp.name, "g7.json"), 7)
        cls.g8 = generated(os.path.join(cls.tmp.name, "g8.json"), 8)
        cls.counts = Oracle(cls.g7).labels
        cls.log = os.path.join(cls.tmp.name, "access.log")
        cls.b35 = server("3.5", "--graph", cls.g7, "--access-log", cls.log).__enter__()
        cls.b5 = server("5", "--graph", cls.g7).__enter__()
        cls.t = server("4.4", "--graph", cls.g8).__enter__()

    @classmethod
    def tearDownClass(cls):
        for s in (cls.b35, cls.b5, cls.t):
            s.__exit__(None, None, None)
        cls.tmp.cleanup()

    def sample(self, base, seed, size, parallel="4"):
        p, doc = verify("--checks", "sample", "--seed", str(seed), "--sample-size", str(size),
                        "--parallel", parallel, base.uri(), self.t.uri())
        self.assertEqual(p.returncode, 1, p.stderr)
        return sampled_keys(doc)

    def test_sizes_and_determinism(self):
        size = 5  # labels above 500 nodes go through id windows
        a = self.sample(self.b35, 21, size, "1")
        per = collections.Counter(lab for lab, _ in a)
        for lab in ("Person", "Company", "Product", "Order"):
            self.assertEqual(per[lab], min(size, self.counts[lab]), lab)
        # the same seed: the same keys, whatever K and the baseline's version
        self.assertEqual(self.sample(self.b35, 21, size, "4"), a)
        self.assertEqual(self.sample(self.b5, 21, size, "3"), a)
        # another seed: other keys
        b = self.sample(self.b35, 22, size)
        self.assertNotEqual(b, a)
        self.assertEqual(len(b), len(a))

    def test_big_labels_use_id_windows(self):
        open(self.log, "w").close()
        self.sample(self.b35, 5, 5)
        with open(self.log) as f:
            qs = [json.loads(line)["query"] for line in f if line.strip()]
        windows = [q for q in qs if "IN range($lo, $hi) RETURN n.`uid` AS k" in q]
        scans = [q for q in qs if "IS NOT NULL RETURN" in q]
        self.assertTrue(windows)
        self.assertEqual({q.split("`")[1] for q in windows}, {"Person", "Product", "Order"})
        self.assertEqual({q.split("`")[1] for q in scans}, {"Company"})  # 500 nodes: read whole
        for q in qs:
            self.assertNotIn("MATCH (n) RETURN", q)  # never a scan of every node

    def test_whole_labels_when_the_sample_is_big(self):
        a = self.sample(self.b5, 1, 3000)
        per = collections.Counter(lab for lab, _ in a)
        self.assertEqual(per["Company"], self.counts["Company"])
        self.assertEqual(per["Product"], self.counts["Product"])
        self.assertEqual(per["Order"], 2000)


class Full(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.g = generated(os.path.join(d, "g.json"), 7, nodes=3000)
        cls.shifted = generated(os.path.join(d, "s.json"), 7, nodes=3000, id_base=100000,
                                id_stride=3)
        cls.other = generated(os.path.join(d, "o.json"), 9, nodes=3000)
        # one Order deleted, one Company renamed (their keys read from the graph itself)
        keys = sorted(Oracle(cls.g).by_key)
        cls.order = next(k for lab, k in keys if lab == "Order")
        cls.company = next(k for lab, k in keys if lab == "Company")
        cls.mut = os.path.join(d, "m.json")
        with open(cls.mut, "w") as f:
            json.dump({"mutations": [
                {"op": "delete-node", "node": {"label": "Order", "key": "uid", "value": cls.order}},
                {"op": "set-property",
                 "node": {"label": "Company", "key": "uid", "value": cls.company},
                 "key": "name", "value": "Renamed"}]}, f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_partitions_and_renumbered_ids_change_nothing(self):
        with server("3.5", "--graph", self.g) as a, server("5", "--graph", self.shifted) as b:
            reports = []
            for part, k in (("100", "4"), ("100000", "1")):
                p, doc = verify("--checks", "full", "--partition-size", part, "--parallel", k,
                                a.uri(), b.uri())
                self.assertEqual(p.returncode, 0, (p.stderr, divs(doc)))
                self.assertEqual(divs(doc), [])
                reports.append(doc["checks"])
            self.assertEqual(reports[0], reports[1])

    def test_named_nodes(self):
        with server("3.5", "--graph", self.g) as a, \
                server("5", "--graph", self.shifted, "--mutate", self.mut) as b:
            p, doc = verify("--checks", "full", "--partition-size", "200", a.uri(), b.uri())
            self.assertEqual(p.returncode, 1, p.stderr)
            named = {(d["kind"], d["subject"]) for d in divs(doc, "full", "drift")
                     if d["kind"] != "digest"}
            self.assertIn(("missing_node", f"(:Order {{uid: {self.order}}})"), named)
            self.assertIn(("property_changed", f"(:Company {{uid: {self.company}}}).name"), named)
            # exactly what the oracle sees: those two and their neighbours' relationships
            want = Oracle(self.g).sample_drift(Oracle(self.shifted, self.mut))
            self.assertEqual(sorted(x for x in drift_pairs(doc, "full") if x[0] != "digest"),
                             want)
            digests = {d["subject"] for d in divs(doc, "full", "drift") if d["kind"] == "digest"}
            self.assertTrue({"(:Order)", "(:Company)"} <= digests, digests)

    def test_at_most_20_names_then_and_more(self):
        with server("3.5", "--graph", self.g) as a, server("4.4", "--graph", self.other) as b:
            p, doc = verify("--checks", "full", a.uri(), b.uri())
            self.assertEqual(p.returncode, 1, p.stderr)
            by_label = collections.defaultdict(set)
            more = {}
            for d in divs(doc, "full", "drift"):
                m = re.match(r"^\(:(\w+)", d["subject"])
                if d["kind"] == "more_nodes":
                    more[m.group(1)] = int(d["target_value"])
                elif d["kind"] != "digest":
                    by_label[m.group(1)].add(node_of(d["subject"]))
            for lab in ("Person", "Order"):
                self.assertEqual(len(by_label[lab]), NAMES, lab)
                self.assertGreater(more[lab], 0)
                self.assertIn(f"(:{lab}): and {more[lab]} more divergent nodes",
                              [d["message"] for d in divs(doc, "full", "drift")])


if __name__ == "__main__":
    unittest.main(verbosity=2)
