"""graphrun: run computation graphs of numerical operators, described in YAML, on arrays.

    import graphrun as gr
    g = gr.load("graphs/examples/damped_oscillator.yaml", params={"omega": 2.0})
    out = g.run()                  # a Result: output name -> numpy array
    out = g.run(x=np.ones(16))     # graph inputs by name

Inputs are any arrays numpy can read (numpy, torch CPU tensors, JAX CPU arrays, anything
with the buffer protocol or DLPack). A C-contiguous array of the graph's dtype is used
without a copy; anything else is converted once. Outputs are numpy arrays that own the
engine's buffers (no copy). ``run`` releases the GIL, and one loaded graph may run from
several threads at once.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Mapping, NamedTuple, Optional

import numpy as np

from . import _graphrun as _native
from ._errors import DeviceError, Diagnostic, GraphError, PluginError, RunError, UsageError
from ._result import Result

__all__ = [
    "load", "check", "ops", "Graph", "Result", "TensorSpec",
    "GraphError", "Diagnostic", "UsageError", "PluginError", "DeviceError", "RunError",
    "__version__",
]

__version__: str = _native.__version__
plugin_api_version: str = _native.plugin_api_version

# The built-in plugins: beside this file in an installed package, else the build tree's.
_native.init_plugins(os.path.join(os.path.dirname(os.path.abspath(__file__)), "plugins"))


class TensorSpec(NamedTuple):
    """A graph input's or output's declared shape (None: any size) and dtype."""

    shape: Optional[tuple[Optional[int], ...]]
    dtype: np.dtype


def _param_text(name: str, value: Any) -> str:
    """A param value as the command's ``--set name=value`` text (floats round-trip)."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, str):
        return value
    raise UsageError(f"param '{name}': expected a number, a bool or a string, not {type(value).__name__}")


def _param_pairs(params: Optional[Mapping[str, Any]]) -> list[tuple[str, str]]:
    if params is None:
        return []
    if not isinstance(params, Mapping):
        raise UsageError(f"params must be a mapping of name -> value, not {type(params).__name__}")
    return [(str(k), _param_text(str(k), v)) for k, v in params.items()]


def _as_array(name: str, value: Any, dtype: np.dtype) -> np.ndarray:
    """``value`` as a C-contiguous array of ``dtype``: itself when it already is one. A
    Python or numpy number is a 0-d array, as numpy has it."""
    try:
        if isinstance(value, np.ndarray):
            array = value
        elif hasattr(value, "__dlpack__") and hasattr(value, "__dlpack_device__"):
            try:
                array = np.from_dlpack(value)  # torch / JAX CPU tensors, without a copy
            except (TypeError, ValueError, RuntimeError, BufferError):
                array = np.asarray(value)
        else:
            array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise UsageError(f"input '{name}' has dtype {array.dtype}; graphrun computes with real numbers"
                             + (" (a generator or iterator is not an array)" if array.dtype.kind == "O" else ""))
        # order="C" keeps a 0-d array 0-d (np.ascontiguousarray would make it 1-d).
        return np.asarray(array, dtype=dtype, order="C")
    except UsageError:
        raise
    except (TypeError, ValueError, RuntimeError, BufferError) as e:
        raise UsageError(f"input '{name}' is not an array graphrun can read: {e}") from e


