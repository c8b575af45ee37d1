#!/usr/bin/python3
"""Runs the Potjans & Diesmann (2014) microcircuit (bench/spark_microcircuit) on 1 and 2 threads
(both multi-threaded executors), interleaved, and prints a Markdown report: real-time factor (loop wall time / biological time), build
time, memory, and the rate of every population beside the published ones.

Usage: /usr/bin/python3 bench/microcircuit_report.py --spark-build build-bench [--repeats 3]
                        [--duration-ms 1000] [--rate-from-ms 100] [--threads 1 2 2:tbb] [--out FILE.md]
"""
import argparse, os, platform, statistics, time

from runs import load, parse_config, run_process

NAMES = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
# INM-6 microcircuit-PD14-model, parameter_definitions.py (full_mean_rates).
PD14_RATES = [0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829]


def run(binary, config, duration, rate_from):
    threads, executor = config
    return run_process([binary, "--threads", str(threads), "--executor", executor, "--duration-ms", str(duration),
                        "--rate-from-ms", str(rate_from)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spark-build", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--rate-from-ms", type=float, default=100.0)
    ap.add_argument("--threads", nargs="+", default=["1", "2", "2:tbb"],
                    help="thread counts, each optionally with :EXECUTOR (sequential, tbb, pool)")
    ap.add_argument("--out")
    args = ap.parse_args()
    configs = [parse_config(c) for c in args.threads]
    binary = os.path.join(args.spark_build, "bench", "spark_microcircuit")
    lines = []
    say = lambda s="": (print(s, flush=True), lines.append(s))
    say(f"# Microcircuit (Potjans & Diesmann 2014): spark ({time.strftime('%Y-%m-%d')})")
    say()
    say(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
        f"{args.repeats} interleaved repeats of {args.duration_ms:g} ms biological time at dt 0.1 ms, seed 55. "
        f"Load average (1/5/15 min) at the start: {load()}. RTF = loop wall time / biological time "
        "(build excluded; a spike count per population and step included). Published: NEST 0.67 on 128 cores, "
        "GeNN 0.27 on an RTX 4090.")
    say()
    results = {c: [] for c in configs}
    for _ in range(args.repeats):
        for c in configs:
            results[c].append(run(binary, c, args.duration_ms, args.rate_from_ms))
    say("| threads (executor) | neurons | synapses | B/synapse | build [s] | loop [s] min / median | RTF min / median | "
        "loop CPU [s] | process [s] | peak RSS [MB] | spikes |")
    say("|---|---|---|---|---|---|---|---|---|---|---|")
    for c in configs:
        rs = results[c]
        loops = [r["loop_s"] for r in rs]
        rtfs = [r["rtf"] for r in rs]
        say(f"| {c[0]} ({c[1]}) | {rs[0]['n']} | {rs[0]['synapses']} | {rs[0]['bytes_per_synapse']:.2f} | "
            f"{min(r['build_s'] for r in rs):.1f} | {min(loops):.2f} / {statistics.median(loops):.2f} | "
            f"{min(rtfs):.2f} / {statistics.median(rtfs):.2f} | {min(r['loop_cpu_s'] for r in rs):.2f} | "
            f"{min(r['process_s'] for r in rs):.1f} | {max(r['peak_rss_mb'] for r in rs):.0f} | {rs[0]['spikes']} |")
    spikes = {r["spikes"] for c in configs for r in results[c]}
    say()
    say("Spike counts are " + ("identical" if len(spikes) == 1 else "NOT identical") +
        " across executors, thread counts and repeats (the runs are bit-identical by design).")
    say()
    first = results[configs[0]][0]
    say(f"Rates over [{args.rate_from_ms:g}, {args.duration_ms:g}) ms:")
    say()
    say("| population | spark [Hz] | NEST example [Hz] | PD14 model [Hz] |")
    say("|---|---|---|---|")
    for i, name in enumerate(NAMES):
        say(f"| {name} | {first['rates_hz'][name]:.3f} | {first['nest_rates_hz'][name]:.3f} | {PD14_RATES[i]:.3f} |")
    say()
    say(f"Load average at the end: {load()}.")
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
