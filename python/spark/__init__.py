"""spark: modular spiking neural networks, simulated by a C++20 runtime.

    import spark
    net = spark.load("examples/networks/alif.txtpb")         # or spark.Network().add(...).connect(...)
    sim = spark.Simulation(net)
    rec = sim.run(1000, record=["pool.out_spikes", "pool.soma.potential"])
    steps, units = rec.spikes["pool.out_spikes"]

spark.components() and spark.describe(type) list the components with their ports and parameters.
Errors are spark.Error subclasses carrying the C++ messages.
"""
from __future__ import annotations

import os
from typing import Union

from . import _spark
from ._catalogue import ComponentInfo, Parameter, Port, components, describe
from ._errors import (ConfigError, Diagnostic, Error, GraphBuildError, GraphError, InternalError, NetworkFileError,
                      ShapeError, SnapshotError)
from ._simulation import Inputs, Recording, Simulation, SpikeTrain
from ._spark import Network, PortSpec

__all__ = [
    "load", "restore", "components", "describe", "Network", "PortSpec", "Simulation", "Inputs", "Recording",
    "SpikeTrain", "ComponentInfo", "Parameter", "Port", "Error", "ConfigError", "NetworkFileError",
    "ShapeError", "GraphError", "GraphBuildError", "Diagnostic", "SnapshotError", "InternalError",
]


def load(path: Union[str, "os.PathLike[str]"]) -> Network:
    """Reads a network file (protobuf text format, schema spark.v1) into a Network.

    Raises NetworkFileError ("file:line:column: ...") when it does not parse or describe a network.
    """
    return _spark._load(os.fspath(path))


def restore(path: Union[str, "os.PathLike[str]"], executor: Union[str, None] = None, threads: int = 1) -> Simulation:
    """Rebuilds the network stored in a snapshot and loads its state (Simulation.restore)."""
    return Simulation.restore(path, executor=executor, threads=threads)


# The public classes present themselves as spark.X (help(), reprs, tracebacks), not as private modules.
for _cls in (Network, PortSpec, Simulation, Inputs, Recording, SpikeTrain, ComponentInfo, Parameter, Port, Error,
             ConfigError, NetworkFileError, ShapeError, GraphError, GraphBuildError, Diagnostic, SnapshotError,
             InternalError):
    _cls.__module__ = __name__
del _cls
