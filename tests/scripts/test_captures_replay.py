"""Replays every conversation recorded with a real Neo4j 3.5.22 against the 3.5 persona.

The server starts with an EMPTY graph, --allow-writes and --auth neo4j:pass. Capture 00 (the
setup writes) goes first, then every other capture in file order, each on its own connection.
The client side is sent exactly as recorded (the hex), one TCP write per recorded `write`
number, so pipelining is the real client's. Every server message is compared with the capture:

* the signature, the metadata keys in the same order, failure codes and messages, record values;
* chunking: the same chunk sizes, i.e. cuts at 16,381 payload bytes and 00 00 after each message;
* a message that holds no run-dependent value must be byte-identical to the capture;
* the server must close where the real one closed (EOF expected), and only there.

Values that depend on the run are normalised, and only these:

* t_first, t_last (Bolt 3) and result_available_after, result_consumed_after (Bolt 1/2):
  milliseconds measured by the server;
* connection_id "bolt-N": a per-server connection counter;
* the tx number of bookmarks "neo4j:bookmark:v1:txN": 3.5 also counts internal transactions.
  The mapping capture-tx <-> replay-tx must be one-to-one and keep the order, so a bookmark
  that must change (a write) or must not (a read) is still checked;
* node and relationship ids: 3.5 ids are not reproducible (captures README); mapped one-to-one
  per kind over the whole replay, so the same capture id must always come back as the same id;
* index ids in db.indexes() (the `id` column and the N of "index_N"): schema store ids, mapped
  one-to-one like entity ids;
* the operator args EstimatedRows (planner estimates) and PageCacheHits, PageCacheMisses,
  PageCacheHitRatio (state of the page cache) of plan/profile, and their lower-case profile
  twins pageCacheHits/pageCacheMisses/pageCacheHitRatio;
* "[B@6d06d69c" in the HELLO-twice failure text: Java's identity hash of the password bytes;
* the order of records whose captured order is ascending entity id (ORDER BY id(n)): it is as
  run-dependent as the ids, so such rows are paired by content and the replayed rows must be in
  ascending order of their own ids.

Captures that cannot apply as recorded: 07 (bad magic) is replayed and must close without a
byte; 08 went to the HTTP connector, not Bolt, so it is replayed against a server started with
--fault http (the fixture's stand-in for that connector) and only its 4-byte "HTTP" reply is
compared; 80 is stored as a summary (total bytes, chunk histogram, first and last 2 KiB), so
its 70,000 records are checked for value and order and its chunking against the summary.

Run alone: python3 tests/scripts/test_captures_replay.py [-v]; the per-capture verdicts and
the count of byte-identical messages are printed.
"""

