#!/usr/bin/python3
"""Reads a NIR file the way NIR's own reader does (nir/serialization.py, read(): h5py, /version,
/node as a NIRGraph of nodes/<name> with a `type` and one dataset per field, edges as E x 2 strings)
and checks what a NIR primitive's constructor needs. Exit status 0 and "ok ..." when the file is fine.

Usage: /usr/bin/python3 check_nir_file.py FILE.nir [--types]   (--types: then one "name type" line per node)"""
import re
import sys

import h5py
import numpy as np

FIELDS = {
    "Input": ["shape"], "Output": ["shape"], "Affine": ["weight", "bias"], "Linear": ["weight"],
    "Scale": ["scale"], "Threshold": ["threshold"], "Delay": ["delay"], "I": ["r"],
    "IF": ["r", "v_threshold", "v_reset"], "LI": ["tau", "r", "v_leak"],
    "LIF": ["tau", "r", "v_leak", "v_threshold", "v_reset"],
    "CubaLI": ["tau_syn", "tau_mem", "r", "v_leak", "w_in"],
    "CubaLIF": ["tau_syn", "tau_mem", "r", "v_leak", "w_in", "v_threshold", "v_reset"],
    "Conv1d": ["weight", "bias", "stride", "padding", "dilation", "groups"],
    "Conv2d": ["weight", "bias", "stride", "padding", "dilation", "groups"],
    "SumPool2d": ["kernel_size", "stride", "padding"], "AvgPool2d": ["kernel_size", "stride", "padding"],
}
WINDOWED = {"Conv1d": 1, "Conv2d": 2, "SumPool2d": 2, "AvgPool2d": 2}  # spatial dimensions


def text(dataset):
    value = dataset[()]
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def check_graph(group, where):
    assert text(group["type"]) == "NIRGraph", f"{where}: type is not NIRGraph"
    names = set()
    for name, node in group["nodes"].items():
        kind = text(node["type"])
        if kind == "NIRGraph":
            check_graph(node, f"{where}/{name}")
            names.add(name)
            continue
        assert kind in FIELDS, f"{where}/{name}: unknown type {kind}"
        arrays = {}
        for field in FIELDS[kind]:
            assert field in node, f"{where}/{name} ({kind}): missing {field}"
            arrays[field] = np.asarray(node[field][()])
            assert np.issubdtype(arrays[field].dtype, np.number), f"{where}/{name}: {field} is not numeric"
            assert np.all(np.isfinite(arrays[field])), f"{where}/{name}: {field} is not finite"
        if kind in ("Affine", "Linear"):
            assert arrays["weight"].ndim == 2, f"{where}/{name}: weight is not a matrix"
            if kind == "Affine":
                assert arrays["bias"].shape == (arrays["weight"].shape[0],), f"{where}/{name}: bias shape"
        elif kind in WINDOWED:
            spatial = WINDOWED[kind]
            for field in ("stride", "padding", "dilation", "kernel_size"):
                if field in arrays:
                    assert np.issubdtype(arrays[field].dtype, np.integer), f"{where}/{name}: {field} is not integer"
                    assert arrays[field].shape == (spatial,), f"{where}/{name}: {field} shape"
            if kind.startswith("Conv"):
                assert arrays["weight"].ndim == 2 + spatial, f"{where}/{name}: weight dimensions"
                assert arrays["bias"].shape == (arrays["weight"].shape[0],), f"{where}/{name}: bias shape"
        elif kind not in ("Input", "Output"):
            shapes = {a.shape for a in arrays.values()}
            assert len(shapes) == 1, f"{where}/{name}: fields of different shapes {shapes}"
        names.add(name)
    edges = group["edges"][()]
    assert edges.size == 0 or (edges.ndim == 2 and edges.shape[1] == 2), f"{where}: edges are not E x 2"
    for source, target in edges.reshape(-1, 2):
        for end in (source, target):
            end = end.decode("utf8") if isinstance(end, bytes) else end
            assert end.split(".")[0] in names, f"{where}: edge names no node '{end}'"
    return len(names), len(edges)


def types(group, prefix=""):
    """Each node's name and type, nested graphs' nodes as outer.inner."""
    out = {}
    for name, node in group["nodes"].items():
        kind = text(node["type"])
        out[prefix + name] = kind
        if kind == "NIRGraph":
            out.update(types(node, prefix + name + "."))
    return out


def main(path, list_types):
    with h5py.File(path, "r") as f:
        version = text(f["version"])
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"version {version!r}"
        nodes, edges = check_graph(f["node"], "node")
        listed = types(f["node"]) if list_types else {}
    print(f"ok {path}: NIR {version}, {nodes} nodes, {edges} edges")
    for name, kind in sorted(listed.items()):
        print(f"{name} {kind}")


if __name__ == "__main__":
    main(sys.argv[1], "--types" in sys.argv[2:])
