"""Tests of the fixture server's query half (scripts/fixture/engine.py, graph.py, cypher/).

The reference is the real server: every query of the byte-exact Neo4j 3.5.22 captures is replayed
in capture order against the 3.5 persona on fixtures/graphs/capture-3.5.22.json, and the fields,
records, failures and summaries must equal what the real server sent (values read straight from
the capture files). Then: the per-version acceptance/rejection matrix, the graph file format,
mutations, the synthetic generator, the verifier's query shapes and temporal edge cases.

FUZZ_SEED / FUZZ_N (environment) re-run the random-expression test with another seed/size.
"""

import glob
import json
import math
import os
import sys
import tempfile
import unittest

SOURCE_DIR = os.environ.get("BOLTDIFF_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts"))

from fixture import engine as E  # noqa: E402
from fixture import graph as G  # noqa: E402
from fixture import values as V  # noqa: E402

CAPTURES = os.environ.get("BOLTDIFF_CAPTURES_DIR",
                          os.path.join(SOURCE_DIR, "fixtures", "captures", "neo4j-3.5.22"))
FIXTURES = os.path.join(SOURCE_DIR, "fixtures")
CAPTURE_GRAPH = os.path.join(FIXTURES, "graphs", "capture-3.5.22.json")
DEMO_GRAPH = os.path.join(FIXTURES, "graphs", "demo.json")
PERSONAS = ("3.5", "4.4", "5", "2025")


# ---------------------------------------------------------------------------------- helpers
def run(engine, query, params=None, db=None, mode="w"):
    """(fields, records, summary) or raises CypherError."""
    r = engine.run(query, params or {}, db, mode)
    recs = list(r.records)
    return r.fields, recs, r.summary()


def rows(engine, query, params=None, **kw):
    return run(engine, query, params, **kw)[1]


def error_of(engine, query, params=None, **kw):
    try:
        r = engine.run(query, params or {}, kw.get("db"), kw.get("mode", "w"))
        list(r.records)
    except E.CypherError as e:
        return e
    return None


def dec_param(v):
    """A capture's decoded client value -> the Python value the protocol layer would hand us."""
    if isinstance(v, dict):
        if set(v) == {"bytes"} and isinstance(v["bytes"], str):
            return bytes.fromhex(v["bytes"])
        if set(v) == {"float"}:
            return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[v["float"]]
        return {k: dec_param(x) for k, x in v.items()}
    if isinstance(v, list):
        return [dec_param(x) for x in v]
    return v


def norm_capture(v):
    """A capture's decoded server value in a comparable form (floats by repr, so -0.0 counts)."""
    if isinstance(v, float):
        return ("f", repr(v))
    if isinstance(v, list):
        return [norm_capture(x) for x in v]
    if isinstance(v, dict):
        if "struct" in v:
            return {"struct": v["struct"], "fields": norm_capture(v["fields"])}
        if set(v) == {"bytes"}:
            return {"bytes": v["bytes"].upper()}
        if set(v) == {"float"}:
            return ("f", v["float"])
        return {k: norm_capture(x) for k, x in v.items()}
    return v


def _s(tag, *fields):
    return {"struct": tag, "fields": list(fields)}


def _f(x):
    return ("f", "nan" if x != x else "inf" if x == math.inf else "-inf" if x == -math.inf else repr(x))


def bolt3_form(v):
    """Our value as 3.5.22 puts it on the wire on Bolt 3 (legacy F/f datetimes carry the local
    wall clock), in the shape norm_capture() gives a capture value. Independent of the
    protocol half's encoder on purpose."""
    if v is None or isinstance(v, (bool, str, int)):
        return v
    if isinstance(v, float):
        return _f(v)
    if isinstance(v, bytes):
        return {"bytes": v.hex().upper()}
    if isinstance(v, list):
        return [bolt3_form(x) for x in v]
    if isinstance(v, dict):
        return {k: bolt3_form(x) for k, x in v.items()}
    if isinstance(v, V.Node):
        return _s("0x4E", v.id, list(v.labels), bolt3_form(v.props))
    if isinstance(v, V.Relationship):
        return _s("0x52", v.id, v.start, v.end, v.type, bolt3_form(v.props))
    if isinstance(v, V.Path):
        nodes, rels, idx = [], [], []
        for n in v.nodes:
            if all(n.id != x.id for x in nodes):
                nodes.append(n)
        for r in v.rels:
            if all(r.id != x.id for x in rels):
                rels.append(r)
        for i, r in enumerate(v.rels):
            ri = [x.id for x in rels].index(r.id) + 1
            idx += [ri if r.start == v.nodes[i].id else -ri, [x.id for x in nodes].index(v.nodes[i + 1].id)]
        return _s("0x50", [bolt3_form(n) for n in nodes], [_s("0x72", r.id, r.type, bolt3_form(r.props)) for r in rels], idx)
    if isinstance(v, V.Date):
        return _s("0x44", v.days)
    if isinstance(v, V.Time):
        return _s("0x54", v.nanos, v.offset)
    if isinstance(v, V.LocalTime):
        return _s("0x74", v.nanos)
    if isinstance(v, V.DateTime):
        return _s("0x66", v.local_seconds, v.nanos, v.zone) if v.zone else _s("0x46", v.local_seconds, v.nanos, v.offset)
    if isinstance(v, V.LocalDateTime):
        return _s("0x64", v.seconds, v.nanos)
    if isinstance(v, V.Duration):
        return _s("0x45", v.months, v.days, v.seconds, v.nanos)
    if isinstance(v, V.Point):
        if v.z is None:
            return _s("0x58", v.srid, _f(v.x), _f(v.y))
        return _s("0x59", v.srid, _f(v.x), _f(v.y), _f(v.z))
    raise TypeError(type(v))


def capture_files():
    return sorted(glob.glob(os.path.join(CAPTURES, "*.json"))) if CAPTURES else []


# ---------------------------------------------------------------------------------- replay
PROTOCOL_ONLY = "Neo.ClientError.Request.Invalid"   # session-state failures: the protocol half's job


class Replayer:
    """Plays the client side of a captured conversation against an Engine, with Bolt session
    semantics (pipelining, FAILED state, IGNORED, RESET, explicit transactions), and compares
    every server answer the engine is responsible for."""

    def __init__(self, test, engine):
        self.t = test
        self.e = engine
        self.checked = 0

    def replay(self, conv):
        """Returns why the replay stopped: "end", "goodbye" or "protocol" (a failure the
        protocol half owns, after which the engine has nothing left to answer)."""
        ex = conv["exchanges"]
        requests = [x["decoded"] for x in ex if x["from"] == "client" and "message" in x.get("decoded", {})]
        answers = [x for x in ex if x["from"] == "server" and ("message" in x.get("decoded", {})
                                                                 or x.get("stream_summary"))]
        answers = [x["decoded"] if not x.get("stream_summary") else dict(x["decoded"], stream=True) for x in answers]
        failed = False
        tx = None
        result = None
        for req in requests:
            msg = req["message"]
            if msg in ("HELLO", "INIT"):
                if not answers or answers[0]["message"] != "SUCCESS":
                    return "protocol"  # authentication is the protocol half's business
                answers.pop(0)
                continue
            if msg == "GOODBYE":
                return "goodbye"
            if not answers:
                return "protocol"
            if msg == "RESET" or msg == "ACK_FAILURE":
                answers.pop(0)
                failed = False
                if tx is not None:
                    tx.rollback()
                    tx = None
                continue
            if failed and msg != "BEGIN":
                self.t.assertEqual(answers.pop(0)["message"], "IGNORED", f"{msg} while FAILED")
                continue
            if msg == "BEGIN":
                a = answers.pop(0)
                if a["message"] == "FAILURE":
                    return "protocol"  # BEGIN while FAILED (capture 57)
                extra = req["fields"][0] if req["fields"] else {}
                tx = self.e.begin(extra.get("db"), extra.get("mode", "w"))
                continue
            if msg in ("COMMIT", "ROLLBACK"):
                a = answers.pop(0)
                if a["message"] == "FAILURE":
                    self.t.assertEqual(a["fields"][0]["code"], PROTOCOL_ONLY)
                    return "protocol"
                (tx.commit if msg == "COMMIT" else tx.rollback)()
                tx = None
                continue
            if msg == "RUN":
                if answers[0].get("stream"):
                    # the summarised 70,000-row stream keeps RUN's SUCCESS as its first message
                    a = answers[0]["first_messages"][0]["decoded"]
                else:
                    a = answers.pop(0)
                query, params = req["fields"][0], {k: dec_param(v) for k, v in req["fields"][1].items()}
                extra = req["fields"][2] if len(req["fields"]) > 2 else {}
                if a["message"] == "FAILURE" and a["fields"][0]["code"] == PROTOCOL_ONLY:
                    return "protocol"  # RUN while STREAMING (capture 16)
                try:
                    result = tx.run(query, params) if tx is not None else \
                        self.e.run(query, params, extra.get("db"), extra.get("mode", "w"))
                    got = ("SUCCESS", result.fields)
                except E.CypherError as err:
                    got = ("FAILURE", {"code": err.code, "message": err.message})
                    result = None
                want = ("SUCCESS", a["fields"][0]["fields"]) if a["message"] == "SUCCESS" else \
                    ("FAILURE", {"code": a["fields"][0]["code"], "message": a["fields"][0]["message"]})
                self.t.assertEqual(got, want, f"RUN {query!r}")
                self.checked += 1
                if got[0] == "FAILURE":
                    failed = True
                continue
            if msg in ("PULL_ALL", "DISCARD_ALL"):
                self._pull(msg, answers, result)
                if answers and answers[0] is None:
                    answers.pop(0)
                if getattr(self, "_failed_now", False):
                    failed = True
                    self._failed_now = False
                result = None
                continue
            self.t.fail(f"unexpected client message {msg}")
        self.t.assertEqual(answers, [], "server answers left unexplained")
        return "end"

    def _pull(self, msg, answers, result):
        if answers[0].get("stream"):
            self._stream_summary(answers.pop(0), result)
            return
        recs = []
        while answers and answers[0]["message"] == "RECORD":
            recs.append(answers.pop(0)["fields"][0])
        end = answers.pop(0)
        if end["message"] == "FAILURE" and end["fields"][0]["code"] == PROTOCOL_ONLY:
            # e.g. Bolt 1 cannot carry a Date (capture 05): the protocol half must fail here
            for _ in result.records:
                pass
            self._failed_now = True
            return
        got, err = [], None
        if msg == "PULL_ALL":
            try:
                for r in result.records:
                    got.append(r)
            except E.CypherError as e:
                err = e
        else:
            result.consume()
        self.t.assertEqual([bolt3_form(r) for r in got], norm_capture(recs), f"records of {result.fields}")
        if end["message"] == "FAILURE":
            self.t.assertIsNotNone(err, "the real server failed while streaming")
            self.t.assertEqual((err.code, err.message), (end["fields"][0]["code"], end["fields"][0]["message"]))
            self._failed_now = True
            self.checked += 1
            return
        self.t.assertIsNone(err)
        want = end["fields"][0]
        summ = result.summary()
        for key in ("type", "stats", "plan", "profile", "notifications"):
            self.t.assertEqual(norm_capture(summ.get(key)), norm_capture(want.get(key)), f"summary {key}")
        self.checked += 1

    def _stream_summary(self, a, result):
        got = list(result.records)
        counts = a["message_counts"]
        self.t.assertEqual(len(got), counts["RECORD"])
        first = [m["decoded"]["fields"][0] for m in a["first_messages"] if m["decoded"]["message"] == "RECORD"]
        last = [m["decoded"]["fields"][0] for m in a["last_messages"] if m["decoded"]["message"] == "RECORD"]
        self.t.assertEqual(got[:len(first)], first)
        self.t.assertEqual(got[-len(last):], last)
        self.t.assertEqual(result.summary()["type"], a["last_messages"][-1]["decoded"]["fields"][0]["type"])
        self.checked += 1


