#!/usr/bin/python3
"""Writes the NIR files of spark's NIR tests into OUTDIR, the way NIR's own writer lays them out
(nir/serialization.py: /version, /node with type "NIRGraph", nodes/<name>/<field>, edges as E x 2 strings).

Usage: /usr/bin/python3 make_nir_files.py OUTDIR
Besides the .nir files it writes expected results computed here with numpy (conv_*.csv)."""
import os
import sys

import h5py
import numpy as np

STR = h5py.string_dtype("utf-8")


def write_graph(group, nodes, edges):
    group.create_dataset("type", data="NIRGraph", dtype=STR)
    nodes_group = group.create_group("nodes")
    for name, (kind, fields) in nodes.items():
        g = nodes_group.create_group(name)
        if kind == "NIRGraph":
            write_graph(g, *fields)
            continue
        g.create_dataset("type", data=kind, dtype=STR)
        for key, value in fields.items():
            if key == "metadata":
                m = g.create_group("metadata")
                for k, v in value.items():
                    m.create_dataset(k, data=np.asarray(v, dtype=np.float64))
            elif isinstance(value, str):
                g.create_dataset(key, data=value, dtype=STR)
            else:
                g.create_dataset(key, data=np.asarray(value))
    group.create_dataset("edges", data=np.array(edges, dtype=object).reshape(-1, 2), dtype=STR)


def write(path, nodes, edges, version="0.2.0"):
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data=version, dtype=STR)
        write_graph(f.create_group("node"), nodes, edges)


def inp(*shape):
    return ("Input", {"shape": np.array(shape, dtype=np.int64)})


def out(*shape):
    return ("Output", {"shape": np.array(shape, dtype=np.int64)})


def f64(*values):
    return np.array(values, dtype=np.float64)


def chain(path, *middle):
    """in -> middle nodes in order -> out."""
    nodes = {"in": inp(1)}
    names = ["in"]
    for name, node in middle:
        nodes[name] = node
        names.append(name)
    nodes["out"] = out(1)
    names.append("out")
    write(path, nodes, [[a, b] for a, b in zip(names, names[1:])])


def conv2d_reference(x, w, b, stride, pad, groups):
    c_in, h, wd = x.shape
    c_out, c_per, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    ho, wo = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    y = np.zeros((c_out, ho, wo))
    out_per = c_out // groups
    for co in range(c_out):
        g = co // out_per
        for i in range(ho):
            for j in range(wo):
                patch = xp[g * c_per:(g + 1) * c_per, i * stride:i * stride + kh, j * stride:j * stride + kw]
                y[co, i, j] = np.sum(patch * w[co]) + b[co]
    return y


