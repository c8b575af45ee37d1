"""spark.Simulation: stepping, running, recording, numpy views of the C++ buffers."""
import threading
import time

import numpy as np
import pytest

import spark
from conftest import small_network


def passthrough(shape=(6,)):
    """A network input copied to an output by a concat node."""
    return (spark.Network().add("copy", "concat").input("x", "copy.inputs", ("float", shape))
            .output("y", "copy.output"))


def test_step_advances_the_counter_and_time():
    sim = spark.Simulation(small_network())
    assert (sim.step_count, sim.time, sim.dt, sim.seed) == (0, 0.0, 1.0, 3)
    sim.step()
    sim.step()
    assert (sim.step_count, sim.time) == (2, 2.0)


def test_inputs_are_writable_views_of_the_cpp_buffer():
    sim = spark.Simulation(passthrough())
    view = sim.inputs["x"]
    assert view.flags.writeable and not view.flags.owndata and view.dtype == np.float32 and view.shape == (6,)
    view[:] = np.arange(6)                                    # write through the view...
    assert sim.inputs["x"].ctypes.data == view.ctypes.data    # ...into the one C++ buffer
    np.testing.assert_array_equal(sim.inputs["x"], np.arange(6, dtype=np.float32))
    sim.step()
    np.testing.assert_array_equal(sim.output("y"), np.arange(6, dtype=np.float32))  # the step read it
    sim.inputs["x"] = 2.5                                     # assignment writes into the buffer too
    sim.step()
    np.testing.assert_array_equal(sim.output("y"), np.full(6, 2.5, np.float32))
    np.testing.assert_array_equal(view, np.full(6, 2.5, np.float32))
    assert list(sim.inputs) == ["x"] and len(sim.inputs) == 1


def test_an_input_of_the_wrong_shape_is_a_shape_error():
    sim = spark.Simulation(passthrough())
    with pytest.raises(spark.ShapeError) as error:
        sim.inputs["x"] = np.zeros(5)
    assert str(error.value) == "input 'x': expected FloatArray[6]:f32, got an array of shape (5,)"
    assert (error.value.port, error.value.expected, error.value.actual) == ("x", "FloatArray[6]:f32", "(5,)")


def test_a_spike_input_is_a_uint8_view():
    net = (spark.Network().add("soma", "leaky_soma", units=[4]).add("syn", "linear_synapses", units=[4])
           .input("spikes", "syn.spikes").connect("syn.currents", "soma.current", latency="same_step"))
    sim = spark.Simulation(net, inputs={"spikes": ("spikes", (3,))})
    view = sim.inputs["spikes"]
    assert view.dtype == np.uint8 and view.shape == (3,)
    sim.step()
    quiet = sim.read("soma", "potential").copy()
    sim.reset()
    view[:] = 1  # every input unit spikes, excitatory
    sim.step()
    assert not np.array_equal(sim.read("soma", "potential"), quiet)


def test_a_view_keeps_the_simulation_alive():
    view = spark.Simulation(passthrough()).inputs["x"]
    view[:] = 1.0  # the simulation is gone from Python's names, not from memory
    assert view.sum() == 6.0


def test_inputs_specs_given_to_the_simulation():
    net = small_network()
    sim = spark.Simulation(net, inputs={"signal": ("float", (8,))}, executor="tbb", threads=2)
    assert sim.inputs["signal"].shape == (8,)
    with pytest.raises(spark.GraphBuildError) as error:
        spark.Simulation(net, inputs={"signal": ("spikes", (8,))})  # replaces the network's spec
    assert error.value.problems == [
        "node 'enc' port 'signal': expected a non-empty FloatArray, got SpikeArray[8]:u8 (PoissonSpiker)"]


def test_properties_are_live_read_only_views_outputs_are_copies():
    sim = spark.Simulation(small_network())
    sim.inputs["signal"][:] = 1.0
    potential = sim.read("pool.soma", "potential")
    assert not potential.flags.writeable and not potential.flags.owndata
    assert sim.read("pool.soma", "potential").ctypes.data == potential.ctypes.data
    before = potential.copy()
    spikes = sim.read("pool", "out_spikes")  # a neuron's exported output
    assert spikes.flags.owndata and spikes.dtype == np.uint8
    sim.run(20)
    assert not np.array_equal(before, potential)  # the view follows the running simulation
    np.testing.assert_array_equal(potential, sim.read("pool.soma", "potential"))
    with pytest.raises(ValueError):
        potential[0] = 1.0
    assert sim.spec("pool", "out_spikes").kind == "spikes"