class TestCaptures(unittest.TestCase):
    """Every capture conversation, in capture order, on one 3.5 engine (the real server ran them
    in one session of the same store, so writes of 61/62/75 show in 76-78)."""

    def test_replay_every_capture_in_order(self):
        g = G.load_graph(CAPTURE_GRAPH)
        eng = E.Engine(g, "3.5", allow_writes=True)
        total = 0
        stopped = set()
        files = [f for f in capture_files() if not os.path.basename(f).startswith("00-")]
        self.assertGreater(len(files), 50)
        for f in files:
            with open(f) as fh:
                conv = json.load(fh)
            name = os.path.basename(f)
            with self.subTest(capture=name):
                rp = Replayer(self, eng)
                if rp.replay(conv) == "protocol":
                    stopped.add(name[:2])
                total += rp.checked
        # only handshake/authentication/session-state conversations end in a protocol failure
        self.assertEqual(stopped, {"11", "14", "15", "16", "57"})
        # every RUN answer and every PULL outcome the engine owns was compared
        self.assertGreaterEqual(total, 130)

    def test_setup_writes_rebuild_the_capture_graph(self):
        """Replaying 00-setup-graph on an empty store gives the fixture graph (ids aside) and the
        exact write statistics and summary types the real server reported."""
        g = G.Graph("replayed")
        eng = E.Engine(g, "3.5", allow_writes=True)
        with open(os.path.join(CAPTURES, "00-setup-graph.json")) as fh:
            conv = json.load(fh)
        rp = Replayer(self, eng)
        rp.replay(conv)
        self.assertEqual(rp.checked, 16)
        ref = G.load_graph(CAPTURE_GRAPH)

        def content(graph):
            nodes = {}
            key_of = {}
            for nid in graph.node_ids():
                labels, props = graph.node_record(nid)
                k = props.get("uid", props.get("name"))
                key_of[nid] = k
                nodes[k] = (sorted(labels), bolt3_form(props))
            rels = sorted((key_of[s], t, key_of[e], json.dumps(bolt3_form(p), sort_keys=True))
                          for s, e, t, p in (graph.rel_record(r) for r in graph.rel_ids()))
            return nodes, rels
        self.assertEqual(content(g), content(ref))
        self.assertEqual(set(g.key_tokens), set(ref.key_tokens))
        # tokens in the order 3.5 created them (capture 43), properties in the order it reads
        # them back (the fixture file stores that order)
        self.assertEqual(g.key_tokens, ref.key_tokens)
        self.assertEqual(g.key_tokens, _captured_property_keys("43-db-propertyKeys.json"))
        for nid in g.node_ids():
            props = g.node_record(nid)[1]
            k = props.get("uid", props.get("name"))
            want = next(ref.node_record(n)[1] for n in ref.node_ids()
                        if ref.node_record(n)[1].get("uid", ref.node_record(n)[1].get("name")) == k)
            self.assertEqual(list(props), list(want), k)
        self.assertEqual(sorted(list(g.rel_record(r)[3]) for r in g.rel_ids()),
                         sorted(list(ref.rel_record(r)[3]) for r in ref.rel_ids()))



def _captured_property_keys(name):
    with open(os.path.join(CAPTURES, name)) as fh:
        conv = json.load(fh)
    return [e["decoded"]["fields"][0][0] for e in conv["exchanges"]
            if e["decoded"].get("message") == "RECORD"]


class TestPropertyLayout35(unittest.TestCase):
    """3.5's token order and property read order (store35): the captured nodes, then the rules
    one by one on small cases worked out by hand from the 3.5 sources."""

    def test_captured_nodes_go_out_in_the_captured_order(self):
        from fixture import personas as P
        g = G.Graph("replayed")
        eng = E.Engine(g, "3.5", allow_writes=True)
        with open(os.path.join(CAPTURES, "00-setup-graph.json")) as fh:
            conv = json.load(fh)
        for e in conv["exchanges"]:
            if e["decoded"].get("message") == "RUN":
                q, params, _ = e["decoded"]["fields"]
                run(eng, q, dec_param(params))
        with open(os.path.join(CAPTURES, "31-match-all-nodes.json")) as fh:
            conv = json.load(fh)
        want = {}
        for e in conv["exchanges"]:
            if e["decoded"].get("message") == "RECORD":
                props = e["decoded"]["fields"][0][0]["fields"][2]
                want[props.get("uid", props.get("name"))] = list(props)
        got = {}
        for n in rows(eng, "MATCH (n) RETURN n"):
            props = n[0].props
            got[props.get("uid", props.get("name"))] = list(P.entity_props(props))
        self.assertEqual(got, want)
        self.assertEqual(len(want[1]), 30)

    def test_block_sizes(self):
        from fixture import store35 as S
        cases = [(True, 1), (0, 1), (2 ** 35 - 1, 1), (2 ** 35, 2), (-1, 2), (1.0, 2),
                 ("", 1), ("Acme", 1), ("Alice", 2), ("Bø Ñandú", 2), ("abcdefghij" * 4, 4),
                 ("Grüße, Zürich: 東京 🎉", 1), ("東京", 2), ("x" * 60, 1),
                 (bytes(range(20)), 3), (bytes([0x80] * 20), 4), (bytes(30), 2),
                 ([1.5, -0.0, 1e-300], 4), ([1, -1], 3), ([True, False], 1), ([], 1), (["a"], 1),
                 (V.Date(18263), 1), (V.Date(-1), 2), (V.LocalTime(45296123456789), 2), (V.LocalTime(5), 1),
                 (V.Time(0, 3600), 2), (V.LocalDateTime(0, 0), 2), (V.DateTime(0, 0, 0), 3),
                 (V.Duration(1, 2, 3, 4), 4), (V.Point(7203, 1.0, 2.0), 3), (V.Point(9157, 1.0, 2.0, 3.0), 4)]
        for value, blocks in cases:
            self.assertEqual(S.property_blocks(value), blocks, repr(value))

    def test_map_orders(self):
        from fixture import store35 as S
        # up to 4 keys a Scala Map keeps source order; role/from share no bucket of 16
        self.assertEqual(S.literal_map_order(["role", "from"]), ["role", "from"])
        self.assertEqual(S.literal_map_order(["since", "weight", "tags"]), ["weight", "since", "tags"])
        # 5+ keys: the hash trie decides who comes first inside a HashMap bucket (capture 43:
        # i_min, lt and p_cart share bucket 8 of 64 and got their tokens in this order)
        setup = ["uid", "name", "s_empty", "s_utf8", "i_small", "i_neg", "i_big", "i_near_max", "i_min",
                 "f_pi", "f_negzero", "f_tiny", "f_big", "b_true", "b_false", "d", "t", "lt", "dt_offset",
                 "dt_zone", "dt_zone_fallback", "dt_zone_fallback_late", "ldt", "dur", "dur_neg", "p_cart",
                 "p_cart3", "p_wgs", "p_wgs3", "bytes"]
        self.assertEqual([k for k in S.literal_map_order(setup) if k in ("i_min", "lt", "p_cart")],
                         ["p_cart", "lt", "i_min"])
        # a parameter map is a HashMap(n, 1): 2 buckets for 2 keys, "b" (98) before "a" (97)
        self.assertEqual(S.param_map_order(["a", "b"]), ["b", "a"])
        self.assertEqual(S.literal_map_order(["a", "b"]), ["a", "b"])

    def test_eclipse_collections_orders(self):
        from fixture import store35 as S
        m = S.EcLongKeyMap()
        for k in [1, 0] + list(range(30, 44)):
            m.put(k)
        # sentinels first, then slots: 32 keys wrap round a 32-slot table
        self.assertEqual(list(m), [0, 1] + list(range(32, 44)) + [30, 31])
        m = S.EcLongKeyMap()
        for k in (18, 2):
            m.put(k)
        self.assertEqual(list(m), [18, 2])          # 18 took slot 2, 2 probes on to slot 3
        self.assertTrue(m.remove(18))
        m.put(34)                                    # reuses the REMOVED slot 2
        self.assertEqual(list(m), [34, 2])
        s = S.EcLongSet()
        for k in (40, 5, 3):
            s.add(k)
        self.assertEqual(list(s)[:2], [3, 5])        # 0..31 from the bitmap, ascending
        self.assertEqual(sorted(s), [3, 5, 40])

    def test_chain_rules(self):
        from fixture import store35 as S
        c = S.PropertyChain()
        for tok, n in ((0, 1), (1, 2), (2, 1), (3, 2), (4, 2)):
            c.set(tok, n)
        # [0,1,2] filled the first record; 3 opened a record that became the first; 4 fit there
        self.assertEqual(c.records, [[[3, 2], [4, 2]], [[0, 1], [1, 2], [2, 1]]])
        c.set(5, 1)
        self.assertEqual(c.tokens()[0], 5)           # no room anywhere: a new first record
        c.remove(0)                                  # the record's last block fills the hole
        self.assertEqual(c.records[-1], [[2, 1], [1, 2]])
        c.remove(5)                                  # an emptied record leaves the chain
        self.assertEqual(c.tokens(), [3, 4, 2, 1])
        c.set(6, 1)                                  # room in the LAST record that has some
        self.assertEqual(c.tokens(), [3, 4, 2, 1, 6])
        c.set(2, 2)                                  # grown: no room in its own record any more,
        self.assertEqual(c.tokens(), [2, 3, 4, 6, 1])  # and 6 moved into its place

    def test_transactions_reorder_like_35(self):
        g = G.Graph("t")
        eng = E.Engine(g, "3.5", allow_writes=True)

        def keys():
            return list(rows(eng, "MATCH (n:X) RETURN n")[0][0].props)
        run(eng, "CREATE (n:X {a: 1, b: 2.5, c: 'x'})")
        self.assertEqual(keys(), ["a", "b", "c"])
        run(eng, "MATCH (n:X) SET n.d = 1.5, n.e = 2.5")
        self.assertEqual(keys(), ["d", "e", "a", "b", "c"])
        tx = eng.begin()
        got = list(tx.run("MATCH (n:X) SET n.c = 7 REMOVE n.d RETURN n").records)
        self.assertEqual(list(got[0][0].props), ["c", "e", "a", "b"])   # tx state first
        tx.rollback()
        self.assertEqual(keys(), ["d", "e", "a", "b", "c"])
        tx = eng.begin()
        list(tx.run("MATCH (n:X) SET n.c = 7 REMOVE n.d").records)
        tx.commit()
        self.assertEqual(keys(), ["e", "a", "b", "c"])
        run(eng, "MATCH (n:X) REMOVE n.a")
        self.assertEqual(keys(), ["e", "c", "b"])
        self.assertEqual(g.key_tokens, ["a", "b", "c", "d", "e"])


