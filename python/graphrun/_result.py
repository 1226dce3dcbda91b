"""What a run returns: its outputs by name, with a table view for notebooks."""

from __future__ import annotations

import html

import numpy as np


def _summary(array: np.ndarray) -> tuple[str, str, str]:
    """min, max and mean, ignoring nothing: a NaN shows as nan, as numpy would."""
    if array.size == 0:
        return ("–", "–", "–")
    with np.errstate(all="ignore"):
        values = (array.min(), array.max(), array.mean(dtype=np.float64))
    return tuple(f"{float(v):.6g}" for v in values)  # type: ignore[return-value]


class Result(dict):
    """The outputs of one run, by name in the graph's order (a dict of numpy arrays).
    In Jupyter it shows as a table: name, shape, dtype, min, max, mean."""

    def _repr_html_(self) -> str:
        rows = []
        for name, array in self.items():
            low, high, mean = _summary(array)
            cells = [name, str(tuple(array.shape)), str(array.dtype), low, high, mean]
            rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        head = "".join(f"<th>{h}</th>" for h in ("output", "shape", "dtype", "min", "max", "mean"))
        return f"<table class=\"graphrun-result\"><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"

    def __repr__(self) -> str:
        parts = [f"{name}: {array.dtype} {tuple(array.shape)}" for name, array in self.items()]
        return "Result(" + ", ".join(parts) + ")"
