#!/usr/bin/env python3
"""The Python package's overhead over the C++ API (issue 18; not a timed test).

Measures, interleaving the two sides round by round and keeping the minimum of each:
  * sim.step() called from Python on an empty network, against Simulation::step() called from C++
    (target: at most 2 us more);
  * a 10 000-step sim.run() of a network file (default examples/networks/alif.txtpb), against
    Simulation::run() (target: within 2 %), and the same run recording the pool's spikes.

    cmake --build build --target spark_python_module python_overhead
    /usr/bin/python3 bench/python_overhead.py --build build [--out bench/results/python-overhead-DATE.md]
"""
import argparse
import datetime
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def cpp_round(program, network, steps, executor, threads):
    out = subprocess.run([program, network, str(steps), "1", executor, str(threads)], check=True,
                         capture_output=True, text=True).stdout
    return {key: float(value) for key, value in (line.split() for line in out.splitlines())}


def python_round(spark, network, steps, calls, executor, threads):
    empty = spark.Simulation(spark.Network())
    step = empty.step
    t0 = time.perf_counter()
    for _ in range(calls):
        step()
    empty_step = (time.perf_counter() - t0) / calls

    net = spark.load(network)
    sim = spark.Simulation(net, executor=executor, threads=threads)
    t0 = time.perf_counter()
    sim.run(steps)
    run = time.perf_counter() - t0

    sim = spark.Simulation(net, executor=executor, threads=threads)
    t0 = time.perf_counter()
    sim.run(steps, record=[port for _, port, _ in sim.populations()])
    recorded = time.perf_counter() - t0
    return {"empty_step": empty_step, "run": run, "run_recorded": recorded}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(ROOT / "build"), help="the CMake build tree")
    parser.add_argument("--network", default=str(ROOT / "examples" / "networks" / "alif.txtpb"))
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--executor", default="sequential", choices=["sequential", "pool", "tbb"],
                        help="executor of the network file's runs")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--calls", type=int, default=1_000_000, help="sim.step() calls per round")
    parser.add_argument("--out", help="also write the table to this Markdown file")
    args = parser.parse_args()

    build = pathlib.Path(args.build)
    sys.path.insert(0, str(build / "python"))
    import spark  # noqa: E402  (from the build tree)

    program = str(build / "bench" / "python_overhead")
    cpp, py = [], []
    for _ in range(args.rounds):
        cpp.append(cpp_round(program, args.network, args.steps, args.executor, args.threads))
        py.append(python_round(spark, args.network, args.steps, args.calls, args.executor, args.threads))
    best = {key: min(r[key] for r in cpp) for key in cpp[0]}
    mine = {key: min(r[key] for r in py) for key in py[0]}

    name = pathlib.Path(args.network).name
    rows = [
        "| measure | C++ | Python | Python - C++ |",
        "|---|---|---|---|",
        f"| step() on an empty network, per call | {best['empty_step'] * 1e6:.3f} us | "
        f"{mine['empty_step'] * 1e6:.3f} us | {(mine['empty_step'] - best['empty_step']) * 1e6:+.3f} us |",
        f"| {args.steps}-step run of {name} | {best['run'] * 1e3:.1f} ms (run) / {best['step_loop'] * 1e3:.1f} ms "
        f"(step loop) | {mine['run'] * 1e3:.1f} ms | {100 * (mine['run'] / best['run'] - 1):+.2f} % |",
        f"| the same, recording every population's spikes | | {mine['run_recorded'] * 1e3:.1f} ms | "
        f"{100 * (mine['run_recorded'] / best['run'] - 1):+.2f} % |",
    ]
    load = os.getloadavg()
    text = (f"Python package overhead, {datetime.date.today()}, minima of {args.rounds} interleaved rounds "
            f"(load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}); runs on the {args.executor} executor, "
            f"{args.threads} thread(s).\n\n" + "\n".join(rows) + "\n")
    print(text)
    if args.out:
        pathlib.Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