# ---------------------------------------------------------------------------------- dialects
SYNTAX = "Neo.ClientError.Statement.SyntaxError"
NOT_FOUND = "Neo.ClientError.Procedure.ProcedureNotFound"


class TestDialectMatrix(unittest.TestCase):
    """What each version accepts and rejects (bolt-reference 9.1, 10.4, 10.5)."""

    @classmethod
    def setUpClass(cls):
        cls.graph = G.load_graph(CAPTURE_GRAPH)

    def eng(self, persona, **kw):
        return E.Engine(self.graph, persona, **kw)

    def expect(self, persona, query, outcome, params=None, db=None, **kw):
        """outcome: ("ok", rows) / ("ok", None) for any rows, or ("err", code, text in message)."""
        e = self.eng(persona, **kw)
        with self.subTest(persona=persona, query=query):
            err = error_of(e, query, params, db=db)
            if outcome[0] == "ok":
                self.assertIsNone(err, f"{persona}: {query}: {err and err.message}")
                if outcome[1] is not None:
                    self.assertEqual(rows(e, query, params, db=db), outcome[1])
            else:
                self.assertIsNotNone(err, f"{persona} accepted {query}")
                self.assertEqual(err.code, outcome[1], err.message)
                self.assertIn(outcome[2], err.message)

    def matrix(self, query, by_persona, params=None, db=None):
        for persona, outcome in by_persona.items():
            self.expect(persona, query, outcome, params, db)

    def test_exists_property_function(self):
        q = "MATCH (n) WHERE exists(n.uid) RETURN count(n) AS c"
        self.matrix(q, {"3.5": ("ok", [[3]]), "4.4": ("ok", [[3]]),
                        "5": ("err", SYNTAX, "exists(variable.property)` is no longer supported"),
                        "2025": ("err", SYNTAX, "is no longer supported")})
        # IS NOT NULL is the portable form
        for p in PERSONAS:
            self.expect(p, "MATCH (n) WHERE n.uid IS NOT NULL RETURN count(n) AS c", ("ok", [[3]]))

    def test_pattern_expression_in_size(self):
        self.matrix("RETURN size((:Nope)-->()) AS c",
                    {"3.5": ("ok", [[0]]), "4.4": ("ok", [[0]]),
                     "5": ("err", SYNTAX, "replace size() with COUNT {}"), "2025": ("err", SYNTAX, "COUNT {}")})
        q = "MATCH (n:Person) RETURN n.uid AS uid, size([(n)-->() | 1]) AS d ORDER BY uid"
        for p in PERSONAS:  # the pattern comprehension is the portable degree
            self.expect(p, q, ("ok", [[1, 2], [2, 2], [3, 1]]))

    def test_count_and_exists_subqueries(self):
        self.matrix("MATCH (n:Person) RETURN n.uid AS u, COUNT { (n)-->() } AS d ORDER BY u",
                    {"3.5": ("err", SYNTAX, "Invalid input '{'"), "4.4": ("err", SYNTAX, "Invalid input '{'"),
                     "5": ("ok", [[1, 2], [2, 2], [3, 1]]), "2025": ("ok", [[1, 2], [2, 2], [3, 1]])})
        self.matrix("MATCH (n:Person) WHERE EXISTS { (n)-[:LIKES]->() } RETURN n.uid",
                    {"3.5": ("err", SYNTAX, "Invalid input '{'"), "4.4": ("ok", [[3]]), "5": ("ok", [[3]]),
                     "2025": ("ok", [[3]])})

    def test_legacy_parameter_syntax(self):
        self.matrix("RETURN {x} AS v", {"3.5": ("ok", [[1]]),
                                         "4.4": ("err", SYNTAX, "`{param}` is no longer supported"),
                                         "5": ("err", SYNTAX, "Please use `$param` instead"),
                                         "2025": ("err", SYNTAX, "(line 1, column 8 (offset: 7))")}, {"x": 1})

    def test_element_id(self):
        self.matrix("MATCH (n:Company) RETURN elementId(n) STARTS WITH '4:' AS ok",
                    {"3.5": ("err", SYNTAX, "Unknown function 'elementId'"),
                     "4.4": ("err", SYNTAX, "Unknown function 'elementId'"), "5": ("ok", [[True]]),
                     "2025": ("ok", [[True]])})

    def test_element_id_seek(self):
        g = G.generate_graph(5000, 2)
        e = E.Engine(g, "5")
        eids = [r[0] for r in rows(e, "MATCH (n) WHERE id(n) IN [5, 77, 4999] RETURN elementId(n)")]
        f, r, s = run(e, "PROFILE MATCH (n) WHERE elementId(n) IN $e AND n.uid > 0 RETURN id(n)",
                      {"e": eids + ["4:other-db:1", 7]})
        self.assertEqual(r, [[5], [77], [4999]])
        leaf = s["profile"]
        while leaf["children"]:
            leaf = leaf["children"][0]
        self.assertEqual((leaf["operatorType"], leaf["rows"]), ("NodeByElementIdSeek", 3))
        err = error_of(E.Engine(g, "4.4"), "MATCH (n) WHERE elementId(n) = $e AND n.uid > 0 RETURN n", {"e": "x"})
        self.assertEqual(err.code, SYNTAX)
        self.assertIn("Unknown function 'elementId'", err.message)

    def test_index_and_constraint_procedures(self):
        self.matrix("CALL db.indexes() YIELD properties RETURN count(*) AS n",
                    {"3.5": ("ok", [[3]]), "4.4": ("ok", [[5]]),  # 4.4 adds the two LOOKUP indexes
                     "5": ("err", NOT_FOUND, "`db.indexes`"), "2025": ("err", NOT_FOUND, "`db.indexes`")})
        self.matrix("CALL db.constraints()", {"3.5": ("ok", None), "4.4": ("ok", None),
                                               "5": ("err", NOT_FOUND, "`db.constraints`"),
                                               "2025": ("err", NOT_FOUND, "`db.constraints`")})
        self.assertEqual(run(self.eng("4.4"), "CALL db.indexes()")[0],
                         ["id", "name", "state", "populationPercent", "uniqueness", "type", "entityType",
                          "labelsOrTypes", "properties", "provider"])

    def test_show_indexes_and_constraints(self):
        self.matrix("SHOW INDEXES", {"3.5": ("err", SYNTAX, "Invalid input 'H': expected 't/T' or 'e/E'"),
                                     "4.4": ("ok", None), "5": ("ok", None), "2025": ("ok", None)})
        f44, r44, _ = run(self.eng("4.4"), "SHOW INDEXES")
        f5, r5, _ = run(self.eng("5"), "SHOW INDEXES")
        self.assertEqual(f44, ["id", "name", "state", "populationPercent", "uniqueness", "type", "entityType",
                               "labelsOrTypes", "properties", "indexProvider"])
        self.assertEqual(f5, ["id", "name", "state", "populationPercent", "type", "entityType", "labelsOrTypes",
                              "properties", "indexProvider", "owningConstraint", "lastRead", "readCount"])
        types44 = sorted(r[f44.index("type")] for r in r44)
        types5 = sorted(r[f5.index("type")] for r in r5)
        self.assertEqual(types44, ["BTREE", "BTREE", "BTREE", "LOOKUP", "LOOKUP"])
        self.assertEqual(types5, ["LOOKUP", "LOOKUP", "RANGE", "RANGE", "RANGE"])
        names = [r[1] for r in r5]
        self.assertEqual(names, sorted(names))
        fc, rc, _ = run(self.eng("5"), "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties "
                                       "WHERE 'Person' IN labelsOrTypes RETURN type, properties")
        self.assertEqual((fc, rc), (["type", "properties"], [["NODE_PROPERTY_UNIQUENESS", ["uid"]]]))
        self.matrix("SHOW INDEXES VERBOSE", {"4.4": ("ok", None), "5": ("err", SYNTAX, "VERBOSE")})
        f, r, _ = run(self.eng("4.4"), "SHOW INDEXES YIELD *")
        self.assertIn("createStatement", f)

    def test_show_databases_needs_system(self):
        for p in ("4.4", "5", "2025"):
            self.expect(p, "SHOW DATABASES", ("err", "Neo.ClientError.Statement.NotSystemDatabaseError",
                                              "executed against the system database"))
            f, r, _ = run(self.eng(p), "SHOW DATABASES YIELD name, default RETURN name, default", db="system")
            self.assertEqual(r, [["neo4j", True], ["system", False]])
        self.expect("3.5", "SHOW DATABASES", ("err", SYNTAX, "expected 't/T' or 'e/E'"), db="system")
        self.expect("5", "MATCH (n) RETURN n", ("err", "Neo.ClientError.Statement.NotSystemDatabaseError",
                                                "user database"), db="system")

    def test_routing_procedures(self):
        q = "CALL dbms.routing.getRoutingTable({}, null)"
        self.expect("3.5", q, ("err", NOT_FOUND, "`dbms.routing.getRoutingTable`"))
        self.expect("3.5", "CALL dbms.cluster.routing.getRoutingTable({})",
                    ("err", NOT_FOUND, "`dbms.cluster.routing.getRoutingTable`"))
        e = self.eng("3.5", cluster=True)
        e.advertised_address = "127.0.0.1:7999"
        f, r, _ = run(e, "CALL dbms.cluster.routing.getRoutingTable({})")
        self.assertEqual(f, ["ttl", "servers"])
        self.assertEqual(sorted(s["role"] for s in r[0][1]), ["READ", "ROUTE", "WRITE"])
        self.assertEqual(r[0][1][0]["addresses"], ["127.0.0.1:7999"])
        for p in ("4.4", "5", "2025"):
            f, r, _ = run(self.eng(p), q, db="system")
            self.assertEqual(f, ["ttl", "servers"])
            self.expect(p, "CALL dbms.routing.getRoutingTable({}, 'nope')",
                        ("err", "Neo.ClientError.Database.DatabaseNotFound", "nope"), db="system")

    def test_components_and_default_database(self):
        want = {"3.5": "3.5.22-SNAPSHOT", "4.4": "4.4.40", "5": "5.26.0", "2025": "2025.10.1"}
        for p, v in want.items():
            self.assertEqual(rows(self.eng(p), "CALL dbms.components()"), [["Neo4j Kernel", [v], "community"]])
        self.assertEqual(self.eng("3.5").default_database(), "graph.db")
        self.assertEqual(self.eng("4.4").default_database(), "neo4j")
        self.assertEqual(self.eng("5", default_db="graph.db").default_database(), "graph.db")
        # 3.5 has one database and ignores the name (capture 60); 4.4+ refuse unknown names
        self.assertEqual(rows(self.eng("3.5"), "RETURN 1", db="whatever"), [[1]])
        self.expect("4.4", "RETURN 1", ("err", "Neo.ClientError.Database.DatabaseNotFound",
                                        "Database name: 'whatever'"), db="whatever")
        self.assertEqual(rows(self.eng("5", default_db="graph.db"), "RETURN 1", db="graph.db"), [[1]])

    def test_schema_command_syntax(self):
        legacy = "CREATE INDEX ON :Person(uid_x)"
        modern = "CREATE INDEX idx_x FOR (n:Person) ON (n.uid_y)"
        for p, outcome in {"3.5": ("ok", []), "4.4": ("ok", []), "5": ("err", SYNTAX, "Invalid input 'ON'"),
                           "2025": ("err", SYNTAX, "Invalid input 'ON'")}.items():
            g = G.load_graph(CAPTURE_GRAPH)
            e = E.Engine(g, p, allow_writes=True)
            with self.subTest(persona=p, q=legacy):
                err = error_of(e, legacy)
                self.assertEqual(err is None, outcome[0] == "ok", err and err.message)
        for p, ok in {"3.5": False, "4.4": True, "5": True, "2025": True}.items():
            g = G.load_graph(CAPTURE_GRAPH)
            e = E.Engine(g, p, allow_writes=True)
            err = error_of(e, modern)
            self.assertEqual(err is None, ok, err and err.message)
            if ok:
                f, r, s = run(e, "SHOW INDEXES YIELD name WHERE name = 'idx_x' RETURN name")
                self.assertEqual(r, [["idx_x"]])

    def test_writes_need_allow_writes_and_write_mode(self):
        q = "CREATE (n:Tmp) RETURN n"
        for p in PERSONAS:
            self.expect(p, q, ("err", "Neo.ClientError.Statement.AccessMode", "--allow-writes"))
        # EXPLAIN does not execute, so it is allowed on a read-only server
        self.assertEqual(run(self.eng("5"), "EXPLAIN " + q)[2]["type"], "rw")
        for p in ("4.4", "5", "2025"):
            e = E.Engine(G.load_graph(CAPTURE_GRAPH), p, allow_writes=True)
            err = error_of(e, q, mode="r")
            self.assertEqual(err.code, "Neo.ClientError.Statement.AccessMode")
            self.assertIn("read access mode", err.message)
        # a standalone 3.5 does not enforce read mode (capture 61)
        e = E.Engine(G.load_graph(CAPTURE_GRAPH), "3.5", allow_writes=True)
        self.assertEqual(run(e, q, mode="r")[2]["type"], "rw")

    def test_notifications(self):
        q = "MATCH (a:Person), (b:Company) RETURN a, b"
        self.assertNotIn("notifications", run(self.eng("3.5"), q)[2])   # 3.5: only with EXPLAIN
        n = run(self.eng("3.5"), "EXPLAIN " + q)[2]["notifications"]
        self.assertEqual(n[0]["code"], "Neo.ClientNotification.Statement.CartesianProductWarning")
        n44 = run(self.eng("4.4"), q)[2]["notifications"]
        self.assertEqual(n44[0]["position"], {"offset": 0, "line": 1, "column": 1})
        n5 = run(self.eng("5"), "MATCH (n) WHERE id(n) = 0 RETURN n")[2]["notifications"]
        self.assertEqual([x["category"] for x in n5], ["DEPRECATION"])
        d44 = run(self.eng("4.4"), "MATCH (n) WHERE exists(n.uid) RETURN count(n)")[2]["notifications"]
        self.assertIn("exists(variable.property)", d44[0]["description"])


