#!/usr/bin/env python3
"""Times whole commands in alternation and prints the median wall, user and system time.

    scripts/alternate.py ROUNDS 'COMMAND A' 'COMMAND B' ...

Each round runs every command once, in the order given (`VAR=value` words before a
command set its environment), with output to /dev/null; after one warm-up run of each.
On a shared machine the load drifts over a minute, and hyperfine runs each command's
samples together: alternating puts every command under the same drift, so their ratios
(printed against the first command) hold even when the milliseconds do not. User and
system time come from the children's resource usage (GNU/Linux: tick-based, so read
them as medians over many rounds).
"""
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time


def split(command):
    """The command's arguments and environment (`VAR=value` words before it)."""
    words = shlex.split(command)
    env = dict(os.environ)
    while words and "=" in words[0] and not words[0].startswith("/"):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    return words, env


def run(args, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall * 1000, (after.ru_utime - before.ru_utime) * 1000, (after.ru_stime - before.ru_stime) * 1000


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    commands = [split(command) for command in sys.argv[2:]]
    for args, env in commands:
        run(args, env)
    samples = [[] for _ in commands]
    for _ in range(rounds):
        for index, (args, env) in enumerate(commands):
            samples[index].append(run(args, env))
    first = None
    for command, runs in zip(sys.argv[2:], samples):
        wall, user, system = (statistics.median(column) for column in zip(*runs))
        first = first or wall
        print(f"wall {wall:7.1f} ms  user {user:6.1f} ms  sys {system:5.1f} ms  x{wall / first:.3f}  {command}")


if __name__ == "__main__":
    main()
