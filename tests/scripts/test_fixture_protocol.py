"""The fixture server's protocol half, persona by persona: handshakes (manifest included),
authentication, state machines, paging, routing, value encodings per version, faults, TLS,
blaster mode, access log, concurrency, workers and SIGTERM.

Most tests run the server in this process with StubEngine, a few canned queries standing in for
the query engine, so that they test the Bolt layer alone. Process-level behaviour (the command
line, SIGTERM, --workers) runs scripts/fixture-server in --blaster mode, which needs no engine.
"""

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SOURCE_DIR = os.environ.get(
    "BOLTDIFF_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts"))

from fixture import personas as P  # noqa: E402
from fixture import values as V  # noqa: E402
from fixture.packstream import Dialect, Packer, Unpacker  # noqa: E402
from fixture.server import Faults, FixtureServer, ServerContext, tls_context  # noqa: E402
from fixture.tlsgen import make_tls  # noqa: E402

SERVER = os.path.join(SOURCE_DIR, "scripts", "fixture-server")
SUCCESS, RECORD, IGNORED, FAILURE = 0x70, 0x71, 0x7E, 0x7F
HELLO, GOODBYE, ACK_FAILURE, RESET = 0x01, 0x02, 0x0E, 0x0F
RUN, BEGIN, COMMIT, ROLLBACK = 0x10, 0x11, 0x12, 0x13
DISCARD, PULL, TELEMETRY, ROUTE, LOGON, LOGOFF = 0x2F, 0x3F, 0x54, 0x66, 0x6A, 0x6B
MAGIC = bytes.fromhex("6060B017")


# ---------------------------------------------------------------------------------------------
# A stand-in for the query engine (test code only)


class StubError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class StubResult:
    def __init__(self, fields, rows=(), summary=None, write=False, error_after=None):
        self.fields = fields
        self._rows = list(rows)
        self._summary = summary or {"type": "w" if write else "r"}
        self.write = write
        self._error = error_after
        self.records = self._gen()

    def _gen(self):
        for r in self._rows:
            yield r
        if self._error:
            raise StubError(*self._error)

    def summary(self):
        return dict(self._summary)


NODE_A = V.Node(7, ("Person",), {"name": "Alice"}, "4:db:7")
NODE_B = V.Node(9, ("Person", "Employee"), {"name": "Bob"}, "4:db:9")
NODE_C = V.Node(11, ("Company",), {"name": "Acme"}, "4:db:11")
KNOWS = V.Relationship(3, 7, 9, "KNOWS", {"since": 2015}, "5:db:3", "4:db:7", "4:db:9")
LIKES = V.Relationship(4, 11, 9, "LIKES", {}, "5:db:4", "4:db:11", "4:db:9")
# 2020-06-15T14:30:00.000000123+02:00 and the same wall clock in Europe/Berlin (bolt-reference 5.3)
DT_OFFSET = V.DateTime(1592224200, 123, 7200)
DT_ZONE = V.DateTime(1592224200, 123, 7200, "Europe/Berlin")


class StubTx:
    def __init__(self, engine, mode):
        self.engine = engine
        self.mode = mode
        self.closed = None

    def run(self, query, params):
        return self.engine.answer(query, params, self.mode)

    def commit(self):
        self.closed = "commit"

    def rollback(self):
        self.closed = "rollback"


class StubEngine:
    def __init__(self, default_db="neo4j", allow_writes=True):
        self.default_db = default_db
        self.allow_writes = allow_writes
        self.calls = []

    def default_database(self):
        return self.default_db

    def _check_db(self, db):
        if db not in (None, self.default_db, "system"):
            raise StubError("Neo.ClientError.Database.DatabaseNotFound",
                            f"Database does not exist. Database name: '{db}'.")

    def run(self, query, params, db=None, mode="w"):
        self._check_db(db)
        self.calls.append((query, db, mode))
        return self.answer(query, params, mode)

    def begin(self, db, mode):
        self._check_db(db)
        return StubTx(self, mode)

    def answer(self, query, params, mode):
        if query == "RETURN $x AS x":
            return StubResult(["x"], [[params.get("x")]])
        if query == "UNWIND range(1, $n) AS i RETURN i":
            return StubResult(["i"], [[i] for i in range(1, params["n"] + 1)])
        if query == "DIV0":
            return StubResult(["q"], [[10]], error_after=(
                "Neo.ClientError.Statement.ArithmeticError", "/ by zero"))
        if query == "GRAPH":
            path = V.Path((NODE_A, NODE_B, NODE_C), (KNOWS, LIKES))
            return StubResult(["a", "r", "p"], [[NODE_A, KNOWS, path]])
        if query == "TEMPORAL":
            return StubResult(["off", "zone", "d", "p"],
                              [[DT_OFFSET, DT_ZONE, V.Date(18263), V.Point(7203, 1.0, 2.0)]])
        if query == "BIG":
            return StubResult(["s"], [["x" * 40000]])
        if query.startswith("CREATE"):
            if not self.allow_writes:
                raise StubError("Neo.ClientError.Statement.AccessMode",
                                "Write operations are not allowed")
            return StubResult([], [], {"type": "w", "stats": {"nodes-created": 1}}, write=True)
        raise StubError("Neo.ClientError.Statement.SyntaxError", f"Invalid input: {query}")


def serve(persona, engine=None, tls=None, tls_required=False, **kw):
    kw.setdefault("auth", ("neo4j", "pass"))
    kw.setdefault("quiet", True)
    ctx = ServerContext(P.get(persona), engine=engine or StubEngine(P.get(persona).default_db),
                        cypher_error=StubError, **kw)
    srv = FixtureServer(ctx, tls=tls, tls_required=tls_required)
    srv.start_background()
    return srv


# ---------------------------------------------------------------------------------------------
# A minimal Bolt client


def word(major, minor=0, rng=0):
    return (rng << 16) | (minor << 8) | major


OPEN_CLIENTS = []


