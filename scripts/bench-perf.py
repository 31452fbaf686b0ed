#!/usr/bin/env python3
"""The measurements of issue 12, in one run, printed as its table (driven by
scripts/bench-perf.sh, which installs the tools and builds the binaries).

Every comparison alternates its commands: each round runs each command `--runs` times
under hyperfine, and the figure is the median of all of a command's runs, so a machine
whose load drifts during the run weighs on every command alike. Peak memory is GNU
time's maximum resident set size. With `--base BINARY`, the base binary is measured in
the same rounds as the current one (before/after from one run).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--current", required=True, help="the promgate binary to measure")
    parser.add_argument("--base", help="a base promgate binary measured beside it")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3, help="runs per command per round")
    parser.add_argument("--floor", default="", help="output of `cargo bench --bench floor`")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpora")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="promgate-bench-perf.")
    try:
        corpora = generate(work)
        rows = measure(args, corpora)
        print_table(args, rows)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def generate(work):
    """Writes every corpus; returns their paths."""
    gen = os.path.join(SHARED, "tools", "gen_corpus.py")
    if not os.path.exists(gen):
        sys.exit(f"needs {gen} (the shared corpus generator)")
    corpora = {
        "findings10k": os.path.join(work, "findings10k"),
        "rules100k": os.path.join(work, "rules100k"),
        "clean": os.path.join(work, "clean"),
        "dashboards": os.path.join(work, "dashboards"),
        "recording590k": os.path.join(work, "recording590k.yml"),
        "small": os.path.join(ROOT, "rules-fixtures", "pumpflix", "alerts.yml"),
    }
    say("generating corpora...")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
    subprocess.run([sys.executable, gen, corpora["findings10k"]], **quiet)
    subprocess.run([sys.executable, gen, corpora["rules100k"], "100000", "2000"], **quiet)
    # The clean 10,000-rule corpus and its 5,000-metric catalog (clean/rules, clean/catalog.yml).
    subprocess.run([os.path.join(ROOT, "scripts", "bench-catalog.sh"), "--generate-only",
                    corpora["clean"]], **quiet)
    subprocess.run([os.path.join(ROOT, "scripts", "bench-dashboards.sh"), "--generate-only",
                    corpora["dashboards"]], **quiet)
    # Issue 16's memory case: 590,000 recording rules `{record: rN, expr: up}` in one file.
    with open(corpora["recording590k"], "w") as out:
        out.write("groups:\n  - name: g\n    rules:\n")
        for index in range(590_000):
            out.write(f"      - {{record: r{index}, expr: up}}\n")
    return corpora


def measure(args, corpora):
    """Runs every comparison; returns the table's rows."""
    binaries = [("current", args.current)] + ([("base", args.base)] if args.base else [])
    findings = corpora["findings10k"]
    promtool_files = sorted(
        os.path.join(findings, name) for name in os.listdir(findings) if name.endswith(".yml")
    )
    rows = []

    say("10k rules with findings: promgate (human) vs promtool check rules...")
    commands = [("promtool", ["promtool", "check", "rules", *promtool_files])]
    commands += [(name, [binary, "check", findings]) for name, binary in binaries]
    times = alternate(args, commands)
    for name, _ in binaries:
        rows.append((f"promtool / promgate ({name}), 10k rules with findings, human",
                     f"{times['promtool'] / times[name]:.1f}x "
                     f"({ms(times[name])} vs {ms(times['promtool'])})", ">= 10x"))

    say("10k clean rules: promgate (human)...")
    clean_rules = os.path.join(corpora["clean"], "rules")
    times = alternate(args, [(name, [b, "check", clean_rules]) for name, b in binaries])
    for name, _ in binaries:
        rows.append((f"10k clean rules in 500 files, human ({name})", ms(times[name]), ""))

    say("100k rules: JSON and human...")
    big = corpora["rules100k"]
    commands = []
    for name, binary in binaries:
        commands.append((f"{name} json", [binary, "check", "--format", "json", big]))
        commands.append((f"{name} human", [binary, "check", big]))
    times = alternate(args, commands, runs=max(1, args.runs - 1))
    for name, _ in binaries:
        rows.append((f"100k rules in 2,000 files, JSON / human ({name})",
                     f"{seconds(times[name + ' json'])} / {seconds(times[name + ' human'])}",
                     "<= 1.0 s / 1.5 s"))

    say("peak memory...")
    for name, binary in binaries:
        human = peak_mb([binary, "check", big])
        as_json = peak_mb([binary, "check", "--format", "json", big])
        rows.append((f"peak memory at 100k rules, human / JSON ({name})",
                     f"{human:.0f} MB / {as_json:.0f} MB", "<= 120 MB"))
    for name, binary in binaries:
        peak = peak_mb([binary, "check", "--max-file-size", "64MiB", "--format", "json",
                        corpora["recording590k"]])
        rows.append((f"peak memory, 590,000 recording rules in one file ({name})",
                     f"{peak:.0f} MB", "lower"))

    say("500 dashboards...")
    dashboards = corpora["dashboards"]
    times = alternate(args, [(name, [b, "check", dashboards]) for name, b in binaries])
    for name, _ in binaries:
        rows.append((f"500 dashboards, human ({name})", ms(times[name]), "<= 250 ms"))

    say("catalog overhead...")
    catalog = os.path.join(corpora["clean"], "catalog.yml")
    commands = []
    for name, binary in binaries:
        commands.append((f"{name} without", [binary, "check", clean_rules]))
        commands.append((f"{name} with", [binary, "check", "--catalog", catalog, clean_rules]))
    times = alternate(args, commands)
    for name, _ in binaries:
        without, with_catalog = times[name + " without"], times[name + " with"]
        rows.append((f"catalog overhead, 10k clean rules + 5,000-metric catalog ({name})",
                     f"{(with_catalog / without - 1) * 100:+.0f}% "
                     f"({ms(without)} -> {ms(with_catalog)})", "<= 15%"))

    say("one small file...")
    small = corpora["small"]
    times = alternate(args, [(name, [b, "check", small]) for name, b in binaries],
                      runs=args.runs * 10)
    for name, _ in binaries:
        rows.append((f"one small file (pumpflix/alerts.yml) ({name})", ms(times[name]),
                     "<= 5 ms"))

    rows += floor_rows(args.floor)
    return rows