# ---------------------------------------------------------------------------------- semantics
class TestEngineSemantics(unittest.TestCase):
    def setUp(self):
        self.g = G.load_graph(CAPTURE_GRAPH)
        self.e = E.Engine(self.g, "3.5", allow_writes=True)

    def test_records_are_lazy_and_fail_mid_stream(self):
        r = self.e.run("UNWIND [1, 0] AS x RETURN 10 / x AS q", {})
        self.assertEqual(r.fields, ["q"])
        self.assertFalse(r.write)
        self.assertEqual(next(r.records), [10])
        with self.assertRaises(E.CypherError) as cm:
            next(r.records)
        self.assertEqual((cm.exception.code, cm.exception.message),
                         ("Neo.ClientError.Statement.ArithmeticError", "/ by zero"))

    def test_column_names_are_the_text_as_written(self):
        f = run(self.e, "MATCH (n:Person) RETURN count(n), n.uid  +  1, toString(n.uid) AS s, (n.uid), n")[0]
        self.assertEqual(f, ["count(n)", "n.uid  +  1", "s", "(n.uid)", "n"])
        self.assertEqual(run(self.e, "MATCH (n:Company) RETURN *")[0], ["n"])

    def test_write_flag_and_types(self):
        r = self.e.run("CREATE (x:Tmp {a: 1})", {})
        self.assertTrue(r.write)
        self.assertEqual(r.consume(), {"type": "w", "stats": {"nodes-created": 1, "labels-added": 1,
                                                              "properties-set": 1}})
        self.assertEqual(run(self.e, "MATCH (x:Tmp) SET x.b = 2 RETURN x.b")[2]["type"], "rw")
        self.assertEqual(run(self.e, "CREATE INDEX ON :Tmp(a)")[2], {"type": "s", "stats": {"indexes-added": 1}})
        self.assertEqual(run(self.e, "CALL dbms.procedures() YIELD name RETURN count(*)")[2]["type"], "rw")

    def test_failed_auto_commit_query_leaves_no_trace(self):
        before = _dump(self.g)
        err = error_of(self.e, "UNWIND [1, 2, 0] AS x CREATE (:T {v: 10 / x})")
        self.assertEqual(err.code, "Neo.ClientError.Statement.ArithmeticError")
        self.assertEqual(_dump(self.g), before)
        err = error_of(self.e, "CREATE (:Person {uid: 1})")
        self.assertEqual(err.code, "Neo.ClientError.Schema.ConstraintValidationFailed")
        self.assertIn("already exists with label `Person` and property `uid` = 1", err.message)
        self.assertEqual(_dump(self.g), before)

    def test_explicit_transaction_commit_and_rollback(self):
        before = _dump(self.g)
        tx = self.e.begin()
        tx.run("MATCH (a:Person {uid: 1}) SET a.name = 'Alicia', a:Extra REMOVE a.i_small", {}).consume()
        tx.run("MATCH (n:Person {uid: 3}) DETACH DELETE n", {}).consume()
        tx.run("MATCH (a:Person {uid: 1}), (c:Company) CREATE (a)-[:OWNS {pct: 50}]->(c)", {}).consume()
        self.assertEqual(rows(self.e, "MATCH (n:Person) RETURN count(n)"), [[2]])   # visible at once
        tx.rollback()
        self.assertEqual(_dump(self.g), before)
        tx = self.e.begin()
        tx.run("CREATE (:Kept {k: 1})", {}).consume()
        tx.commit()
        self.assertEqual(rows(self.e, "MATCH (n:Kept) RETURN n.k"), [[1]])

    def test_failure_inside_transaction_rolls_it_back(self):
        before = _dump(self.g)
        tx = self.e.begin()
        tx.run("CREATE (:T1)", {}).consume()
        with self.assertRaises(E.CypherError):
            tx.run("RETURN 1 +", {})
        self.assertEqual(_dump(self.g), before)
        with self.assertRaises(E.CypherError) as cm:
            tx.commit()
        self.assertEqual(cm.exception.code, "Neo.ClientError.Transaction.TransactionMarkedAsFailed")

    def test_internal_errors_become_unknown_error(self):
        from fixture.cypher import functions as F
        original = F.SCALARS["tostring"]
        F.SCALARS["tostring"] = (lambda ctx, a: {}["boom"], 1, 1)
        try:
            err = error_of(self.e, "RETURN toString(1)")
        finally:
            F.SCALARS["tostring"] = original
        self.assertEqual(err.code, "Neo.DatabaseError.General.UnknownError")
        self.assertIn("KeyError", err.message)

    def test_random_garbage_never_escapes_as_python_exception(self):
        import random
        rnd = random.Random(1234)
        vocab = ["MATCH", "(", ")", "n", ":", "Person", "{", "}", "uid", "1", "-", "->", "<-", "[", "]", "r",
                 "RETURN", "WHERE", "AND", "count(*)", ",", ".", "=", "'x'", "$p", "WITH", "AS", "UNWIND", "*",
                 "ORDER BY", "LIMIT", "CREATE", "SET", "DELETE", "CALL", "db.labels()", "YIELD", "+", "/", "0",
                 "null", "[1,2]", "CASE", "WHEN", "THEN", "END", "EXISTS", "size", "COUNT", "SHOW", "INDEXES",
                 "date('2020-01-01')", "`", "\\", "'", "\"", "..", "|", "shortestPath", "OPTIONAL", "MERGE"]
        for i in range(1500):
            q = " ".join(rnd.choice(vocab) for _ in range(rnd.randint(1, 14)))
            for persona in ("3.5", "5"):
                eng = E.Engine(self.g, persona, allow_writes=True)
                try:
                    r = eng.run(q, {"p": 1})
                    for _ in r.records:
                        pass
                    r.summary()
                except E.CypherError as e:
                    self.assertNotEqual(e.code, "Neo.DatabaseError.General.UnknownError", f"{q!r}: {e.message}")

    def test_ordering_aggregation_and_nulls(self):
        q = ("UNWIND [3, 'b', null, 1.5, true, 'a', [1], {k: 1}, date('2020-01-01'), -0.0] AS v "
             "RETURN v ORDER BY v")
        got = [r[0] for r in rows(self.e, q)]
        self.assertEqual(got[0], {"k": 1})
        self.assertEqual(got[1], [1])
        self.assertEqual(got[2], V.Date(18262))
        self.assertEqual(got[3:5], ["a", "b"])
        self.assertEqual(got[5], True)
        self.assertEqual(got[6:9], [-0.0, 1.5, 3])
        self.assertIsNone(got[9])
        self.assertEqual(rows(self.e, "UNWIND [1, 1.0, 2, null, 2] AS x RETURN count(x), count(DISTINCT x), "
                                      "sum(x), min(x), max(x), collect(x), avg(x)"),
                         [[4, 2, 6.0, 1, 2, [1, 1.0, 2, 2], 1.5]])
        self.assertEqual(rows(self.e, "MATCH (n:Nope) RETURN count(n), sum(n.x), collect(n), max(n.x)"),
                         [[0, 0, [], None]])
        err = error_of(self.e, "RETURN 9223372036854775807 + 1")
        self.assertEqual((err.code, err.message), ("Neo.ClientError.Statement.ArithmeticError", "long overflow"))
        # strings sort by UTF-16 code units like Java: U+FFFD sorts after U+1F389 (a surrogate pair)
        self.assertEqual(rows(self.e, "UNWIND ['\ufffd', '\U0001F389'] AS s RETURN s ORDER BY s"),
                         [["\U0001F389"], ["\ufffd"]])

    def test_clauses(self):
        e = self.e
        self.assertEqual(rows(e, "MATCH (a)-[:KNOWS*1..2]->(b) RETURN a.uid, b.uid ORDER BY a.uid, b.uid"),
                         [[1, 2], [1, 3], [2, 3]])
        self.assertEqual(rows(e, "MATCH (p:Person) OPTIONAL MATCH (p)-[:LIKES]->(q) "
                                 "RETURN p.uid, q.uid ORDER BY p.uid"), [[1, None], [2, None], [3, 2]])
        self.assertEqual(rows(e, "MATCH (p:Person) WITH p.uid % 2 AS odd, count(*) AS n WHERE n > 1 "
                                 "RETURN odd, n"), [[1, 2]])
        self.assertEqual(rows(e, "UNWIND [3, 1, 2, 1] AS x RETURN DISTINCT x ORDER BY x DESC SKIP 1 LIMIT 1"), [[2]])
        self.assertEqual(rows(e, "RETURN 1 AS x UNION RETURN 1 AS x UNION ALL RETURN 2 AS x"), [[1], [2]])
        self.assertEqual(rows(e, "MATCH (n:Person {uid: 1})-[r]->(m) RETURN type(r), m {.uid, .name} "
                                 "ORDER BY type(r)"),
                         [["KNOWS", {"uid": 2, "name": "Bø Ñandú"}], ["WORKS_AT", {"uid": None, "name": "Acme"}]])
        self.assertEqual(rows(e, "RETURN [x IN range(1, 10) WHERE x % 3 = 0 | x * x], "
                                 "reduce(s = 0, x IN [1, 2, 3] | s + x), any(x IN [1, 2] WHERE x > 1), "
                                 "CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' END"), [[[9, 36, 81], 6, True, "two"]])
        err = error_of(e, "MATCH (n) RETURN m")
        self.assertEqual((err.code, err.message.split(" (line")[0]), (SYNTAX, "Variable `m` not defined"))
        self.assertEqual(error_of(e, "MATCH (n)").message.split(" (line")[0],
                         "Query cannot conclude with MATCH (must be RETURN or an update clause)")
        self.assertIn("not supported by the fixture server", error_of(e, "LOAD CSV FROM 'x' AS r RETURN r").message)
        self.assertIn("not supported by the fixture server",
                      error_of(e, "MATCH p = shortestPath((a)-[*]-(b)) RETURN p").message)
        self.assertEqual(error_of(e, "RETURN $missing").code, "Neo.ClientError.Statement.ParameterMissing")

    def test_merge_and_foreach(self):
        e = self.e
        f, r, s = run(e, "MERGE (n:Person {uid: 1}) ON MATCH SET n.seen = true ON CREATE SET n.new = true "
                         "RETURN n.seen, n.new")
        self.assertEqual((r, s["stats"]), ([[True, None]], {"properties-set": 1}))
        f, r, s = run(e, "MERGE (n:Person {uid: 77}) ON CREATE SET n.new = true RETURN n.new")
        self.assertEqual((r, s["stats"]), ([[True]], {"nodes-created": 1, "labels-added": 1, "properties-set": 2}))
        f, r, s = run(e, "MATCH (a:Person {uid: 1}), (c:Company) MERGE (a)-[w:WORKS_AT]->(c) RETURN w.role")
        self.assertEqual((r, s.get("stats")), ([["dev"]], None))
        f, r, s = run(e, "FOREACH (x IN [1, 2] | CREATE (:F {v: x}))")
        self.assertEqual(s["stats"], {"nodes-created": 2, "labels-added": 2, "properties-set": 2})
        self.assertEqual(rows(e, "MATCH (f:F) RETURN f.v ORDER BY f.v"), [[1], [2]])
        f, r, s = run(e, "MATCH (f:F) REMOVE f:F SET f:G, f += {w: 1} RETURN labels(f), f.w ORDER BY f.v")
        self.assertEqual(r, [[["G"], 1], [["G"], 1]])
        self.assertEqual(s["stats"], {"labels-added": 2, "labels-removed": 2, "properties-set": 2})
        err = error_of(e, "MATCH (a:Person {uid: 1}) DELETE a")
        self.assertEqual(err.code, "Neo.ClientError.Schema.ConstraintValidationFailed")
        self.assertIn("still has relationships", err.message)

    def test_to_string_is_javas(self):
        self.assertEqual(rows(self.e, "RETURN toString(1.0), toString(1e-300), toString(0.0001), toString(1e7), "
                                      "toString(duration('PT-1.5S')), toString(time('00:00Z'))"),
                         [["1.0", "1.0E-300", "1.0E-4", "1.0E7", "PT-1.5S", "00:00:00Z"]])

    def test_random_expressions_fail_only_with_neo4j_errors(self):
        """Seeded random expression trees over every value type: evaluation errors must be
        Neo4j status codes (TypeError, ArgumentError...), never an internal error."""
        import random
        rnd = random.Random(int(os.environ.get("FUZZ_SEED", "99")))
        g = G.load_graph(DEMO_GRAPH)
        lits = ["1", "-7", "2.5", "-0.0", "'a'", "''", "true", "null", "[1, 'x', null]", "[]", "{k: 1}", "$p",
                "date('2020-01-01')", "datetime('2021-10-31T02:30[Europe/Berlin]')", "duration('P1DT2H')",
                "point({x: 1, y: 2})", "localtime('12:00')", "time('10:00+01:00')", "n", "r", "m", "n.uid",
                "n.name", "n.tags", "n.born", "r.since", "labels(n)", "keys(n)"]
        fns = ["toString", "toInteger", "toFloat", "size", "head", "tail", "reverse", "abs", "round", "sqrt",
               "labels", "keys", "properties", "type", "id", "coalesce", "range", "substring", "left", "split",
               "replace", "toUpper", "trim", "date", "datetime", "duration", "nodes", "length", "startNode",
               "point", "distance", "localdatetime", "ceil", "log"]
        ops_ = ["+", "-", "*", "/", "%", "^", "=", "<>", "<", ">=", "AND", "OR", "IN", "STARTS WITH", "=~"]

        def expr(d=0):
            k = rnd.random()
            if d > 3 or k < 0.35:
                return rnd.choice(lits)
            if k < 0.6:
                f = rnd.choice(fns)
                n = {"range": 2, "substring": 2, "left": 2, "split": 2, "replace": 3, "coalesce": 2,
                     "distance": 2}.get(f, 1)
                return f"{f}({', '.join(expr(d + 1) for _ in range(n))})"
            if k < 0.85:
                return f"({expr(d + 1)} {rnd.choice(ops_)} {expr(d + 1)})"
            if k < 0.92:
                return f"[x IN {expr(d + 1)} WHERE {expr(d + 1)} | x]"
            return f"CASE WHEN {expr(d + 1)} THEN {expr(d + 1)} ELSE {expr(d + 1)} END"
        evaluated = 0
        for i in range(int(os.environ.get("FUZZ_N", "600"))):
            q = (f"MATCH (n:Person)-[r]->(m) WHERE {expr()} RETURN {expr()} AS a, {expr()} AS b "
                 f"ORDER BY a LIMIT 5")
            for persona in ("3.5", "5"):
                try:
                    r = E.Engine(g, persona).run(q, {"p": 3})
                    list(r.records)
                    evaluated += 1
                except E.CypherError as e:
                    self.assertNotEqual(e.code, "Neo.DatabaseError.General.UnknownError", f"{q}: {e.message}")
                    evaluated += e.code != SYNTAX
        self.assertGreater(evaluated, 300)  # most queries reached evaluation, not just the parser