class Client:
    def __init__(self, port, tls=None, hostname="localhost"):
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        OPEN_CLIENTS.append(raw)
        self.sock = tls.wrap_socket(raw, server_hostname=hostname) if tls else raw
        OPEN_CLIENTS.append(self.sock)
        self.buf = bytearray()
        self.packer = Packer(Dialect(3))
        self.noops = 0

    def close(self):
        self.sock.close()

    def raw(self, data):
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def read(self, n):
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def handshake(self, *words):
        ws = list(words) + [0] * (4 - len(words))
        self.raw(MAGIC + b"".join(w.to_bytes(4, "big") for w in ws))
        reply = self.read(4)
        v = int.from_bytes(reply, "big")
        if v and reply != b"\x00\x00\x01\xff":
            self.packer = Packer(Dialect(v & 0xFF, (v >> 8) & 0xFF))
        return reply

    def choose(self, major, minor, caps=0):
        """After a manifest offer: reads it, sends the choice; returns the offered entries."""
        count = self.varint()
        entries = [self.read(4).hex() for _ in range(count)]
        offered_caps = self.varint()
        self.raw(bytes([0, 0, minor, major]) + bytes([caps]))
        self.packer = Packer(Dialect(major, minor))
        return entries, offered_caps

    def varint(self):
        n = shift = 0
        while True:
            b = self.read(1)[0]
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n

    def send(self, sig, *fields):
        payload = self.packer.pack_struct(sig, list(fields))
        out = bytearray()
        for i in range(0, len(payload), 8000):
            part = payload[i:i + 8000]
            out += len(part).to_bytes(2, "big") + part
        self.raw(bytes(out) + b"\x00\x00")

    def recv(self):
        """(signature, fields); NOOP chunks are counted and skipped."""
        payload = bytearray()
        self.last_chunks = []
        while True:
            n = int.from_bytes(self.read(2), "big")
            if n == 0:
                if not payload:
                    self.noops += 1
                    continue
                msg = Unpacker(bytes(payload)).unpack()
                return msg.tag, msg.fields
            self.last_chunks.append(n)
            payload += self.read(n)

    def expect(self, sig):
        got, fields = self.recv()
        if got != sig:
            raise AssertionError(f"expected 0x{sig:02X}, got 0x{got:02X} {fields!r:.300}")
        return fields[0] if fields else None

    def closed(self, timeout=5):
        """True if the server closes the connection (EOF or reset) within timeout."""
        if self.buf:
            return False
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, ssl.SSLError):
            return True
        except socket.timeout:
            return False

    def hello(self, user="neo4j", password="pass", **extra):
        v = self.packer.dialect
        meta = {"user_agent": "protocol-test/1.0"}
        if (v.major, v.minor) >= (5, 3):
            meta["bolt_agent"] = {"product": "protocol-test/1.0"}
        meta.update(extra)
        auth = {"scheme": "basic", "principal": user, "credentials": password}
        if v.major < 3:
            self.send(HELLO, "protocol-test/1.0", auth)
            return self.expect(SUCCESS)
        if (v.major, v.minor) >= (5, 1):
            self.send(HELLO, meta)
            self.send(LOGON, auth)
            hello = self.expect(SUCCESS)
            self.expect(SUCCESS)
            return hello
        meta.update(auth)
        self.send(HELLO, meta)
        return self.expect(SUCCESS)

    def run_all(self, query, params=None, extra=None):
        """RUN + pull everything; returns (RUN metadata, rows, summary)."""
        v = self.packer.dialect
        if v.major >= 3:
            self.send(RUN, query, params or {}, extra or {})
        else:
            self.send(RUN, query, params or {})
        self.send(PULL, {"n": -1}) if v.major >= 4 else self.send(PULL)
        head = self.expect(SUCCESS)
        rows = []
        while True:
            sig, fields = self.recv()
            if sig == RECORD:
                rows.append(fields[0])
            elif sig == SUCCESS:
                return head, rows, fields[0]
            else:
                raise AssertionError(f"unexpected 0x{sig:02X} {fields!r:.300}")


class Case(unittest.TestCase):
    """Closes every client socket a test opened."""

    def tearDown(self):
        while OPEN_CLIENTS:
            OPEN_CLIENTS.pop().close()


def connect(srv, version, **hello):
    c = Client(srv.port)
    major, minor = version
    reply = c.handshake(word(major, minor))
    assert reply == bytes([0, 0, minor, major]), reply.hex()
    c.hello(**hello)
    return c


class ServerCase(Case):
    persona = "5"
    server_kw = {}

    def setUp(self):
        self.srv = serve(self.persona, **self.server_kw)
        self.addCleanup(self.srv.stop)

    def client(self):
        c = Client(self.srv.port)
        self.addCleanup(c.close)
        return c

    def connect(self, version, **hello):
        c = connect(self.srv, version, **hello)
        self.addCleanup(c.close)
        return c


# ---------------------------------------------------------------------------------------------
# Handshakes


class Handshake35(ServerCase):
    persona = "3.5"

    def test_exact_words_only(self):
        cases = [
            ([word(5, 8, 8), word(4, 4, 2), word(4), word(3)], "00000003"),   # capture 01
            ([0x1FF, word(5, 8, 8), word(4, 4, 2), word(3)], "00000003"),     # capture 03
            ([word(2), word(1)], "00000002"),
            ([word(1)], "00000001"),
        ]
        for words, want in cases:
            with self.subTest(words=[f"{w:08X}" for w in words]):
                self.assertEqual(self.client().handshake(*words).hex(), want)

    def test_no_common_version_answers_zero_and_closes(self):
        for words in ([word(5, 8, 8), word(4, 4, 2), word(4, 1), word(4)],   # capture 02
                      [word(4, 4), word(4, 3), word(4, 1), word(4)]):          # capture 04
            c = self.client()
            self.assertEqual(c.handshake(*words).hex(), "00000000")
            self.assertTrue(c.closed())

    def test_bad_magic_closes_without_a_byte(self):
        c = self.client()
        c.raw(bytes.fromhex("6060B018") + word(3).to_bytes(4, "big") + bytes(12))  # capture 07
        self.assertTrue(c.closed())


