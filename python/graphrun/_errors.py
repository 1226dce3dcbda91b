"""The exceptions graphrun raises. Their messages are those of the ``graphrun`` command."""

from __future__ import annotations

from typing import NamedTuple, Sequence


class Diagnostic(NamedTuple):
    """One problem found in a graph file (line and column are 1-based; 0 = unknown)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {self.message}" if where else self.message


class GraphError(ValueError):
    """The graph file is invalid. ``diagnostics`` lists every problem, in file order;
    ``str(error)`` is exactly what ``graphrun check`` prints."""

    def __init__(self, message: str, diagnostics: Sequence[tuple[str, int, int, str]] = ()):
        super().__init__(message)
        self.diagnostics: list[Diagnostic] = [Diagnostic(*d) for d in diagnostics]


class UsageError(ValueError):
    """A call graphrun cannot honour: an unknown or missing input, a wrong shape or dtype,
    an unknown param or device. Raised before anything runs."""


class PluginError(ValueError):
    """A plugin library could not be loaded (not found, wrong ABI, missing entry point)."""


class DeviceError(RuntimeError):
    """The requested device is not available (``device="cuda"`` without a usable GPU)."""


class RunError(RuntimeError):
    """A failure while the graph ran; the message names the node, op and plugin."""
