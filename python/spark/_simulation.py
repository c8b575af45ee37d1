"""spark.Simulation: a built network, stepped from Python at the speed of the C++ API."""
from __future__ import annotations

import os
from typing import Dict, Iterable, Iterator, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from . import _spark
from ._errors import ShapeError
from ._spark import Network, PortSpec

InputSpec = Union[PortSpec, Tuple[str, Sequence[int]]]
PathLike = Union[str, "os.PathLike[str]"]


class SpikeTrain(NamedTuple):
    """The spikes of one SpikeArray port: spike i is unit units[i] at step steps[i] (int64 arrays,
    ordered by step, then unit). Steps are the simulation's global step counter."""

    steps: np.ndarray
    units: np.ndarray


class Recording:
    """What Simulation.run(steps, record=[...]) recorded.

    spikes[label] is a SpikeTrain for every recorded SpikeArray port; traces[label] an array of shape
    (steps_run, *port shape) in the port's dtype for every other port. rec[label] gives either.
    """

    def __init__(self, raw: dict) -> None:
        self.first_step: int = raw["first_step"]  #: step counter before the run
        self.steps_run: int = raw["steps_run"]  #: steps actually run
        self.dt: float = raw["dt"]  #: [ms]
        self.spikes: Dict[str, SpikeTrain] = {k: SpikeTrain(*v) for k, v in raw["spikes"].items()}
        self.traces: Dict[str, np.ndarray] = dict(raw["traces"])

    def __getitem__(self, label: str) -> Union[SpikeTrain, np.ndarray]:
        if label in self.spikes:
            return self.spikes[label]
        if label in self.traces:
            return self.traces[label]
        raise KeyError(f"'{label}' was not recorded (recorded: {', '.join(list(self.spikes) + list(self.traces))})")

    def __contains__(self, label: object) -> bool:
        return label in self.spikes or label in self.traces

    @property
    def steps(self) -> np.ndarray:
        """The global step of every row of the traces."""
        return np.arange(self.first_step, self.first_step + self.steps_run, dtype=np.int64)

    def to_dict(self) -> Dict[str, np.ndarray]:
        """Every recorded spike as columns, in spikes.csv's form: step, time_ms, node, unit (node: the
        label without its port, "pool" for "pool.out_spikes"). pandas.DataFrame(rec.to_dict()) reads it."""
        steps, units, nodes = [], [], []
        for label, train in self.spikes.items():
            steps.append(train.steps)
            units.append(train.units)
            nodes.append(np.full(len(train.steps), label.rpartition(".")[0], dtype=object))
        step = np.concatenate(steps) if steps else np.zeros(0, np.int64)
        unit = np.concatenate(units) if units else np.zeros(0, np.int64)
        node = np.concatenate(nodes) if nodes else np.zeros(0, object)
        order = np.argsort(step, kind="stable")
        return {"step": step[order], "time_ms": step[order] * self.dt, "node": node[order], "unit": unit[order]}

    def __repr__(self) -> str:
        parts = [f"{k}: {len(v.steps)} spikes" for k, v in self.spikes.items()]
        parts += [f"{k}: {v.shape}" for k, v in self.traces.items()]
        last = self.first_step + self.steps_run - 1
        return f"<spark.Recording of steps {self.first_step}..{last}: {'; '.join(parts)}>"


class Inputs(Mapping[str, np.ndarray]):
    """The network inputs' buffers, as writable numpy views of the C++ memory (no copy).

    sim.inputs["signal"][:] = obs and sim.inputs["signal"] = obs both write into the buffer the next
    step reads. A view stays valid (and keeps the simulation alive) as long as it is referenced.
    """

    def __init__(self, sim: "Simulation") -> None:
        self._sim = sim

    def __getitem__(self, name: str) -> np.ndarray:
        return self._sim._input_view(name)

    def __setitem__(self, name: str, value: "np.typing.ArrayLike") -> None:
        view = self._sim._input_view(name)
        try:
            view[...] = value
        except ValueError:
            spec = str(self._sim.input_specs[name])
            error = ShapeError(f"input '{name}': expected {spec}, got an array of shape {np.shape(value)}")
            error.port, error.expected, error.actual = name, spec, str(np.shape(value))
            raise error from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._sim.input_names)

    def __len__(self) -> int:
        return len(self._sim.input_names)

    def __repr__(self) -> str:
        return f"<spark.Inputs {', '.join(self._sim.input_names) or '(none)'}>"


class Simulation(_spark._Simulation):
    """A built, runnable network.

        sim = spark.Simulation(net, inputs={"signal": ("float", (64,))}, executor="tbb", threads=2)
        sim.inputs["signal"][:] = 0.5
        rec = sim.run(1000, record=["pool.out_spikes", "pool.soma.potential"])
        steps, units = rec.spikes["pool.out_spikes"]

    Building checks every wire and shape and raises GraphBuildError listing every problem.
    executor: "sequential" (the reference), "pool" or "tbb"; default sequential for one thread, pool
    otherwise; threads=0 uses every core. All executors give bit-identical results.
    """

    def __init__(self, network: Network, inputs: Optional[Mapping[str, InputSpec]] = None,
                 executor: Optional[str] = None, threads: int = 1) -> None:
        super().__init__(network, dict(inputs) if inputs is not None else None, executor, threads, None)
        self._built = True

    @classmethod
    def restore(cls, path: PathLike, executor: Optional[str] = None, threads: int = 1) -> "Simulation":
        """Builds the network stored in a snapshot and loads it: the run continues where it was saved."""
        sim = cls.__new__(cls)
        _spark._Simulation.__init__(sim, None, None, executor, threads, os.fspath(path))
        sim._built = True
        return sim

    @property
    def inputs(self) -> Inputs:
        """The network inputs as writable numpy views (see Inputs)."""
        return Inputs(self)

    @property
    def time(self) -> float:
        """Simulated time so far [ms] (step_count * dt)."""
        return self.step_count * self.dt

    def run(self, steps: int, record: Iterable[str] = ()) -> Recording:
        """Runs `steps` steps with the GIL released, recording the given "node.port" labels after each.

        A label names any output or property of a flattened node ("pool.soma.potential") or an exported
        port of a neuron ("pool.out_spikes"). SpikeArrays are recorded as spike events, the rest as dense
        traces. Ctrl-C (SIGINT) stops a run on the main thread after the step in progress and raises
        KeyboardInterrupt, whose `recording` attribute holds what was recorded so far; the simulation stays
        usable and step_count tells how far it got. A run on another thread is not interrupted.
        """
        if isinstance(record, str):
            record = [record]
        try:
            return Recording(self._run(int(steps), list(record)))
        except BaseException as interrupted:  # KeyboardInterrupt, or what your SIGINT handler raised
            if isinstance(getattr(interrupted, "recording", None), dict):
                interrupted.recording = Recording(interrupted.recording)
            raise

    def __repr__(self) -> str:
        if not getattr(self, "_built", False):  # its build raised (a traceback shows it): no C++ object
            return "<spark.Simulation (not built)>"
        return (f"<spark.Simulation: {len(self.nodes)} nodes, step {self.step_count}, dt {self.dt:g} ms, "
                f"inputs {self.input_names}>")