class Handshake44(ServerCase):
    persona = "4.4"

    def test_ranges_and_plain_words(self):
        cases = [([word(5, 8, 8), word(4, 4, 2), word(4), word(3)], "00000404"),
                 ([word(4, 2, 2)], "00000204"), ([word(4, 1)], "00000104"),
                 ([0x1FF, word(3)], "00000003"),   # no manifest support: marker skipped
                 ([word(5, 8, 8), word(4, 4, 2)], "00000404")]
        for words, want in cases:
            with self.subTest(words=[f"{w:08X}" for w in words]):
                self.assertEqual(self.client().handshake(*words).hex(), want)

    def test_only_5x_offered(self):
        c = self.client()
        self.assertEqual(c.handshake(word(5, 8, 8), word(5)).hex(), "00000000")
        self.assertTrue(c.closed())


class Handshake5(ServerCase):
    persona = "5"

    def test_legacy_choices(self):
        cases = [([word(5, 8, 8), word(4, 4, 2)], "00000805"),
                 ([word(5, 7, 7)], "00000705"),
                 ([word(5, 5, 5)], "00000405"),   # no server speaks 5.5
                 ([word(5, 5), word(4, 4)], "00000404"),
                 ([word(6), word(4, 3)], "00000304")]
        for words, want in cases:
            with self.subTest(words=[f"{w:08X}" for w in words]):
                self.assertEqual(self.client().handshake(*words).hex(), want)

    def test_bolt3_only_offer_is_refused(self):
        c = self.client()
        self.assertEqual(c.handshake(word(3)).hex(), "00000000")
        self.assertTrue(c.closed())

    def test_manifest_offer_and_choice(self):
        c = self.client()
        self.assertEqual(c.handshake(0x1FF, word(5, 8, 8), word(4, 4, 2), word(3)).hex(),
                         "000001ff")
        entries, caps = c.choose(5, 8)
        self.assertEqual(entries, ["00040404", "00040405", "00020805"])
        self.assertEqual(caps, 0)
        hello = c.hello()
        self.assertEqual(hello["protocol_version"], "5.8")
        self.assertEqual(hello["server"], "Neo4j/5.26.0")
        c.close()

    def test_manifest_bad_choices_close(self):
        for major, minor, caps, rng in ((6, 0, 0, 0), (5, 5, 0, 0), (5, 8, 1, 0), (5, 8, 0, 2),
                                        (0, 0, 0, 0)):
            with self.subTest(choice=(major, minor, caps, rng)):
                c = self.client()
                c.handshake(0x1FF)
                c.varint()
                c.read(12)
                c.varint()
                c.raw(bytes([0, rng, minor, major, caps]))
                self.assertTrue(c.closed())

    def test_legacy_hello_has_no_protocol_version(self):
        c = self.connect((5, 8))
        c.send(RESET)
        self.assertEqual(c.expect(SUCCESS), {})
        c2 = self.client()
        c2.handshake(word(5, 8, 8))
        hello = c2.hello()
        self.assertNotIn("protocol_version", hello)
        self.assertEqual(hello["hints"], {"connection.recv_timeout_seconds": 120,
                                          "telemetry.enabled": False, "ssr.enabled": False})


class Handshake2025(ServerCase):
    persona = "2025"

    def test_bolt6_through_the_manifest_only(self):
        c = self.client()
        c.handshake(0x1FF, word(5, 8, 8))
        entries, _ = c.choose(6, 0)
        self.assertEqual(entries[-1], "00000006")
        hello = c.hello()
        self.assertEqual((hello["server"], hello["protocol_version"]), ("Neo4j/2025.10.1", "6.0"))
        head, rows, _ = c.run_all("GRAPH")
        self.assertEqual(len(rows[0][0].fields), 4)  # element ids on Bolt 6
        c.close()
        legacy = self.client()
        self.assertEqual(legacy.handshake(word(6), word(5, 8, 8)).hex(), "00000805")


# ---------------------------------------------------------------------------------------------
# Authentication


class Auth(Case):
    def test_wrong_password_fails_then_closes(self):
        for persona, version in (("3.5", (3, 0)), ("3.5", (1, 0)), ("4.4", (4, 4)),
                                 ("5", (5, 0)), ("5", (5, 8))):
            with self.subTest(persona=persona, version=version):
                srv = serve(persona)
                self.addCleanup(srv.stop)
                c = Client(srv.port)
                c.handshake(word(*version))
                auth = {"scheme": "basic", "principal": "neo4j", "credentials": "wrong"}
                if version >= (5, 1):
                    c.send(HELLO, {"user_agent": "t", "bolt_agent": {"product": "t/1"}})
                    self.assertIn("server", c.expect(SUCCESS))
                    c.send(LOGON, auth)
                elif version[0] < 3:
                    c.send(HELLO, "t", auth)
                else:
                    c.send(HELLO, dict(auth, user_agent="t"))
                meta = c.expect(FAILURE)
                code = meta.get("code", meta.get("neo4j_code"))
                self.assertEqual(code, "Neo.ClientError.Security.Unauthorized")
                self.assertTrue(c.closed())
                c.close()

    def test_auth_fail_fault_and_no_auth(self):
        srv = serve("4.4", faults=Faults(["auth-fail"]))
        self.addCleanup(srv.stop)
        c = Client(srv.port)
        c.handshake(word(4, 4))
        c.send(HELLO, {"user_agent": "t", "scheme": "basic", "principal": "neo4j",
                       "credentials": "pass"})
        self.assertEqual(c.expect(FAILURE)["code"], "Neo.ClientError.Security.Unauthorized")
        open_srv = serve("4.4", no_auth=True)
        self.addCleanup(open_srv.stop)
        c2 = Client(open_srv.port)
        c2.handshake(word(4, 4))
        c2.send(HELLO, {"user_agent": "t", "scheme": "none"})
        self.assertIn("connection_id", c2.expect(SUCCESS))

    def test_bolt_agent_required_from_5_3(self):
        srv = serve("5")
        self.addCleanup(srv.stop)
        c = Client(srv.port)
        c.handshake(word(5, 3))
        c.send(HELLO, {"user_agent": "t"})
        meta = c.expect(FAILURE)
        self.assertEqual(meta["code"], "Neo.ClientError.Request.Invalid")
        self.assertIn('"bolt_agent"', meta["message"])
        self.assertTrue(c.closed())
        c2 = Client(srv.port)
        c2.handshake(word(5, 2))
        c2.send(HELLO, {"user_agent": "t"})  # not required before 5.3
        self.assertIn("server", c2.expect(SUCCESS))

    def test_logoff_returns_to_authentication(self):
        srv = serve("5")
        self.addCleanup(srv.stop)
        c = connect(srv, (5, 4))
        c.send(LOGOFF)
        self.assertEqual(c.expect(SUCCESS), {})
        c.send(RUN, "RETURN $x AS x", {"x": 1}, {})
        self.assertEqual(c.expect(FAILURE)["code"], "Neo.ClientError.Request.Invalid")
        self.assertTrue(c.closed())