def pool_reference(x, k, stride, average):
    c, h, wd = x.shape
    ho, wo = (h - k) // stride + 1, (wd - k) // stride + 1
    y = np.zeros((c, ho, wo))
    for ch in range(c):
        for i in range(ho):
            for j in range(wo):
                window = x[ch, i * stride:i * stride + k, j * stride:j * stride + k]
                y[ch, i, j] = window.mean() if average else window.sum()
    return y


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    p = lambda name: os.path.join(outdir, name)
    one = f64(1.0)
    # One primitive each, driven through an Affine whose bias is the constant input (weight 0).
    drive = lambda bias: ("Affine", {"weight": np.zeros((1, 1)), "bias": f64(bias)})
    chain(p("li.nir"), ("drive", drive(8.0)), ("li", ("LI", {"tau": f64(0.005), "r": f64(0.5), "v_leak": f64(-1.5)})))
    chain(p("i.nir"), ("drive", drive(3.0)), ("i", ("I", {"r": f64(250.0)})))
    chain(p("if.nir"), ("drive", drive(37.0)),
          ("if", ("IF", {"r": f64(20.0), "v_threshold": f64(10.0), "v_reset": f64(0.0)})))
    chain(p("lif.nir"), ("drive", drive(2.5)),
          ("lif", ("LIF", {"tau": f64(0.02), "r": f64(1.0), "v_leak": f64(0.0), "v_threshold": f64(2.0),
                           "v_reset": f64(0.0)})))
    chain(p("cubalif.nir"), ("cuba", ("CubaLIF", {"tau_syn": f64(0.002), "tau_mem": f64(0.01), "r": f64(3.0),
                                                 "v_leak": f64(0.0), "w_in": f64(2.0), "v_threshold": f64(100.0),
                                                 "v_reset": f64(0.0)})))
    chain(p("cubali.nir"), ("cuba", ("CubaLI", {"tau_syn": f64(0.002), "tau_mem": f64(0.01), "r": f64(3.0),
                                               "v_leak": f64(0.0), "w_in": f64(2.0)})))
    chain(p("scale_threshold.nir"), ("scale", ("Scale", {"scale": f64(-2.0)})),
          ("threshold", ("Threshold", {"threshold": f64(1.0)})))
    # The NIR paper's cross-simulator check (paper/01_lif): an input spike train through Affine into one LIF,
    # dt = 1e-4 s, 1000 steps; tau = 2.5 ms.
    chain(p("paper_lif.nir"), ("affine", ("Affine", {"weight": np.full((1, 1), 10.0), "bias": f64(0.0)})),
          ("lif", ("LIF", {"tau": f64(0.0025), "r": one, "v_leak": f64(0.0), "v_threshold": one, "v_reset": f64(0.0)})))
    # Spikes straight into a LIF, and two maps summed into one LIF.
    lif_node = ("LIF", {"tau": f64(0.004), "r": f64(2.0), "v_leak": f64(0.0), "v_threshold": f64(100.0),
                        "v_reset": f64(0.0)})
    write(p("spikes_into_lif.nir"), {"in": inp(1), "lif": lif_node, "out": out(1)}, [["in", "lif"], ["lif", "out"]])
    write(p("summed_into_lif.nir"), {"in": inp(1), "a": ("Linear", {"weight": np.full((1, 1), 3.0)}),
                                     "b": ("Affine", {"weight": np.full((1, 1), -1.0), "bias": f64(0.5)}),
                                     "lif": lif_node, "out": out(1)},
          [["in", "a"], ["in", "b"], ["a", "lif"], ["b", "lif"], ["in", "lif"], ["lif", "out"]])
    chain(p("delay.nir"), ("delay", ("Delay", {"delay": f64(0.003)})))
    chain(p("delay_fraction.nir"), ("delay", ("Delay", {"delay": f64(0.0025)})))

    # Nested graph with a flattened, dotted twin: in -> sub (Input -> lin -> lif -> Output) -> out.
    sub = ({"input": inp(1), "lin": ("Linear", {"weight": np.ones((1, 1))}),
            "lif": ("LIF", {"tau": f64(0.01), "r": one, "v_leak": f64(1.2), "v_threshold": one}), "output": out(1)},
           [["input", "lin"], ["lin", "lif"], ["lif", "output"]])
    write(p("nested.nir"), {"in": inp(1), "sub": ("NIRGraph", sub), "out": out(1)}, [["in", "sub"], ["sub", "out"]])
    write(p("dotted.nir"), {"in": inp(1), "sub.lin": ("Linear", {"weight": np.ones((1, 1))}),
                            "sub.lif": ("LIF", {"tau": f64(0.01), "r": one, "v_leak": f64(1.2), "v_threshold": one}),
                            "out": out(1)},
          [["in", "sub.lin"], ["sub.lin", "sub.lif"], ["sub.lif", "out"]])
    # A recurrent network: in -> w_in -> lif <-> w_rec.
    write(p("recurrent.nir"), {"in": inp(2), "w_in": ("Linear", {"weight": np.array([[1.0, 0.5], [0.0, 2.0], [1.0, 1.0]])}),
                               "lif": ("LIF", {"tau": f64(0.01, 0.01, 0.02), "r": f64(1, 1, 1), "v_leak": f64(0, 0, 0),
                                               "v_threshold": f64(0.5, 0.5, 0.5), "v_reset": f64(0, 0, 0)}),
                               "w_rec": ("Linear", {"weight": np.eye(3) * -0.2}), "out": out(3)},
          [["in", "w_in"], ["w_in", "lif"], ["lif", "w_rec"], ["w_rec", "lif"], ["lif", "out"]])
    # An Input whose shape is a placeholder ([1]) in front of a 3 x 2 weight.
    write(p("placeholder.nir"), {"in": inp(1), "aff": ("Affine", {"weight": np.ones((3, 2)), "bias": np.zeros(3)}),
                                 "out": out(3)}, [["in", "aff"], ["aff", "out"]])

    # Convolutions and pooling, with numpy's results for one input.
    rng = np.random.default_rng(7)
    x = rng.integers(0, 2, size=(2, 5, 6)).astype(np.float64)
    w = rng.normal(size=(4, 1, 3, 3)).round(3)
    b = f64(0.5, -0.25, 0.0, 1.0)
    write(p("conv2d.nir"), {"in": inp(2, 5, 6), "conv": ("Conv2d", {
        "weight": w, "bias": b, "stride": np.array([2, 2]), "padding": np.array([1, 1]), "dilation": np.array([1, 1]),
        "groups": np.array(2), "input_shape": np.array([5, 6])}), "out": out(4, 3, 3)}, [["in", "conv"], ["conv", "out"]])
    np.savetxt(p("conv2d_input.csv"), x.reshape(1, -1), delimiter=",")
    np.savetxt(p("conv2d_output.csv"), conv2d_reference(x, w, b, 2, 1, 2).reshape(1, -1), delimiter=",")
    w1 = rng.normal(size=(3, 2, 2)).round(3)
    x1 = rng.integers(0, 2, size=(2, 7)).astype(np.float64)
    y1 = conv2d_reference(x1[:, None, :], w1[:, :, None, :], np.zeros(3), 1, 0, 1)[:, 0, :]
    write(p("conv1d.nir"), {"in": inp(2, 7), "conv": ("Conv1d", {"weight": w1, "bias": np.zeros(3), "stride": np.array([1]),
                                                               "padding": np.array([0]), "dilation": np.array([1]),
                                                               "groups": np.array(1), "input_shape": np.array([7])}),
                            "out": out(3, 6)}, [["in", "conv"], ["conv", "out"]])
    np.savetxt(p("conv1d_input.csv"), x1.reshape(1, -1), delimiter=",")
    np.savetxt(p("conv1d_output.csv"), y1.reshape(1, -1), delimiter=",")
    xp = rng.integers(0, 2, size=(2, 4, 6)).astype(np.float64)
    np.savetxt(p("pool_input.csv"), xp.reshape(1, -1), delimiter=",")
    for kind, average in (("SumPool2d", False), ("AvgPool2d", True)):
        write(p(kind.lower() + ".nir"), {"in": inp(2, 4, 6), "pool": (kind, {"kernel_size": np.array([2, 2]),
                                                                           "stride": np.array([2, 2]),
                                                                           "padding": np.array([0, 0])}),
                                        "out": out(2, 2, 3)}, [["in", "pool"], ["pool", "out"]])
        np.savetxt(p(kind.lower() + "_output.csv"), pool_reference(xp, 2, 2, average).reshape(1, -1), delimiter=",")
    # A dilated, unevenly strided and padded convolution with groups (for the export round trip).
    write(p("conv2d_dilated.nir"), {"in": inp(4, 7, 9), "conv": ("Conv2d", {
        "weight": np.random.default_rng(11).normal(size=(6, 2, 2, 3)).round(3), "bias": f64(0.5, -0.25, 0.0, 1.0, 2.0, -1.0),
        "stride": np.array([1, 2]), "padding": np.array([2, 1]), "dilation": np.array([2, 1]),
        "groups": np.array(2), "input_shape": np.array([7, 9])}), "out": out(6, 9, 5)}, [["in", "conv"], ["conv", "out"]])
    # conv -> flatten -> linear: shapes chain through Flatten.
    write(p("conv_flatten.nir"), {"in": inp(2, 5, 6), "conv": ("Conv2d", {
        "weight": w, "bias": b, "stride": np.array([2, 2]), "padding": np.array([1, 1]), "dilation": np.array([1, 1]),
        "groups": np.array(2), "input_shape": np.array([5, 6])}),
        "flat": ("Flatten", {"start_dim": np.array(0), "end_dim": np.array(-1)}),
        "lin": ("Linear", {"weight": np.ones((2, 36))}), "out": out(2)},
        [["in", "conv"], ["conv", "flat"], ["flat", "lin"], ["lin", "out"]])

    # A convolutional network shaped like the NIR paper's N-MNIST one (2 x 34 x 34 events -> conv 16 -> IF ->
    # sum pool -> conv 32 -> IF -> sum pool -> flatten -> linear 10 -> IF), with random weights.
    def conv(c_out, c_in, k, pad, hw):
        return ("Conv2d", {"weight": rng.normal(scale=0.3, size=(c_out, c_in, k, k)), "bias": np.zeros(c_out),
                           "stride": np.array([1, 1]), "padding": np.array([pad, pad]), "dilation": np.array([1, 1]),
                           "groups": np.array(1), "input_shape": np.array(hw)})
    def if_layer(*shape):
        return ("IF", {"r": np.full(shape, 1000.0), "v_threshold": np.ones(shape), "v_reset": np.zeros(shape)})
    pool = ("SumPool2d", {"kernel_size": np.array([2, 2]), "stride": np.array([2, 2]), "padding": np.array([0, 0])})
    write(p("cnn.nir"), {
        "input": inp(2, 34, 34), "conv1": conv(16, 2, 5, 2, [34, 34]), "if1": if_layer(16, 34, 34), "pool1": pool,
        "conv2": conv(32, 16, 3, 1, [17, 17]), "if2": if_layer(32, 17, 17), "pool2": pool,
        "flatten": ("Flatten", {"start_dim": np.array(0), "end_dim": np.array(-1)}),
        "fc": ("Linear", {"weight": rng.normal(scale=0.1, size=(10, 32 * 8 * 8))}), "if3": if_layer(10), "output": out(10)},
        [["input", "conv1"], ["conv1", "if1"], ["if1", "pool1"], ["pool1", "conv2"], ["conv2", "if2"], ["if2", "pool2"],
         ["pool2", "flatten"], ["flatten", "fc"], ["fc", "if3"], ["if3", "output"]])

    # Refusals.
    with open(p("not_hdf5.nir"), "w") as f:
        f.write("this is text, not HDF5\n")
    with h5py.File(p("no_graph.nir"), "w") as f:
        f.create_dataset("data", data=np.zeros(3))
    chain(p("unknown.nir"), ("x", ("Spiral", {"turns": f64(3.0)})))
    chain(p("missing.nir"), ("lif", ("LIF", {"tau": f64(0.01), "r": one, "v_threshold": one})))
    write(p("mismatch.nir"), {"in": inp(2), "lin": ("Linear", {"weight": np.ones((3, 2))}),
                              "lif": ("LIF", {"tau": np.full(4, 0.01), "r": np.ones(4), "v_leak": np.zeros(4),
                                              "v_threshold": np.ones(4)}), "out": out(4)},
          [["in", "lin"], ["lin", "lif"], ["lif", "out"]])
    chain(p("delay_real.nir"), ("map", ("Affine", {"weight": np.ones((1, 1)), "bias": f64(1.0)})),
          ("delay", ("Delay", {"delay": f64(0.002)})))
    write(p("bad_shape.nir"), {"in": ("Input", {"shape": np.array([-1], dtype=np.int64)}),
                               "lin": ("Linear", {"weight": np.ones((1, 1))}), "out": out(1)},
          [["in", "lin"], ["lin", "out"]])
    write(p("bad_edge.nir"), {"in": inp(1), "out": out(1)}, [["in", "nowhere"]])
    chain(p("nonfinite.nir"), ("lif", ("LIF", {"tau": f64(np.nan), "r": one, "v_leak": one, "v_threshold": one})))
    chain(p("bad_reset_metadata.nir"), ("lif", ("LIF", {"tau": f64(0.01), "r": one, "v_leak": one, "v_threshold": one,
                                                      "metadata": {"reset_at_crossing": [2.0]}})))
    # The same LIF twice: reset at the crossing (NIR's meaning), and at the end of the step (spark's
    # metadata), driven above threshold by v_leak 1.2.
    for name, meta in (("lif_reset_crossing.nir", {}), ("lif_reset_step_end.nir", {"metadata": {"reset_at_crossing": [0.0]}})):
        chain(p(name), ("lif", ("LIF", {"tau": f64(0.01), "r": one, "v_leak": f64(1.2), "v_threshold": one, **meta})))


if __name__ == "__main__":
    main(sys.argv[1])
