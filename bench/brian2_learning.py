#!/usr/bin/python3
"""The Brian2 peer of bench/networks/ab_brain.txtpb (issue 21), and the comparison with spark in one run.

The peer has ab_brain's sizes and connectivity: 512 Poisson input channels; populations A_exc, B_exc
(256 units) and A_inh, B_inh (64); A_exc <- input, A_exc, B_inh (832 pre), A_inh <- A_exc, input (768
pre), and symmetrically for B: 524 288 synapses, every pair of each matrix connected (dense all-to-all),
15 % of the weights non-zero initially, a delay of 1..4 ms per synapse (ab_brain's N2N delays), dt 1 ms.
Every synapse is plastic with a pair-based STDP rule (Brian2's event-driven traces, clipped to
[0, w_max]). Each population's rate is set to the rate spark's run measured (a bias current through the
LIF rate formula; the synaptic input is scaled down (psc) so that the bias sets the rate), and the input channels fire
at spark's spiker rate.

Usage:
  brian2_learning.py --spark BINARY [--repeats 3] [--steps 1000] [--threads 1 2] [--workdir DIR]
      runs spark_learning (ab_brain.txtpb, the active variant of bench/learning_runs.sh) and the Brian2
      C++ standalone peer, interleaved, and prints one JSON line per run and a Markdown table of the
      per-step times (CPU time of the process per step; minima over the repeats): spark / Brian2 and
      spark 2 threads / 1 thread.
  brian2_learning.py --peer-only --rates A_exc,B_exc,A_inh,B_inh,input [--steps N] [--threads T]
      runs the peer once and prints its JSON line.
Run it with /usr/bin/python3 (Debian's python3-brian) from the repository root.
"""
import argparse, json, math, os, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ACTIVE = ["--set", "A_excitatory.synapses.kernel.scale=18", "--set", "B_excitatory.synapses.kernel.scale=18",
          "--set", "A_inhibitory.synapses.kernel.scale=20", "--set", "B_inhibitory.synapses.kernel.scale=20"]
SIZES = {"A_exc": 256, "B_exc": 256, "A_inh": 64, "B_inh": 64}
SOMA = {"A_excitatory.soma": "A_exc", "B_excitatory.soma": "B_exc", "A_inhibitory.soma": "A_inh",
        "B_inhibitory.soma": "B_inh", "spiker": "input"}


def bias_for_rate(rate_hz, tau_ms=10.0, refractory_ms=2.0, threshold=1.0):
    """The constant drive of a LIF (v' = (I - v)/tau, threshold 1, reset 0) that fires at rate_hz."""
    if rate_hz <= 0.0:
        return 0.0
    period = 1000.0 / rate_hz - refractory_ms  # ms of integration per spike
    if period <= 0.0:
        period = 0.1
    return threshold / (1.0 - math.exp(-period / tau_ms))


def run_peer(rates, steps, threads, workdir, seed=1):
    import numpy as np
    import brian2 as b2

    b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = ["-j1"]  # one compile job (a shared machine)
    b2.prefs.core.default_float_dtype = np.float32
    b2.defaultclock.dt = 1 * b2.ms
    b2.seed(seed)
    tau, refractory = 10 * b2.ms, 2 * b2.ms
    eqs = """
    dv/dt = (I - v + g) / tau : 1 (unless refractory)
    dg/dt = -g / (5 * ms) : 1
    I : 1 (constant)
    """
    inputs = b2.PoissonGroup(512, rates=rates["input"] * b2.Hz)
    groups = {}
    for name, n in SIZES.items():
        grp = b2.NeuronGroup(n, eqs, threshold="v > 1", reset="v = 0", refractory=refractory, method="exact",
                             namespace=dict(tau=tau), name=name)
        grp.I = bias_for_rate(rates[name])
        grp.v = "rand()"
        groups[name] = grp
    # Pair-based STDP on every synapse (Song, Miller & Abbott 2000), traces updated at events only.
    model = """
    w : 1
    dapre/dt = -apre / (10 * ms) : 1 (event-driven)
    dapost/dt = -apost / (10 * ms) : 1 (event-driven)
    """
    on_pre = "g_post += psc * w * w_sign\napre += 0.01\nw = clip(w + apost, 0, wmax)"
    on_post = "apost -= 0.0105\nw = clip(w + apre, 0, wmax)"
    sources = {"A_exc": [("input", 1), ("A_exc", 1), ("B_inh", -1)], "B_exc": [("input", 1), ("B_exc", 1), ("A_inh", -1)],
               "A_inh": [("A_exc", 1), ("input", 1)], "B_inh": [("B_exc", 1), ("input", 1)]}
    synapses = []
    for post, pres in sources.items():
        for pre, sign in pres:
            src = inputs if pre == "input" else groups[pre]
            s = b2.Synapses(src, groups[post], model=model, on_pre=on_pre, on_post=on_post,
                            namespace=dict(wmax=0.5, w_sign=sign, psc=0.002), name=f"{pre}_to_{post}")
            s.connect()  # all-to-all
            s.w = "0.02 * rand()"
            s.w = "w * int(rand() < 0.15)"  # 15 % non-zero
            s.delay = "(1 + floor(4 * rand())) * ms"
            synapses.append(s)
    monitors = {name: b2.SpikeMonitor(g) for name, g in groups.items()}
    monitors["input"] = b2.SpikeMonitor(inputs)
    net = b2.Network(inputs, *groups.values(), *synapses, *monitors.values())
    net.run(steps * b2.ms)
    b2.device.build(directory=workdir, compile=True, run=False)
    child = subprocess.Popen(["./main"], cwd=workdir, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)  # the rusage of ./main alone (not the compiler)
    if status != 0:
        sys.exit(f"./main failed with status {status}")
    cpu_s = usage.ru_utime + usage.ru_stime
    b2.device.run(directory=workdir, with_output=False, run_args=[])  # reads the results (runs again)
    loop_s = float(b2.device._last_run_time)
    n_syn = sum(len(s) for s in synapses)
    seconds = steps / 1000.0
    measured = {name: int(m.num_spikes) / (512 if name == "input" else SIZES[name]) / seconds
                for name, m in monitors.items()}
    return dict(tool="brian2-standalone", threads=threads, steps=steps, synapses=n_syn, loop_s=loop_s,
                ms_per_step=1000.0 * loop_s / steps, cpu_s=cpu_s, cpu_ms_per_step=1000.0 * cpu_s / steps,
                rates_hz=measured, peak_rss_mb=usage.ru_maxrss / 1024.0)


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])