# ---------------------------------------------------------------------------------------------
# The 3.5 persona's state machine (the replay of the real captures covers it with the real
# engine; these pin the same facts with the stub)


class States35(ServerCase):
    persona = "3.5"

    def test_hello_success_is_exactly_server_and_connection_id(self):
        c = self.client()
        c.handshake(word(3))
        hello = c.hello(routing={"address": "x:1"}, patch_bolt=["utc"], unknown_key=1)
        self.assertEqual(list(hello), ["server", "connection_id"])
        self.assertEqual(hello["server"], "Neo4j/3.5.22-SNAPSHOT")
        self.assertRegex(hello["connection_id"], r"^bolt-\d+$")
        _, rows, _ = c.run_all("TEMPORAL")
        self.assertEqual([v.tag for v in rows[0][:2]], [0x46, 0x66])  # patch_bolt ignored

    def test_summaries(self):
        c = self.connect((3, 0))
        head, rows, summary = c.run_all("UNWIND range(1, $n) AS i RETURN i", {"n": 3},
                                        {"db": "system", "mode": "x"})
        self.assertEqual(list(head), ["t_first", "fields"])
        self.assertEqual(rows, [[1], [2], [3]])
        self.assertEqual(list(summary), ["bookmark", "type", "t_last"])
        self.assertRegex(summary["bookmark"], r"^neo4j:bookmark:v1:tx\d+$")
        c.send(BEGIN, {"mode": "r"})
        self.assertEqual(c.expect(SUCCESS), {})
        head, rows, summary = c.run_all("CREATE (x)")
        self.assertEqual(list(summary), ["stats", "type", "t_last"])
        c.send(COMMIT)
        self.assertEqual(list(c.expect(SUCCESS)), ["bookmark"])

    def test_commit_in_ready_fails_and_closes(self):
        c = self.connect((3, 0))
        c.send(COMMIT)
        self.assertEqual(c.expect(FAILURE),
                         {"code": "Neo.ClientError.Request.Invalid",
                          "message": "Message 'COMMIT' cannot be handled by a session in the "
                                     "READY state."})
        self.assertTrue(c.closed())

    def test_run_while_streaming_fails_with_java_text(self):
        c = self.connect((3, 0))
        c.send(RUN, "UNWIND range(1, $n) AS i RETURN i", {"n": 3}, {"mode": "r"})
        c.expect(SUCCESS)
        c.send(RUN, "RETURN $x AS x", {}, {"mode": "r"})
        self.assertEqual(c.expect(FAILURE)["message"],
                         "Message 'RUN RETURN $x AS x Map{} Map{mode -> String(\"r\")}' cannot be "
                         "handled by a session in the STREAMING state.")
        self.assertTrue(c.closed())

    def test_failed_state_ignores_then_begin_closes(self):
        c = self.connect((3, 0))
        c.send(RUN, "BOOM", {}, {})
        c.send(PULL)
        self.assertEqual(c.expect(FAILURE)["code"], "Neo.ClientError.Statement.SyntaxError")
        c.expect(IGNORED)
        for sig in (RUN, PULL, DISCARD, COMMIT, ROLLBACK):
            c.send(sig, *(["RETURN $x AS x", {}, {}] if sig == RUN else []))
            c.expect(IGNORED)
        c.send(BEGIN, {"mode": "r"})
        self.assertEqual(c.expect(FAILURE)["message"],
                         "Message 'BEGIN Map{mode -> String(\"r\")}' cannot be handled by a "
                         "session in the FAILED state.")
        self.assertTrue(c.closed())

    def test_failure_after_records_and_reset(self):
        c = self.connect((3, 0))
        c.send(RUN, "DIV0", {}, {})
        c.send(PULL)
        c.expect(SUCCESS)
        self.assertEqual(c.expect(RECORD), [10])
        self.assertEqual(c.expect(FAILURE)["message"], "/ by zero")
        c.send(RESET)
        self.assertEqual(c.expect(SUCCESS), {})
        self.assertEqual(c.run_all("RETURN $x AS x", {"x": 5})[1], [[5]])

    def test_bolt1_refuses_temporal_values_at_pull_time(self):
        c = self.connect((1, 0))
        c.send(RUN, "TEMPORAL", {})
        c.send(PULL)
        self.assertEqual(list(c.expect(SUCCESS)), ["result_available_after", "fields"])
        meta = c.expect(FAILURE)
        self.assertEqual(meta["message"], "DateTime is not supported as a return type in Bolt "
                         "protocol version 1. Please make sure driver supports at least protocol "
                         "version 2. Driver upgrade is most likely required.")
        c.send(RUN, "RETURN $x AS x", {"x": 1})
        c.expect(IGNORED)
        c.send(ACK_FAILURE)
        self.assertEqual(c.expect(SUCCESS), {})
        head, rows, summary = c.run_all("RETURN $x AS x", {"x": 2})
        self.assertEqual((rows, list(summary)), ([[2]], ["result_consumed_after", "type"]))

    def test_long_messages_cut_at_16381(self):
        c = self.connect((3, 0))
        c.send(RUN, "BIG", {}, {})
        c.send(PULL)
        c.expect(SUCCESS)
        c.expect(RECORD)
        self.assertEqual(c.last_chunks[:-1], [16381, 16381])
        self.assertEqual(sum(c.last_chunks), 8 + 40000)  # B1 71 91 D2 <len32> + the string

    def test_goodbye_closes_without_reply(self):
        c = self.connect((3, 0))
        c.send(GOODBYE)
        self.assertTrue(c.closed())


