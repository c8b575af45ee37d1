"""Shared fixtures: where the network files and the `spark` program are.

CTest sets SPARK_SOURCE_DIR and SPARK_CLI (python/tests/CMakeLists.txt); run by hand, the source tree
is found from this file and the program in <source>/build/tools.
"""
import csv
import os
import pathlib
import subprocess

import numpy as np
import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("SPARK_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
NETWORKS = SOURCE_DIR / "examples" / "networks"


@pytest.fixture
def alif_path() -> pathlib.Path:
    return NETWORKS / "alif.txtpb"


@pytest.fixture
def spark_cli():
    """Runs the `spark` program; fails the test (with its stderr) when it exits non-zero, unless
    expect_failure=True."""
    program = os.environ.get("SPARK_CLI", str(SOURCE_DIR / "build" / "tools" / "spark"))
    if not pathlib.Path(program).exists():
        pytest.fail(f"the spark program is not at {program} (set SPARK_CLI)")

    def run(*args, expect_failure=False):
        done = subprocess.run([program, *map(str, args)], capture_output=True, text=True)
        if expect_failure:
            assert done.returncode == 1, f"spark {' '.join(map(str, args))}: exit code {done.returncode}"
        else:
            assert done.returncode == 0, f"spark {' '.join(map(str, args))} failed:\n{done.stderr}"
        return done

    return run


def read_spikes_csv(path):
    """spikes.csv as arrays: step (int64), time_ms (str, as written), node (str), unit (int64)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        "step": np.array([int(r["step"]) for r in rows], dtype=np.int64),
        "time_ms": [r["time_ms"] for r in rows],
        "node": [r["node"] for r in rows],
        "unit": np.array([int(r["unit"]) for r in rows], dtype=np.int64),
    }


def small_network(seed=3):
    """A Poisson encoder driven by a network input -> a LIF pool; output: the pool's spikes."""
    import spark
    return (spark.Network(seed=seed)
            .add("enc", "poisson_spiker", max_freq=400.0)
            .add("pool", "lif_neuron", {"units": [20], "synapses.kernel.scale": 2000.0})
            .input("signal", "enc.signal", ("float", (8,)))
            .connect("enc.spikes", "pool.in_spikes")
            .output("spikes", "pool.out_spikes"))
