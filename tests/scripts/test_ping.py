"""End to end: `boltdiff ping` and `boltdiff query` against the fixture server.

Every persona and every Bolt version it speaks (manifest and LOGON included); plaintext, bolt+s
with a CA-signed certificate, bolt+ssc with a self-signed one, mutual TLS, pinning; the
refusals (wrong host, expired, untrusted CA, self-signed under +s, pin mismatch, bad password);
every fault of the fixture server (a mid-stream drop is an error, never a short success); 64
connections on one loop; a 1,000,000-record stream counted exactly; neo4j:// routing; where
credentials come from, and that they never appear in any output; usage errors and exit codes.

Certificates are made at test time with the openssl CLI in a temporary directory.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = os.environ.get(
    "BOLTDIFF_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fixture.tlsgen import make_tls  # noqa: E402
from fixture_util import BOLTDIFF, SERVER  # noqa: E402

SECRET = "Zebra-Secret-42"  # a password that must never show up in any output
TMP = None
CERTS = {}


class Server:
    """A fixture server; several start in parallel (start(), then port())."""

    def __init__(self, persona, *args):
        self.args = [sys.executable, SERVER, "--persona", persona, "--port", "0", "--quiet"]
        self.args += list(args)
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self._port = None

    def port(self):
        if self._port is None:
            line = self.proc.stdout.readline()
            if not line.startswith("listening "):
                raise RuntimeError(f"fixture server did not start: {self.args} {line!r}")
            self._port = int(line.rsplit(":", 1)[1])
        return self._port

    def uri(self, scheme="bolt", host="127.0.0.1"):
        return f"{scheme}://{host}:{self.port()}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


def start(specs):
    """{name: (persona, args...)} -> {name: Server}, all listening."""
    servers = {name: Server(*spec) for name, spec in specs.items()}
    for s in servers.values():
        s.port()
    return servers


def run(*args, env=None, timeout=120):
    """boltdiff ARGS with a clean environment (plus env); returns the CompletedProcess."""
    e = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "SRC_", "DST_"))}
    e.update({"NEO4J_USERNAME": "neo4j", "NEO4J_PASSWORD": "pass"})
    if env is not None:
        for k, v in env.items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
    p = subprocess.run([BOLTDIFF] + list(args), capture_output=True, text=True, env=e,
                       timeout=timeout)
    for stream in (p.stdout, p.stderr):
        assert SECRET not in stream, f"the password leaked: {stream!r}"
    return p


def ping_json(*args, **kw):
    p = run("ping", "--json", *args, **kw)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        raise AssertionError(f"ping --json did not print JSON: {p.stdout!r} {p.stderr!r}")
    return p, doc


def fingerprint(cert):
    out = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256"],
                         capture_output=True, text=True, check=True).stdout
    return out.strip().split("=", 1)[1]  # "AB:CD:..."


def setUpModule():
    global TMP, CERTS
    TMP = tempfile.mkdtemp(prefix="boltdiff-ping-")
    CERTS = make_tls(os.path.join(TMP, "pki"))
    d = os.path.join(TMP, "pki")
    # a self-signed certificate for localhost (what 3.5 generates by itself)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "self.key", "-out",
                    "self.crt", "-subj", "/CN=localhost", "-days", "30", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   cwd=d, check=True, capture_output=True)
    CERTS["self.crt"] = os.path.join(d, "self.crt")
    CERTS["self.key"] = os.path.join(d, "self.key")


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


def tls_args(name):
    return ["--tls-cert", CERTS[f"{name}.crt"], "--tls-key", CERTS[f"{name}.key"]]


class ServersCase(unittest.TestCase):
    """Starts the servers of specs() (in parallel) once for the class."""

    @classmethod
    def specs(cls):
        return {}

    @classmethod
    def setUpClass(cls):
        cls.srv = start(cls.specs())

    @classmethod
    def tearDownClass(cls):
        for s in cls.srv.values():
            s.stop()

    def instance(self, doc, i=0):
        return doc["instances"][i]

    def assert_ok(self, p, doc):
        self.assertEqual(p.returncode, 0, p.stderr)
        for inst in doc["instances"]:
            self.assertTrue(inst["ok"], inst)

    def assert_fails(self, p, code, text):
        self.assertEqual(p.returncode, code, p.stdout + p.stderr)
        self.assertIn(text, p.stdout + p.stderr)


# ---------------------------------------------------------------------------------------------


class Personas(ServersCase):
    @classmethod
    def specs(cls):
        return {"3.5": ("3.5",), "4.4": ("4.4",), "5": ("5",), "2025": ("2025",)}

    # (persona, --bolt / --manifest arguments, negotiated version, manifest used)
    CASES = [
        ("3.5", [], "3.0", False), ("3.5", ["--bolt", "3"], "3.0", False),
        ("3.5", ["--bolt", "2"], "2.0", False), ("3.5", ["--bolt", "1"], "1.0", False),
        ("4.4", [], "4.4", False), ("4.4", ["--bolt", "3"], "3.0", False),
    ] + [("4.4", ["--bolt", f"4.{m}"], f"4.{m}", False) for m in range(5)] + [
        ("5", [], "5.8", False), ("5", ["--manifest"], "5.8", True),
    ] + [("5", ["--bolt", v], v, False)
         for v in ("4.0", "4.4", "5.0", "5.1", "5.2", "5.3", "5.4", "5.6", "5.7", "5.8")] + [
        ("2025", [], "5.8", False), ("2025", ["--manifest"], "6.0", True),
        ("2025", ["--manifest", "--bolt", "5.0-5.4"], "5.4", True),
        ("2025", ["--bolt", "5.1"], "5.1", False),
    ]

    AGENTS = {"3.5": "Neo4j/3.5.22-SNAPSHOT", "4.4": "Neo4j/4.4.40", "5": "Neo4j/5.26.0",
              "2025": "Neo4j/2025.10.1"}

    def test_every_version_each_persona_speaks(self):
        for persona, args, bolt, manifest in self.CASES:
            with self.subTest(persona=persona, args=args):
                p, doc = ping_json(*args, self.srv[persona].uri())
                self.assert_ok(p, doc)
                inst = self.instance(doc)
                self.assertEqual(inst["bolt"], bolt)
                self.assertEqual(inst["manifest"], manifest)
                self.assertEqual(inst["server_agent"], self.AGENTS[persona])
                self.assertEqual(inst["edition"], "community")
                self.assertEqual(inst["name"], "Neo4j Kernel")
                self.assertTrue(inst["version"].startswith(persona.split(".")[0]), inst)
                self.assertEqual(inst["default_database"],
                                 "(single database)" if persona == "3.5" else
                                 "(not reported on Bolt 3)" if bolt == "3.0" else "neo4j")
                self.assertIsNone(inst["tls"])
                self.assertGreater(inst["connect_ms"], 0)
                self.assertGreater(inst["round_trip_ms"], 0)
                self.assertEqual(inst["peer"], "127.0.0.1")

    def test_bad_password_on_every_login_path(self):
        # INIT (Bolt 1), HELLO (3, 4.4, 5.0), LOGON (5.1+, 6.0)
        for persona, args in (("3.5", ["--bolt", "1"]), ("3.5", []), ("4.4", []),
                              ("5", ["--bolt", "5.0"]), ("5", []), ("2025", ["--manifest"])):
            with self.subTest(persona=persona, args=args):
                p = run("ping", *args, self.srv[persona].uri(),
                        env={"NEO4J_USERNAME": "neo4j", "NEO4J_PASSWORD": SECRET})
                self.assert_fails(p, 3, "authentication failed on 127.0.0.1:")
                self.assertIn("Neo.ClientError.Security.Unauthorized", p.stderr)
                self.assertIn("(credentials: env NEO4J_PASSWORD, user neo4j)", p.stderr)
                self.assertEqual(p.stdout, "")

    def test_no_common_version_says_what_was_offered(self):
        p = run("ping", "--manifest", self.srv["3.5"].uri())
        self.assert_fails(p, 4, "server supports none of the offered Bolt versions (offered: "
                                "manifest, 6.0, 5.0-5.8, 4.2-4.4)")
        p = run("ping", "--bolt", "6.0", self.srv["4.4"].uri())
        self.assert_fails(p, 4, "(offered: 6.0)")

    def test_all_personas_in_one_ping_text(self):
        uris = [self.srv[n].uri() for n in ("3.5", "4.4", "5", "2025")]
        p = run("ping", *uris)
        self.assertEqual(p.returncode, 0, p.stderr)
        for uri in uris:
            self.assertIn(uri + "\n", p.stdout)
        for word in ("  bolt            3.0\n", "  bolt            4.4\n",
                     "  bolt            5.8\n", "  database        (single database)\n",
                     "  database        neo4j\n", "  tls             none (plaintext)\n",
                     "  round trip      "):
            self.assertIn(word, p.stdout)

    def test_localhost_and_query(self):
        p = run("query", self.srv["4.4"].uri(host="localhost"),
                "CALL dbms.components() YIELD name RETURN name")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, '["name"]\n["Neo4j Kernel"]\n')
        self.assertEqual(p.stderr, "1 records\n")


class Tls(ServersCase):
    @classmethod
    def specs(cls):
        return {
            "ca": ("5", *tls_args("server")),
            "wrong": ("4.4", *tls_args("wronghost")),
            "expired": ("4.4", *tls_args("expired")),
            "untrusted": ("4.4", *tls_args("untrusted")),
            "self": ("5", *tls_args("self"), "--tls-required"),
            "mtls": ("2025", *tls_args("server"), "--tls-required", "--tls-client-ca",
                     CERTS["ca.crt"]),
            "plain": ("4.4",),
            "35": ("3.5", *tls_args("self")),  # 3.5: TLS optional on the same port
        }

    def test_ca_signed_verified(self):
        for host in ("localhost", "127.0.0.1"):
            with self.subTest(host=host):
                p, doc = ping_json("--ca-file", CERTS["ca.crt"],
                                   self.srv["ca"].uri("bolt+s", host))
                self.assert_ok(p, doc)
                tls = self.instance(doc)["tls"]
                self.assertEqual(tls["version"], "TLSv1.3")
                self.assertTrue(tls["cipher"].startswith("TLS_"))
                self.assertEqual(tls["certificate"], "verified")
                self.assertEqual(tls["subject"], "CN=localhost")
                self.assertEqual(tls["issuer"], "CN=boltdiff test CA")
                self.assertEqual(tls["sha256"], fingerprint(CERTS["server.crt"]).lower())
                self.assertIn(tls["days_to_expiry"], (29, 30))

    def test_text_output_shows_certificate(self):
        p = run("ping", "--ca-file", CERTS["ca.crt"], self.srv["ca"].uri("bolt+s", "localhost"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("  tls             TLSv1.3 ", p.stdout)
        self.assertIn(", certificate verified\n", p.stdout)
        self.assertIn("  subject         CN=localhost\n", p.stdout)
        self.assertIn("  issuer          CN=boltdiff test CA\n", p.stdout)
        self.assertIn("  sha-256         " + fingerprint(CERTS["server.crt"]).lower(), p.stdout)
        self.assertRegex(p.stdout, r"  expires         \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+ days\)")

    def test_refusals_under_plus_s(self):
        cases = [
            ("wrong", "certificate verification failed: hostname mismatch (certificate is for "
                      "wrong.example)"),
            ("expired", "certificate verification failed: certificate expired on "),
            ("untrusted", "certificate verification failed: certificate issued by an untrusted "
                          "CA (/CN=untrusted test CA): pass that CA with --ca-file"),
            ("self", "certificate verification failed: self-signed certificate"),
        ]
        for name, text in cases:
            with self.subTest(name=name):
                uri = self.srv[name].uri("bolt+s", "localhost")
                p = run("ping", "--ca-file", CERTS["ca.crt"], uri)
                self.assert_fails(p, 3, f"{uri}: {text}")
                self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
        # without --ca-file the system store does not know the test CA
        p = run("ping", self.srv["ca"].uri("bolt+s", "localhost"))
        self.assert_fails(p, 3, "untrusted CA (/CN=boltdiff test CA)")

    def test_ssc_accepts_any_certificate(self):
        for name in ("self", "wrong", "expired", "untrusted"):
            with self.subTest(name=name):
                p, doc = ping_json(self.srv[name].uri("bolt+ssc", "localhost"))
                self.assert_ok(p, doc)
                self.assertEqual(self.instance(doc)["tls"]["certificate"], "not verified (+ssc)")

    def test_pins(self):
        fp = fingerprint(CERTS["self.crt"])
        b64 = subprocess.run(
            f"openssl x509 -in {CERTS['self.crt']} -outform DER | openssl dgst -sha256 -binary"
            " | openssl base64", shell=True, capture_output=True, text=True,
            check=True).stdout.strip()
        for pin in ("sha256:" + fp, "sha256:" + fp.replace(":", "").lower(), "sha256:" + b64):
            with self.subTest(pin=pin):
                # exactly this self-signed certificate is accepted, even under +s
                p, doc = ping_json("--pin", pin, self.srv["self"].uri("bolt+s", "localhost"))
                self.assert_ok(p, doc)
                self.assertEqual(self.instance(doc)["tls"]["certificate"], "pinned")
        # and no other, even one the CA vouches for
        uri = self.srv["ca"].uri("bolt+s", "localhost")
        p = run("ping", "--ca-file", CERTS["ca.crt"], "--pin", "sha256:" + fp, uri)
        self.assert_fails(p, 3, f"{uri}: certificate does not match --pin (server certificate "
                                f"is sha256:{fingerprint(CERTS['server.crt']).lower()})")

    def test_mutual_tls(self):
        uri = self.srv["mtls"].uri("bolt+s", "localhost")
        p = run("ping", "--ca-file", CERTS["ca.crt"], uri)
        self.assert_fails(p, 3, "client certificate")
        p, doc = ping_json("--ca-file", CERTS["ca.crt"], "--cert", CERTS["client.crt"],
                           "--key", CERTS["client.key"], uri)
        self.assert_ok(p, doc)
        self.assertEqual(self.instance(doc)["bolt"], "5.8")

    def test_wrong_side_of_tls(self):
        # plaintext client, TLS-only server
        p = run("ping", self.srv["self"].uri("bolt"))
        self.assert_fails(p, 3, "closed the connection during the Bolt handshake (does it "
                                "require TLS? try bolt+s:// or bolt+ssc://")
        # TLS client, plaintext-only server
        p = run("ping", self.srv["plain"].uri("bolt+ssc"))
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertRegex(p.stderr, r"did not answer with TLS|closed the connection during the "
                                   r"TLS handshake")

    def test_tls_options_with_mixed_schemes(self):
        # --ca-file applies to the TLS instances; the plaintext one is not bothered by it
        p, doc = ping_json("--ca-file", CERTS["ca.crt"], self.srv["ca"].uri("bolt+s", "localhost"),
                           self.srv["plain"].uri("bolt"))
        self.assert_ok(p, doc)
        self.assertIsNotNone(self.instance(doc, 0)["tls"])
        self.assertIsNone(self.instance(doc, 1)["tls"])

    def test_35_optional_tls_same_port(self):
        p, doc = ping_json(self.srv["35"].uri("bolt"), self.srv["35"].uri("bolt+ssc"))
        self.assert_ok(p, doc)
        self.assertIsNone(self.instance(doc, 0)["tls"])
        self.assertEqual(self.instance(doc, 1)["tls"]["subject"], "CN=localhost")
        self.assertEqual(self.instance(doc, 1)["bolt"], "3.0")

    def test_routing_over_tls(self):
        p, doc = ping_json("--ca-file", CERTS["ca.crt"], self.srv["ca"].uri("neo4j+s"))
        self.assert_ok(p, doc)
        inst = self.instance(doc)
        self.assertEqual(inst["tls"]["certificate"], "verified")
        self.assertEqual(inst["routed_from"], f"127.0.0.1:{self.srv['ca'].port()}")


class Faults(ServersCase):
    @classmethod
    def specs(cls):
        return {
            "close": ("4.4", "--fault", "close-after-handshake"),
            "drop": ("5", "--blaster", "10000", "--fault", "drop-after-records:2500"),
            "drop3": ("3.5", "--blaster", "10000", "--fault", "drop-after-records:2500"),
            "transient": ("4.4", "--fault", "transient:1"),
            "stall": ("4.4", "--fault", "stall:3"),
            "noops": ("5", "--fault", "stall:2", "--recv-timeout", "1"),
            "garbage": ("4.4", "--fault", "garbage"),
            "badhs": ("4.4", "--fault", "bad-handshake"),
            "http": ("4.4", "--fault", "http"),
            "authfail": ("5", "--fault", "auth-fail"),
            "ok": ("4.4",),
            }

    def test_close_after_handshake(self):
        p = run("ping", self.srv["close"].uri())
        self.assert_fails(p, 3, "closed the connection during authentication")

    def test_mid_stream_drop_is_never_a_short_success(self):
        for name in ("drop", "drop3"):  # PULL n (5.8) and PULL_ALL (Bolt 3)
            with self.subTest(name=name):
                p = run("query", "--count-only", self.srv[name].uri(), "MATCH (n) RETURN n")
                self.assert_fails(p, 3, "closed the connection in the middle of a result "
                                        "(after 2500 records): the result is incomplete")
                self.assertEqual(p.stdout, "")

    def test_transient_failure_keeps_the_server_code(self):
        p = run("ping", self.srv["transient"].uri())
        self.assert_fails(p, 4, "Neo.TransientError.General.DatabaseUnavailable")
        self.assertEqual(p.stdout, "")

    def test_stall_hits_the_receive_timeout(self):
        p = run("ping", "--timeout", "1", self.srv["stall"].uri())
        self.assert_fails(p, 3, "no answer from 127.0.0.1:")
        self.assertIn("receive timeout", p.stderr)

    def test_noops_keep_a_slow_query_alive(self):
        # the server stalls 2 s but sends a NOOP every 0.5 s: a 1.5 s receive timeout holds
        p = run("ping", "--timeout", "1.5", self.srv["noops"].uri())
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_handshake_garbage(self):
        for name, text in (("garbage", "Bolt handshake with"),
                           ("badhs", "server chose a Bolt version that was not offered"),
                           ("http", "server answered the Bolt handshake with HTTP (wrong port, "
                                    "7474?)")):
            with self.subTest(name=name):
                p = run("ping", self.srv[name].uri())
                self.assert_fails(p, 4, text)

    def test_auth_fail(self):
        p = run("ping", self.srv["authfail"].uri())
        self.assert_fails(p, 3, "authentication failed")

    def test_worst_exit_code_wins(self):
        uris = [self.srv["ok"].uri(), self.srv["http"].uri(), self.srv["authfail"].uri()]
        p, doc = ping_json(*uris)
        self.assertEqual(p.returncode, 3)
        self.assertEqual([i["ok"] for i in doc["instances"]], [True, False, False])
        self.assertEqual([i.get("exit_code") for i in doc["instances"]], [None, 4, 3])
        self.assertEqual(doc["exit_code"], 3)
        self.assertFalse(doc["ok"])
        p = run("ping", *uris[:2])
        self.assertEqual(p.returncode, 4)


class Routing(ServersCase):
    @classmethod
    def specs(cls):
        return {"4.4": ("4.4",), "5": ("5",), "cluster35": ("3.5", "--cluster"),
                "single35": ("3.5",)}

    def test_route_message_and_procedures(self):
        for name, bolt in (("4.4", "4.4"), ("5", "5.8"), ("cluster35", "3.0")):
            with self.subTest(name=name):
                port = self.srv[name].port()
                p, doc = ping_json(f"neo4j://127.0.0.1:{port}?region=eu")
                self.assert_ok(p, doc)
                inst = self.instance(doc)
                self.assertEqual(inst["bolt"], bolt)
                self.assertEqual(inst["routed_from"], f"127.0.0.1:{port}")
                rt = inst["routing_table"]
                self.assertEqual(rt["readers"], [f"127.0.0.1:{port}"])
                self.assertGreater(rt["ttl"], 0)
        # 4.0-4.2 use dbms.routing.getRoutingTable on the system database
        p, doc = ping_json("--bolt", "4.2", self.srv["4.4"].uri("neo4j"))
        self.assert_ok(p, doc)
        self.assertEqual(self.instance(doc)["bolt"], "4.2")

    def test_standalone_35_does_not_route(self):
        p = run("ping", self.srv["single35"].uri("neo4j"))
        self.assert_fails(p, 4, "cannot get a routing table from 127.0.0.1:")
        self.assertIn("Neo.ClientError.Procedure.ProcedureNotFound", p.stderr)
        self.assertIn("a standalone 3.x server does not route: use bolt://", p.stderr)


class Streams(ServersCase):
    @classmethod
    def specs(cls):
        return {"blaster": ("5", "--blaster", "1000000"),
                "blaster3": ("3.5", "--blaster", "200000"), "5": ("5",)}

    def test_one_million_records(self):
        p = run("query", "--count-only", self.srv["blaster"].uri(), "MATCH (n) RETURN n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "1000000\n")
        p = run("query", "--count-only", "--fetch", "-1", self.srv["blaster"].uri(),
                "MATCH (n) RETURN n")
        self.assertEqual(p.stdout, "1000000\n")

    def test_bolt3_stream(self):
        p = run("query", "--count-only", self.srv["blaster3"].uri(), "MATCH (n) RETURN n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "200000\n")

    def test_64_connections_on_one_loop(self):
        uri = self.srv["5"].uri()
        p, doc = ping_json(*([uri] * 64))
        self.assert_ok(p, doc)
        self.assertEqual(len(doc["instances"]), 64)
        ids = {i["connection_id"] for i in doc["instances"]}
        self.assertEqual(len(ids), 64)  # 64 distinct server connections


class Credentials(ServersCase):
    @classmethod
    def specs(cls):
        auth = os.path.join(TMP, "auth-ops")
        with open(auth, "w") as f:
            f.write(f"ops:{SECRET}\n")
        other = os.path.join(TMP, "auth-other")
        with open(other, "w") as f:
            f.write("reader:other-pass\n")
        return {"ops": ("4.4", "--auth-file", auth), "other": ("5", "--auth-file", other)}

    def secret_file(self, name, content):
        path = os.path.join(TMP, name)
        with open(path, "w") as f:
            f.write(content)
        return path

    def test_environment(self):
        env = {"NEO4J_USERNAME": "ops", "NEO4J_PASSWORD": SECRET}
        p, doc = ping_json(self.srv["ops"].uri(), env=env)
        self.assert_ok(p, doc)
        pw = self.secret_file("pw", SECRET + "\n")
        env = {"NEO4J_USERNAME": "ops", "NEO4J_PASSWORD": None, "NEO4J_PASSWORD_FILE": pw}
        p, doc = ping_json(self.srv["ops"].uri(), env=env)
        self.assert_ok(p, doc)

    def test_options(self):
        pw = self.secret_file("pw2", SECRET + "\n")
        p, doc = ping_json("--user", "ops", "--password-file", pw, self.srv["ops"].uri(),
                           env={"NEO4J_PASSWORD": None})
        self.assert_ok(p, doc)
        # the user may also come from the URI
        port = self.srv["ops"].port()
        p, doc = ping_json("--password-file", pw, f"bolt://ops@127.0.0.1:{port}")
        self.assert_ok(p, doc)

    def test_credentials_file_per_instance(self):
        creds = self.secret_file("creds", (
            "# one line per instance\n"
            f"127.0.0.1:{self.srv['ops'].port()}:ops:{SECRET}\n"
            f"127.0.0.1:{self.srv['other'].port()}:reader:other-pass\n"))
        p, doc = ping_json("--credentials-file", creds, self.srv["ops"].uri(),
                           self.srv["other"].uri(), env={"NEO4J_PASSWORD": None})
        self.assert_ok(p, doc)

    def test_auth_env_prefix_per_uri(self):
        env = {"SRC_USERNAME": "ops", "SRC_PASSWORD": SECRET,
               "DST_USERNAME": "reader", "DST_PASSWORD": "other-pass"}
        p, doc = ping_json("--auth-env", "SRC", "--auth-env", "DST", self.srv["ops"].uri(),
                           self.srv["other"].uri(), env=env)
        self.assert_ok(p, doc)
        # swapped prefixes: both refused, and the message says where the credentials came from
        p = run("ping", "--auth-env", "DST", "--auth-env", "SRC", self.srv["ops"].uri(),
                self.srv["other"].uri(), env=env)
        self.assertEqual(p.returncode, 3)
        self.assertIn("(credentials: env DST_PASSWORD, user reader)", p.stderr)
        self.assertIn("(credentials: env SRC_PASSWORD, user ops)", p.stderr)

    def test_password_never_from_argv(self):
        port = self.srv["ops"].port()
        p = run("ping", f"bolt://ops:{SECRET}@127.0.0.1:{port}")
        self.assert_fails(p, 2, "contains a password")
        p = run("ping", "--password", SECRET, self.srv["ops"].uri())
        self.assert_fails(p, 2, "--password is not accepted")

    def test_configuration_errors(self):
        uri = self.srv["ops"].uri()
        cases = [
            (["--password-file", "/nonexistent/pw", uri], "/nonexistent/pw"),
            (["--credentials-file", self.secret_file("bad", "nocolons\n"), uri],
             "line 1: expected host:port:user:password"),
            (["--user", "ops", uri], "is given but no password"),
        ]
        for args, text in cases:
            with self.subTest(args=args):
                p = run("ping", *args, env={"NEO4J_PASSWORD": None, "NEO4J_USERNAME": None})
                self.assert_fails(p, 2, text)


class Usage(unittest.TestCase):
    def test_usage_errors(self):
        cases = [
            ([], "no URI given"),
            (["--frobnicate", "bolt://h"], "unknown option '--frobnicate'"),
            (["bolt://h:7687?region=eu"], "only allowed with neo4j://"),
            (["http://h:7474"], "unsupported URI scheme 'http'"),
            (["--pin", "sha256:00", "bolt+s://h"], "bad --pin"),
            (["--pin", "sha256:" + "00" * 32, "bolt://h"], "need a TLS scheme"),
            (["--auth-env", "A", "--auth-env", "B", "bolt://a", "bolt://b", "bolt://c"],
             "--auth-env given 2 times"),
            (["--ca-file", "/nonexistent/ca.pem", "bolt+s://h"],
             "cannot load CA file '/nonexistent/ca.pem'"),
            (["--cert", "/x.crt", "bolt+s://h"], "--cert and --key go together"),
            (["--timeout", "0", "bolt://h"], "bad --timeout '0'"),
            (["--bolt", "4.4,4.3,4.2,4.1,4.0", "bolt://h"], "at most 4 versions"),
            (["--bolt", "five", "bolt://h"], "bad version list"),
        ]
        for args, text in cases:
            with self.subTest(args=args):
                p = run("ping", *args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(text, p.stderr)
                self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
        p = run("query", "bolt://h")
        self.assertEqual(p.returncode, 2)

    def test_help(self):
        p = run("ping", "--help")
        self.assertEqual(p.returncode, 0)
        for word in ("usage: boltdiff ping [options] URI...", "--json", "--ca-file", "--pin",
                     "--credentials-file", "--auth-env", "--timeout", "Exit codes:",
                     "3  connection, TLS or authentication failure"):
            self.assertIn(word, p.stdout)
        self.assertTrue(all(len(line) <= 80 for line in p.stdout.splitlines()))
        p = run("--help")
        self.assertRegex(p.stdout, r"\n  ping +connect to every instance")

    def test_unresolvable_host(self):
        p = run("ping", "--timeout", "5", "bolt://no-such-host.invalid:7687")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("cannot resolve host 'no-such-host.invalid'", p.stderr)

    def test_connection_refused(self):
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        p = run("ping", f"bolt://127.0.0.1:{port}")
        self.assertEqual(p.returncode, 3)
        self.assertEqual(p.stderr, f"bolt://127.0.0.1:{port}: cannot connect to 127.0.0.1:{port} "
                                   f"(127.0.0.1): connection refused\n")


if __name__ == "__main__":
    unittest.main()