CAPTURES = os.environ.get("BOLTDIFF_CAPTURES_DIR", os.path.join(
    SOURCE_DIR, "fixtures", "captures", "neo4j-3.5.22"))


def capture_messages(name):
    """The decoded server messages of one capture (Structure per message)."""
    with open(os.path.join(CAPTURES, name), encoding="utf-8") as f:
        exchanges = json.load(f)["exchanges"]
    out = []
    for e in exchanges:
        if e["from"] != "server" or "message" not in e["decoded"]:
            continue
        data, payload, pos = bytes.fromhex(e["hex"]), bytearray(), 0
        while True:
            n = int.from_bytes(data[pos:pos + 2], "big")
            if n == 0:
                break
            payload += data[pos + 2:pos + 2 + n]
            pos += 2 + n
        out.append(Unpacker(bytes(payload)).unpack())
    return out


def bucket(key, n):
    """The java.util.HashMap bucket of a String key in new HashMap<>(n), written here
    independently of personas.py: String.hashCode, the (h ^ h >>> 16) spread, a table of the
    next power of two >= n, doubled while n > 3/4 of it."""
    h = 0
    for unit in memoryview(key.encode("utf-16-be")).cast("H"):
        h = (31 * h + socket.ntohs(unit)) & 0xFFFFFFFF
    cap = 1
    while cap < n:
        cap *= 2
    while n > cap * 3 // 4:
        cap *= 2
    return (h ^ (h >> 16)) & (cap - 1)


def scrambled(v):
    """The same value with every dictionary's keys in reverse order."""
    if isinstance(v, dict):
        return {k: scrambled(v[k]) for k in reversed(list(v))}
    if isinstance(v, list):
        return [scrambled(x) for x in v]
    return v


def key_orders(v, path=""):
    if isinstance(v, dict):
        out = [(path, list(v))]
        for k, x in v.items():
            out += key_orders(x, f"{path}.{k}")
        return out
    if isinstance(v, list):
        return [o for i, x in enumerate(v) for o in key_orders(x, f"{path}[{i}]")]
    return []


class JavaOrder35(unittest.TestCase):
    """3.5.22 sends maps in java.util.HashMap order; the persona must rebuild that order from
    any insertion order (the engine's order is not Java's)."""

    def test_summaries_of_plans_profiles_notifications_and_writes(self):
        checked = 0
        for name in ("00-setup-graph.json", "73-explain-id-range.json", "74-profile-count.json",
                     "75-write-stats.json", "79-notifications.json"):
            for msg in capture_messages(name):
                meta = msg.fields[0] if msg.tag == SUCCESS and msg.fields else None
                if isinstance(meta, dict) and "bookmark" in meta and "type" in meta:
                    with self.subTest(capture=name, keys=list(meta)):
                        got = P.order_35_summary(scrambled(meta))
                        self.assertEqual(key_orders(got), key_orders(meta))
                        checked += 1
        self.assertGreaterEqual(checked, 14)

    def test_entity_property_maps(self):
        checked = 0
        for name in ("30-match-node-rel-path.json", "33-match-all-relationships.json"):
            for msg in capture_messages(name):
                stack = list(msg.fields)
                while stack:
                    v = stack.pop()
                    if isinstance(v, list):
                        stack += v
                    elif hasattr(v, "tag") and v.tag in (0x4E, 0x52):
                        props = v.fields[2 if v.tag == 0x4E else 4]
                        # Keys sharing a HashMap bucket keep the store's read order, so the
                        # input order is only scrambled where no two keys share a bucket.
                        ties = len({bucket(k, len(props)) for k in props}) < len(props)
                        given = props if ties else scrambled(props)
                        self.assertEqual(list(P.entity_props(given)), list(props))
                        checked += 1
                        stack += v.fields
        self.assertGreaterEqual(checked, 5)

    def test_hello_and_failure_metadata(self):
        for name, sig in (("10-hello-success.json", SUCCESS), ("16-run-while-streaming.json",
                                                                 FAILURE)):
            for msg in capture_messages(name):
                if msg.tag == sig and len(msg.fields[0]) > 1:
                    self.assertEqual(list(P.java_order(scrambled(msg.fields[0]))),
                                     list(msg.fields[0]))


# ---------------------------------------------------------------------------------------------
# 4.4 and 5: paging, transactions, routing, encodings


