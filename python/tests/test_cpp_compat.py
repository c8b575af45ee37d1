"""The Python package and the C++ program agree bit for bit: spikes, snapshots both ways."""
import numpy as np
import pytest

import spark
from conftest import read_spikes_csv

STEPS = 300


def python_spikes(sim, steps):
    """A run's spikes of every population, in spikes.csv's order (step, then population, then unit)."""
    populations = sim.populations()
    rec = sim.run(steps, record=[port for _, port, _ in populations])
    rows = []
    for index, (name, port, _) in enumerate(populations):
        train = rec.spikes[port]
        rows += [(int(s), index, name, int(u)) for s, u in zip(train.steps, train.units)]
    rows.sort(key=lambda r: (r[0], r[1]))
    return [(s, name, u) for s, _, name, u in rows]


def csv_spikes(path):
    csv = read_spikes_csv(path)
    return list(zip(csv["step"].tolist(), csv["node"], csv["unit"].tolist()))


@pytest.mark.parametrize("executor,threads", [("sequential", 1), ("tbb", 2), ("pool", 2)])
def test_spikes_equal_the_cpp_runs_spikes_csv(tmp_path, spark_cli, alif_path, executor, threads):
    spark_cli("run", alif_path, "--steps", STEPS, "--out", tmp_path, "--plot", "none", "-q")
    expected = csv_spikes(tmp_path / "spikes.csv")
    sim = spark.Simulation(spark.load(alif_path), executor=executor, threads=threads)
    assert len(expected) > 100
    assert python_spikes(sim, STEPS) == expected


def test_recorded_traces_equal_the_cpp_npy(tmp_path, spark_cli, alif_path):
    spark_cli("run", alif_path, "--steps", 50, "--out", tmp_path, "--plot", "none", "-q",
              "--record", "pool.soma.potential")
    expected = np.load(tmp_path / "pool.soma.potential.npy")
    rec = spark.Simulation(spark.load(alif_path)).run(50, record=["pool.soma.potential"])
    assert rec["pool.soma.potential"].tobytes() == expected.tobytes()


def test_a_python_snapshot_continues_in_cpp(tmp_path, spark_cli, alif_path):
    sim = spark.Simulation(spark.load(alif_path))
    sim.run(STEPS)
    sim.save(tmp_path / "python.snap")
    continued = python_spikes(sim, STEPS)  # Python goes on from the same state
    spark_cli("run", "--snapshot-in", tmp_path / "python.snap", "--steps", STEPS, "--out", tmp_path / "cpp",
              "--plot", "none", "-q")
    assert csv_spikes(tmp_path / "cpp" / "spikes.csv") == continued
    assert len(continued) > 100


def test_a_cpp_snapshot_continues_in_python(tmp_path, spark_cli, alif_path):
    spark_cli("run", alif_path, "--steps", STEPS, "--snapshot-out", tmp_path / "cpp.snap", "--out", tmp_path,
              "--plot", "none", "-q")
    uninterrupted = spark.Simulation(spark.load(alif_path))
    uninterrupted.run(STEPS)
    expected = python_spikes(uninterrupted, STEPS)
    restored = spark.restore(tmp_path / "cpp.snap")
    assert restored.step_count == STEPS
    loaded = spark.Simulation(spark.load(alif_path))
    loaded.load(tmp_path / "cpp.snap")
    assert python_spikes(restored, STEPS) == expected == python_spikes(loaded, STEPS)
    final = uninterrupted.state()
    for name, array in restored.state().items():
        assert array.tobytes() == final[name].tobytes(), name


def test_snapshots_are_byte_identical_to_the_cpp_ones(tmp_path, spark_cli, alif_path):
    spark_cli("run", alif_path, "--steps", STEPS, "--snapshot-out", tmp_path / "cpp.snap", "--out", tmp_path,
              "--plot", "none", "-q")
    sim = spark.Simulation(spark.load(alif_path))
    sim.run(STEPS)
    sim.save(tmp_path / "python.snap")
    assert (tmp_path / "python.snap").read_bytes() == (tmp_path / "cpp.snap").read_bytes()
