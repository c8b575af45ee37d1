"""The catalogue of components and neuron templates, as `spark list` prints it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple

from . import _spark


@dataclass(frozen=True)
class Port:
    """A declared port. kind: "spikes", "current", "potential", "float", "integer", "mask", or "any"
    (adapts to its input); empty for a neuron template's ports, whose description names the inner
    port they lead to."""

    name: str
    kind: str
    description: str
    optional: bool = False  # inputs: may stay unwired
    settable: bool = False  # properties: may be written by an effect


@dataclass(frozen=True)
class Parameter:
    """A config field: its default (None when required), units ("ms", "pA", "" when none), bounds
    ("> 0", ">= 0", "[0, 1]", "0 or 1", "" when none)."""

    name: str
    type: str
    default: Any
    units: str
    bounds: str
    description: str
    required: bool


@dataclass(frozen=True)
class ComponentInfo:
    """A component (category "soma", "synapses", "delays", "plasticity", "interface", ...) or a
    neuron template (category "neuron", with its inner `nodes` as (name, type))."""

    name: str
    class_name: str
    category: str
    description: str
    inputs: List[Port] = field(default_factory=list)
    outputs: List[Port] = field(default_factory=list)
    properties: List[Port] = field(default_factory=list)
    parameters: List[Parameter] = field(default_factory=list)
    nodes: List[Tuple[str, str]] = field(default_factory=list)

    def parameter(self, name: str) -> Optional[Parameter]:
        """The parameter called `name`, or None."""
        return next((p for p in self.parameters if p.name == name), None)


def _info(entry: dict) -> ComponentInfo:
    return ComponentInfo(
        name=entry["name"], class_name=entry["class_name"], category=entry["category"],
        description=entry["description"],
        inputs=[Port(**p) for p in entry["inputs"]],
        outputs=[Port(**p) for p in entry["outputs"]],
        properties=[Port(**p) for p in entry["properties"]],
        parameters=[Parameter(**p) for p in entry["parameters"]],
        nodes=[tuple(n) for n in entry["nodes"]])


def components() -> List[ComponentInfo]:
    """Every registered component and neuron template, with ports and parameters."""
    return [_info(entry) for entry in _spark._components()]


def describe(type: str) -> ComponentInfo:
    """One component or neuron template by registry name ("leaky_soma") or class name ("LeakySoma").

    Raises GraphError naming the closest names when there is none.
    """
    return _info(_spark._describe(type))