class Bolt44(ServerCase):
    persona = "4.4"

    def test_hello_hints_and_utc_patch(self):
        c = self.client()
        c.handshake(word(4, 4))
        hello = c.hello(patch_bolt=["utc"], routing={"address": "127.0.0.1:7687"})
        self.assertEqual(hello["patch_bolt"], ["utc"])
        self.assertEqual(hello["hints"], {"connection.recv_timeout_seconds": 120})
        c.packer = Packer(Dialect(4, 4, utc_patch=True))
        _, rows, summary = c.run_all("TEMPORAL")
        off, zone = rows[0][0], rows[0][1]
        self.assertEqual((off.tag, off.fields), (0x49, [1592224200, 123, 7200]))
        self.assertEqual((zone.tag, zone.fields), (0x69, [1592224200, 123, "Europe/Berlin"]))
        self.assertEqual(summary["db"], "neo4j")
        plain = self.connect((4, 4))
        _, rows, _ = plain.run_all("TEMPORAL")
        self.assertEqual((rows[0][0].tag, rows[0][0].fields), (0x46, [1592231400, 123, 7200]))
        node_rel = plain.run_all("GRAPH")[1][0]
        self.assertEqual(len(node_rel[0].fields), 3)   # no element ids below Bolt 5
        self.assertEqual(len(node_rel[1].fields), 5)

    def test_pull_paging_has_more(self):
        c = self.connect((4, 4))
        c.send(RUN, "UNWIND range(1, $n) AS i RETURN i", {"n": 5}, {"db": "neo4j"})
        self.assertEqual(list(c.expect(SUCCESS)), ["t_first", "fields"])
        c.send(PULL, {"n": 2})
        self.assertEqual([c.expect(RECORD), c.expect(RECORD)], [[1], [2]])
        self.assertEqual(c.expect(SUCCESS), {"has_more": True})
        c.send(PULL, {"n": 3})
        self.assertEqual([c.expect(RECORD) for _ in range(3)], [[3], [4], [5]])
        summary = c.expect(SUCCESS)
        self.assertNotIn("has_more", summary)
        self.assertEqual(summary["db"], "neo4j")
        self.assertIn("bookmark", summary)
        c.send(RUN, "UNWIND range(1, $n) AS i RETURN i", {"n": 5}, {})
        c.send(DISCARD, {"n": -1})
        c.expect(SUCCESS)
        self.assertIn("bookmark", c.expect(SUCCESS))

    def test_explicit_transaction_with_qids(self):
        c = self.connect((4, 4))
        c.send(BEGIN, {"db": "neo4j"})
        self.assertEqual(c.expect(SUCCESS), {})
        c.send(RUN, "UNWIND range(1, $n) AS i RETURN i", {"n": 2}, {})
        self.assertEqual(c.expect(SUCCESS)["qid"], 0)
        c.send(RUN, "RETURN $x AS x", {"x": 9}, {})
        self.assertEqual(c.expect(SUCCESS)["qid"], 1)
        c.send(PULL, {"n": -1, "qid": 0})
        self.assertEqual([c.expect(RECORD), c.expect(RECORD)], [[1], [2]])
        self.assertNotIn("bookmark", c.expect(SUCCESS))
        c.send(PULL, {"n": -1})
        self.assertEqual(c.expect(RECORD), [9])
        c.expect(SUCCESS)
        c.send(COMMIT)
        self.assertIn("bookmark", c.expect(SUCCESS))

    def test_unknown_database(self):
        c = self.connect((4, 4))
        c.send(RUN, "RETURN $x AS x", {"x": 1}, {"db": "nope"})
        c.send(PULL, {"n": -1})
        self.assertEqual(c.expect(FAILURE)["code"], "Neo.ClientError.Database.DatabaseNotFound")
        c.expect(IGNORED)

    def test_route_43_and_44_shapes(self):
        want = [f"127.0.0.1:{self.srv.port}"]
        for version, third in (((4, 4), {"db": None}), ((4, 3), None), ((4, 4), {"db": "system"})):
            c = self.connect(version)
            c.send(ROUTE, {"address": "127.0.0.1:7687"}, [], third)
            rt = c.expect(SUCCESS)["rt"]
            self.assertEqual([s["role"] for s in rt["servers"]], ["ROUTE", "READ", "WRITE"])
            self.assertTrue(all(s["addresses"] == want for s in rt["servers"]))
            self.assertEqual(rt.get("db"), None if version == (4, 3) else
                             (third["db"] or "neo4j"))
        c.send(ROUTE, {}, [], {"db": "nope"})
        self.assertEqual(c.expect(FAILURE)["code"], "Neo.ClientError.Database.DatabaseNotFound")

    def test_bolt3_on_44_has_no_hints(self):
        hello = self.client()
        hello.handshake(word(3))
        self.assertEqual(list(hello.hello()), ["server", "connection_id"])


class Bolt44NoUtc(ServerCase):
    persona = "4.4"
    server_kw = {"utc_patch": False}

    def test_patch_not_echoed(self):
        c = self.client()
        c.handshake(word(4, 4))
        self.assertNotIn("patch_bolt", c.hello(patch_bolt=["utc"]))
        self.assertEqual(c.run_all("TEMPORAL")[1][0][0].tag, 0x46)


class Bolt5(ServerCase):
    persona = "5"

    def test_element_ids_and_utc_datetimes(self):
        c = self.connect((5, 0))
        a, r, p = c.run_all("GRAPH")[1][0]
        self.assertEqual(a.fields, [7, ["Person"], {"name": "Alice"}, "4:db:7"])
        self.assertEqual(r.fields, [3, 7, 9, "KNOWS", {"since": 2015}, "5:db:3", "4:db:7",
                                    "4:db:9"])
        nodes, rels, indices = p.fields
        self.assertEqual([n.fields[0] for n in nodes], [7, 9, 11])
        self.assertEqual([(u.tag, u.fields) for u in rels],
                         [(0x72, [3, "KNOWS", {"since": 2015}, "5:db:3"]),
                          (0x72, [4, "LIKES", {}, "5:db:4"])])
        self.assertEqual(indices, [1, 1, -2, 2])  # as capture 32
        off = c.run_all("TEMPORAL")[1][0][0]
        self.assertEqual((off.tag, off.fields), (0x49, [1592224200, 123, 7200]))

    def test_datetime_parameters_round_trip(self):
        c = self.connect((5, 8))
        for value in (DT_OFFSET, DT_ZONE, V.Duration(14, 3, -2, 5), V.Point(4979, 1.0, 2.0, 3.0)):
            with self.subTest(value=value):
                c.send(RUN, "RETURN $x AS x", {"x": value}, {})
                c.send(PULL, {"n": -1})
                c.expect(SUCCESS)
                got = c.expect(RECORD)[0]
                self.assertEqual(got, Unpacker(c.packer.pack(value)).unpack())
                c.expect(SUCCESS)

    def test_failure_shapes_by_version(self):
        old = self.connect((5, 6))
        old.send(RUN, "BOOM", {}, {})
        self.assertEqual(list(old.expect(FAILURE)), ["code", "message"])
        new = self.connect((5, 7))
        new.send(RUN, "BOOM", {}, {})
        meta = new.expect(FAILURE)
        self.assertEqual(meta["neo4j_code"], "Neo.ClientError.Statement.SyntaxError")
        self.assertEqual(meta["gql_status"], "42001")
        self.assertIn("diagnostic_record", meta)
        self.assertNotIn("code", meta)
        new.send(RESET)
        new.expect(SUCCESS)
        new.send(TELEMETRY, 2)
        self.assertEqual(new.expect(SUCCESS), {})

    def test_failed_state_ignores_everything_but_reset(self):
        c = self.connect((5, 4))
        c.send(RUN, "BOOM", {}, {})
        c.expect(FAILURE)
        c.send(BEGIN, {})
        c.expect(IGNORED)
        c.send(RESET)
        self.assertEqual(c.expect(SUCCESS), {})

    def test_home_database_in_summaries_from_5_8(self):
        c = self.connect((5, 8))
        head, _, _ = c.run_all("RETURN $x AS x", {"x": 1})
        self.assertEqual(head["db"], "neo4j")
        c.send(BEGIN, {})
        self.assertEqual(c.expect(SUCCESS), {"db": "neo4j"})


