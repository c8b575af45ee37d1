#!/usr/bin/env python3
"""Summarise CartPole learning runs (the CSVs `cartpole --csv` writes) as Markdown tables.

    summarize_runs.py seed1.csv seed2.csv ...   [--block 20] [--cap 500]

Per run: mean episode length per block of episodes, how many episodes reached the cap and the first that
did, wall time per episode and in all. Standard library only.
"""
import argparse
import csv
import statistics
import sys


def read_run(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{path}: no episodes")
    return [(int(r["episode"]), int(r["length"]), r["end"], float(r["wall_s"])) for r in rows]


def block_means(run, block):
    means = []
    for start in range(0, len(run), block):
        lengths = [length for _, length, _, _ in run[start:start + block]]
        means.append(statistics.fmean(lengths))
    return means


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", nargs="+")
    parser.add_argument("--block", type=int, default=20, help="episodes per column of the first table")
    parser.add_argument("--cap", type=int, default=500, help="episode length of a truncated episode")
    args = parser.parse_args()
    runs = {path: read_run(path) for path in args.csv}

    longest = max(len(run) for run in runs.values())
    columns = [f"{s + 1}-{min(s + args.block, longest)}" for s in range(0, longest, args.block)]
    print("Mean episode length per block of episodes:\n")
    print("| run | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for path, run in runs.items():
        means = [f"{m:.1f}" for m in block_means(run, args.block)]
        means += [""] * (len(columns) - len(means))
        print(f"| {path} | " + " | ".join(means) + " |")

    print("\nPer run:\n")
    print("| run | episodes | at the cap | first at the cap | longest | last 20 mean | wall s/episode | wall total s |")
    print("|---|---|---|---|---|---|---|---|")
    for path, run in runs.items():
        capped = [episode for episode, length, _, _ in run if length >= args.cap]
        wall = [w for _, _, _, w in run]
        last = [length for _, length, _, _ in run[-20:]]
        print(f"| {path} | {len(run)} | {len(capped)} | {capped[0] if capped else '-'} | "
              f"{max(length for _, length, _, _ in run)} | {statistics.fmean(last):.1f} | "
              f"{statistics.fmean(wall):.1f} | {sum(wall):.0f} |")


if __name__ == "__main__":
    main()