# ---------------------------------------------------------------------------------- verifier shapes
class RawGraph:
    """The demo file read with json alone: an oracle independent of graph.py and the engine."""

    def __init__(self, path, mutations=()):
        with open(path) as fh:
            doc = json.load(fh)
        self.nodes = {n["id"]: n for n in doc["nodes"]}
        self.rels = {r["id"]: r for r in doc["relationships"]}


class TestVerifierQueries(unittest.TestCase):
    """The query shapes the verifier sends, on the demo graph, against the raw-JSON oracle, in
    every persona (they are the portable forms)."""

    @classmethod
    def setUpClass(cls):
        cls.raw = RawGraph(DEMO_GRAPH)
        cls.g = G.load_graph(DEMO_GRAPH)
        cls.engines = {p: E.Engine(cls.g, p) for p in PERSONAS}

    def each(self, query, params=None):
        out = {p: rows(e, query, params) for p, e in self.engines.items()}
        first = out["3.5"]
        for p in PERSONAS:
            self.assertEqual(out[p], first, f"{p} differs for {query}")
        return first

    def test_store_counts(self):
        nodes, rels = self.raw.nodes, self.raw.rels
        self.assertEqual(self.each("MATCH (n) RETURN count(n)"), [[len(nodes)]])
        labels = sorted({lab for n in nodes.values() for lab in n["labels"]})
        for lab in labels:
            want = sum(lab in n["labels"] for n in nodes.values())
            self.assertEqual(self.each(f"MATCH (n:`{lab}`) RETURN count(n)"), [[want]])
        for t in sorted({r["type"] for r in rels.values()}):
            self.assertEqual(self.each(f"MATCH ()-[r:{t}]->() RETURN count(r)"),
                             [[sum(r["type"] == t for r in rels.values())]])
            for lab in labels:
                start = sum(r["type"] == t and lab in nodes[r["start"]]["labels"] for r in rels.values())
                end = sum(r["type"] == t and lab in nodes[r["end"]]["labels"] for r in rels.values())
                self.assertEqual(self.each(f"MATCH (:`{lab}`)-[r:{t}]->() RETURN count(r)"), [[start]])
                self.assertEqual(self.each(f"MATCH ()-[r:{t}]->(:`{lab}`) RETURN count(r)"), [[end]])
        self.assertEqual(self.each("MATCH (n) RETURN max(id(n))"), [[max(nodes)]])
        self.assertEqual(self.each("MATCH ()-[r]->() RETURN count(r)"), [[len(rels)]])

    def test_counts_come_from_the_count_store(self):
        """Structural O(1) check without timings: PROFILE shows one count-store operator with
        a single db hit, no scan."""
        prof = run(self.engines["4.4"], "PROFILE MATCH (n:Person) RETURN count(n)")[2]["profile"]
        leaf = prof["children"][0]
        self.assertEqual((leaf["operatorType"], leaf["dbHits"], leaf["children"]),
                         ("NodeCountFromCountStore", 1, []))
        prof = run(self.engines["5"], "PROFILE MATCH (:Person)-[r:KNOWS]->() RETURN count(r)")[2]["profile"]
        self.assertEqual(prof["children"][0]["operatorType"], "RelationshipCountFromCountStore")

    def test_property_coverage_partitions(self):
        nodes = self.raw.nodes
        q = ("MATCH (n) WHERE id(n) IN range($lo, $hi) UNWIND labels(n) AS l UNWIND keys(n) AS k "
             "RETURN l, k, count(*) ORDER BY l, k")
        for lo, hi in ((0, 99), (100, 199), (200, 400)):
            want = {}
            for nid, n in nodes.items():
                if lo <= nid <= hi:
                    for lab in n["labels"]:
                        for k in n["properties"]:
                            want[(lab, k)] = want.get((lab, k), 0) + 1
            got = self.each(q, {"lo": lo, "hi": hi})
            self.assertEqual({(l, k): c for l, k, c in got}, want)
            self.assertEqual([(l, k) for l, k, _ in got], sorted(want))
        rels = self.raw.rels
        got = self.each("MATCH ()-[r]->() WHERE id(r) IN range($lo, $hi) UNWIND keys(r) AS k "
                        "RETURN type(r), k, count(*)", {"lo": 0, "hi": 349})
        want = {}
        for rid, r in rels.items():
            if rid <= 349:
                for k in r["properties"]:
                    want[(r["type"], k)] = want.get((r["type"], k), 0) + 1
        self.assertEqual({(t, k): c for t, k, c in got}, want)

    def test_partition_reads_only_the_partition(self):
        """The id seek visits the partition's nodes, not the store (rows on the leaf)."""
        prof = run(self.engines["4.4"], "PROFILE MATCH (n) WHERE id(n) IN range($lo, $hi) RETURN count(*)",
                   {"lo": 10, "hi": 29})[2]["profile"]
        leaf = prof
        while leaf["children"]:
            leaf = leaf["children"][0]
        self.assertEqual(leaf["operatorType"], "NodeByIdSeek")
        self.assertEqual(leaf["rows"], sum(10 <= i <= 29 for i in self.raw.nodes))

    def test_sampled_lookups(self):
        nodes = self.raw.nodes
        people = {n["properties"]["uid"]: n for n in nodes.values() if "Person" in n["labels"]}
        keys = [1000, 1042, 1119, 5]  # the last one does not exist
        got = self.each("UNWIND $keys AS k MATCH (n:Person {uid: k}) RETURN k, id(n), n.name", {"keys": keys})
        self.assertEqual(got, [[k, people[k]["id"], people[k]["properties"]["name"]] for k in keys if k in people])
        ids = [people[1000]["id"], people[1001]["id"], 10 ** 9]
        got = self.each("MATCH (n:Person) WHERE id(n) IN $ids RETURN id(n) ORDER BY id(n)", {"ids": ids})
        self.assertEqual(got, [[i] for i in sorted(ids[:2])])
        node = rows(self.engines["5"], "MATCH (n:Person) WHERE id(n) IN $ids RETURN n", {"ids": ids[:1]})[0][0]
        self.assertEqual(G.encode_value(list(node.props.values())),
                         list(people[1000]["properties"].values()))

    def test_relationship_signatures(self):
        nodes, rels = self.raw.nodes, self.raw.rels
        ids = sorted(nodes)[:25]
        got = self.each("MATCH (n)-[r]-(m) WHERE id(n) IN $ids "
                        "RETURN id(n), type(r), startNode(r) = n, id(m), properties(r)", {"ids": ids})
        want = []
        for nid in ids:
            for r in rels.values():
                if r["start"] == nid:
                    want.append((nid, r["type"], True, r["end"], json.dumps(r["properties"], sort_keys=True)))
                if r["end"] == nid and r["start"] != nid:
                    want.append((nid, r["type"], False, r["start"], json.dumps(r["properties"], sort_keys=True)))
        gotn = [(a, b, c, d, json.dumps({k: G.encode_value(v) for k, v in e.items()}, sort_keys=True))
                for a, b, c, d, e in got]
        self.assertEqual(sorted(gotn), sorted(want))

    def test_temporal_projections(self):
        got = self.each("MATCH (e:Event) RETURN e.kind, e.at.epochSeconds, e.at.nanosecond, e.at.timezone, "
                        "e.at.offsetSeconds, localdatetime(e.at) ORDER BY e.kind")
        self.assertEqual(got, [
            ["clock-change-early", 1635640200, 0, "Europe/Berlin", 7200, V.LocalDateTime(1635647400, 0)],
            ["clock-change-late", 1635643800, 0, "Europe/Berlin", 3600, V.LocalDateTime(1635647400, 0)],
            ["clock-change-spring", 1616895000, 0, "Europe/Berlin", 7200, V.LocalDateTime(1616902200, 0)]])

    def test_labels_types_and_keys_procedures(self):
        nodes, rels = self.raw.nodes, self.raw.rels
        labels = [r[0] for r in self.each("CALL db.labels()")]
        self.assertEqual(sorted(labels), sorted({l for n in nodes.values() for l in n["labels"]}))
        types = [r[0] for r in self.each("CALL db.relationshipTypes()")]
        self.assertEqual(sorted(types), sorted({r["type"] for r in rels.values()}))
        keys = {r[0] for r in self.each("CALL db.propertyKeys()")}
        used = {k for x in list(nodes.values()) + list(rels.values()) for k in x["properties"]}
        self.assertEqual(keys, used)


