#!/usr/bin/env python3
"""Measures `promgate lsp` as an editor uses it (run by scripts/bench-lsp.sh).

1. Latency: a 500-rule file is open; each change edits one rule's threshold, and the
   time from sending `didChange` to receiving its `publishDiagnostics` is recorded.
   Run with the default debounce (what a user gets) and with none (the lint alone).
2. Memory: 10,000 edits, one after the other (each waits for its diagnostics); the
   server's resident memory (VmRSS from /proc) is read every 1,000 edits.

With two or more binaries (`bench-lsp.py BASE NEW`), the latency runs alternate between
them in rounds (`BENCH_ROUNDS`, default 3), so that each sees the same machine load, and
the memory run uses the last one.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BINS = [os.path.abspath(path) for path in sys.argv[1:]]
BIN = BINS[-1]
RULES = 500
# Latency edits per debounce setting, and edits of the memory run (env overrides).
EDITS = int(os.environ.get("BENCH_EDITS", "200"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3" if len(BINS) > 1 else "1"))
MEMORY_EDITS = int(os.environ.get("BENCH_MEMORY_EDITS", "10000"))


def catalog():
    out = ["version: 1", "complete: true", "target_labels: [job, instance]", "metrics:"]
    for i in range(50):
        out += [f"  app_requests_{i}_total:", "    type: counter", "    labels: [route, code, method]"]
        out += [f"  app_latency_{i}_seconds:", "    type: histogram", "    labels: [route]"]
    return "\n".join(out) + "\n"


def rules(threshold_of):
    out = ["groups:", "  - name: bench", "    rules:"]
    for i in range(RULES):
        m = i % 50
        if i % 5 == 0:
            out += [f"      - record: route:app_requests_{i}:rate5m",
                    f"        expr: sum by (route, code) (rate(app_requests_{m}_total[5m]))"]
        else:
            out += [f"      - alert: Rule{i}",
                    f"        expr: sum by (route) (rate(app_requests_{m}_total{{code=~\"5..\"}}[5m])) / sum by (route) (rate(app_requests_{m}_total[5m])) > {threshold_of(i)}",
                    "        for: 5m",
                    "        labels: {severity: page}",
                    "        annotations:",
                    "          summary: \"{{ $labels.route }} fails {{ $value | humanizePercentage }}\""]
    return "\n".join(out) + "\n"


class Server:
    def __init__(self, root, debounce, binary=None):
        self.p = subprocess.Popen([binary or BIN, "lsp", "--debounce-ms", str(debounce)], cwd=root,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.id = 0

    def send(self, message):
        body = json.dumps(message).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise SystemExit("the server closed its output")
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.p.stdout.read(length))

    def request(self, method, params):
        self.id += 1
        self.send({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == self.id:
                return message

    def diagnostics(self, uri, version):
        while True:
            message = self.read()
            if message.get("method") == "textDocument/publishDiagnostics" \
                    and message["params"]["uri"] == uri and message["params"].get("version") == version:
                return message["params"]["diagnostics"]

    def rss_kib(self):
        with open(f"/proc/{self.p.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])

    def cpu_seconds(self):
        """The server's CPU time (user + system) so far: on a loaded machine the wall
        time from change to diagnostics includes waiting for a core; this does not."""
        with open(f"/proc/{self.p.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self):
        self.request("shutdown", None)
        self.send({"jsonrpc": "2.0", "method": "exit"})
        self.p.wait(timeout=30)


def start(root, debounce, text, binary=None):
    server = Server(root, debounce, binary)
    server.request("initialize", {"processId": None, "rootUri": f"file://{root}", "capabilities": {}})
    server.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    uri = f"file://{root}/alerts.yml"
    server.send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                 "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
    found = server.diagnostics(uri, 1)
    return server, uri, found


def edit(server, uri, version, text, i):
    """Changes the threshold of one alert (incremental sync) and waits for the lint."""
    lines = text.split("\n")
    alerts = [n for n, l in enumerate(lines) if l.startswith("        expr:") and " > " in l]
    line = alerts[i % len(alerts)]
    end = len(lines[line])
    new = str(i % 7 + 1)
    old_len = len(lines[line].rsplit(" ", 1)[1])
    lines[line] = lines[line][: end - old_len] + new
    change = {"range": {"start": {"line": line, "character": end - old_len},
                        "end": {"line": line, "character": end}}, "text": new}
    started = time.perf_counter()
    server.send({"jsonrpc": "2.0", "method": "textDocument/didChange",
                 "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
    server.diagnostics(uri, version)
    return time.perf_counter() - started, "\n".join(lines)


def latency(root, debounce, count=200, binary=None):
    text = rules(lambda i: 0.05)
    server, uri, found = start(root, debounce, text, binary)
    times = []
    cpu_before = server.cpu_seconds()
    for i in range(count):
        took, text = edit(server, uri, i + 2, text, i)
        times.append(took * 1000)
    cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / count
    server.close()
    times.sort()
    return found, times, cpu_ms


def main():
    with tempfile.TemporaryDirectory() as root:
        root = os.path.realpath(root)
        with open(f"{root}/.promgate.yml", "w") as f:
            f.write("catalogs: [catalog.yml]\n")
        with open(f"{root}/catalog.yml", "w") as f:
            f.write(catalog())
        text = rules(lambda i: 0.05)
        with open(f"{root}/alerts.yml", "w") as f:
            f.write(text)
        print(f"file: {RULES} rules, {len(text)} bytes, {text.count(chr(10))} lines")
        for debounce in (20, 0):
            results = {binary: ([], []) for binary in BINS}
            for _ in range(ROUNDS):
                for binary in BINS:
                    found, times, cpu_ms = latency(root, debounce, EDITS, binary)
                    results[binary][0].extend(times)
                    results[binary][1].append(cpu_ms)
            for binary in BINS:
                times, cpus = results[binary]
                times.sort()
                name = f"{binary}: " if len(BINS) > 1 else ""
                print(f"{name}didChange -> publishDiagnostics, debounce {debounce} ms, {len(times)} edits "
                      f"({len(found)} diagnostics per lint): median {statistics.median(times):.1f} ms, "
                      f"p95 {times[int(len(times) * 0.95)]:.1f} ms, max {times[-1]:.1f} ms; "
                      f"server CPU {statistics.mean(cpus):.1f} ms per edit")
        print(f"load average: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}")
        if MEMORY_EDITS == 0:
            return
        server, uri, _ = start(root, 0, text)
        print(f"memory over {MEMORY_EDITS:,} edits (VmRSS): start {server.rss_kib()} KiB")
        samples = []
        for i in range(MEMORY_EDITS):
            _, text = edit(server, uri, i + 2, text, i)
            if (i + 1) % 1000 == 0:
                samples.append(server.rss_kib())
                print(f"  after {i + 1:>6} edits: {samples[-1]} KiB")
        server.close()
        growth = samples[-1] - samples[0]
        print(f"growth from edit 1,000 to {MEMORY_EDITS:,}: {growth} KiB ({growth / samples[0] * 100:.1f}%)")


main()