def spark_rates(row):
    return {SOMA[k]: v for k, v in row["rates_hz"].items() if k in SOMA}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spark", help="the spark_learning binary")
    ap.add_argument("--network", default=os.path.join(HERE, "networks", "ab_brain.txtpb"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--workdir", default="/tmp/spark-bench-brian2-learning")
    ap.add_argument("--peer-only", action="store_true")
    ap.add_argument("--rates", help="peer only: A_exc,B_exc,A_inh,B_inh,input rates [Hz]")
    args = ap.parse_args()
    if args.peer_only:
        values = [float(v) for v in args.rates.split(",")]
        rates = dict(zip(["A_exc", "B_exc", "A_inh", "B_inh", "input"], values))
        print(json.dumps(run_peer(rates, args.steps, args.threads[0], os.path.join(args.workdir, "peer"))))
        return
    if not args.spark:
        sys.exit("--spark BINARY is required (or --peer-only)")
    rows = []
    for r in range(args.repeats):
        for threads in args.threads:
            row = run_json([args.spark, args.network, "--steps", str(args.steps), "--threads", str(threads)] + ACTIVE)
            row.update(tool="spark", repeat=r)
            print(json.dumps(row), flush=True)
            rows.append(row)
        rates = spark_rates(rows[-1])
        for threads in args.threads:
            # Each peer run is its own process (Brian2's device is set once per process).
            cmd = [sys.executable, os.path.abspath(__file__), "--peer-only", "--steps", str(args.steps),
                   "--threads", str(threads), "--workdir", os.path.join(args.workdir, f"t{threads}"), "--rates",
                   ",".join(str(rates[k]) for k in ["A_exc", "B_exc", "A_inh", "B_inh", "input"])]
            row = run_json(cmd)
            row.update(repeat=r)
            print(json.dumps(row), flush=True)
            rows.append(row)

    def best(tool, threads, key):
        return min(x[key] for x in rows if x["tool"] == tool and x["threads"] == threads)

    print(f"\nab_brain ({args.steps} steps, dt 1 ms), minima of {args.repeats} interleaved runs; load {os.getloadavg()}")
    print("| threads | spark cpu [ms/step] | Brian2 cpu [ms/step] | spark / Brian2 (cpu) | spark wall | Brian2 wall | spark / Brian2 (wall) |")
    print("|---|---|---|---|---|---|---|")
    for t in args.threads:
        sc, bc = best("spark", t, "cpu_ms_per_step"), best("brian2-standalone", t, "cpu_ms_per_step")
        sw, bw = best("spark", t, "ms_per_step"), best("brian2-standalone", t, "ms_per_step")
        print(f"| {t} | {sc:.3f} | {bc:.3f} | {sc / bc:.2f} | {sw:.3f} | {bw:.3f} | {sw / bw:.2f} |")
    if 1 in args.threads and 2 in args.threads:
        print(f"\nspark 2 threads over 1 (wall): {best('spark', 1, 'ms_per_step') / best('spark', 2, 'ms_per_step'):.2f}x; "
              f"Brian2: {best('brian2-standalone', 1, 'ms_per_step') / best('brian2-standalone', 2, 'ms_per_step'):.2f}x")


if __name__ == "__main__":
    main()
