"""scripts/graph-to-cypher: the Cypher it prints recreates the graph on each version.

For 3.5, 4.4 and 5 the generated Cypher is split into statements the way cypher-shell splits
them and sent over Bolt to a fixture server of that persona started empty with --allow-writes.
The graph is then read back over Bolt and compared with the graph file, node for node and
relationship for relationship (labels, types, ends and every property value with its exact
type), and `boltdiff verify --checks all` against a server started directly from the graph file
must exit 0. The documented exclusion: byte arrays have no Cypher literal and are left out, so
the reference is the graph without them. Both instants of the DST fall-back hour are checked
by their epoch seconds (Bolt 3 cannot tell them apart on the wire).

A second, small graph covers what the demo does not: nodes without any key (found through the
temporary load id, which must be gone afterwards), a label whose nodes are found by a natural
key, a composite key, a NaN key value, empty lists, non-BMP and control characters,
`//` and quotes inside strings, names that need back-quotes, named schema rules.
"""

import collections
import concurrent.futures
import importlib.machinery
import importlib.util
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

SOURCE_DIR = os.environ.get(
    "BOLTDIFF_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fixture import values as V  # noqa: E402
from fixture.cypher import temporal as T  # noqa: E402
from fixture.graph import encode_value, load_graph  # noqa: E402
from fixture.packstream import Dialect, Packer, Unpacker, hydrate  # noqa: E402
from fixture.tlsgen import make_tls  # noqa: E402
from fixture_util import BOLTDIFF, FixtureServer  # noqa: E402

G2C = os.path.join(SOURCE_DIR, "scripts", "graph-to-cypher")
DEMO = os.path.join(SOURCE_DIR, "fixtures", "graphs", "demo.json")
CAPTURES = os.path.join(SOURCE_DIR, "fixtures", "captures", "neo4j-3.5.22")
PASSWORD = "Load-And-Compare-3"
VERSIONS = {"3.5": 0x00000003, "4.4": 0x00000404, "5": 0x00000005}  # handshake word per persona


# ---------------------------------------------------------------------------------- cypher-shell
def split_statements(text):
    """Statements as cypher-shell cuts them: at ';' outside quotes, back-quotes and comments,
    a backslash escaping the next character. Text after the last ';' must be blank."""
    stmts, cur, quote, comment, escaped, prev = [], [], None, None, False, ""
    for ch in text:
        cur.append(ch)
        if comment:
            if (comment == "\n" and ch == "\n") or (comment == "*/" and prev + ch == "*/"):
                comment = None
        elif escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif quote:
            quote = None if ch == quote else quote
        elif prev + ch in ("//", "/*"):
            comment = "\n" if ch == "/" else "*/"
        elif ch in "'\"`":
            quote = ch
        elif ch == ";":
            stmts.append("".join(cur[:-1]))
            cur = []
        prev = "" if escaped else ch
    if "".join(cur).strip():
        raise AssertionError(f"unterminated statement at the end: {''.join(cur)[:200]!r}")
    return stmts


# ---------------------------------------------------------------------------------- Bolt client
class Bolt:
    """Just enough Bolt 3 / 4.4 / 5.0 to write and read back a graph."""

    def __init__(self, port, word, user="neo4j", password=PASSWORD):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = bytearray()
        self.sock.sendall(b"\x60\x60\xB0\x17" + word.to_bytes(4, "big") + bytes(12))
        got = int.from_bytes(self._read(4), "big")
        if got != word:
            raise AssertionError(f"handshake: asked {word:08x}, got {got:08x}")
        major, minor = word & 0xFF, (word >> 8) & 0xFF
        self.dialect = Dialect(major, minor)
        self.packer = Packer(self.dialect)
        hello = {"user_agent": "test-graph-to-cypher/1", "scheme": "basic", "principal": user,
                 "credentials": password}
        if (major, minor) == (4, 4):
            hello["patch_bolt"] = ["utc"]  # exact zone-id datetimes on the wire
        meta = self._call(0x01, hello)
        if "utc" in meta.get("patch_bolt", []):
            self.dialect = Dialect(major, minor, utc_patch=True)

    def close(self):
        self.sock.close()

    def _read(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("server closed the connection")
            self.buf += data
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def _send(self, sig, *fields):
        payload = self.packer.pack_struct(sig, list(fields))
        out = bytearray()
        for i in range(0, len(payload), 65535):
            part = payload[i:i + 65535]
            out += len(part).to_bytes(2, "big") + part
        self.sock.sendall(bytes(out) + b"\x00\x00")

    def _recv(self):
        payload = bytearray()
        while True:
            n = int.from_bytes(self._read(2), "big")
            if n == 0 and payload:
                msg = Unpacker(bytes(payload)).unpack()
                return msg.tag, msg.fields
            payload += self._read(n)

    def _call(self, sig, *fields):
        self._send(sig, *fields)
        tag, f = self._recv()
        if tag != 0x70:
            raise AssertionError(f"expected SUCCESS, got 0x{tag:02X} {f!r:.400}")
        return f[0]

    def run(self, query):
        """Rows of one auto-commit query, values hydrated to fixture values."""
        self._send(0x10, query, {}, {})
        self._send(0x3F, {"n": -1}) if self.dialect.major >= 4 else self._send(0x3F)
        tag, f = self._recv()
        if tag != 0x70:
            raise AssertionError(f"{f[0].get('code')}: {f[0].get('message')}\nin: {query[:600]}")
        rows = []
        while True:
            tag, f = self._recv()
            if tag == 0x71:
                rows.append(hydrate(f[0], self.dialect))
            elif tag == 0x70:
                return rows
            else:
                raise AssertionError(f"{f[0].get('code')}: {f[0].get('message')}\nin: {query[:600]}")


# ---------------------------------------------------------------------------------- comparison
def comparable(v, exact_zones):
    """A value as the client reads it back: without the utc patch a zone-id datetime travels as
    local time + zone, which names the earlier instant of a fall-back hour."""
    if isinstance(v, list):
        return [comparable(x, exact_zones) for x in v]
    if isinstance(v, V.DateTime) and v.zone and not exact_zones:
        return T.resolve_local(v.zone, v.local_seconds, v.nanos)
    return v


def entity(labels, props, exact_zones):
    kept = {k: encode_value(comparable(v, exact_zones)) for k, v in props.items()
            if not isinstance(v, (bytes, bytearray))}
    return (tuple(sorted(labels)), json.dumps(kept, sort_keys=True))


def graph_contents(g, exact_zones):
    """Multisets of nodes and relationships of a graph file, byte arrays left out."""
    nodes, rels = collections.Counter(), collections.Counter()
    for nid in g.node_ids():
        nodes[entity(*g.node_record(nid), exact_zones)] += 1
    for rid in g.rel_ids():
        s, e, typ, props = g.rel_record(rid)
        rels[(entity(*g.node_record(s), exact_zones), typ, entity((), props, exact_zones)[1],
              entity(*g.node_record(e), exact_zones))] += 1
    return nodes, rels


def server_contents(bolt):
    exact = bolt.dialect.utc
    nodes = collections.Counter(entity(lab, props, exact) for lab, props in
                                bolt.run("MATCH (n) RETURN labels(n), properties(n)"))
    rels = collections.Counter(
        (entity(la, pa, exact), t, entity((), pr, exact)[1], entity(lb, pb, exact))
        for la, pa, t, pr, lb, pb in bolt.run(
            "MATCH (a)-[r]->(b) RETURN labels(a), properties(a), type(r), properties(r), "
            "labels(b), properties(b)"))
    return nodes, rels


# ---------------------------------------------------------------------------------- helpers
def generate(*args):
    p = subprocess.run([sys.executable, G2C, *args], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError(f"graph-to-cypher {args} exit {p.returncode}: {p.stderr}")
    return p.stdout, p.stderr


def without_bytes(src, dst):
    """The graph file minus byte-array properties and token list: what a real server loaded
    with graph-to-cypher holds (tokens in the order the load created them)."""
    with open(src, encoding="utf-8") as f:
        doc = json.load(f)
    for e in doc.get("nodes", []) + doc.get("relationships", []):
        e["properties"] = {k: v for k, v in e.get("properties", {}).items()
                           if not (isinstance(v, dict) and "$bytes" in v)}
    doc.pop("tokens", None)
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(doc, f)


class Server(FixtureServer):
    def __exit__(self, *exc):
        r = super().__exit__(*exc)
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()
        return r


def server(persona, graph, *args):
    return Server(persona, "--graph", graph, "--auth", "neo4j:" + PASSWORD, "--quiet", *args)


# A graph with what the demo lacks (see the module docstring).
SMALL = {
    "format": "boltdiff-graph/1", "name": "edge-cases",
    "schema": {"constraints": [
        {"label": "Part", "properties": ["maker", "serial"], "kind": "unique", "name": "part_key"},
        {"label": "Tag", "properties": ["id"], "kind": "unique"}],
        "indexes": [{"label": "My Label", "properties": ["odd key"], "name": "odd_index"}]},
    "nodes": [
        {"id": 1, "labels": [], "properties": {"note": "no label, no key"}},
        {"id": 2, "labels": [], "properties": {}},
        {"id": 3, "labels": ["Part"], "properties": {"maker": "ACME", "serial": 7,
                                                     "dims": [], "w": {"$float": "-0.0"}}},
        {"id": 4, "labels": ["Part"], "properties": {"maker": "ACME", "serial": 8,
                                                     "ints": [{"$int": "-9223372036854775808"}, 1]}},
        {"id": 5, "labels": ["Tag"], "properties": {"id": {"$float": "nan"}, "s": "nan key"}},
        {"id": 6, "labels": ["Tag"], "properties": {"id": 1.5, "s": "a\\b'c\"d;e // f /* g"}},
        {"id": 7, "labels": ["My Label", "Kind`Of"], "properties": {
            "odd key": "\u0001\t\n\U0001F389 Gr\u00fc\u00dfe",
            "when": {"$datetime": "2021-10-31T02:59:59.999999999+01:00[Europe/Berlin]"}}},
        {"id": 8, "labels": ["Step"], "properties": {"code": "s1", "bin": {"$bytes": "00"}}},
        {"id": 9, "labels": ["Step"], "properties": {"code": "s2"}},
        {"id": 10, "labels": ["Alone"], "properties": {"x": 1}}],
    "relationships": [
        {"id": 1, "type": "LINKS", "start": 1, "end": 2, "properties": {"n": 1}},
        {"id": 2, "type": "LINKS", "start": 2, "end": 2, "properties": {}},
        {"id": 3, "type": "USES", "start": 3, "end": 4, "properties": {"l": [1.0, 2.5]}},
        {"id": 4, "type": "TAGGED", "start": 4, "end": 5, "properties": {}},
        {"id": 5, "type": "TAGGED", "start": 3, "end": 6, "properties": {"b": {"$bytes": "ff"}}},
        {"id": 6, "type": "NEXT STEP", "start": 8, "end": 9, "properties": {}},
        {"id": 7, "type": "LINKS", "start": 7, "end": 1, "properties": {}}]}


def load_and_compare(version, graph, empty, reference=None, *gen_args):
    """Generates the Cypher for version, loads it into an empty persona over Bolt, reads the
    graph back. Returns a dict of what the test asserts (run in a thread: no assertions here)."""
    out = {}
    cypher, out["warnings"] = generate("--version", version, *gen_args, graph)
    out["statements"] = split_statements(cypher)
    with server(version, empty, "--allow-writes") as srv:
        bolt = Bolt(srv.port, VERSIONS[version])
        try:
            for stmt in out["statements"]:
                bolt.run(stmt)
            out["want"] = graph_contents(load_graph(graph), bolt.dialect.utc)
            out["got"] = server_contents(bolt)
            out["load_ids"] = bolt.run("MATCH (n) WHERE n._boltdiff_load_id IS NOT NULL "
                                       "RETURN count(n)")
            # fall-back hour: the instants, whatever the wire can say (Bolt 3 cannot)
            out["instants"] = {k: [at, stamps] for k, at, stamps in bolt.run(
                "MATCH (n) WHERE n.kind IS NOT NULL OR n.`odd key` IS NOT NULL "
                "RETURN coalesce(n.kind, 'odd'), coalesce(n.at, n.when).epochSeconds, "
                "[x IN coalesce(n.stamps, []) | x.epochSeconds]")}
        finally:
            bolt.close()
        if reference:
            with server(version, reference) as direct:
                out["verify"] = subprocess.run(
                    [BOLTDIFF, "verify", "--checks", "all", "--color", "never",
                     f"bolt://127.0.0.1:{direct.port}", f"bolt://127.0.0.1:{srv.port}"],
                    capture_output=True, text=True, timeout=120,
                    env=dict(os.environ, NEO4J_USERNAME="neo4j", NEO4J_PASSWORD=PASSWORD))
    return out


def instants(g):
    """{kind: [at, [stamps]]} epoch seconds as in the graph file (what load_and_compare reads)."""
    out = {}
    for nid in g.node_ids():
        p = g.node_record(nid)[1]
        if "kind" in p or "odd key" in p:
            at = p.get("at", p.get("when"))
            out[p.get("kind", "odd")] = [at.epoch_seconds if at else None,
                                         [x.epoch_seconds for x in p.get("stamps", [])]]
    return out


class LoadCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="g2c-test-")
        cls.empty = os.path.join(cls.tmp, "empty.json")
        with open(cls.empty, "w") as f:
            json.dump({"format": "boltdiff-graph/1", "name": "empty"}, f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def load_everywhere(self, graph, reference=None, gen_args=None):
        """load_and_compare for every version at once (the servers are processes of their own)."""
        gen_args = gen_args or {}
        with concurrent.futures.ThreadPoolExecutor(len(VERSIONS)) as ex:
            futs = {v: ex.submit(load_and_compare, v, graph, self.empty, reference,
                                 *gen_args.get(v, ())) for v in VERSIONS}
            return {v: f.result() for v, f in futs.items()}

    def assert_recreated(self, r, graph):
        (want_nodes, want_rels), (got_nodes, got_rels) = r["want"], r["got"]
        self.assertEqual(sum(got_nodes.values()), sum(want_nodes.values()))
        self.assertEqual(dict(got_nodes - want_nodes), {}, "nodes the graph file lacks")
        self.assertEqual(dict(want_nodes - got_nodes), {}, "nodes the server lacks")
        self.assertEqual(sum(got_rels.values()), sum(want_rels.values()))
        self.assertEqual(dict(got_rels - want_rels), {}, "relationships the graph file lacks")
        self.assertEqual(dict(want_rels - got_rels), {}, "relationships the server lacks")
        self.assertEqual(r["instants"], instants(load_graph(graph)))
        self.assertEqual(r["load_ids"], [[0]])


class Demo(LoadCase):
    def test_demo_recreated_on_every_version(self):
        ref = os.path.join(self.tmp, "demo-without-bytes.json")
        without_bytes(DEMO, ref)
        g = load_graph(DEMO)
        self.assertEqual((g.node_total, g.rel_total), (286, 702))
        # 4.4 in batches of 7 rows: many statements, a partial last batch per group
        results = self.load_everywhere(DEMO, ref, {"4.4": ("--batch", "7"), "5": ("--batch", "1000")})
        for version, r in results.items():
            with self.subTest(version=version):
                self.assertEqual(
                    r["warnings"], "graph-to-cypher: warning: byte arrays have no Cypher literal, "
                    "left out: :Event.blob x3, :Person.avatar x1, :Product.barcode x1\n")
                self.assert_recreated(r, DEMO)
                early, late = r["instants"]["clock-change-early"][0], r["instants"]["clock-change-late"][0]
                self.assertEqual(late - early, 3600)
                self.assertEqual(r["verify"].returncode, 0, r["verify"].stdout + r["verify"].stderr)
                self.assertIn("SAME - 0 drift", r["verify"].stdout)
        # 7 schema statements, then one UNWIND per batch of a label set or of a relationship
        # type between two key labels (in the demo, a node's first label is its key label)
        groups = collections.Counter(g.node_record(n)[0] for n in g.node_ids())
        for rid in g.rel_ids():
            s, e, typ, _ = g.rel_record(rid)
            groups[(typ, g.node_record(s)[0][0], g.node_record(e)[0][0])] += 1
        self.assertEqual(len(groups), 10 + 7)
        for version, batch in (("3.5", 100), ("4.4", 7), ("5", 1000)):
            self.assertEqual(len(results[version]["statements"]),
                             7 + sum(-(-n // batch) for n in groups.values()), version)


class EdgeCases(LoadCase):
    def test_small_graph_recreated_on_every_version(self):
        small = os.path.join(self.tmp, "small.json")
        with open(small, "w", encoding="utf-8") as f:
            json.dump(SMALL, f)
        results = self.load_everywhere(small)
        common = ("graph-to-cypher: warning: 2 nodes have no key: relationships find them by a "
                  "temporary property _boltdiff_load_id, removed at the end (its key token stays "
                  "in db.propertyKeys(), and each lookup scans)\n"
                  "graph-to-cypher: warning: byte arrays have no Cypher literal, left out: "
                  ":Step.bin x1, [:TAGGED].b x1\n")
        for version, r in results.items():
            with self.subTest(version=version):
                self.assert_recreated(r, small)
                names = ("graph-to-cypher: warning: 3.5 cannot name schema rules: 'part_key' is "
                         "created unnamed\ngraph-to-cypher: warning: 3.5 cannot name schema "
                         "rules: 'odd_index' is created unnamed\n") if version == "3.5" else ""
                self.assertEqual(r["warnings"], names + common)
        self.assertEqual(results["5"]["statements"][:3], [
            "// small.json for Neo4j 5: 10 nodes, 7 relationships, written by "
            "scripts/graph-to-cypher. Load it into an EMPTY database.\n"
            "CREATE CONSTRAINT part_key IF NOT EXISTS FOR (n:Part) REQUIRE (n.maker, n.serial) IS UNIQUE",
            "\nCREATE CONSTRAINT IF NOT EXISTS FOR (n:Tag) REQUIRE n.id IS UNIQUE",
            "\nCREATE INDEX odd_index IF NOT EXISTS FOR (n:`My Label`) ON (n.`odd key`)"])
        self.assertEqual(results["4.4"]["statements"][1:3], [
            "\nCREATE CONSTRAINT ON (n:Tag) ASSERT n.id IS UNIQUE",
            "\nCREATE INDEX odd_index FOR (n:`My Label`) ON (n.`odd key`)"])
        self.assertEqual(results["3.5"]["statements"][1:3], [
            "\nCREATE CONSTRAINT ON (n:Tag) ASSERT n.id IS UNIQUE",
            "\nCREATE INDEX ON :`My Label`(`odd key`)"])


def g2c_module():
    loader = importlib.machinery.SourceFileLoader("graph_to_cypher", G2C)
    spec = importlib.util.spec_from_loader("graph_to_cypher", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


class Literals(unittest.TestCase):
    """The value forms are those a real Neo4j 3.5.22 accepted (the captures' queries), since the
    fixture engine's parser may be more lenient than a real one."""

    @classmethod
    def setUpClass(cls):
        cls.g2c = g2c_module()
        cls.accepted = ""
        for f in ("00-setup-graph.json", "20-return-every-literal-type.json"):
            with open(os.path.join(CAPTURES, f), encoding="utf-8") as fh:
                doc = json.load(fh)
            msgs = [e["decoded"].get("message") for e in doc["exchanges"]]
            assert "FAILURE" not in msgs, f  # every query of these two succeeded
            cls.accepted += " ".join(e["decoded"]["fields"][0] for e in doc["exchanges"]
                                     if e["decoded"].get("message") == "RUN")
        cls.accepted = re.sub(r"\s+", " ", cls.accepted)

    def test_forms_accepted_by_real_3_5_22(self):
        dt = T.parse_datetime
        cases = [
            (-(1 << 63), "-9223372036854775807 - 1"), ((1 << 63) - 1, "9223372036854775807"),
            (-0.0, "-0.0"), (1e-300, "1.0e-300"), (1.7976931348623157e308, "1.7976931348623157e308"),
            (math.nan, "toFloat('NaN')"), (math.inf, "toFloat('Infinity')"),
            (-math.inf, "toFloat('-Infinity')"), ("", "''"), (True, "true"),
            ([], "[]"), ([1.5, -0.0, 1e-300], "[1.5, -0.0, 1.0e-300]"),
            ([1, -1, 2147483648, 9223372036854775807], "[1, -1, 2147483648, 9223372036854775807]"),
            (T.parse_date("2020-01-02"), "date('2020-01-02')"),
            (T.parse_time("12:34:56.123456789+02:00"), "time('12:34:56.123456789+02:00')"),
            (T.parse_localtime("12:34:56.123456789"), "localtime('12:34:56.123456789')"),
            (T.parse_localdatetime("2020-06-15T14:30:00.000000123"),
             "localdatetime('2020-06-15T14:30:00.000000123')"),
            (dt("2020-06-15T14:30:00.000000123+02:00"),
             "datetime('2020-06-15T14:30:00.000000123+02:00')"),
            (dt("1969-12-31T23:59:59Z"), "datetime('1969-12-31T23:59:59Z')"),
            (dt("2020-06-15T14:30:00.000000123[Europe/Berlin]"),
             "datetime('2020-06-15T14:30:00.000000123[Europe/Berlin]')"),
            (dt("2021-10-31T02:30:00+02:00[Europe/Berlin]", lenient_offset=True),
             "datetime('2021-10-31T02:30:00[Europe/Berlin]')"),
            (dt("2021-10-31T02:30:00+01:00[Europe/Berlin]", lenient_offset=True),
             "datetime({datetime: datetime('2021-10-31T01:30:00Z'), timezone: 'Europe/Berlin'})"),
            (V.Point(7203, 1.5, -2.0), "point({x: 1.5, y: -2.0})"),
            (V.Point(9157, 1.0, 2.0, 3.0), "point({x: 1.0, y: 2.0, z: 3.0})"),
            (V.Point(4326, 13.4, 52.52), "point({longitude: 13.4, latitude: 52.52})"),
            (V.Point(4979, 13.4, 52.52, 34.0),
             "point({longitude: 13.4, latitude: 52.52, height: 34.0})")]
        for value, text in cases:
            with self.subTest(text=text):
                self.assertEqual(self.g2c.literal(value), text)
                self.assertIn(text, self.accepted)

    def test_fall_back_instants_differ(self):
        # the two forms above really are the two instants (an hour apart)
        early = T.parse_datetime("2021-10-31T02:30:00+02:00[Europe/Berlin]", lenient_offset=True)
        late = T.parse_datetime("2021-10-31T02:30:00+01:00[Europe/Berlin]", lenient_offset=True)
        self.assertEqual(late.epoch_seconds - early.epoch_seconds, 3600)

    def test_strings_are_ascii_with_utf16_escapes(self):
        self.assertEqual(self.g2c.literal("Grüße \U0001F389\n'\\\"\x00"),
                         "'Gr\\u00FC\\u00DFe \\uD83C\\uDF89\\n\\'\\\\\"\\u0000'")

    def test_durations_keep_months_days_seconds_apart(self):
        self.assertEqual(self.g2c.literal(T.parse_duration("P1Y2M3DT4H5M6.000000007S")),
                         "duration({months: 14, days: 3, seconds: 14706, nanoseconds: 7})")
        self.assertEqual(self.g2c.literal(T.parse_duration("PT-1.5S")),
                         "duration({seconds: -2, nanoseconds: 500000000})")
        self.assertEqual(self.g2c.literal(T.parse_duration("PT0S")), "duration({seconds: 0})")

    def test_byte_arrays_have_no_literal(self):
        with self.assertRaises(self.g2c.Unwritable):
            self.g2c.literal(b"\x00\xff")
        with self.assertRaises(self.g2c.Unwritable):
            self.g2c.literal([b"\x00"])

    def test_names_back_quoted_when_needed(self):
        self.assertEqual([self.g2c.name(x) for x in ("Person", "_x1", "My Label", "Kind`Of", "1a", "Ü")],
                         ["Person", "_x1", "`My Label`", "`Kind``Of`", "`1a`", "`Ü`"])


class CommandLine(unittest.TestCase):
    def run_g2c(self, *args):
        return subprocess.run([sys.executable, G2C, *args], capture_output=True, text=True,
                              timeout=60)

    def assert_one_line_error(self, p, text):
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn(text, p.stderr)

    def test_bad_input_is_one_line_exit_2(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.json")
            with open(bad, "w") as f:
                f.write('{"format": "boltdiff-graph/1", "nodez": []}')
            self.assert_one_line_error(self.run_g2c(bad), "unknown key 'nodez'")
            self.assert_one_line_error(self.run_g2c(os.path.join(d, "missing.json")),
                                       "graph-to-cypher: ")
            self.assert_one_line_error(self.run_g2c("-o", os.path.join(d, "no", "x")),
                                       "No such file or directory")
        p = self.run_g2c("--batch", "0")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--batch must be at least 1", p.stderr)
        p = self.run_g2c("--version", "4.0")
        self.assertEqual(p.returncode, 2)
        self.assertIn("invalid choice: '4.0'", p.stderr)

    def test_output_file_is_ascii_and_equals_stdout(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "demo.cypher")
            p = self.run_g2c("--version", "4.4", "-o", out)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(out, "rb") as f:
                data = f.read()
        data.decode("ascii")  # raises on any non-ASCII byte
        self.assertEqual(data.decode(), self.run_g2c("--version", "4.4").stdout)

    def test_mutations_are_applied(self):
        p = self.run_g2c("--mutate", os.path.join(SOURCE_DIR, "fixtures", "mutations",
                                                   "missing-node.json"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("// demo.json + missing-node.json for Neo4j 5: 285 nodes, 698 relationships",
                      p.stdout)
        self.assertNotIn("uid: 1042,", p.stdout)
        self.assertIn("uid: 1042,", self.run_g2c().stdout)


# ---------------------------------------------------------------------------------- real-neo4j.sh
REAL = os.path.join(SOURCE_DIR, "scripts", "real-neo4j.sh")

# A stand-in for the docker CLI: `run` starts a fixture server of the image's version (empty,
# writes allowed, the password from NEO4J_AUTH, 3.5 with optional TLS as the real image),
# `exec ... cypher-shell` splits stdin the way cypher-shell does and runs it over Bolt, `rm -f`
# stops the server. Every call is logged with its argv and the environment docker would pass.
DOCKER_SHIM = r"""#!/usr/bin/env python3
import json, os, signal, subprocess, sys, time
state = os.environ["SHIM_STATE"]
sys.path.insert(0, os.environ["SHIM_TESTS"])
argv = sys.argv[1:]

def env_of(args):
    out = {}
    for i, a in enumerate(args):
        if a in ("--env", "-e"):
            k, eq, v = args[i + 1].partition("=")
            if eq or k in os.environ:  # docker: a name without a value comes from this env
                out[k] = v if eq else os.environ[k]
    return out

def opt(args, name):
    return args[args.index(name) + 1]

with open(os.path.join(state, "calls.jsonl"), "a") as f:
    f.write(json.dumps({"argv": argv, "env": env_of(argv)}) + "\n")
cmd = argv[0] if argv else ""
if cmd == "info":
    sys.exit(0 if os.environ.get("SHIM_ENGINE") == "yes" else 1)
if cmd == "run":
    env, name, image = env_of(argv), opt(argv, "--name"), argv[-1]
    host, port, inner = opt(argv, "--publish").split(":")
    user, _, password = env["NEO4J_AUTH"].partition("/")
    with open(os.path.join(state, name + ".auth"), "w") as f:
        f.write(user + ":" + password + "\n")
    version = image.split(":", 1)[1]
    tls = []
    if version == "3.5":
        tls = ["--tls-cert", os.environ["SHIM_CERT"], "--tls-key", os.environ["SHIM_KEY"]]
    out = open(os.path.join(state, name + ".out"), "w")
    err = open(os.path.join(state, name + ".err"), "w")
    proc = subprocess.Popen([sys.executable, os.environ["SHIM_SERVER"], "--persona", version,
                             "--host", host, "--port", port, "--graph", os.environ["SHIM_EMPTY"],
                             "--allow-writes", "--auth-file", os.path.join(state, name + ".auth"),
                             *tls], stdout=out, stderr=err, start_new_session=True)
    for _ in range(200):
        with open(os.path.join(state, name + ".out")) as f:
            if f.read().startswith("listening"):
                break
        time.sleep(0.05)
    with open(os.path.join(state, name + ".json"), "w") as f:
        json.dump({"pid": proc.pid, "port": int(port), "version": version}, f)
    print("c0ffee" + name)
    sys.exit(0)
if cmd == "exec":
    env, name = env_of(argv), argv[-2]
    if argv[-1] != "/var/lib/neo4j/bin/cypher-shell" or "--interactive" not in argv:
        sys.exit(127)
    with open(os.path.join(state, name + ".json")) as f:
        c = json.load(f)
    import test_graph_to_cypher as t
    bolt = t.Bolt(c["port"], t.VERSIONS[c["version"]], env.get("NEO4J_USERNAME", ""),
                  env.get("NEO4J_PASSWORD", ""))
    for stmt in t.split_statements(sys.stdin.read()):
        try:
            bolt.run(stmt)
        except AssertionError as e:
            print(str(e).splitlines()[0], file=sys.stderr)
            sys.exit(1)
    sys.exit(0)
if cmd == "logs":
    with open(os.path.join(state, argv[-1] + ".err")) as f:
        sys.stdout.write(f.read())
    sys.exit(0)
if cmd == "rm" and "--force" in argv and "--volumes" in argv:
    for name in [a for a in argv[1:] if not a.startswith("-")]:
        with open(os.path.join(state, name + ".json")) as f:
            os.kill(json.load(f)["pid"], signal.SIGTERM)
    sys.exit(0)
sys.exit(f"docker shim: unsupported call {argv}")
"""


def free_port_base():
    """A port N with N, N+1, N+2 free on 127.0.0.1 right now."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base > 65000:
            continue
        try:
            socks = []
            for p in (base, base + 1, base + 2):
                socks.append(socket.socket())
                socks[-1].bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for x in socks:
                x.close()
    raise AssertionError("no three consecutive free ports")


class RealNeo4jScript(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="g2c-real-")
        bindir = os.path.join(cls.tmp, "bin")
        os.mkdir(bindir)
        with open(os.path.join(bindir, "docker"), "w") as f:
            f.write(DOCKER_SHIM)
        os.chmod(os.path.join(bindir, "docker"), 0o755)
        empty = os.path.join(cls.tmp, "empty.json")
        with open(empty, "w") as f:
            json.dump({"format": "boltdiff-graph/1", "name": "empty"}, f)
        tls = make_tls(os.path.join(cls.tmp, "tls"))
        cls.env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"],
                       BOLTDIFF=BOLTDIFF, SHIM_TESTS=os.path.dirname(os.path.abspath(__file__)),
                       SHIM_SERVER=os.path.join(SOURCE_DIR, "scripts", "fixture-server"),
                       SHIM_EMPTY=empty, SHIM_CERT=tls["server.crt"], SHIM_KEY=tls["server.key"])
        for k in ("NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_AUTH"):
            cls.env.pop(k, None)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_script(self, *args, engine="yes"):
        state = tempfile.mkdtemp(dir=self.tmp)
        env = dict(self.env, SHIM_STATE=state, SHIM_ENGINE=engine,
                   REAL_NEO4J_PORT=str(free_port_base()))
        p = subprocess.run(["bash", REAL, *args], capture_output=True, text=True, timeout=300,
                           env=env)
        calls = []
        if os.path.exists(os.path.join(state, "calls.jsonl")):
            with open(os.path.join(state, "calls.jsonl")) as f:
                calls = [json.loads(line) for line in f]
        return p, calls, state

    def test_without_a_docker_engine_it_says_so_and_exits_0(self):
        p, calls, _ = self.run_script(engine="no")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "real-neo4j.sh: no Docker engine here ('docker info' fails): "
                                   "skipped, nothing was started.\n")
        self.assertEqual([c["argv"] for c in calls], [["info"]])

    def test_three_way_verify_finds_the_planted_drift_only(self):
        p, calls, state = self.run_script("--drift", "--color", "never")
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 1, out)  # 1: the drift planted into the 5 copy
        self.assertIn("== boltdiff verify 3.5 -> 4.4 -> 5 (5 loaded with planted drift)", out)
        # 4.4 holds what 3.5 holds; 5 has exactly demo-drift.json's two changes: Person 1042
        # (and its relationships) missing, the late fall-back event's zone id lost
        severity = collections.defaultdict(list)  # target index -> [severity line]
        target = None
        for line in p.stdout.splitlines():
            m = re.match(r"\w+, \[0\] \S+ -> \[(\d)\] \S+:$", line)
            if m:
                target = m.group(1)
            elif target and line.startswith("  "):
                severity[target].append(line.split()[0])
            else:
                target = None
        self.assertNotIn("DRIFT", severity["1"])
        self.assertIn("DRIFT      all nodes: 286 nodes on baseline, 285 on target (-1)", out)
        self.assertIn("DRIFT      (:Person {uid: 1042}): missing on target", out)
        self.assertIn('DRIFT      (:Event {kind: "clock-change-late"}).at: ', out)
        self.assertEqual(out.count("graph-to-cypher: warning: byte arrays"), 1)
        runs = [c for c in calls if c["argv"][0] == "run"]
        self.assertEqual(sorted(c["argv"][-1] for c in runs), ["neo4j:3.5", "neo4j:4.4", "neo4j:5"])
        password = runs[0]["env"]["NEO4J_AUTH"].split("/", 1)[1]
        self.assertGreaterEqual(len(password), 16)
        for c in runs:
            self.assertTrue(c["argv"][c["argv"].index("--publish") + 1].startswith("127.0.0.1:"))
            self.assertIn("NEO4J_AUTH", c["argv"])  # by name: the value comes from the env
        execs = [c for c in calls if c["argv"][0] == "exec"]
        self.assertEqual(len(execs), 3)
        for c in execs:
            self.assertEqual((c["env"]["NEO4J_USERNAME"], c["env"]["NEO4J_PASSWORD"]),
                             ("neo4j", password))
        for c in calls:
            self.assertNotIn(password, " ".join(c["argv"]))
        self.assertNotIn(password, out)
        # every container removed, every server gone
        removed = [n for c in calls if c["argv"][0] == "rm" for n in c["argv"][3:]]
        self.assertEqual(sorted(removed), sorted(c["argv"][c["argv"].index("--name") + 1]
                                                 for c in runs))
        for name in removed:
            with open(os.path.join(state, name + ".json")) as f:
                pid = json.load(f)["pid"]
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            else:
                self.fail(f"fixture server {pid} of {name} still running")


if __name__ == "__main__":
    unittest.main()
