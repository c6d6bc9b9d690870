#!/usr/bin/env python3
"""The streaming, memory, parallel-scan and instruction-count benchmarks of boltdiff
(Python 3 standard library only). Run it through scripts/bench.sh, which builds the C clients.

Four clients read the same result stream (same Bolt version, same query, same fetch size)
from the fixture server in blaster mode, in interleaved repetitions (drain, boltdiff, tree,
driver, drain, ...) so that a noisy neighbour slows them all alike; every figure printed is the
median of the repetitions:

  raw       tests/bench/bench_drain.c    read() into one buffer, walk chunk headers, discard
  boltdiff  tests/bench/bench_stream.c   bolt_conn (libuv) -> dechunk -> raw RECORD bytes ->
                                          canonical XXH3-128 hash of every node read in place
                                          (bv_canon_scan_hash128), the streaming path
  tree      bench_stream --tree          the same up to the dechunker, then decode into a
                                          bolt_value tree -> bv_canon_hash128 (same hashes)
  driver    scripts/bench/driver-stream.js  neo4j-driver 5.28, trivial hash per record

CPU seconds and peak RSS come from the kernel (wait4 rusage of each client process), the
server's CPU from /proc. Then: boltdiff's peak RSS at 1 M records against the full run
(flatness), property coverage on a synthetic 1 M-node graph with K = 1, 2, 4 connections, and
callgrind instruction counts per record for the decoder and the hasher.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER = os.path.join(ROOT, "scripts", "fixture-server")
GEN_GRAPH = os.path.join(ROOT, "scripts", "gen-graph")
DRIVER_JS = os.path.join(ROOT, "scripts", "bench", "driver-stream.js")
QUERY = "MATCH (n) RETURN n"
MIB = 1024 * 1024
# Server CPU per node of a real Neo4j 3.5.22 producing nodes that carry every property type,
# as measured for issue #7 (200 k nodes in about 5 s). Quoted, not measured by this script.
REAL_SERVER_US_PER_NODE = 25.0


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# The fixture server


class Server:
    """One fixture server process; restarted when it died under us (shared machines)."""

    def __init__(self, args, label):
        self.args = args
        self.label = label
        self.proc = None
        self.port = None
        self.restarts = 0
        self.logfile = tempfile.TemporaryFile()

    def start(self):
        cmd = [sys.executable, SERVER, "--port", "0", "--no-auth", "--quiet"] + self.args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.logfile,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        line = self.proc.stdout.readline().decode("utf-8", "replace").strip()
        m = re.match(r"listening (\S+):(\d+)$", line)
        if not m:
            self.proc.kill()
            self.proc.wait()
            raise BenchError(f"fixture server ({self.label}) did not start: {self.tail()}")
        self.port = int(m.group(2))

    def tail(self):
        self.logfile.seek(0)
        lines = self.logfile.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else "no output"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ensure(self):
        if self.alive():
            return
        if self.proc is not None:
            self.restarts += 1
            log(f"  fixture server ({self.label}) was gone ({self.tail()}); restarting it")
        self.start()

    def cpu_seconds(self):
        """utime + stime of the server process and its live worker processes (from /proc)."""
        def pids(pid):
            out = [pid]
            try:
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{tid}/children") as f:
                        for child in f.read().split():
                            out += pids(int(child))
            except OSError:
                pass
            return out
        total = 0
        try:
            for pid in pids(self.proc.pid):
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            return None
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# ---------------------------------------------------------------------------------------------
# One client run: wall clock, rusage, its own JSON line


def spawn(cmd, timeout):
    """Runs cmd; returns (exit code, stdout, stderr, wall seconds, rusage of that process)."""
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL)
        # wait4 gives this child's own rusage (CPU seconds, peak RSS) without a wrapper.
        deadline = t0 + timeout
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                os.wait4(p.pid, 0)
                p.returncode = -9
                raise BenchError(f"{os.path.basename(cmd[0])}: no answer after {timeout:.0f} s")
            time.sleep(0.002)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out = fo.read().decode("utf-8", "replace")
        err = fe.read().decode("utf-8", "replace").strip()
    return p.returncode, out, err, wall, ru


def run_client(cmd, timeout):
    rc, out, err, wall, ru = spawn(cmd, timeout)
    if rc != 0:
        raise BenchError(f"{' '.join(os.path.basename(c) for c in cmd[:2])}: exit "
                         f"{rc}: {err.splitlines()[-1] if err else 'no message'}")
    try:
        res = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise BenchError(f"{cmd[0]}: unreadable output {out[:200]!r}") from None
    res["wall"] = wall
    res["cpu"] = ru.ru_utime + ru.ru_stime
    res["cpu_user"] = ru.ru_utime
    res["cpu_sys"] = ru.ru_stime
    # The client's own VmHWM: ru_maxrss would include the Python process it was exec'd from.
    hwm = res.get("hwm_kib")
    res["rss_mib"] = hwm / 1024.0 if hwm and hwm > 0 else ru.ru_maxrss / 1024.0
    return res


def client_cmd(kind, build, port, fetch, bolt):
    if kind == "raw":
        return [os.path.join(build, "tests", "bench_drain"), "--port", str(port),
                "--fetch", str(fetch), "--bolt", bolt, "--query", QUERY]
    if kind in ("boltdiff", "tree"):
        return [os.path.join(build, "tests", "bench_stream"), "--port", str(port),
                "--fetch", str(fetch), "--bolt", bolt, "--query", QUERY] + \
            (["--tree"] if kind == "tree" else [])
    return ["node", DRIVER_JS, "--port", str(port), "--fetch", str(fetch), "--query", QUERY]


def measured(server, cmd, timeout, expect_records, tries=3):
    """Runs a client; retries when the server vanished (someone else's cleanup on a shared
    machine), never when the client itself failed against a live server."""
    for attempt in range(tries):
        server.ensure()
        c0 = server.cpu_seconds()
        try:
            res = run_client(cmd, timeout)
        except BenchError:
            if server.alive() or attempt == tries - 1:
                raise
            continue
        c1 = server.cpu_seconds()
        res["server_cpu"] = c1 - c0 if c0 is not None and c1 is not None else None
        if res["records"] != expect_records:
            raise BenchError(f"{res['client']}: {res['records']} records, expected "
                             f"{expect_records}")
        return res
    raise BenchError("unreachable")


def med(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


# ---------------------------------------------------------------------------------------------
# 1-5: the stream


def stream_bench(a, build, results):
    clients = ["raw", "boltdiff", "tree"] + ([] if a.no_driver else ["driver"])
    fetches = [-1, 1000]
    server = Server(["--persona", a.persona, "--blaster", str(a.records)], "blaster")
    server.start()
    runs = {(c, f): [] for c in clients for f in fetches}
    # Generous per-run limit: the driver needs ~15 us per record on this kind of machine.
    timeout = 120 + a.records * 100e-6
    try:
        # Warm-up (not counted): the server encodes its record pool once per dialect; the
        # page cache learns the binaries. The driver needs none (node's startup is in its CPU).
        for c in ("raw", "boltdiff"):
            measured(server, client_cmd(c, build, server.port, -1, a.bolt), timeout, a.records)
        for rep in range(a.reps):
            for f in fetches:
                for c in clients:
                    r = measured(server, client_cmd(c, build, server.port, f, a.bolt), timeout,
                                 a.records)
                    runs[(c, f)].append(r)
                    log(f"  rep {rep + 1}/{a.reps} n={f:<5} {c:<8} {r['seconds']:8.3f} s  "
                        f"cpu {r['cpu']:7.3f} s  rss {r['rss_mib']:6.1f} MiB")
    finally:
        server.stop()
    results["server_restarts"] = server.restarts

    # Byte count of the stream: the raw drain counts it exactly (bench_stream checks itself).
    # Both of boltdiff's paths must have hashed every node alike, in every run.
    digests = {r.get("digest") for f in fetches for c in ("boltdiff", "tree") for r in runs[(c, f)]}
    if len(digests) != 1:
        raise BenchError(f"boltdiff digests differ between runs or paths: {sorted(digests)}")
    declined = sum(r.get("declined", 0) for f in fetches for r in runs[("boltdiff", f)])
    if declined:
        raise BenchError(f"the in-place path declined {declined} valid records")
    bolts = {r.get("bolt") for k, rs in runs.items() for r in rs}
    if len(bolts) != 1:
        raise BenchError(f"the clients did not all speak one Bolt version: {sorted(map(str, bolts))}")
    table = []
    for f in fetches:
        nbytes = med(runs[("raw", f)], "bytes")
        row = {}
        for c in clients:
            rs = runs[(c, f)]
            secs = med(rs, "seconds")
            row[c] = {
                "records_per_s": a.records / secs,
                "mb_per_s": nbytes / secs / 1e6,
                "seconds": secs,
                "wall": med(rs, "wall"),
                "cpu": med(rs, "cpu"),
                "cpu_user": med(rs, "cpu_user"),
                "cpu_sys": med(rs, "cpu_sys"),
                "rss_mib": max(r["rss_mib"] for r in rs),
                "server_cpu": med(rs, "server_cpu"),
                "runs": [round(r["seconds"], 4) for r in rs],
            }
        row["bytes"] = nbytes
        table.append((f, row))
    results["stream"] = {str(f): row for f, row in table}
    results["bolt"] = bolts.pop()
    results["digest"] = digests.pop()

    out = []
    out.append(f"Stream: {a.records:,} node records (3 labels, 15 properties; "
               f"{table[0][1]['bytes'] / a.records:.0f} bytes each), Bolt {results['bolt']}, "
               f"loopback, median of {a.reps} interleaved runs")
    hdr = (f"  {'client':<9}{'PULL n':>7}{'records/s':>13}{'MB/s':>9}{'stream s':>10}"
           f"{'CPU s':>9}{'CPU/rec':>10}{'CPU%':>6}{'peak RSS':>11}{'server CPU':>12}")
    out.append(hdr)
    for f, row in table:
        for c in clients:
            x = row[c]
            sc = f"{x['server_cpu']:.2f} s" if x["server_cpu"] is not None else "-"
            out.append(f"  {c:<9}{f:>7}{x['records_per_s']:>13,.0f}{x['mb_per_s']:>9.0f}"
                       f"{x['seconds']:>10.3f}{x['cpu']:>9.2f}"
                       f"{x['cpu'] / a.records * 1e9:>8.0f}ns{100 * x['cpu'] / x['wall']:>5.0f}%"
                       f"{x['rss_mib']:>8.1f} MiB{sc:>12}")
    out.append("  (CPU% = client CPU / its wall time: far below 100% for a CPU-bound client means the "
               "machine was busy with other work)")
    out.append("  Ratios (throughput = records/s; CPU = client CPU seconds per record):")
    for f, row in table:
        b, r = row["boltdiff"], row["raw"]
        line = (f"    n={f:<5} boltdiff/raw {b['records_per_s'] / r['records_per_s']:5.2f}x"
                f" (target >= 0.80)")
        if "driver" in row:
            d = row["driver"]
            line += (f"   boltdiff/driver {b['records_per_s'] / d['records_per_s']:6.1f}x"
                     f" (target >= 20), CPU {d['cpu'] / b['cpu']:6.1f}x less")
        t = row["tree"]
        line += (f"   in place/tree {b['records_per_s'] / t['records_per_s']:4.2f}x"
                 f" (tree/raw {t['records_per_s'] / r['records_per_s']:4.2f}x)")
        out.append(line)
        results["stream"][str(f)]["ratio_tree"] = b["records_per_s"] / t["records_per_s"]
        results["stream"][str(f)]["ratio_raw"] = b["records_per_s"] / r["records_per_s"]
        results["stream"][str(f)]["ratio_raw_cpu"] = r["cpu"] / b["cpu"]
        if "driver" in row:
            results["stream"][str(f)]["ratio_driver"] = b["records_per_s"] / d["records_per_s"]
            results["stream"][str(f)]["ratio_driver_cpu"] = d["cpu"] / b["cpu"]
    b = table[0][1]["boltdiff"]
    per_node_us = b["cpu"] / a.records * 1e6
    out.append(f"  Against a real server: Neo4j 3.5.22 spends ~{REAL_SERVER_US_PER_NODE:.0f} us of CPU "
               f"per node of this kind (issue #7: 200 k nodes in ~5 s); boltdiff's "
               f"{per_node_us:.2f} us per node is {100 * per_node_us / REAL_SERVER_US_PER_NODE:.1f}% "
               f"of that (derived, not measured here).")
    return out


# ---------------------------------------------------------------------------------------------
# Memory: peak RSS of boltdiff's path at 1 M records and at the full count


def rss_bench(a, build, results):
    small = 1_000_000 if a.records > 1_000_000 else max(a.records // 10, 1000)
    out = [f"Peak RSS of boltdiff's path (bench_stream), {small:,} vs {a.records:,} records:"]
    rows = {}
    for n in (small, a.records):
        server = Server(["--persona", a.persona, "--blaster", str(n)], f"blaster {n}")
        server.start()
        try:
            for f in (-1, 1000):
                r = measured(server, client_cmd("boltdiff", build, server.port, f, a.bolt),
                             120 + n * 20e-6, n)
                rows[(n, f)] = r["rss_mib"]
        finally:
            server.stop()
    for f in (-1, 1000):
        lo, hi = rows[(small, f)], rows[(a.records, f)]
        out.append(f"  PULL n={f:<5} {lo:6.1f} MiB -> {hi:6.1f} MiB  (growth {hi - lo:+.1f} MiB;"
                   f" target <= 32 MiB and flat)")
    results["rss"] = {f"{n}:{f}": v for (n, f), v in rows.items()}
    return out


# ---------------------------------------------------------------------------------------------
# 6: property coverage with K connections


def coverage_bench(a, build, results, tmp):
    big = os.path.join(tmp, "coverage-graph.json")
    empty = os.path.join(tmp, "empty-graph.json")
    for path, n in ((big, a.coverage_nodes), (empty, 0)):
        subprocess.run([sys.executable, GEN_GRAPH, "--nodes", str(n), "--seed", "7",
                        "--rels-per-node", str(a.coverage_rels_per_node), "-o", path],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ks = [1, 2, 4]
    # The measured instance is the baseline; the target is an empty graph (its coverage walk
    # ends at once), so that K alone sets the number of busy server processes.
    srv = Server(["--persona", a.persona, "--graph", big, "--workers", str(max(ks))], "coverage")
    tgt = Server(["--persona", a.persona, "--graph", empty], "coverage target")
    boltdiff = os.path.join(build, "boltdiff")
    times = {k: [] for k in ks}
    cpus = {k: [] for k in ks}
    rss = {k: [] for k in ks}
    scpu = {k: [] for k in ks}
    try:
        srv.start()
        tgt.start()
        for rep in range(a.coverage_reps):
            for k in ks:
                srv.ensure()
                tgt.ensure()
                cmd = [boltdiff, "verify", "--no-auth", "--checks", "coverage", "--parallel",
                       str(k), "--format", "json", f"bolt://127.0.0.1:{srv.port}",
                       f"bolt://127.0.0.1:{tgt.port}"]
                # Peak RSS through /usr/bin/time (its own small process image is what the
                # measured one replaces at exec; Python's would count otherwise).
                timer = ["/usr/bin/time", "-f", "bench-rss-kib %M"]
                use_timer = os.access(timer[0], os.X_OK)
                c0 = srv.cpu_seconds()
                rc, out, err, wall, ru = spawn((timer if use_timer else []) + cmd, 3600)
                c1 = srv.cpu_seconds()
                m = re.search(r"^bench-rss-kib (\d+)$", err, re.M)
                err = re.sub(r"^(bench-rss-kib \d+|Command exited with non-zero status \d+)$",
                             "", err, flags=re.M).strip()
                if rc not in (0, 1):  # 1: the empty target differs, as it must
                    raise BenchError(f"boltdiff verify --parallel {k}: exit {rc}: "
                                     f"{err.splitlines()[-1] if err else 'no message'}")
                report = json.loads(out)
                for inst in report["instances"]:
                    if inst["status"] != "ok" or inst["unchecked"]:
                        raise BenchError(f"coverage K={k}: instance {inst['index']} not measured:"
                                         f" {inst.get('error') or inst['unchecked']}")
                times[k].append(wall)
                cpus[k].append(ru.ru_utime + ru.ru_stime)
                if c0 is not None and c1 is not None:
                    scpu[k].append(c1 - c0)
                if m:
                    rss[k].append(int(m.group(1)) / 1024.0)
                log(f"  coverage rep {rep + 1}/{a.coverage_reps} K={k}: {wall:7.2f} s")
    finally:
        srv.stop()
        tgt.stop()
    base = statistics.median(times[1])
    out = [f"Property coverage (boltdiff verify --checks coverage) on a {a.coverage_nodes:,}-node "
           f"synthetic graph ({a.coverage_rels_per_node * a.coverage_nodes:,} relationships), "
           f"fixture server with {max(ks)} worker processes, median of {a.coverage_reps}; "
           f"load average {os.getloadavg()[0]:.1f}:"]
    for k in ks:
        t = statistics.median(times[k])
        sc = f"{statistics.median(scpu[k]):7.1f} s" if scpu[k] else "      -"
        rs = f"{max(rss[k]):5.1f} MiB" if rss[k] else "n/a"
        out.append(f"  K={k}  {t:8.2f} s   speedup {base / t:4.2f}x   server CPU {sc}   "
                   f"boltdiff CPU {statistics.median(cpus[k]):6.2f} s   peak RSS {rs}")
    results["coverage"] = {str(k): {"seconds": statistics.median(times[k]),
                                    "cpu": statistics.median(cpus[k]),
                                    "server_cpu": statistics.median(scpu[k]) if scpu[k] else None,
                                    "rss_mib": max(rss[k]) if rss[k] else None}
                           for k in ks}
    return out


# ---------------------------------------------------------------------------------------------
# 7: callgrind instructions per record


def callgrind_bench(a, build, results, tmp):
    if not shutil.which("valgrind"):
        return ["Callgrind: skipped (valgrind is not installed: apt-get install valgrind)"]
    n = a.callgrind_records
    out = [f"Callgrind (bench_stream, {n:,} records, instructions per record; machine-independent):"]
    results["callgrind"] = {"records": n}
    for path in ("in-place", "tree"):
        text = _callgrind_run(a, n, tmp, ["--tree"] if path == "tree" else [])
        total = None
        m = re.search(r"^\s*([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS", text, re.M)
        if m:
            total = int(m.group(1).replace(",", ""))

        def incl(fn):
            m = re.search(r"^\s*([\d,]+)\s+\([\d.]+%\)\s+\S*:" + re.escape(fn) + r"\b", text,
                          re.M)
            return int(m.group(1).replace(",", "")) if m else None

        rd = incl("on_read")
        if path == "tree":
            parts = (("decode (bolt_decode_server_message_ex)", incl("bolt_decode_server_message_ex")),
                     ("hash of the tree (bv_canon_hash128)", incl("bv_canon_hash128")))
        else:
            parts = (("hash in place (bv_canon_scan_hash128)", incl("bv_canon_scan_hash128")),)
        results["callgrind"][path] = {"total": total, "read_path": rd,
                                      **{name: v for name, v in parts}}
        out.append(f"  {path} path:")
        for name, v in parts + (("read+dechunk+session+hash (on_read)", rd),
                                ("whole process (startup and connect included)", total)):
            out.append(f"    {name:<48} {v / n:10,.0f}" if v else f"    {name:<48} {'n/a':>10}")
    return out


def _callgrind_run(a, n, tmp, extra):
    server = Server(["--persona", a.persona, "--blaster", str(n)], "callgrind")
    server.start()
    outfile = os.path.join(tmp, "callgrind.out")
    try:
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={outfile}",
               os.path.join(a.build, "tests", "bench_stream"), "--port", str(server.port),
               "--fetch", "-1", "--bolt", a.bolt, "--query", QUERY] + extra
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
        if p.returncode != 0:
            raise BenchError(f"callgrind run failed: {p.stderr.decode()[-300:]}")
    finally:
        server.stop()
    ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", outfile],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    return ann.stdout.decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------------


def machine_line():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()
    return (f"Machine: {platform.system()} {platform.release()} {platform.machine()}, {cpu}, "
            f"{os.cpu_count()} cores, load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at start")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="bench.py")
    ap.add_argument("--build", required=True, help="build directory with the bench binaries")
    ap.add_argument("--records", type=int, default=2_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--persona", default="5")
    ap.add_argument("--bolt", default="5.8")
    ap.add_argument("--coverage-nodes", type=int, default=1_000_000)
    ap.add_argument("--coverage-reps", type=int, default=3)
    ap.add_argument("--coverage-rels-per-node", type=int, default=0)
    ap.add_argument("--callgrind-records", type=int, default=20_000)
    ap.add_argument("--no-driver", action="store_true")
    ap.add_argument("--no-coverage", action="store_true")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--json", help="also write every figure to this JSON file")
    ap.add_argument("--command", default="", help="the command line, for the report")
    a = ap.parse_args(argv)
    if a.records < 1000 or a.reps < 1:
        print("bench: --records must be at least 1000 and --reps at least 1", file=sys.stderr)
        return 2
    results = {"machine": machine_line(), "command": a.command, "records": a.records,
               "reps": a.reps}
    sections = []
    t0 = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="boltdiff-bench-") as tmp:
            log("== stream")
            sections.append(stream_bench(a, a.build, results))
            log("== memory")
            sections.append(rss_bench(a, a.build, results))
            if not a.no_coverage:
                log("== coverage")
                sections.append(coverage_bench(a, a.build, results, tmp))
            if not a.no_callgrind:
                log("== callgrind")
                sections.append(callgrind_bench(a, a.build, results, tmp))
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    results["seconds"] = time.monotonic() - t0
    print()
    print(results["machine"])
    if a.command:
        print(f"Command: {a.command}")
    for s in sections:
        print()
        print("\n".join(s))
    print()
    note = f"Total {results['seconds']:.0f} s"
    if results.get("server_restarts"):
        note += f"; the fixture server vanished and was restarted {results['server_restarts']} times"
    print(note)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