def _paths(plugins: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[str]:
    """One plugin path or several, as strings."""
    if isinstance(plugins, (str, bytes, os.PathLike)):
        plugins = [plugins]
    return [os.fsdecode(p) for p in plugins]


def _shape(dims: Optional[list[int]]) -> Optional[tuple[Optional[int], ...]]:
    return None if dims is None else tuple(None if d < 0 else d for d in dims)


class Graph:
    """A graph file loaded and checked once, to be run many times (see :func:`load`)."""

    def __init__(self, native: _native.LoadedGraph):
        self._native = native
        self._dtype = np.dtype(native.dtype)
        self._output_names = [name for name, _ in native.outputs]

    @property
    def file(self) -> str:
        """The graph file's path."""
        return self._native.file

    @property
    def dtype(self) -> np.dtype:
        """The dtype every tensor of the graph has (float32 or float64)."""
        return self._dtype

    @property
    def device(self) -> str:
        """Where runs go: "cpu" or "cuda"."""
        return self._native.device

    @property
    def inputs(self) -> dict[str, TensorSpec]:
        """Graph inputs by name: declared shape (None = any size on that axis) and dtype."""
        return {name: TensorSpec(_shape(dims), self._dtype) for name, dims in self._native.inputs}

    @property
    def outputs(self) -> dict[str, TensorSpec]:
        """Graph outputs by name, in order; the shape is None where it depends on the inputs."""
        specs = {}
        for name, dims in self._native.outputs:
            shape = _shape(dims)
            specs[name] = TensorSpec(None if shape is not None and None in shape else shape, self._dtype)
        return specs

    @property
    def params(self) -> dict[str, float]:
        """The graph's numeric params, with the values this load gave them."""
        return dict(self._native.params)

    def _arrays(self, inputs: Optional[Mapping[str, Any]], named: Mapping[str, Any]) -> dict[str, np.ndarray]:
        if inputs:
            given = dict(inputs)
            for name, value in named.items():
                if name in given:
                    raise UsageError(f"input '{name}' is given twice")
                given[name] = value
        else:
            given = named
        dtype = self._dtype
        arrays = {}
        for name, value in given.items():
            if not isinstance(name, str):
                raise UsageError(f"input names are strings, not {type(name).__name__} ({name!r})")
            # The common case first, without a call: an array that is used as it is.
            if type(value) is np.ndarray and value.dtype == dtype and value.flags.c_contiguous:
                arrays[name] = value
            else:
                arrays[name] = _as_array(name, value, dtype)
        return arrays

    def run(self, inputs: Optional[Mapping[str, Any]] = None, /, **named: Any) -> Result:
        """Runs the graph once and returns its outputs by name (numpy arrays, in order).

        Inputs by keyword (``g.run(x=a)``) or as a mapping (``g.run({"x": a})``). Raises
        UsageError for an unknown, missing or wrongly shaped input before anything runs,
        RunError naming the node, op and plugin when a kernel fails."""
        arrays = self._arrays(inputs, named)
        outputs = self._native.run(arrays)
        return Result(zip(self._output_names, outputs))

    def profile(self) -> list[dict[str, Any]]:
        """Per-step records of the last run that finished (from any thread): node, op,
        device, start_ms, time_ms, bytes, gb_per_s, thread. ``pandas.DataFrame(g.profile())``
        gives a table."""
        return self._native.profile()

    def explain(self, inputs: Optional[Mapping[str, Any]] = None, /, **named: Any) -> str:
        """The text of ``graphrun explain``: the plan after the passes (order, shapes, fusion
        groups, memory), for these inputs' shapes when given."""
        return self._native.explain(self._arrays(inputs, named))

    def dot(self, inputs: Optional[Mapping[str, Any]] = None, /, **named: Any) -> str:
        """The text of ``graphrun dot``: Graphviz DOT of the planned graph."""
        return self._native.dot(self._arrays(inputs, named))

    def __repr__(self) -> str:
        ins = ", ".join(self.inputs) or "no inputs"
        return f"<graphrun.Graph {self.file!r} ({self._dtype}, {self.device}): {ins} -> {', '.join(self._output_names)}>"


def load(path: str | os.PathLike[str], params: Optional[Mapping[str, Any]] = None, device: str = "cpu",
         threads: Optional[int] = None, fuse: bool = True, plugins: Iterable[str | os.PathLike[str]] | str | os.PathLike[str] = ()) -> Graph:
    """Loads and checks a graph file, as ``graphrun run`` does before running it.

    params: overrides of the graph's params (``--set``). device: "cpu", "cuda" (DeviceError
    without a GPU) or "auto" (the GPU when there is one). threads: worker threads (None: all
    cores; 0 too, as ``--threads 0``). fuse: elementwise fusion (``--no-fuse`` when False). plugins: extra plugin
    libraries. Raises GraphError listing every problem of the file."""
    if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool) or threads < 0):
        raise UsageError(f"threads must be None or 0 (every core) or a whole number >= 1, not {threads!r}")
    native = _native.LoadedGraph.load(os.fsdecode(path), _param_pairs(params), _paths(plugins), device,
                                      threads or 0, bool(fuse))
    return Graph(native)


def check(path: str | os.PathLike[str], params: Optional[Mapping[str, Any]] = None,
          plugins: Iterable[str | os.PathLike[str]] | str | os.PathLike[str] = ()) -> None:
    """Checks a graph file as ``graphrun check`` does; raises GraphError listing every problem."""
    _native.check(os.fsdecode(path), _param_pairs(params), _paths(plugins))


def ops() -> list[dict[str, Any]]:
    """Every registered op, as ``graphrun ops OP`` describes it: name, doc, plugin, version,
    inputs and outputs (name, optional, doc), attributes (name, type, required, default,
    choices, doc), elementwise, kernels."""
    return _native.ops()
