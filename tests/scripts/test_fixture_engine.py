"""Tests of the fixture server's query half (scripts/fixture/engine.py, graph.py, cypher/).

The reference is the real server: every query of the byte-exact Neo4j 3.5.22 captures is replayed
in capture order against the 3.5 persona on fixtures/graphs/capture-3.5.22.json, and the fields,
records, failures and summaries must equal what the real server sent (values read straight from
the capture files). Then: the per-version acceptance/rejection matrix, the graph file format,
mutations, the synthetic generator, the verifier's query shapes and temporal edge cases.
"""

import glob
import json
import math
import os
import sys
import tempfile
import time
import unittest

SOURCE_DIR = os.environ.get("BOLTDIFF_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts"))

from fixture import engine as E  # noqa: E402
from fixture import graph as G  # noqa: E402
from fixture import values as V  # noqa: E402
from fixture.cypher import temporal as T  # noqa: E402

CAPTURES = next((p for p in (os.path.join(SOURCE_DIR, "..", "shared", "captures", "neo4j-3.5.22"),
                             "/work/shared/captures/neo4j-3.5.22") if os.path.isdir(p)), None)
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


@unittest.skipIf(CAPTURES is None, "the 3.5.22 captures are not available")
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


if __name__ == "__main__":
    unittest.main()