# ---------------------------------------------------------------------------------------------
# Faults


class FaultCase(Case):
    def start(self, persona, *faults, **kw):
        srv = serve(persona, faults=Faults(faults), **kw)
        self.addCleanup(srv.stop)
        return srv

    def test_handshake_faults(self):
        srv = self.start("5", "close-after-handshake")
        c = Client(srv.port)
        self.assertEqual(c.handshake(word(5, 8, 8)).hex(), "00000805")
        self.assertTrue(c.closed())
        c = Client(self.start("5", "http").port)
        self.assertEqual(c.handshake(word(5)), b"HTTP")
        c = Client(self.start("5", "garbage").port)
        reply = c.handshake(word(5))
        self.assertNotEqual(reply[0], 0)
        c = Client(self.start("4.4", "bad-handshake").port)
        words = [word(4, 4), word(4, 3), word(4, 2), word(3)]
        self.assertNotIn(int.from_bytes(c.handshake(*words), "big"), words + [0])

    def test_transient_nth_run(self):
        srv = self.start("4.4", "transient:2")
        c = connect(srv, (4, 4))
        self.assertEqual(c.run_all("RETURN $x AS x", {"x": 1})[1], [[1]])
        c.send(RUN, "RETURN $x AS x", {"x": 2}, {})
        self.assertEqual(c.expect(FAILURE)["code"],
                         "Neo.TransientError.General.DatabaseUnavailable")
        c.send(RESET)
        c.expect(SUCCESS)
        self.assertEqual(c.run_all("RETURN $x AS x", {"x": 3})[1], [[3]])

    def test_stall_sends_noops_from_bolt_4_1(self):
        srv = self.start("4.4", "stall:0.6", recv_timeout=0.2)
        c = connect(srv, (4, 4))
        self.assertEqual(c.run_all("RETURN $x AS x", {"x": 1})[1], [[1]])
        self.assertGreaterEqual(c.noops, 2)
        old = self.start("3.5", "stall:0.3", recv_timeout=0.2)
        c3 = connect(old, (3, 0))
        c3.run_all("RETURN $x AS x", {"x": 1})
        self.assertEqual(c3.noops, 0)  # 3.5 never sent a NOOP

    def test_drop_after_records_fires_once(self):
        srv = self.start("4.4", "drop-after-records:3")
        c = connect(srv, (4, 4))
        c.send(RUN, "UNWIND range(1, $n) AS i RETURN i", {"n": 10}, {})
        c.send(PULL, {"n": -1})
        c.expect(SUCCESS)
        self.assertEqual([c.expect(RECORD) for _ in range(3)], [[1], [2], [3]])
        self.assertTrue(c.closed())
        c2 = connect(srv, (4, 4))
        self.assertEqual(len(c2.run_all("UNWIND range(1, $n) AS i RETURN i", {"n": 10})[1]), 10)


# ---------------------------------------------------------------------------------------------
# TLS


