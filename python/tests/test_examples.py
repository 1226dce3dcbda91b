"""Every shipped graph that needs no input file, run through Python, equals the command's
output bit for bit."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

import graphrun as gr

SOURCE = pathlib.Path(__file__).resolve().parents[2]
FOLDERS = ["examples", "seed", "ssm", "mamba"]


def shipped_graphs() -> list[pathlib.Path]:
    graphs = []
    for folder in FOLDERS:
        for path in sorted((SOURCE / "graphs" / folder).glob("*.yaml")):
            if "\ninputs:" not in path.read_text():
                graphs.append(path)
    return graphs


def test_there_are_shipped_graphs_to_compare():
    names = {p.parent.name for p in shipped_graphs()}
    assert {"examples", "seed"} <= names
    assert len(shipped_graphs()) >= 8


@pytest.mark.parametrize("path", shipped_graphs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_python_equals_the_command(path, cli, tmp_path):
    # The command's working folder is the graph's, as a user runs it (read nodes name files
    # relative to the graph file, so either works).
    rc, _, err = cli("run", path, "-o", tmp_path, "-q")
    assert rc == 0, err
    result = gr.load(path).run()
    assert list(result) == list(gr.load(path).outputs)
    for name, array in result.items():
        expected = np.load(tmp_path / f"{name}.npy")
        assert array.dtype == expected.dtype, name
        assert array.shape == expected.shape, name
        assert array.tobytes() == expected.tobytes(), f"{path.name}: output {name} differs"
