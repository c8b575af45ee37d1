"""What compare_cuba.py and microcircuit_report.py share: the --threads entries, one timed run of a
spark runner, and the load average line."""
import json, os, subprocess, time


def parse_config(text):
    """A --threads entry: "T" (the runner's default executor: sequential on 1 thread, pool on more) or
    "T:EXECUTOR" (sequential, tbb or pool)."""
    threads, _, executor = text.partition(":")
    executor = executor or ("sequential" if int(threads) == 1 else "pool")
    return int(threads), executor


def run_process(cmd):
    """Runs a spark runner; returns its JSON line with the whole process's wall time and peak RSS added."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{os.path.basename(cmd[0])} failed ({status})")
    result = json.loads(child.stdout.read().strip().splitlines()[-1])
    result["process_s"] = wall
    result["peak_rss_mb"] = usage.ru_maxrss / 1024.0
    return result


def load():
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())