import copy
import glob
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = os.environ.get(
    "BOLTDIFF_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
CAPTURES = os.path.join(SOURCE_DIR, "fixtures", "captures", "neo4j-3.5.22")
CAPTURES = os.environ.get("BOLTDIFF_CAPTURES_DIR", CAPTURES)
sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts"))

from fixture.packstream import Structure, Unpacker  # noqa: E402

MAX_CHUNK = 16381
TIMEOUT = 60


class Mismatch(AssertionError):
    pass


class IdConflict(Mismatch):
    """A capture id and a replay id that cannot stand for each other."""


# ---------------------------------------------------------------------------------------------
# Wire helpers


def parse_message_hex(hexstr):
    """(chunk sizes, payload) of one recorded server message (chunks + 00 00)."""
    data = bytes.fromhex(hexstr)
    sizes, payload, pos = [], bytearray(), 0
    while True:
        n = int.from_bytes(data[pos:pos + 2], "big")
        pos += 2
        sizes.append(n)
        if n == 0:
            break
        payload += data[pos:pos + n]
        pos += n
    if pos != len(data):
        raise ValueError("trailing bytes after a recorded message")
    return sizes, bytes(payload)


class Wire:
    """A raw client socket that reads whole server messages with their chunk sizes."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = bytearray()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError
        self.buf += data

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_message(self):
        """(chunk sizes, payload, raw bytes); a leading NOOP would show as a 0 size first."""
        sizes, payload, raw = [], bytearray(), bytearray()
        while True:
            head = self.read_exact(2)
            raw += head
            n = int.from_bytes(head, "big")
            sizes.append(n)
            if n == 0:
                if len(sizes) == 1:
                    raise Mismatch("server sent a NOOP chunk (3.5 never does)")
                return sizes, bytes(payload), bytes(raw)
            part = self.read_exact(n)
            payload += part
            raw += part

    def expect_eof(self):
        if self.buf:
            raise Mismatch(f"expected the server to close, got {bytes(self.buf[:16]).hex()}...")
        try:
            self.sock.settimeout(10)
            data = self.sock.recv(1024)
        except ConnectionResetError:
            return
        except socket.timeout:
            raise Mismatch("expected the server to close, it kept the connection open") from None
        if data:
            raise Mismatch(f"expected the server to close, got {data[:16].hex()}...")

    def close(self):
        self.sock.close()


def decode(payload):
    msg = Unpacker(payload).unpack()
    if not isinstance(msg, Structure):
        raise Mismatch(f"server message is not a structure: {msg!r}")
    return msg


# ---------------------------------------------------------------------------------------------
# Normalisation


RUN_MS = {"t_first", "t_last", "result_available_after", "result_consumed_after"}
ESTIMATES = {"EstimatedRows", "PageCacheHits", "PageCacheMisses", "PageCacheHitRatio",
             "pageCacheHits", "pageCacheMisses", "pageCacheHitRatio"}


class Bijection:
    """A one-to-one mapping between capture values and replay values, checked as it grows."""

    def __init__(self, name, ordered=False):
        self.name = name
        self.ordered = ordered
        self.fwd = {}
        self.back = {}

    def pair(self, cap, got):
        if cap in self.fwd and self.fwd[cap] != got:
            raise IdConflict(f"{self.name}: capture {cap} came back as {got}, "
                           f"earlier as {self.fwd[cap]}")
        if got in self.back and self.back[got] != cap:
            raise IdConflict(f"{self.name}: replay {got} stands for capture {cap} "
                           f"and {self.back[got]}")
        if self.ordered:
            for c, g in self.fwd.items():
                if (c < cap) != (g < got) or (c == cap) != (g == got):
                    raise Mismatch(f"{self.name}: order differs: capture {c}<->{cap}, "
                                   f"replay {g}<->{got}")
        self.fwd[cap] = got
        self.back[got] = cap
        return f"<{self.name}#{cap}>"


class Normaliser:
    def __init__(self):
        self.nodes = Bijection("node id")
        self.rels = Bijection("relationship id")
        self.tx = Bijection("bookmark tx", ordered=True)
        self.indexes = Bijection("index id")

    def compare(self, cap, got, path="", fields=None):
        """Compares a capture value with a replay value; returns True if a normalisation was
        needed (the message then cannot be byte-identical)."""
        normalised = False
        if isinstance(cap, Structure):
            if (not isinstance(got, Structure) or got.tag != cap.tag
                    or len(got.fields) != len(cap.fields)):
                raise Mismatch(f"{path}: expected {cap!r}, got {got!r}")
            ids = self._id_fields(cap.tag)
            for i, (c, g) in enumerate(zip(cap.fields, got.fields)):
                if i in ids:
                    self._check_int(path, c, g)
                    ids[i].pair(c, g)
                    normalised = normalised or c != g
                else:
                    normalised |= self.compare(c, g, f"{path}/{cap.tag:02X}[{i}]")
            return normalised
        if isinstance(cap, dict):
            if not isinstance(got, dict):
                raise Mismatch(f"{path}: expected a map, got {got!r}")
            if list(cap) != list(got):
                what = "the same keys in another order" if set(cap) == set(got) else "other keys"
                raise Mismatch(f"{path}: {what}: expected {list(cap)}, got {list(got)}")
            for k in cap:
                normalised |= self._compare_entry(k, cap[k], got[k], f"{path}.{k}")
            return normalised
        if isinstance(cap, list):
            if not isinstance(got, list) or len(got) != len(cap):
                raise Mismatch(f"{path}: expected {len(cap)} items {cap!r:.200}, got {got!r:.200}")
            if fields is not None:
                return self._compare_row(cap, got, path, fields)
            for i, (c, g) in enumerate(zip(cap, got)):
                normalised |= self.compare(c, g, f"{path}[{i}]")
            return normalised
        if not same_scalar(cap, got):
            raise Mismatch(f"{path}: expected {cap!r:.300}, got {got!r:.300}")
        return False

    def _compare_row(self, cap, got, path, fields):
        normalised = False
        for i, (c, g) in enumerate(zip(cap, got)):
            name = fields[i] if i < len(fields) else str(i)
            if fields == INDEX_COLUMNS and name == "id":
                self._check_int(path, c, g)
                self.indexes.pair(c, g)
                normalised |= c != g
            elif fields == INDEX_COLUMNS and name == "indexName" and str(c).startswith("index_"):
                m = re.fullmatch(r"index_(\d+)", str(g))
                if not m:
                    raise Mismatch(f"{path}.indexName: expected index_N, got {g!r}")
                self.indexes.pair(int(c[6:]), int(m.group(1)))
                normalised |= c != g
            else:
                normalised |= self.compare(c, g, f"{path}.{name}")
        return normalised

    def _compare_entry(self, key, c, g, path):
        if key in RUN_MS:
            self._check_int(path, c, g)
            if g < 0:
                raise Mismatch(f"{path}: negative time {g}")
            return c != g
        if key in ESTIMATES:
            if type(c) is not type(g):
                raise Mismatch(f"{path}: expected a {type(c).__name__}, got {g!r}")
            return c != g
        if key == "connection_id":
            if not (isinstance(g, str) and re.fullmatch(r"bolt-\d+", g)):
                raise Mismatch(f"{path}: expected bolt-N, got {g!r}")
            return c != g
        if key == "bookmark":
            mc = re.fullmatch(r"neo4j:bookmark:v1:tx(\d+)", c)
            mg = re.fullmatch(r"neo4j:bookmark:v1:tx(\d+)", g) if isinstance(g, str) else None
            if not mg:
                raise Mismatch(f"{path}: expected neo4j:bookmark:v1:txN, got {g!r}")
            self.tx.pair(int(mc.group(1)), int(mg.group(1)))
            return c != g
        if key == "message" and isinstance(c, str) and "[B@" in c:
            pat = r"\[B@[0-9a-f]+".join(re.escape(p) for p in re.split(r"\[B@[0-9a-f]+", c))
            if not (isinstance(g, str) and re.fullmatch(pat, g)):
                raise Mismatch(f"{path}: expected {c!r}, got {g!r}")
            return True
        return self.compare(c, g, path)

    def _check_int(self, path, c, g):
        if not isinstance(g, int) or isinstance(g, bool):
            raise Mismatch(f"{path}: expected an integer like {c}, got {g!r}")

    def _id_fields(self, tag):
        if tag == 0x4E:   # Node: id
            return {0: self.nodes}
        if tag == 0x52:   # Relationship: id, start, end
            return {0: self.rels, 1: self.nodes, 2: self.nodes}
        if tag == 0x72:   # UnboundRelationship: id
            return {0: self.rels}
        return {}


INDEX_COLUMNS = ["description", "indexName", "tokenNames", "properties", "state", "type",
                 "progress", "provider", "id", "failureMessage"]


def same_scalar(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if a != a:
            return b != b
        return a == b and str(a) == str(b)  # -0.0 is not 0.0
    return a == b


def chunk_rule_ok(sizes):
    body = sizes[:-1]
    return sizes[-1] == 0 and all(s == MAX_CHUNK for s in body[:-1]) and (
        not body or 0 < body[-1] <= MAX_CHUNK)


# ---------------------------------------------------------------------------------------------
# Replay


class Stats:
    def __init__(self):
        self.messages = 0
        self.identical = 0


def replay_capture(port, cap, norm, stats):
    """Replays one capture; raises Mismatch with the first difference."""
    ex = cap["exchanges"]
    wire = Wire(port)
    fields_of_last_run = None
    try:
        i = 0
        while i < len(ex):
            e = ex[i]
            if e["from"] == "client":
                group = e["write"]
                data = bytearray()
                while i < len(ex) and ex[i]["from"] == "client" and ex[i]["write"] == group:
                    data += bytes.fromhex(ex[i]["hex"])
                    i += 1
                wire.send(bytes(data))
                continue
            dec = e["decoded"]
            where = f"exchange {i}"
            if "event" in dec:
                try:
                    wire.expect_eof()
                except Mismatch as m:
                    raise Mismatch(f"{where}: {m}") from None
            elif "handshake_reply" in dec:
                got = wire.read_exact(4)
                stats.messages += 1
                if got.hex().upper() != e["hex"].upper():
                    raise Mismatch(f"{where}: handshake reply {got.hex()} expected {e['hex']}")
                stats.identical += 1
            elif e.get("stream_summary") or dec.get("stream_summary"):
                check_stream_summary(wire, e, norm, stats)
            elif dec.get("message") == "RECORD":
                # All records of one result at once: their order may follow run-dependent ids.
                j = i
                while j < len(ex) and ex[j]["from"] == "server" and \
                        ex[j]["decoded"].get("message") == "RECORD":
                    j += 1
                try:
                    compare_records(wire, ex[i:j], norm, stats, fields_of_last_run)
                except Mismatch as m:
                    raise Mismatch(f"{where} (RECORD): {m}") from None
                i = j
                continue
            else:
                try:
                    fields_of_last_run = compare_message(wire, e, norm, stats, fields_of_last_run)
                except Mismatch as m:
                    raise Mismatch(f"{where} ({dec.get('message')}): {m}") from None
            i += 1
    finally:
        wire.close()


class _Received:
    """One server message read for a recorded one."""

    def __init__(self, wire, e, stats):
        self.e = e
        self.cap_sizes, self.cap_payload = parse_message_hex(e["hex"])
        try:
            self.sizes, self.payload, self.raw = wire.read_message()
        except EOFError:
            raise Mismatch("the server closed the connection instead") from None
        stats.messages += 1
        self.want, self.got = decode(self.cap_payload), decode(self.payload)
        if self.want.tag != self.got.tag:
            raise Mismatch(f"got 0x{self.got.tag:02X} {self.got.fields!r:.400}")

    def settle(self, normalised, stats):
        """Byte identity when nothing was normalised, else the 16,381-byte chunk rule."""
        if not normalised:
            if self.raw != bytes.fromhex(self.e["hex"]):
                raise Mismatch(f"equal values but other bytes:\n  capture {self.e['hex'][:200]}"
                               f"\n  replay  {self.raw.hex()[:200]}")
            stats.identical += 1
        elif not chunk_rule_ok(self.sizes) or (len(self.payload) == len(self.cap_payload)
                                                and self.sizes != self.cap_sizes):
            raise Mismatch(f"chunk sizes {self.sizes} (capture {self.cap_sizes})")


def compare_message(wire, e, norm, stats, run_fields):
    """Reads one server message and compares it with the recorded one; returns the `fields`
    of the last RUN (record values are compared per column)."""
    m = _Received(wire, e, stats)
    normalised = norm.compare(m.want.fields, m.got.fields, "")
    if m.want.tag == 0x70 and isinstance(m.want.fields[0], dict) and "fields" in m.want.fields[0]:
        run_fields = list(m.want.fields[0]["fields"])
    m.settle(normalised, stats)
    return run_fields


def _first_entity_id(row):
    v = row[0] if row else None
    return v.fields[0] if isinstance(v, Structure) and v.tag in (0x4E, 0x52) else None


def _content_key(row):
    """A row without its entity ids, to pair rows whose order followed the ids."""
    def strip(v):
        if isinstance(v, Structure):
            skip = {0x4E: {0}, 0x52: {0, 1, 2}, 0x72: {0}}.get(v.tag, set())
            return (v.tag, [strip(f) for i, f in enumerate(v.fields) if i not in skip])
        if isinstance(v, list):
            return [strip(x) for x in v]
        if isinstance(v, dict):
            return sorted((k, strip(x)) for k, x in v.items())
        return v
    return repr(strip(row))


def compare_records(wire, recorded, norm, stats, run_fields):
    """The records of one result, in order. One exception: when the captured rows are in
    ascending order of their entity ids (ORDER BY id(n)), the order is as run-dependent as the
    ids, so rows are paired by content instead, and the replayed rows must then be in ascending
    order of the replay's ids."""
    got = [_Received(wire, e, stats) for e in recorded]
    saved = copy.deepcopy(norm.__dict__)
    try:
        results = [norm.compare(m.want.fields[0], m.got.fields[0], "RECORD", fields=run_fields)
                   for m in got]
    except IdConflict as first:
        cap_ids = [_first_entity_id(m.want.fields[0]) for m in got]
        got_ids = [_first_entity_id(m.got.fields[0]) for m in got]
        if None in cap_ids or None in got_ids or cap_ids != sorted(cap_ids):
            raise first
        if got_ids != sorted(got_ids):
            raise Mismatch(f"rows not in id order like the capture's: {got_ids}") from None
        norm.__dict__.update(copy.deepcopy(saved))
        by_content = sorted(got, key=lambda m: _content_key(m.got.fields[0]))
        wanted = sorted(got, key=lambda m: _content_key(m.want.fields[0]))
        for w, g in zip(wanted, by_content):
            norm.compare(w.want.fields[0], g.got.fields[0], "RECORD (paired by content)",
                         fields=run_fields)
        results = [True] * len(got)
    for m, normalised in zip(got, results):
        m.settle(normalised, stats)


def check_stream_summary(wire, e, norm, stats):
    """Capture 80: 70,000 records stored as a summary."""
    dec = e["decoded"]
    if isinstance(dec, str):
        dec = json.loads(dec)
    counts = dec["message_counts"]
    total_records = counts["RECORD"]
    histogram = {}
    chunk_count = 0
    total_bytes = 0
    head = bytearray()
    seen = 0
    for k in range(total_records + 2):
        sizes, payload, raw = wire.read_message()
        stats.messages += 1
        total_bytes += len(raw)
        chunk_count += len(sizes)
        for s in sizes:
            histogram[str(s)] = histogram.get(str(s), 0) + 1
        if len(head) < 2048:
            head += raw
        msg = decode(payload)
        if k == 0 or k == total_records + 1:
            want = decode(parse_message_hex(dec["first_messages"][0]["hex"] if k == 0
                                            else dec["last_messages"][-1]["hex"])[1])
            norm.compare(want.fields, msg.fields, "stream summary message")
        else:
            seen += 1
            if msg.tag != 0x71 or msg.fields != [[seen]]:
                raise Mismatch(f"record {seen}: got {msg!r:.200}")
            stats.identical += 1
    if seen != total_records:
        raise Mismatch(f"{seen} records, capture has {total_records}")
    if chunk_count != e["chunk_count"]:
        raise Mismatch(f"{chunk_count} chunks, capture has {e['chunk_count']}")
    # Only the two SUCCESS messages carry run-dependent values (t_first, t_last, bookmark), so
    # the record chunk sizes must match exactly and the total within what those allow.
    cap_hist = dict(e["chunk_sizes_histogram"])
    for size in ("0", "4", "6", "8"):
        if histogram.get(size) != cap_hist.get(size):
            raise Mismatch(f"chunks of {size} bytes: {histogram.get(size)}, "
                           f"capture {cap_hist.get(size)}")
    first = bytes.fromhex(e["hex_first_2048"].strip('"'))
    skip_cap = 2 + int.from_bytes(first[:2], "big") + 2
    skip_got = 2 + int.from_bytes(head[:2], "big") + 2
    if head[skip_got:skip_got + 1024] != first[skip_cap:skip_cap + 1024]:
        raise Mismatch("record bytes after the RUN SUCCESS differ from the capture")
    if abs(total_bytes - e["total_bytes"]) > 16:
        raise Mismatch(f"{total_bytes} bytes in total, capture {e['total_bytes']}")


def replay_all(port, http_port=None, only=None, verbose=False):
    """Replays the captures; returns (results {file: None or error}, stats)."""
    norm = Normaliser()
    stats = Stats()
    results = {}
    files = sorted(glob.glob(os.path.join(CAPTURES, "*.json")))
    for path in files:
        name = os.path.basename(path)
        if only and not name.startswith(tuple(only)) and not name.startswith("00"):
            continue
        with open(path, encoding="utf-8") as f:
            cap = json.load(f)
        target = port
        if name.startswith("08"):
            if http_port is None:
                continue
            target = http_port
        try:
            replay_capture(target, cap, norm, stats)
            results[name] = None
        except (Mismatch, EOFError, OSError) as e:
            results[name] = f"{type(e).__name__}: {e}"
        if verbose:
            print(f"{'PASS' if results[name] is None else 'FAIL'} {name}"
                  + ("" if results[name] is None else f"\n     {results[name]}"), flush=True)
    return results, stats


# ---------------------------------------------------------------------------------------------
# The test


def start_server(log, *args):
    """Starts the 3.5 persona; its stderr (connection log, engine traces) goes to log."""
    cmd = [sys.executable, os.path.join(SOURCE_DIR, "scripts", "fixture-server"),
           "--persona", "3.5", "--port", "0"] + list(args)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening "):
        proc.kill()
        proc.wait()
        proc.stdout.close()
        log.seek(0)
        raise RuntimeError(f"fixture server did not start: {line!r} {log.read()[-2000:]}")
    return proc, int(line.rsplit(":", 1)[1])


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()


def empty_graph_file(directory):
    path = os.path.join(directory, "empty.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"format": "boltdiff-graph/1", "nodes": [], "relationships": []}, f)
    return path


class CapturesReplay(unittest.TestCase):
    def test_every_capture_replays(self):
        self.assertTrue(os.path.isdir(CAPTURES), f"captures not found at {CAPTURES}")
        with tempfile.TemporaryDirectory() as tmp, \
                tempfile.TemporaryFile("w+", encoding="utf-8") as log:
            graph = empty_graph_file(tmp)
            proc, port = start_server(log, "--graph", graph, "--allow-writes",
                                      "--auth", "neo4j:pass")
            try:
                http, http_port = start_server(log, "--blaster", "0", "--fault", "http")
                try:
                    results, stats = replay_all(port, http_port, verbose=True)
                finally:
                    stop_server(http)
            finally:
                stop_server(proc)
            log.seek(0)
            server_log = log.read()
        passed = sum(1 for r in results.values() if r is None)
        print(f"{passed}/{len(results)} captures pass; {stats.identical}/{stats.messages} "
              "server messages byte-identical to the capture")
        failed = {k: v for k, v in results.items() if v is not None}
        self.assertEqual(len(results), len(glob.glob(os.path.join(CAPTURES, "*.json"))))
        if failed:
            traces = [b for b in server_log.split("\n[") if "Traceback" in b or "error" in b]
            self.fail("\n".join(f"{k}: {v}" for k, v in failed.items())
                      + "\nserver log (errors):\n" + "\n[".join(traces)[-4000:])


if __name__ == "__main__":
    unittest.main()