def test_run_records_spikes_and_traces():
    sim = spark.Simulation(small_network())
    sim.inputs["signal"][:] = 1.0
    sim.step()
    rec = sim.run(50, record=["pool.out_spikes", "pool.soma.potential", "enc.spikes"])
    assert (rec.first_step, rec.steps_run) == (1, 50)
    steps, units = rec.spikes["pool.out_spikes"]
    assert steps.dtype == np.int64 and len(steps) > 0
    assert steps.min() >= 1 and steps.max() <= 50 and units.max() < 20
    assert np.all(np.diff(steps) >= 0)
    trace = rec["pool.soma.potential"]
    assert trace.shape == (50, 20) and trace.dtype == np.float32
    np.testing.assert_array_equal(trace[-1], sim.read("pool.soma", "potential"))
    np.testing.assert_array_equal(rec.steps, np.arange(1, 51))
    columns = rec.to_dict()
    assert set(columns) == {"step", "time_ms", "node", "unit"}
    assert set(columns["node"]) == {"pool", "enc"}
    assert len(columns["step"]) == len(steps) + len(rec.spikes["enc.spikes"].steps)
    with pytest.raises(KeyError, match="'nothing' was not recorded"):
        rec["nothing"]


def test_a_recorded_spike_train_matches_reading_every_step():
    a, b = spark.Simulation(small_network()), spark.Simulation(small_network())
    a.inputs["signal"][:] = b.inputs["signal"][:] = 0.8
    rec = a.run(40, record="pool.out_spikes")
    events = []
    for _ in range(40):
        b.step()
        events += [(b.step_count - 1, u) for u in np.flatnonzero(b.read("pool", "out_spikes") & 1)]
    assert list(zip(*rec.spikes["pool.out_spikes"])) == events


def test_every_executor_gives_the_same_spikes():
    runs = []
    for executor, threads in (("sequential", 1), ("tbb", 2), ("pool", 2)):
        sim = spark.Simulation(small_network(), executor=executor, threads=threads)
        sim.inputs["signal"][:] = 1.0
        steps, units = sim.run(100, record=["pool.out_spikes"]).spikes["pool.out_spikes"]
        runs.append((steps.tolist(), units.tolist()))
    assert runs[0] == runs[1] == runs[2] and len(runs[0][0]) > 0


def test_reset_returns_to_the_state_after_the_build():
    sim = spark.Simulation(small_network())
    built = sim.state()
    sim.inputs["signal"][:] = 1.0
    sim.run(30)
    sim.reset()
    assert sim.step_count == 0
    after = sim.state()
    # What C++ Simulation::reset leaves: random streams continue, the learned kernel stays.
    changed = {name for name in built if not np.array_equal(built[name], after[name])}
    assert changed <= {"enc/rng", "pool.synapses/kernel"}
    np.testing.assert_array_equal(after["pool.soma/potential"], built["pool.soma/potential"])


def test_state_copies_every_state_array():
    sim = spark.Simulation(small_network())
    sim.run(5)
    state = sim.state()
    assert state["@step"][0] == 5
    np.testing.assert_array_equal(state["pool.soma/potential"], sim.read("pool.soma", "potential"))


def test_nodes_and_populations_describe_the_built_network():
    sim = spark.Simulation(small_network())
    paths = [n["path"] for n in sim.nodes]
    assert "enc" in paths and "pool.soma" in paths
    assert sim.populations() == [("pool", "pool.soma.spikes", 20)]
    assert "pool.soma" in sim.to_dot()
    assert sim.network.to_text() == small_network().to_text()


def test_bad_arguments_are_python_errors():
    with pytest.raises(ValueError, match="unknown executor 'gpu'"):
        spark.Simulation(small_network(), executor="gpu")
    with pytest.raises(ValueError, match="threads=2 needs a parallel executor"):
        spark.Simulation(small_network(), executor="sequential", threads=2)
    with pytest.raises(ValueError, match="unknown payload kind 'floats'"):
        spark.Simulation(small_network(), inputs={"signal": ("floats", (8,))})
    with pytest.raises(TypeError, match="network must be a spark.Network"):
        spark.Simulation("alif.txtpb")
    with pytest.raises(ValueError, match="steps must be >= 0"):
        spark.Simulation(small_network()).run(-1)


def test_the_gil_is_released_while_cpp_runs():
    sim = spark.Simulation(small_network())
    sim.inputs["signal"][:] = 1.0
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)

    thread = threading.Thread(target=count)
    thread.start()
    try:
        sim.run(20000)  # Python ticks only while the run has released the GIL
    finally:
        stop.set()
        thread.join()
    assert len(ticks) > 1000


def test_a_second_thread_cannot_step_a_running_simulation():
    sim = spark.Simulation(small_network())
    thread = threading.Thread(target=sim.run, args=(300000,))
    thread.start()
    try:
        while sim.step_count == 0:
            time.sleep(0.001)
        with pytest.raises(RuntimeError, match="the simulation is busy in another thread"):
            sim.step()
    finally:
        thread.join()
    assert sim.step_count == 300000
