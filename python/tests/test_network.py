"""spark.Network and spark.load: the description API (add/connect/input/output/set/replace/effect)."""
import copy
import os

import numpy as np
import pytest

import spark
from conftest import small_network


def test_builder_calls_chain_and_describe_the_network():
    net = small_network()
    assert [(n, t) for n, t, _ in net.nodes] == [("enc", "poisson_spiker"), ("pool", "lif_neuron")]
    assert net.nodes[1][2] == {"units": [20], "synapses.kernel.scale": 2000}
    assert net.wires == [("enc.spikes", "pool.in_spikes", None)]
    assert net.inputs == [("signal", "enc.signal")]
    assert net.outputs == [("spikes", "pool.out_spikes")]
    spec = net.input_specs["signal"]
    assert (spec.kind, spec.shape, spec.dtype) == ("float", (8,), np.dtype(np.float32))
    assert net.seed == 3 and net.dt == 1.0


def test_connect_takes_a_latency_and_refuses_an_unknown_one():
    net = spark.Network().connect("a.out", "b.in", latency="same_step")
    assert net.wires == [("a.out", "b.in", "same_step")]
    with pytest.raises(ValueError, match="unknown latency 'soon'"):
        net.connect("a.out", "b.in", latency="soon")


def test_set_and_replace_change_what_is_built():
    net = small_network().set("pool.soma.cooldown", 3.0).replace("pool.soma", "refractory_leaky_soma")
    sim = spark.Simulation(net)
    soma = next(n for n in sim.nodes if n["path"] == "pool.soma")
    assert soma["type"] == "refractory_leaky_soma"
    assert net.nodes[1][2]["soma.cooldown"] == 3
    with pytest.raises(spark.GraphBuildError, match="cooldown = 3 ms.* is not a parameter of LeakySoma|cooldown"):
        spark.Simulation(small_network().set("pool.soma.cooldown", 3.0))


def effect_network(layout):
    """A constant source written into a synapse kernel after every step."""
    return (spark.Network().add("w", "constant_source", units=[2, 3], kind="float", value=0.25)
            .add("syn", "linear_synapses", units=[2], layout=layout).input("s", "syn.spikes", ("spikes", (3,)))
            .effect("syn.kernel", "w.output"))


def test_an_effect_writes_a_property_after_every_step():
    sim = spark.Simulation(effect_network("dense"))
    assert not np.any(sim.read("syn", "kernel") == 0.25)
    sim.step()
    np.testing.assert_array_equal(sim.read("syn", "kernel"), np.full((2, 3), 0.25, np.float32))
    assert "effect" in effect_network("dense").to_text()


def test_to_text_and_save_round_trip_through_load(tmp_path, alif_path):
    net = spark.load(alif_path)
    path = tmp_path / "copy.txtpb"
    net.save(path)
    again = spark.load(path)
    assert again.to_text() == net.to_text()
    assert again.nodes == net.nodes and again.wires == net.wires and again.outputs == net.outputs


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_save_on_a_full_disk_raises_naming_the_file(tmp_path, alif_path):
    full = tmp_path / "full.txtpb"
    full.symlink_to("/dev/full")  # takes no byte: ENOSPC, as a full disk
    with pytest.raises(spark.Error, match="full.txtpb.*No space left on device"):
        spark.load(alif_path).save(full)
    with pytest.raises(spark.Error, match="no such dir"):
        spark.load(alif_path).save(tmp_path / "no such dir" / "x.txtpb")


def test_copy_is_independent(alif_path):
    net = spark.load(alif_path)
    for other in (net.copy(), copy.copy(net), copy.deepcopy(net)):
        other.set("pool.soma.threshold_delta", 1.0)
        other.seed = 99
        assert "threshold_delta" not in net.to_text() and net.seed == 0


def test_values_of_every_python_type_are_accepted():
    net = spark.Network().add("src", "constant_source",
                              {"units": np.array([2, 3]), "kind": "float", "value": np.float32(0.5)})
    sim = spark.Simulation(net)
    sim.step()
    np.testing.assert_array_equal(sim.read("src", "output"), np.full((2, 3), 0.5, np.float32))
    with pytest.raises(TypeError, match="config of 'src'.*cannot use a value of type 'object'"):
        spark.Network().add("src", "constant_source", value=object())


def test_load_reads_seed_dt_and_outputs(alif_path):
    net = spark.load(alif_path)
    assert net.seed == 0 and net.dt == 1.0
    assert net.outputs == [("readout", "readout.signal")]
    assert repr(net) == "<spark.Network: 4 nodes, 4 wires, inputs [], outputs ['readout'], seed 0, dt 1 ms>"
