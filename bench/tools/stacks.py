#!/usr/bin/env python3
"""Summarises async-profiler collapsed stacks (one 'frame;frame;... count' per line).

    stacks.py FILE [--self N] [--total N] [--grep REGEX] [--thread REGEX] [--under REGEX]

--grep keeps the stacks with a frame matching REGEX, --thread those whose thread (first frame, from the
profiler's "threads" option) matches; --under REGEX drops every frame above the first match, so "total"
reads as what that frame spends its time in.

Prints the share of samples per thread group, the frames with the most samples on top of the stack (self) and
the frames with the most samples anywhere in the stack (total, each stack counted once per frame).
"""
import re
import sys
from collections import Counter


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        sys.exit(2)
    path = args[0]
    self_n = int(args[args.index("--self") + 1]) if "--self" in args else 40
    total_n = int(args[args.index("--total") + 1]) if "--total" in args else 60
    pattern = re.compile(args[args.index("--grep") + 1]) if "--grep" in args else None
    stacks = []
    for line in open(path):
        line = line.rstrip("\n")
        if not line:
            continue
        frames, _, count = line.rpartition(" ")
        stacks.append((frames.split(";"), int(count)))
    if pattern:
        stacks = [(f, c) for f, c in stacks if any(pattern.search(x) for x in f)]
    if "--thread" in args:
        tp = re.compile(args[args.index("--thread") + 1])
        stacks = [(f, c) for f, c in stacks if f and tp.search(f[0])]
    if "--under" in args:
        up = re.compile(args[args.index("--under") + 1])
        cut = []
        for f, c in stacks:
            for i, x in enumerate(f):
                if up.search(x):
                    cut.append((f[i:], c))
                    break
        stacks = cut
    all_samples = sum(c for _, c in stacks) or 1
    threads = Counter()
    selfc = Counter()
    total = Counter()
    for frames, c in stacks:
        thread = re.sub(r"[-_ ]?\d+\]?$", "", frames[0]) if frames else "?"
        threads[thread] += c
        selfc[frames[-1]] += c
        for f in set(frames):
            total[f] += c
    print(f"{all_samples} samples")
    print("\n# by thread")
    for k, v in threads.most_common(20):
        print(f"{100 * v / all_samples:6.1f}%  {k}")
    print("\n# self")
    for k, v in selfc.most_common(self_n):
        print(f"{100 * v / all_samples:6.1f}%  {k}")
    print("\n# total")
    for k, v in total.most_common(total_n):
        print(f"{100 * v / all_samples:6.1f}%  {k}")


if __name__ == "__main__":
    main()