class Tls(Case):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.certs = make_tls(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def client_ctx(self, ca="ca.crt", cert=None):
        ctx = ssl.create_default_context(cafile=self.certs[ca])
        if cert:
            ctx.load_cert_chain(self.certs[cert + ".crt"], self.certs[cert + ".key"])
        return ctx

    def server(self, cert="server", required=False, client_ca=None):
        tls = tls_context(self.certs[cert + ".crt"], self.certs[cert + ".key"],
                          self.certs[client_ca] if client_ca else None)
        srv = serve("3.5", tls=tls, tls_required=required)
        self.addCleanup(srv.stop)
        return srv

    def test_optional_tls_on_the_same_port(self):
        srv = self.server()
        c = Client(srv.port, tls=self.client_ctx())
        c.handshake(word(3))
        self.assertIn("connection_id", c.hello())
        plain = Client(srv.port)
        self.assertEqual(plain.handshake(word(3)).hex(), "00000003")

    def test_tls_required_closes_plaintext(self):
        srv = self.server(required=True)
        plain = Client(srv.port)
        plain.raw(MAGIC + word(3).to_bytes(4, "big") + bytes(12))
        self.assertTrue(plain.closed())
        c = Client(srv.port, tls=self.client_ctx())
        self.assertEqual(c.handshake(word(3)).hex(), "00000003")

    def test_client_side_verification_failures(self):
        for cert, ca, host in (("wronghost", "ca.crt", "localhost"),
                               ("expired", "ca.crt", "localhost"),
                               ("untrusted", "ca.crt", "localhost")):
            with self.subTest(cert=cert):
                srv = self.server(cert)
                with self.assertRaises(ssl.SSLCertVerificationError):
                    Client(srv.port, tls=self.client_ctx(ca), hostname=host)

    def test_mutual_tls(self):
        srv = self.server(client_ca="ca.crt")
        c = Client(srv.port, tls=self.client_ctx(cert="client"))
        self.assertEqual(c.handshake(word(3)).hex(), "00000003")
        no_cert = Client(srv.port, tls=self.client_ctx())
        with self.assertRaises((ssl.SSLError, ConnectionError, EOFError)):
            no_cert.handshake(word(3))


# ---------------------------------------------------------------------------------------------
# Blaster, access log, concurrency


class Blaster(Case):
    def test_records_and_paging(self):
        srv = serve("4.4", blaster=2500)
        self.addCleanup(srv.stop)
        c = connect(srv, (4, 4))
        c.send(RUN, "MATCH (n) RETURN n", {}, {})
        self.assertEqual(c.expect(SUCCESS)["fields"], ["n"])
        c.send(PULL, {"n": 1000})
        rows = [c.expect(RECORD) for _ in range(1000)]
        self.assertEqual(c.expect(SUCCESS), {"has_more": True})
        c.send(PULL, {"n": -1})
        rows += [c.expect(RECORD) for _ in range(1500)]
        self.assertIn("bookmark", c.expect(SUCCESS))
        node = rows[0][0]
        self.assertEqual((node.tag, len(node.fields)), (0x4E, 3))
        self.assertEqual(len(node.fields[1]), 3)
        self.assertEqual(len(node.fields[2]), 15)
        kinds = {type(v).__name__ for v in node.fields[2].values()}
        self.assertTrue({"str", "int", "float", "bool", "list", "Structure"} <= kinds, kinds)
        self.assertEqual([r[0].fields[0] for r in rows[998:1002]], [998, 999, 0, 1])

    def test_bolt5_nodes_have_element_ids(self):
        srv = serve("5", blaster=3)
        self.addCleanup(srv.stop)
        c = connect(srv, (5, 8))
        _, rows, _ = c.run_all("anything")
        self.assertEqual(len(rows), 3)
        self.assertTrue(all(len(r[0].fields) == 4 for r in rows))


class AccessLog(Case):
    def test_run_and_begin_lines(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "access.log")
            srv = serve("4.4", access_log=path)
            self.addCleanup(srv.stop)
            c = connect(srv, (4, 4))
            c.run_all("RETURN $x AS x", {"x": 1}, {"mode": "r", "db": "neo4j"})
            c.run_all("RETURN $x AS x", {"x": 1})
            c.send(BEGIN, {"mode": "r"})
            c.expect(SUCCESS)
            c.close()
            time.sleep(0.2)
            with open(path, encoding="utf-8") as f:
                lines = [json.loads(line) for line in f]
        self.assertEqual(lines, [
            {"msg": "RUN", "mode": "r", "db": "neo4j", "query": "RETURN $x AS x"},
            {"msg": "RUN", "mode": "w", "db": None, "query": "RETURN $x AS x"},
            {"msg": "BEGIN", "mode": "r", "db": None, "query": None}])


class Concurrency(Case):
    def test_64_connections_at_once(self):
        srv = serve("5")
        self.addCleanup(srv.stop)
        errors = []
        barrier = threading.Barrier(64)

        def one(i):
            try:
                c = connect(srv, (5, 4))
                barrier.wait(timeout=20)
                rows = c.run_all("UNWIND range(1, $n) AS i RETURN i", {"n": i + 1})[1]
                if len(rows) != i + 1:
                    errors.append(f"connection {i}: {len(rows)} rows")
                c.close()
            except Exception as e:  # collected and asserted below
                errors.append(f"connection {i}: {e!r}")

        threads = [threading.Thread(target=one, args=(i,)) for i in range(64)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])


# ---------------------------------------------------------------------------------------------
# The process: command line, SIGTERM, workers


def start_process(*args):
    proc = subprocess.Popen([sys.executable, SERVER, "--port", "0"] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening 127.0.0.1:"):
        proc.kill()
        raise AssertionError(f"no listening line: {line!r} {proc.stderr.read()}")
    return proc, int(line.rsplit(":", 1)[1])


class Process(Case):
    def test_sigterm_exits_cleanly_with_open_connections(self):
        proc, port = start_process("--persona", "4.4", "--blaster", "5", "--quiet")
        c = Client(port)
        c.handshake(word(4, 4))
        c.hello()
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=10), 0)
        proc.stdout.close()
        proc.stderr.close()

    def test_workers_share_the_port(self):
        proc, port = start_process("--persona", "5", "--blaster", "7", "--workers", "2",
                                   "--quiet")
        try:
            for _ in range(8):
                c = Client(port)
                c.handshake(word(5, 8, 8))
                c.hello()
                self.assertEqual(len(c.run_all("q")[1]), 7)
                c.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=10), 0)
            proc.stdout.close()
            proc.stderr.close()

    def test_bad_arguments_give_one_line(self):
        for args, text in ((["--fault", "stall:x"], "--fault stall:x"),
                           (["--fault", "nope"], "unknown fault"),
                           (["--auth", "nocolon"], "USER:PASS"),
                           (["--tls-required"], "--tls-cert")):
            with self.subTest(args=args):
                out = subprocess.run([sys.executable, SERVER, "--persona", "5", "--blaster", "1"]
                                     + args, capture_output=True, text=True, timeout=30)
                self.assertEqual(out.returncode, 2)
                self.assertEqual(len(out.stderr.strip().splitlines()), 1, out.stderr)
                self.assertIn(text, out.stderr)
                self.assertNotIn("nocolon", out.stderr)  # credentials never echoed

    def test_auth_file(self):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("admin:s3cret\n")
        self.addCleanup(os.unlink, f.name)
        proc, port = start_process("--persona", "4.4", "--blaster", "1", "--auth-file", f.name,
                                   "--quiet")
        try:
            c = Client(port)
            c.handshake(word(4, 4))
            self.assertIn("server", c.hello(user="admin", password="s3cret"))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            proc.stdout.close()
            proc.stderr.close()


if __name__ == "__main__":
    unittest.main()
