#!/usr/bin/python3
"""The CUBA benchmark network in Brian2 (Vogels & Abbott 2005; Brette et al. 2007; Brian2's example).

Usage: brian2_cuba.py --mode standalone|cython --n N [--duration-ms 1000] [--seed S] [--workdir DIR]
Prints one JSON line: n, synapses, spikes, rate_hz, loop_s (Brian's own run timer), process_s (the
compiled ./main for standalone, compile excluded), peak_rss_mb.
Run it with /usr/bin/python3 (Debian's python3-brian).
"""
import argparse, json, os, resource, subprocess, sys, time

import numpy as np
import brian2 as b2


def build(n, duration_ms, seed):
    b2.seed(seed)
    taum, taue, taui = 20 * b2.ms, 5 * b2.ms, 10 * b2.ms
    Vt, Vr, El = -50 * b2.mV, -60 * b2.mV, -49 * b2.mV
    eqs = """
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    P = b2.NeuronGroup(n, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * b2.ms, method="exact",
                       namespace=dict(taum=taum, taue=taue, taui=taui, Vt=Vt, Vr=Vr, El=El))
    P.v = "Vr + rand() * (Vt - Vr)"
    P.ge = 0 * b2.mV
    P.gi = 0 * b2.mV
    n_exc = int(0.8 * n)
    p = 80.0 / n
    we = (60 * 0.27 / 10) * b2.mV  # 1.62 mV
    wi = (-20 * 4.5 / 10) * b2.mV  # -9 mV
    Ce = b2.Synapses(P[:n_exc], P, on_pre="ge += we", namespace=dict(we=we))
    Ci = b2.Synapses(P[n_exc:], P, on_pre="gi += wi", namespace=dict(wi=wi))
    Ce.connect(p=p)
    Ci.connect(p=p)
    s_mon = b2.SpikeMonitor(P)
    net = b2.Network(P, Ce, Ci, s_mon)
    return net, P, Ce, Ci, s_mon


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["standalone", "cython"], required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", default="/tmp/spark-bench-brian2")
    ap.add_argument("--threads", type=int, default=0, help="standalone OpenMP threads (0 = off)")
    args = ap.parse_args()
    b2.prefs.core.default_float_dtype = np.float64
    b2.defaultclock.dt = 0.1 * b2.ms
    workdir = os.path.join(args.workdir, f"{args.mode}-{args.n}-{args.threads}")
    if args.mode == "standalone":
        b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
        if args.threads > 0:
            b2.prefs.devices.cpp_standalone.openmp_threads = args.threads
    else:
        b2.prefs.codegen.target = "cython"
        b2.prefs.codegen.runtime.cython.cache_dir = os.path.join(args.workdir, "cython-cache")
    net, P, Ce, Ci, s_mon = build(args.n, args.duration_ms, args.seed)
    if args.mode == "cython":
        net.run(0 * b2.ms)  # compiles every code object outside the timed run
        start = time.perf_counter()
        net.run(args.duration_ms * b2.ms)
        loop_s = time.perf_counter() - start
        process_s = float("nan")
    else:
        net.run(args.duration_ms * b2.ms)
        b2.device.build(directory=workdir, compile=True, run=False)
        start = time.perf_counter()
        child = subprocess.Popen(["./main"], cwd=workdir, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)  # the rusage of ./main alone (not the compiler)
        process_s = time.perf_counter() - start
        if status != 0:
            sys.exit(f"./main failed with status {status}")
        main_rss_kb = usage.ru_maxrss
        b2.device.run(directory=workdir, with_output=False, run_args=[])  # reads the results (runs again)
        loop_s = float(b2.device._last_run_time)
    spikes = int(s_mon.num_spikes)
    synapses = int(len(Ce) + len(Ci))
    rss_kb = main_rss_kb if args.mode == "standalone" else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(dict(tool=f"brian2-{args.mode}", n=args.n, synapses=synapses, spikes=spikes,
                          rate_hz=spikes / args.n / (args.duration_ms / 1000.0), loop_s=loop_s,
                          process_s=process_s,
                          peak_rss_mb=rss_kb / 1024.0)))


if __name__ == "__main__":
    main()