def floor_rows(path):
    """The in-process figures of `cargo bench --bench floor`, when its output is given."""
    if not path:
        return []
    text = open(path).read()

    def figure(label):
        match = re.search(re.escape(label) + r"\s+([0-9.]+)", text)
        return float(match.group(1)) if match else None

    floor = figure("floor (read + YAML events + PromQL parse)")
    pipeline = figure("pipeline (pipeline::run, no rendering)")
    human = figure("human rendering of the report")
    findings = re.search(r"(\d+) shown by default", text)
    rows = []
    if floor and pipeline:
        rows.append(("pipeline in process vs the parse-only floor (10k with findings)",
                     f"{pipeline:.0f} ms vs {floor:.0f} ms ({pipeline / floor:.2f}x)",
                     "<= 1.5x"))
    if human:
        shown = findings.group(1) if findings else "?"
        rows.append((f"human rendering of the {shown} findings shown (in process)",
                     f"{human:.0f} ms", "<= 40 ms"))
    return rows


def alternate(args, commands, runs=None):
    """Median wall time (seconds) of each command over all rounds."""
    runs = runs or args.runs
    samples = {name: [] for name, _ in commands}
    with tempfile.TemporaryDirectory() as scratch:
        for round_index in range(args.rounds):
            export = os.path.join(scratch, f"round-{round_index}.json")
            argv = ["hyperfine", "--warmup", "1", "--runs", str(runs), "--ignore-failure",
                    "--style", "none", "-N", "--export-json", export]
            for name, command in commands:
                argv += ["-n", name, " ".join(quote(part) for part in command)]
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
            with open(export) as exported:
                for result in json.load(exported)["results"]:
                    samples[result["command"]] += result["times"]
    return {name: statistics.median(times) for name, times in samples.items()}


def peak_mb(command):
    """Maximum resident set size of one run, in MB (10^6 bytes), by GNU time."""
    result = subprocess.run(["/usr/bin/time", "-v", *command], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    if not match:
        sys.exit(f"no peak memory from /usr/bin/time for {command}:\n{result.stderr[-2000:]}")
    return int(match.group(1)) * 1024 / 1e6


def print_table(args, rows):
    print()
    print(f"promgate performance, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}; medians of {args.rounds} alternating rounds")
    print()
    print("| figure | measured | target |")
    print("| --- | --- | --- |")
    for figure, value, target in rows:
        print(f"| {figure} | {value} | {target} |")


def quote(part):
    return part if re.fullmatch(r"[\w./:=+-]+", part) else "'" + part.replace("'", "'\\''") + "'"


def ms(value):
    return f"{value * 1000:,.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms"


def seconds(value):
    return f"{value:.2f} s"


def say(message):
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
