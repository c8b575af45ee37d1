"""spark.components() and spark.describe(): the catalogue `spark list` prints."""
import pytest

import spark


def test_components_lists_every_component_and_template():
    names = {c.name for c in spark.components()}
    assert {"leaky_soma", "traced_synapses", "poisson_spiker", "hebbian_rule"} <= names
    assert {"lif_neuron", "alif_neuron", "ad_ex_neuron"} <= names


def test_components_are_the_entries_spark_list_prints(spark_cli):
    listed = [line.split(" (")[0] for line in spark_cli("list").stdout.splitlines()
              if line and not line.startswith(" ")]
    assert [c.name for c in spark.components()] == listed


def test_describe_gives_parameters_with_units_bounds_and_defaults():
    soma = spark.describe("leaky_soma")
    assert (soma.name, soma.class_name, soma.category) == ("leaky_soma", "LeakySoma", "soma")
    tau = soma.parameter("potential_tau")
    assert (tau.units, tau.bounds, tau.required) == ("ms", "> 0", False)
    assert tau.default == 20
    assert [p.name for p in soma.inputs][0] == "current"
    assert soma.inputs[0].kind == "current"
    assert "spikes" in [p.name for p in soma.outputs]
    assert "potential" in [p.name for p in soma.properties]


def test_describe_matches_spark_list(spark_cli):
    listed = spark_cli("list", "exponential_integrator").stdout
    info = spark.describe("exponential_integrator")
    for p in info.parameters:
        row = next(line.split() for line in listed.splitlines() if line.split()[:1] == [p.name])
        assert row[1] == p.type
        assert row[2] == ("(required)" if p.required else "null" if p.default is None else str(p.default).lower())
        assert row[3] == (p.units or "-")
    assert info.parameter("num_outputs").bounds == "> 0"


def test_describe_accepts_class_names_and_templates():
    assert spark.describe("LeakySoma").name == "leaky_soma"
    lif = spark.describe("lif_neuron")
    assert lif.category == "neuron"
    assert ("soma", "leaky_soma") in lif.nodes
    assert lif.parameter("units").required and lif.parameter("inhibitory_rate").default == 0.2
    assert lif.outputs[0].name == "out_spikes" and lif.outputs[0].description == "<- soma.spikes"


def test_describe_of_an_unknown_name_suggests_the_closest():
    with pytest.raises(spark.GraphError) as error:
        spark.describe("leaky_som")
    assert str(error.value) == ("no component or neuron template named 'leaky_som' "
                                "(did you mean leaky_soma, adaptive_leaky_soma, refractory_leaky_soma?)")
