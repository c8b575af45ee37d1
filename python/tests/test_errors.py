"""C++ errors arrive as spark.Error subclasses with the same messages and fields."""
import numpy as np
import pytest

import spark
from conftest import small_network


def test_the_hierarchy_mirrors_cpp():
    assert issubclass(spark.ConfigError, spark.Error) and issubclass(spark.ConfigError, ValueError)
    assert issubclass(spark.NetworkFileError, spark.ConfigError)
    assert issubclass(spark.ShapeError, spark.Error) and issubclass(spark.ShapeError, ValueError)
    assert issubclass(spark.GraphBuildError, spark.GraphError) and issubclass(spark.GraphError, spark.Error)
    assert issubclass(spark.SnapshotError, spark.Error)


def test_a_build_reports_every_problem():
    net = (spark.Network().add("s", "leaky_soma", units=[3], potential_tau=-5.0)
           .add("x", "nonexistent_thing"))
    with pytest.raises(spark.GraphBuildError) as error:
        spark.Simulation(net)
    problems = [  # in the order of the build's passes: flatten, then resolve
        "node 'x': unknown component or neuron template 'nonexistent_thing' "
        "(did you mean constant_source, poisson_spiker, concat_reshape?)",
        "node 's' input 'current' (CurrentArray) is not wired",
        "node 's': LeakySoma 's': potential_tau = -5 ms must be > 0",
    ]
    assert error.value.problems == problems
    codes = [(d.code, d.node, d.port) for d in error.value.diagnostics]
    assert codes == [("unknown_type", "x", ""), ("unwired_input", "s", "current"),
                     ("invalid_config", "s", "potential_tau")]
    config = error.value.diagnostics[2]
    assert (config.actual, config.origin) == ("-5 ms", ("node", 0))
    assert "constant_source" in error.value.diagnostics[0].suggestions
    assert str(error.value) == "3 problems in the network:\n" + "".join(f"  - {p}\n" for p in problems).rstrip("\n")


def test_a_config_error_during_a_step_carries_its_fields():
    from test_network import effect_network
    sim = spark.Simulation(effect_network("sparse"))  # an effect may not add weights to a sparse kernel
    with pytest.raises(spark.ConfigError) as error:
        sim.step()
    e = error.value
    assert str(e).startswith("LinearSynapses 'syn': kernel[0, 0] = 0.25 is outside the nonzero pattern")
    assert (e.component, e.instance, e.field, e.value) == ("LinearSynapses", "syn", "kernel[0, 0]", "0.25")
    assert e.rule.startswith("is outside the nonzero pattern of the sparse layout")
    assert isinstance(e, ValueError) and not isinstance(e, spark.NetworkFileError)


def test_build_problems_of_a_file_name_its_lines(tmp_path):
    path = tmp_path / "bad.txtpb"
    path.write_text('format_version: 1\nnode {\n  name: "s"\n  type: "leaky_som"\n}\n')
    with pytest.raises(spark.GraphBuildError) as error:
        spark.Simulation(spark.load(path))
    assert error.value.problems[0].endswith(f"(at {path}:2)")


def test_build_problems_are_the_messages_spark_check_prints(tmp_path, spark_cli):
    path = tmp_path / "bad.txtpb"
    path.write_text('format_version: 1\n'
                    'node { name: "s" type: "leaky_soma" param { path: "potential_tau" number: -5 } }\n'
                    'node { name: "d" type: "n_delays" }\n'
                    'wire { from: "d.out_spikes" to: "s.current" }\n')
    printed = spark_cli("check", path, expect_failure=True).stderr.splitlines()
    with pytest.raises(spark.GraphBuildError) as error:
        spark.Simulation(spark.load(path))
    assert len(error.value.problems) >= 2
    assert printed[1:] == [f"error: {d.message} [{d.code}]" for d in error.value.diagnostics]


def test_a_file_that_does_not_parse_is_a_network_file_error(tmp_path):
    path = tmp_path / "bad.txtpb"
    path.write_text('format_version: 1\nnode { name: "a" type: 5 }\n')
    with pytest.raises(spark.NetworkFileError) as error:
        spark.load(path)
    e = error.value
    assert str(e) == f"{path}:2:24: Expected string, got: 5"
    assert (e.file, e.line, e.column, e.message) == (str(path), 2, 24, "Expected string, got: 5")


def test_a_missing_file_is_a_network_file_error(tmp_path):
    with pytest.raises(spark.NetworkFileError, match="cannot read the network file: No such file or directory"):
        spark.load(tmp_path / "missing.txtpb")


def test_unknown_names_are_graph_errors_with_suggestions():
    sim = spark.Simulation(small_network())
    with pytest.raises(spark.GraphError, match=r"pool\.som") as error:
        sim.read("pool.som", "potential")
    assert not isinstance(error.value, spark.GraphBuildError)
    with pytest.raises(spark.GraphError, match="the network has no output 'nope' \\(outputs: spikes\\)"):
        sim.output("nope")
    with pytest.raises(spark.GraphError, match="the network has no input 'nope' \\(inputs: signal\\)"):
        sim.inputs["nope"]
    with pytest.raises(spark.GraphError, match="override 'nodot' names no node"):
        spark.Network().set("nodot", 1)
    with pytest.raises(spark.GraphError, match="'a' is not a port reference; expected \"node.port\""):
        spark.Network().connect("a", "b.c")
    with pytest.raises(spark.GraphError):
        sim.run(1, record=["pool.nothing"])


def test_snapshot_errors_leave_the_simulation_untouched(tmp_path):
    sim = spark.Simulation(small_network())
    sim.inputs["signal"][:] = 1.0
    sim.run(20)
    sim.save(tmp_path / "good.snap")
    data = (tmp_path / "good.snap").read_bytes()
    (tmp_path / "truncated.snap").write_bytes(data[: len(data) // 2])
    before = sim.state()
    with pytest.raises(spark.SnapshotError, match="truncated.snap"):
        sim.load(tmp_path / "truncated.snap")
    other = spark.Simulation(small_network(seed=4))
    with pytest.raises(spark.SnapshotError, match="seed"):
        other.load(tmp_path / "good.snap")
    after = sim.state()
    assert all(np.array_equal(before[k], after[k]) for k in before)
    with pytest.raises(spark.SnapshotError):
        sim.save(tmp_path / "no such dir" / "x.snap")