# ---------------------------------------------------------------------------------- format
class TestGraphFormat(unittest.TestCase):
    def test_round_trip_is_exact(self):
        import io
        for path in (DEMO_GRAPH, CAPTURE_GRAPH):
            g = G.load_graph(path)
            a = io.StringIO()
            G.write_graph(g, a)
            g2 = G.graph_from_dict(json.loads(a.getvalue()))
            b = io.StringIO()
            G.write_graph(g2, b)
            self.assertEqual(a.getvalue(), b.getvalue())
            self.assertEqual(_dump(g)[:3], _dump(g2)[:3])
            with open(path) as fh:  # the committed file is itself in canonical form
                doc = json.load(fh)
            self.assertEqual(json.loads(a.getvalue())["nodes"], doc["nodes"])

    def test_streamed_and_whole_document_reads_agree(self):
        with open(DEMO_GRAPH) as fh:
            text = fh.read()
        with tempfile.TemporaryDirectory() as d:
            pretty = os.path.join(d, "pretty.json")
            with open(pretty, "w") as fh:
                json.dump(json.loads(text), fh, indent=2)   # not the line layout: read whole
            self.assertEqual(_dump(G.load_graph(pretty)), _dump(G.load_graph(DEMO_GRAPH)))
            cut = os.path.join(d, "cut.json")
            with open(cut, "w") as fh:
                fh.write(text[: len(text) // 2])            # a truncated file is an error, not half a graph
            with self.assertRaises(G.GraphFormatError) as cm:
                G.load_graph(cut)
            self.assertIn("invalid JSON", str(cm.exception))

    def test_every_value_tag(self):
        cases = [
            ({"$int": "-9223372036854775808"}, -9223372036854775808), (9223372036854775807, 9223372036854775807),
            ({"$float": "nan"}, "nan"), ({"$float": "-inf"}, -math.inf), ({"$float": "-0.0"}, "-0.0"),
            ({"$bytes": "00ff"}, b"\x00\xff"), ({"$date": "1969-12-31"}, V.Date(-1)),
            ({"$time": "12:00:00+01:00"}, V.Time(43200 * 10 ** 9, 3600)),
            ({"$localtime": "23:59:59.999999999"}, V.LocalTime(86399999999999)),
            ({"$datetime": "1969-12-31T23:59:59.5Z"}, V.DateTime(-1, 500000000, 0, None)),
            ({"$datetime": "2021-10-31T02:30:00+01:00[Europe/Berlin]"}, V.DateTime(1635643800, 0, 3600, "Europe/Berlin")),
            ({"$datetime": "2021-10-31T02:30:00[Europe/Berlin]"}, V.DateTime(1635640200, 0, 7200, "Europe/Berlin")),
            ({"$localdatetime": "2020-06-15T14:30:00.000000123"}, V.LocalDateTime(1592231400, 123)),
            ({"$duration": "P1Y2M3DT4H5M6.000000007S"}, V.Duration(14, 3, 14706, 7)),
            ({"$duration": "PT-1.5S"}, V.Duration(0, 0, -2, 500000000)),
            ({"$point": {"srid": 4979, "x": 13.4, "y": 52.52, "z": 34.0}}, V.Point(4979, 13.4, 52.52, 34.0)),
        ]
        for tagged, want in cases:
            with self.subTest(tagged=tagged):
                got = G.decode_value(tagged)
                if want == "nan":
                    self.assertTrue(math.isnan(got))
                elif want == "-0.0":
                    self.assertEqual(math.copysign(1, got), -1.0)
                else:
                    self.assertEqual(got, want)
                again = G.decode_value(G.encode_value(got))
                self.assertEqual(repr(again), repr(got))

    def test_bad_files_give_one_line_errors(self):
        bad = {
            "unknown key": {"format": G.FORMAT, "nodez": []},
            "wrong format": {"format": "neo4j-dump/9"},
            "map property": {"nodes": [{"id": 1, "properties": {"m": {"a": 1}}}]},
            "mixed list": {"nodes": [{"id": 1, "properties": {"l": [1, "a"]}}]},
            "bad tag": {"nodes": [{"id": 1, "properties": {"d": {"$date": "2020-13-01"}}}]},
            "unknown tag": {"nodes": [{"id": 1, "properties": {"d": {"$dates": "2020-01-01"}}}]},
            "offset not in zone": {"nodes": [{"id": 1, "properties": {"d": {"$datetime": "2021-10-31T02:30+03:00[Europe/Berlin]"}}}]},
            "duplicate id": {"nodes": [{"id": 1}, {"id": 1}]},
            "dangling rel": {"nodes": [{"id": 1}], "relationships": [{"id": 0, "type": "T", "start": 1, "end": 2}]},
            "int too big": {"nodes": [{"id": 1, "properties": {"i": 9223372036854775808}}]},
            "no id": {"nodes": [{"labels": ["A"]}]},
        }
        with tempfile.TemporaryDirectory() as d:
            for name, doc in bad.items():
                path = os.path.join(d, "g.json")
                with open(path, "w") as fh:
                    json.dump(doc, fh)
                with self.subTest(name):
                    with self.assertRaises(G.GraphFormatError) as cm:
                        G.load_graph(path)
                    msg = str(cm.exception)
                    self.assertNotIn("\n", msg)
                    self.assertTrue(msg.startswith(path), msg)
            with open(os.path.join(d, "broken.json"), "w") as fh:
                fh.write('{"nodes": [')
            with self.assertRaises(G.GraphFormatError) as cm:
                G.load_graph(os.path.join(d, "broken.json"))
            self.assertIn("invalid JSON at line 1", str(cm.exception))
            with self.assertRaises(G.GraphFormatError) as cm:
                G.load_graph(os.path.join(d, "missing.json"))
            self.assertIn("No such file", str(cm.exception))

    def test_tokens_and_schema_from_the_file(self):
        g = G.load_graph(CAPTURE_GRAPH)
        self.assertEqual(g.label_tokens, ["Person", "Company", "Employee"])
        self.assertEqual(g.key_tokens[:3], ["uid", "name", "dur"])
        self.assertEqual(sorted((r.id, r.is_constraint) for r in g.rules),
                         [(1, False), (2, True), (8, False), (9, True), (15, False)])


# ---------------------------------------------------------------------------------- mutations
class TestMutations(unittest.TestCase):
    """Each planted divergence changes exactly what it says, and nothing else."""

    @classmethod
    def setUpClass(cls):
        cls.base = G.load_graph(DEMO_GRAPH)

    def load(self, name):
        return G.load_graph(DEMO_GRAPH, os.path.join(FIXTURES, "mutations", name + ".json"))

    def q(self, g, query, params=None):
        return rows(E.Engine(g, "4.4"), query, params)

    def diff(self, g):
        a, b = _dump(self.base), _dump(g)
        an, bn = {n[0]: n for n in a[0]}, {n[0]: n for n in b[0]}
        changed = sorted(i for i in set(an) | set(bn) if an.get(i) != bn.get(i))
        ar, br = {r[0]: r for r in a[1]}, {r[0]: r for r in b[1]}
        changed_r = sorted(i for i in set(ar) | set(br) if ar.get(i) != br.get(i))
        return changed, changed_r, a[3] != b[3]

    def uid_node(self, g, uid):
        return g.seek("Person", "uid", uid)[0]

    def test_every_kind(self):
        files = sorted(os.path.basename(f)[:-5] for f in glob.glob(os.path.join(FIXTURES, "mutations", "*.json")))
        self.assertEqual(files, ["changed-count-only", "changed-value", "datetime-zone-changed", "demo-drift",
                                 "dropped-index", "extra-label", "extra-relationship", "missing-node",
                                 "removed-property"])

    def test_missing_node(self):
        g = self.load("missing-node")
        nid = self.uid_node(self.base, 1042)
        degree = len(self.base.rels_of(nid, "both"))
        nodes, rels, schema = self.diff(g)
        self.assertEqual(nodes, [nid])
        self.assertEqual(len(rels), degree)
        self.assertFalse(schema)
        self.assertEqual(self.q(g, "MATCH (n:Person {uid: 1042}) RETURN n"), [])
        self.assertEqual(self.q(g, "MATCH (n:Person) RETURN count(n)"), [[119]])

    def test_changed_value_removed_property_extra_label(self):
        g = self.load("changed-value")
        self.assertEqual(self.q(g, "MATCH (p:Product {sku: 'SKU-00007'}) RETURN p.price"), [[0.01]])
        self.assertEqual(len(self.diff(g)[0]), 1)
        g = self.load("removed-property")
        self.assertEqual(self.q(g, "MATCH (p:Person {uid: 1003}) RETURN p.score IS NULL, 'score' IN keys(p)"),
                         [[True, False]])
        self.assertEqual(len(self.diff(g)[0]), 1)
        g = self.load("extra-label")
        self.assertEqual(self.q(g, "MATCH (p:VIP) RETURN p.uid"), [[1010]])
        self.assertEqual(self.q(g, "MATCH (n:VIP) RETURN count(n)"), [[1]])
        self.assertEqual(len(self.diff(g)[0]), 1)

    def test_datetime_zone_changed(self):
        g = self.load("datetime-zone-changed")
        q = "MATCH (e:Event {kind: 'clock-change-late'}) RETURN e.at.epochSeconds, e.at.timezone, e.at.offsetSeconds"
        self.assertEqual(self.q(self.base, q), [[1635643800, "Europe/Berlin", 3600]])
        self.assertEqual(self.q(g, q), [[1635643800, "+01:00", 3600]])

    def test_extra_relationship_dropped_index_count_only(self):
        g = self.load("extra-relationship")
        self.assertEqual(len(self.diff(g)[1]), 1)
        self.assertEqual(self.q(g, "MATCH (:Person {uid: 1001})-[r:KNOWS]->(:Person {uid: 1002}) "
                                   "RETURN r.since ORDER BY r.since DESC LIMIT 1"), [[2024]])
        g = self.load("dropped-index")
        self.assertEqual(self.diff(g)[:2], ([], []))
        self.assertIsNone(g.find_index("Person", ["name"]))
        self.assertIsNotNone(self.base.find_index("Person", ["name"]))
        g = self.load("changed-count-only")
        self.assertEqual(self.q(g, "MATCH (n) RETURN count(n)"), [[self.base.node_total + 1]])
        for lab in self.base.label_tokens:
            self.assertEqual(g.count_nodes(lab), self.base.count_nodes(lab))

    def test_demo_drift_combines_two(self):
        g = self.load("demo-drift")
        nodes, rels, schema = self.diff(g)
        self.assertEqual(len(nodes), 2)
        self.assertEqual(self.q(g, "MATCH (n:Person {uid: 1042}) RETURN n"), [])

    def test_bad_mutations(self):
        g = G.load_graph(DEMO_GRAPH)
        for ops_, text in [([{"op": "delete-node", "node": {"label": "Person", "key": "uid", "value": 7}}],
                            "no :Person node with uid = 7"),
                           ([{"op": "explode"}], "op must be one of"),
                           ([{"op": "remove-property", "node": {"id": 1}, "key": "nope"}], "has no property"),
                           ([{"op": "set-property", "node": {"label": "Order", "key": "status", "value": "paid"},
                              "key": "x", "value": 1}], "the selector must be unique")]:
            with self.assertRaises(G.GraphFormatError) as cm:
                G.apply_mutations(g, ops_)
            self.assertIn(text, str(cm.exception))
            self.assertIn("mutation[0]", str(cm.exception))


# ---------------------------------------------------------------------------------- generator
class TestGenerator(unittest.TestCase):
    def test_same_seed_same_graph(self):
        import io
        a, b, c = io.StringIO(), io.StringIO(), io.StringIO()
        G.write_graph(G.generate_graph(1500, 7), a)
        G.write_graph(G.generate_graph(1500, 7), b)
        G.write_graph(G.generate_graph(1500, 8), c)
        self.assertEqual(a.getvalue(), b.getvalue())
        self.assertNotEqual(a.getvalue(), c.getvalue())

    def test_closed_form_counts_match_a_brute_force_count(self):
        g = G.generate_graph(20011, 42, rels_per_node=3, id_base=5, id_stride=3)
        labels, types, pairs = {}, {}, {}
        for nid in g.node_ids():
            for lab in g.node_labels(nid):
                labels[lab] = labels.get(lab, 0) + 1
        for rid in g.rel_ids():
            s, e, t, _ = g.rel_record(rid)
            types[t] = types.get(t, 0) + 1
            for lab in g.node_labels(s):
                pairs[(lab, t)] = pairs.get((lab, t), 0) + 1
        self.assertEqual(sum(1 for _ in g.node_ids()), g.count_nodes())
        self.assertEqual({l: g.count_nodes(l) for l in labels}, labels)
        self.assertEqual({t: g.count_rels(t) for t in types}, types)
        self.assertEqual({k: g.count_rels(k[1], start_label=k[0]) for k in pairs}, pairs)
        # incoming adjacency agrees with outgoing
        nid = next(iter(g.node_ids()))
        for rid, other, out in g.rels_of(nid, "in"):
            self.assertEqual(g.rel_record(rid)[1], nid)

    def test_spec_file_and_expanded_file_answer_alike(self):
        import subprocess
        tool = os.path.join(SOURCE_DIR, "scripts", "gen-graph")
        with tempfile.TemporaryDirectory() as d:
            spec, full = os.path.join(d, "spec.json"), os.path.join(d, "full.json")
            for args in (["-o", spec], ["--expand", "-o", full]):
                p = subprocess.run([sys.executable, tool, "--nodes", "3000", "--seed", "5", "--id-stride", "2"] + args,
                                   capture_output=True, text=True)
                self.assertEqual(p.returncode, 0, p.stderr)
            self.assertLess(os.path.getsize(spec), 400)
            a, b = E.Engine(G.load_graph(spec), "5"), E.Engine(G.load_graph(full), "5")
            for q, params in [("MATCH (n) RETURN count(n)", None),
                              ("MATCH (n:Order) RETURN count(n)", None),
                              ("MATCH (:Person)-[r]->() RETURN type(r), count(*) ORDER BY type(r)", None),
                              ("MATCH (n) WHERE id(n) IN range($lo, $hi) UNWIND keys(n) AS k "
                               "RETURN k, count(*) ORDER BY k", {"lo": 100, "hi": 2100}),
                              ("UNWIND $keys AS k MATCH (n:Person {uid: k}) RETURN n", {"keys": list(range(1, 90))}),
                              ("MATCH (n)-[r]-(m) WHERE id(n) IN $ids RETURN id(n), type(r), id(m), properties(r) "
                               "ORDER BY id(n), id(r)", {"ids": [0, 2, 998, 5998]}),
                              ("MATCH (n) RETURN max(id(n))", None)]:
                with self.subTest(q=q):
                    self.assertEqual(rows(a, q, params), rows(b, q, params))
            p = subprocess.run([sys.executable, tool, "--nodes", "10", "--seed", "1", "--id-stride", "0"],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 2)
            self.assertIn("id_stride >= 1", p.stderr)

    def test_renumbered_ids_same_content(self):
        a = E.Engine(G.generate_graph(5000, 3), "4.4")
        b = E.Engine(G.generate_graph(5000, 3, id_base=1_000_000, id_stride=7, rel_base=50), "4.4")
        q = "UNWIND $keys AS k MATCH (n {uid: k}) RETURN n.uid, labels(n), properties(n)"
        keys = {"keys": [1, 17, 2500, 4999]}
        self.assertEqual(rows(a, "MATCH (n:Person) WHERE n.uid IN $keys RETURN n.uid, n.name", keys),
                         rows(b, "MATCH (n:Person) WHERE n.uid IN $keys RETURN n.uid, n.name", keys))
        ra, rb = rows(a, q, keys), rows(b, q, keys)
        self.assertEqual(ra, rb)
        self.assertNotEqual(rows(a, "MATCH (n) RETURN min(id(n))"), rows(b, "MATCH (n) RETURN min(id(n))"))

    def test_a_million_nodes_load_lazily_and_answer_structurally_fast(self):
        g = G.generate_graph(1_000_000, 11)
        e = E.Engine(g, "4.4")
        self.assertEqual(rows(e, "MATCH (n) RETURN count(n)"), [[1_000_000]])
        self.assertEqual(rows(e, "MATCH ()-[r]->() RETURN count(r)"), [[2_000_000]])
        prof = run(e, "PROFILE MATCH (n) WHERE id(n) IN range($lo, $hi) RETURN count(*)",
                   {"lo": 400_000, "hi": 400_999})[2]["profile"]
        leaf = prof
        while leaf["children"]:
            leaf = leaf["children"][0]
        self.assertEqual((leaf["operatorType"], leaf["rows"]), ("NodeByIdSeek", 1000))
        self.assertEqual(rows(e, "MATCH (n) RETURN max(id(n))"), [[999_999]])

    def test_mutations_on_a_generated_graph(self):
        g = G.generate_graph(2000, 4)
        e = E.Engine(g, "5", allow_writes=True)
        before = rows(e, "MATCH (n) RETURN count(n)")[0][0]
        uid = rows(e, "MATCH (n:Person) RETURN n.uid ORDER BY n.uid LIMIT 1")[0][0]
        G.apply_mutations(g, [{"op": "delete-node", "node": {"label": "Person", "key": "uid", "value": uid}},
                              {"op": "set-property", "node": {"id": 1999}, "key": "uid", "value": 777777}])
        self.assertEqual(rows(e, "MATCH (n) RETURN count(n)"), [[before - 1]])
        self.assertEqual(rows(e, "MATCH (n:Person {uid: $u}) RETURN n", {"u": uid}), [])
        labels = g.node_labels(1999)
        self.assertEqual(rows(e, f"MATCH (n:{labels[0]} {{uid: 777777}}) RETURN id(n)"), [[1999]])
        self.assertEqual(rows(e, f"MATCH (n:{labels[0]} {{uid: 2000}}) RETURN id(n)"), [])
        tx = e.begin()
        tx.run("MATCH (n) WHERE id(n) = 5 DETACH DELETE n", {}).consume()
        tx.rollback()
        self.assertEqual(rows(e, "MATCH (n) WHERE id(n) = 5 RETURN count(n)"), [[1]])
        self.assertEqual(rows(e, "MATCH (n) RETURN count(n)"), [[before - 1]])


# ---------------------------------------------------------------------------------- temporal
class TestTemporal(unittest.TestCase):
    def setUp(self):
        self.e = E.Engine(G.Graph("empty"), "3.5")

    def test_fall_back_hour(self):
        # a plain zone string resolves to the earlier offset; the later instant only via a UTC instant
        self.assertEqual(rows(self.e, "RETURN datetime('2021-10-31T02:30[Europe/Berlin]').offset"), [["+02:00"]])
        self.assertEqual(rows(self.e, "RETURN datetime({datetime: datetime('2021-10-31T01:30:00Z'), "
                                      "timezone: 'Europe/Berlin'}).offsetSeconds"), [[3600]])
        err = error_of(self.e, "RETURN datetime('2021-10-31T02:30:00+01:00[Europe/Berlin]')")
        self.assertEqual(err.message, "Timezone and offset do not match: 2021-10-31T02:30:00+01:00[Europe/Berlin]")
        # spring-forward gap: shifted forward by the gap, like java.time
        self.assertEqual(rows(self.e, "RETURN toString(datetime('2021-03-28T02:30[Europe/Berlin]'))"),
                         [["2021-03-28T03:30:00+02:00[Europe/Berlin]"]])

    def test_accessors_and_conversions(self):
        got = rows(self.e, "WITH datetime('2020-06-15T14:30:00.000000123+02:00') AS d "
                           "RETURN d.epochSeconds, d.epochMillis, d.nanosecond, d.timezone, d.offsetSeconds, "
                           "localdatetime(d), date(d), d.year, d.week, d.dayOfWeek")
        self.assertEqual(got, [[1592224200, 1592224200000, 123, "+02:00", 7200, V.LocalDateTime(1592231400, 123),
                                V.Date(18428), 2020, 25, 1]])
        self.assertEqual(rows(self.e, "RETURN datetime({epochSeconds: -1, nanosecond: 5}) = "
                                      "datetime('1969-12-31T23:59:59.000000005Z')"), [[True]])
        self.assertEqual(rows(self.e, "RETURN duration('P1Y2M3DT4H5M6.000000007S').months, "
                                      "duration('-PT1.5S').seconds, duration({days: 1.5}).days, "
                                      "duration({days: 1.5}).hours, duration('-PT1.5S').milliseconds"),
                         [[14, -2, 1, 12, -1500]])
        self.assertEqual(rows(self.e, "RETURN date('2020-01-31') + duration('P1M'), "
                                      "duration.between(date('2020-01-01'), date('2021-03-15'))"),
                         [[V.Date(18321), V.Duration(14, 14, 0, 0)]])

    def test_points(self):
        self.assertEqual(rows(self.e, "RETURN point({longitude: 13.4, latitude: 52.52}).crs, "
                                      "point({x: 1, y: 2, z: 3}).srid, point({x: 3, y: 4}).x"),
                         [["wgs-84", 9157, 3.0]])
        self.assertEqual(rows(self.e, "RETURN distance(point({x: 0, y: 0}), point({x: 3, y: 4}))"), [[5.0]])


def _dump(g):
    """Everything observable about a graph, for before/after comparisons."""
    def props(p):
        return json.dumps({k: G.encode_value(v) for k, v in p.items()}, sort_keys=True)
    nodes = [(n, tuple(g.node_record(n)[0]), props(g.node_record(n)[1])) for n in g.node_ids()]
    rels = [(r, g.rel_record(r)[:3], props(g.rel_record(r)[3])) for r in g.rel_ids()]
    counts = (g.node_total, g.rel_total, sorted(g.label_count.items()), sorted(g.type_count.items()),
              sorted(g.start_label_type.items()), sorted(g.type_end_label.items()))
    return nodes, rels, counts, [(r.id, r.kind, r.label, r.properties) for r in g.rules]


if __name__ == "__main__":
    unittest.main()
