#!/usr/bin/env python3
"""The Python package's overhead over the C++ API (issue 18; not a timed test).

Measures, interleaving the two sides round by round and keeping the minimum of each:
  * sim.step() called from Python on an empty network, against Simulation::step() called from C++
    (target: at most 2 us more);
  * a 10 000-step sim.run() of a network file (default examples/networks/alif.txtpb), against
    Simulation::run() and against a C++ loop of step() (target: within 2 %), and the same run recording
    every population's spikes.
Times are the calling thread's CPU time (on a shared machine, wall time mostly measures the other
tenants; with the sequential executor the whole step runs on the calling thread) and wall time.

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
    return {key: (float(wall), float(cpu)) for key, wall, cpu in (line.split() for line in out.splitlines())}


def timed(body, per=1):
    cpu0, wall0 = time.thread_time(), time.perf_counter()
    body()
    return (time.perf_counter() - wall0) / per, (time.thread_time() - cpu0) / per


def python_round(spark, network, steps, calls, executor, threads):
    empty = spark.Simulation(spark.Network())
    step = empty.step

    def step_calls():
        for _ in range(calls):
            step()

    net = spark.load(network)
    sim = spark.Simulation(net, executor=executor, threads=threads)
    recorded = spark.Simulation(net, executor=executor, threads=threads)
    record = [port for _, port, _ in recorded.populations()]
    return {"empty_step": timed(step_calls, calls), "run": timed(lambda: sim.run(steps)),
            "run_recorded": timed(lambda: recorded.run(steps, record=record))}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(ROOT / "build"), help="the CMake build tree")
    parser.add_argument("--network", default=str(ROOT / "examples" / "networks" / "alif.txtpb"))
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=1_000_000, help="sim.step() calls per round")
    parser.add_argument("--executor", default="sequential", choices=["sequential", "pool", "tbb"],
                        help="executor of the network file's runs")
    parser.add_argument("--threads", type=int, default=1)
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
    # Minima of wall and of CPU time, each over the rounds.
    c = {key: [min(r[key][i] for r in cpp) for i in (0, 1)] for key in cpp[0]}
    p = {key: [min(r[key][i] for r in py) for i in (0, 1)] for key in py[0]}

    def us(x):
        return f"{x * 1e6:.3f}"

    def ms(x):
        return f"{x * 1e3:.1f}"

    def pct(a, b):
        return f"{100 * (a / b - 1):+.2f} %"

    name = pathlib.Path(args.network).name
    rows = ["| measure | clock | C++ | Python | Python vs C++ |", "|---|---|---|---|---|"]
    for i, clock in ((1, "CPU"), (0, "wall")):
        rows.append(f"| step() on an empty network [us per call] | {clock} | {us(c['empty_step'][i])} | "
                    f"{us(p['empty_step'][i])} | {(p['empty_step'][i] - c['empty_step'][i]) * 1e6:+.3f} us |")
    for i, clock in ((1, "CPU"), (0, "wall")):
        rows.append(f"| {args.steps}-step run of {name} [ms] | {clock} | {ms(c['run'][i])} (run), "
                    f"{ms(c['step_loop'][i])} (step loop) | {ms(p['run'][i])} | {pct(p['run'][i], c['run'][i])} |")
    for i, clock in ((1, "CPU"), (0, "wall")):
        rows.append(f"| the same, recording every population's spikes [ms] | {clock} | | {ms(p['run_recorded'][i])} | "
                    f"{pct(p['run_recorded'][i], c['run'][i])} |")
    load = os.getloadavg()
    text = (f"Python package overhead, {datetime.date.today()}, minima of {args.rounds} interleaved rounds "
            f"(load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}); runs on the {args.executor} executor, "
            f"{args.threads} thread(s).\n\n" + "\n".join(rows) + "\n")
    print(text)
    if args.out:
        pathlib.Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
