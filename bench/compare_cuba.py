#!/usr/bin/python3
"""Runs spark and Brian2 (C++ standalone and Cython runtime) on the CUBA network, interleaved, and
prints a Markdown table of ratios (spark / peer; < 1 means spark is faster).

Usage: /usr/bin/python3 bench/compare_cuba.py --spark-build build-bench [--n 4000 20000 ...]
                        [--repeats 3] [--duration-ms 1000] [--threads 1 2 2:tbb] [--no-cython] [--out FILE.md]
Needs Debian's python3-brian (run bench/run.sh, which installs it).

Measured, per N and per repeat (the repeats interleave spark and the peers, so a change in the machine's
load hits both): the simulation loop (spark: build excluded, a spike count per step included; Brian2:
its own run timer), the whole process (spark_cuba vs Brian2's compiled ./main), spikes, rates and the
peak RSS. Times are given as min / median; ratios use the minima.
"""
import argparse, json, os, platform, statistics, subprocess, time

from runs import load, parse_config, run_process

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads([l for l in out.splitlines() if l.startswith("{")][-1])


def spark_process(binary, n, duration, config):
    """Whole-process wall time and peak RSS of one spark_cuba run."""
    threads, executor = config
    return run_process([binary, str(n), "--duration-ms", str(duration), "--threads", str(threads),
                        "--executor", executor])


def summarize(rows, key):
    values = [r[key] for r in rows]
    return min(values), statistics.median(values)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spark-build", required=True)
    ap.add_argument("--n", type=int, nargs="+", default=[4000, 20000, 80000, 320000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--threads", nargs="+", default=["1", "2", "2:tbb"],
                    help="thread counts, each optionally with :EXECUTOR (sequential, tbb, pool)")
    ap.add_argument("--no-cython", action="store_true")
    ap.add_argument("--cython-max-n", type=int, default=80000)
    ap.add_argument("--out")
    args = ap.parse_args()
    configs = [parse_config(c) for c in args.threads]
    binary = os.path.join(args.spark_build, "bench", "spark_cuba")
    peers = ["standalone"] + ([] if args.no_cython else ["cython"])
    lines = []
    say = lambda s="": (print(s, flush=True), lines.append(s))
    load_start = load()
    say(f"# CUBA: spark vs Brian2 ({time.strftime('%Y-%m-%d')})")
    say()
    say(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
        f"{args.repeats} interleaved repeats, {args.duration_ms:g} ms biological time, dt 0.1 ms, seed 1. "
        "Times are min / median in seconds; ratios use the minima (spark / peer, < 1 is faster). "
        "Executors: sequential (1 thread), pool (nodes in order, loops split statically over spinning threads), "
        "tbb (oneTBB flow graph, work stealing). The faster Brian2 is the faster of standalone and Cython at that N. Synaptic events/s = spikes x 80 / "
        "spark loop (min). Load average (1/5/15 min) at the start: " + load_start + ".")
    say()
    say("| N | threads (executor) | synapses spark / Brian2 | spikes spark / Brian2 | rate spark / Brian2 [Hz] | spark loop [s] | "
        "spark loop CPU [s] | Brian2 standalone loop [s] | Brian2 Cython loop [s] | loop ratio vs faster Brian2 | "
        "speedup vs 1 thread | spark process [s] | Brian2 ./main [s] | process ratio | spark events/s | "
        "RSS spark / Brian2 ./main [MB] | spark B/synapse |")
    say("|" + "---|" * 17)
    notes = []
    for n in args.n:
        results = {("spark", c): [] for c in configs}
        for p in peers:
            results[(p, 1)] = []
        for _ in range(args.repeats):
            for c in configs:
                results[("spark", c)].append(spark_process(binary, n, args.duration_ms, c))
            for p in peers:
                if p == "cython" and n > args.cython_max_n:
                    continue  # minutes per run; the standalone peer is the faster one
                results[(p, 1)].append(run_json(["/usr/bin/python3", os.path.join(HERE, "brian2_cuba.py"),
                                                 "--mode", p, "--n", str(n), "--duration-ms", str(args.duration_ms)]))
        sa = results[("standalone", 1)]
        cy = results.get(("cython", 1), [])
        sa_loop = summarize(sa, "loop_s")
        cy_loop = summarize(cy, "loop_s") if cy else (float("nan"), float("nan"))
        best_peer = min(sa_loop[0], cy_loop[0]) if cy else sa_loop[0]
        one_thread = summarize(results[("spark", configs[0])], "loop_s")[0]
        spikes_1 = results[("spark", configs[0])][0]["spikes"]
        for c in configs:
            t, executor = c
            sp = results[("spark", c)]
            loop = summarize(sp, "loop_s")
            cpu = summarize(sp, "loop_cpu_s")
            proc = summarize(sp, "process_s")
            main_proc = summarize(sa, "process_s")
            rate_s, rate_b = sp[0]["rate_hz"], sa[0]["rate_hz"]
            agree = abs(rate_s - rate_b) / rate_b <= 0.10
            if not agree:
                notes.append(f"N = {n}: spark's rate {rate_s:.2f} Hz and Brian2's {rate_b:.2f} Hz differ by more than 10 %.")
            if any(r["spikes"] != spikes_1 for r in sp):
                notes.append(f"N = {n}, {t} threads ({executor}): spike counts differ from the first run "
                             "(must be bit-identical).")
            events = sp[0]["spikes"] * 80 / loop[0]
            say(f"| {n} | {t} ({executor}) | {sp[0]['synapses']} / {sa[0]['synapses']} | {sp[0]['spikes']} / {sa[0]['spikes']} | "
                f"{rate_s:.2f}{'' if agree else ' (DISAGREES)'} / {rate_b:.2f} | "
                f"{loop[0]:.4f} / {loop[1]:.4f} | {cpu[0]:.4f} | {sa_loop[0]:.4f} / {sa_loop[1]:.4f} | "
                f"{cy_loop[0]:.4f} / {cy_loop[1]:.4f} | {loop[0] / best_peer:.2f} | {one_thread / loop[0]:.2f} | "
                f"{proc[0]:.3f} / {proc[1]:.3f} | {main_proc[0]:.3f} / {main_proc[1]:.3f} | {proc[0] / main_proc[0]:.2f} | "
                f"{events:.3g} | {sp[0]['peak_rss_mb']:.0f} / {sa[0]['peak_rss_mb']:.0f} | "
                f"{sp[0]['bytes_per_synapse']:.2f} |")
    say()
    say("Load average at the end: " + load() + ". Spike counts of every row equal those of the 1-thread run "
        "unless noted below (the runs are bit-identical by design). Speedup vs 1 thread = 1-thread loop (min) / "
        "this row's loop (min).")
    for note in notes:
        say()
        say("- " + note)
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
