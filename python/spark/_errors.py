"""spark's errors: the Python classes of the C++ error hierarchy (spark::Error and its subclasses).

Every error carries the C++ message unchanged, and the C++ error's fields as attributes. The C++
side (python/src/errors.cpp) picks the class by name through _from_cpp().
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Tuple


class Error(Exception):
    """Base of every problem spark reports (spark::Error)."""


class ConfigError(Error, ValueError):
    """A parameter or config value is unknown, of the wrong type or out of bounds (spark::ConfigError).

    Fields: component (class name), instance (node path), field, value, rule.
    """

    component: str = ""
    instance: str = ""
    field: str = ""
    value: str = ""
    rule: str = ""


class NetworkFileError(ConfigError):
    """A network file that does not parse or does not describe a network.

    The message starts with "file:line:column: "; fields: file, line and column (1-based, 0 when
    unknown) and message (without the location).
    """

    file: str = ""
    line: int = 0
    column: int = 0
    message: str = ""


class ShapeError(Error, ValueError):
    """A port received a payload of the wrong kind or shape (spark::ShapeError).

    Fields: node, port, expected, actual, detail.
    """

    node: str = ""
    port: str = ""
    expected: str = ""
    actual: str = ""
    detail: str = ""


class GraphError(Error):
    """A wiring problem: unknown node or port, dangling input, same-step cycle (spark::GraphError)."""


@dataclass(frozen=True)
class Diagnostic:
    """One problem the build found (spark::graph::Diagnostic).

    code: what is wrong ("unknown_port", "shape_mismatch", ...; `spark check` prints it);
    node, port: the node path and the port or config field concerned ("" when none);
    origin: the statement of the description it comes from, (kind, index) with kind one of "node",
    "wire", "effect", "input", "output", "everywhere" or "none" (e.g. ("wire", 3): net's 4th wire);
    expected, actual: what fits there and what was found ("" when not a comparison);
    message: the sentence shown to a person; suggestions: the closest known names.
    """

    code: str
    node: str
    port: str
    origin: Tuple[str, int]
    expected: str
    actual: str
    message: str
    suggestions: Tuple[str, ...]


class GraphBuildError(GraphError):
    """The build pass found problems: `diagnostics` lists every one as a Diagnostic, `problems` their
    messages; the exception's message has one per line."""

    diagnostics: List[Diagnostic]
    problems: List[str]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.diagnostics = []
        self.problems = []


class SnapshotError(Error):
    """A snapshot could not be read or written, or does not match the network (spark::SnapshotError)."""


class InternalError(RuntimeError):
    """A bug in spark itself (spark::InternalError): please report it."""


_CLASSES = {cls.__name__: cls for cls in (Error, ConfigError, NetworkFileError, ShapeError, GraphError,
                                           GraphBuildError, SnapshotError, InternalError)}


def _from_cpp(kind: str, message: str, fields: Dict[str, Any]) -> BaseException:
    error = _CLASSES[kind](message)
    for name, value in fields.items():
        if name == "diagnostics":
            value = [Diagnostic(**dict(d, origin=tuple(d["origin"]), suggestions=tuple(d["suggestions"])))
                     for d in value]
        setattr(error, name, value)
    return error
