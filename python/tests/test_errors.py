"""Errors: every invalid shipped graph raises what `graphrun check` reports, with the same
text; run failures name the node, op and plugin; bad inputs raise before anything runs."""

from __future__ import annotations

import os
import pathlib
import re

import numpy as np
import pytest

import graphrun as gr

SOURCE = pathlib.Path(__file__).resolve().parents[2]
INVALID = sorted((SOURCE / "graphs" / "invalid").glob("*.yaml"))


def test_there_are_invalid_graphs():
    assert len(INVALID) >= 50


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_check_raises_what_the_command_prints(path, cli):
    rc, _, err = cli("check", path)
    message = err.rstrip("\n")
    if rc == 0:  # valid for `check`: it fails only when run (a missing data file, ...)
        gr.check(path)
        return
    assert rc == 2, err
    with pytest.raises((gr.GraphError, gr.UsageError, gr.PluginError)) as caught:
        gr.check(path)
    if isinstance(caught.value, gr.GraphError):
        assert str(caught.value) == message
        assert [str(d) for d in caught.value.diagnostics] == message.split("\n")
        assert all(d.file and d.line > 0 for d in caught.value.diagnostics if d.line)
    else:
        assert "graphrun: " + str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_load_raises_the_same_graph_error(test_graphs):
    path = next(p for p in INVALID if p.name.startswith("unknown_op"))
    with pytest.raises(gr.GraphError) as caught:
        gr.load(path)
    assert caught.value.diagnostics and caught.value.diagnostics[0].file.endswith(path.name)


def test_a_kernel_failure_names_node_op_and_plugin(test_graphs, misbehaving_plugin):
    g = gr.load(test_graphs / "fails_in_kernel.yaml", plugins=[misbehaving_plugin])
    with pytest.raises(gr.RunError) as caught:
        g.run()
    text = str(caught.value)
    assert "'bad'" in text and "throws_in_parallel_for" in text and "test_misbehaving" in text
    assert isinstance(caught.value, RuntimeError)


@pytest.mark.parametrize(
    "inputs, says",
    [
        ({}, "graph input 'm' was not given"),
        ({"m": np.ones((4, 2))}, "input 'm' has shape (4, 2), the graph declares (-1, 3)"),
        ({"m": np.ones(3)}, "input 'm' has shape (3,)"),
        ({"m": np.ones((2, 3)), "n": np.ones(3)}, "the graph has no input 'n'"),
        ({"m": np.ones((2, 3), dtype=np.complex128)}, "complex128"),
        ({"m": np.array([["a", "b", "c"]])}, "<U1"),
    ],
)
def test_bad_inputs_raise_before_running(test_graphs, inputs, says):
    g = gr.load(test_graphs / "matrix_rows.yaml")
    with pytest.raises(gr.UsageError) as caught:
        g.run(inputs)
    assert says in str(caught.value)
    assert g.profile() == []  # nothing ran


def test_unknown_param_and_bad_values(test_graphs):
    with pytest.raises(gr.GraphError):
        gr.load(test_graphs / "affine_tanh.yaml", params={"gian": 2.0})
    with pytest.raises(gr.UsageError):
        gr.load(test_graphs / "affine_tanh.yaml", params={"gain": [1, 2]})
    with pytest.raises(gr.UsageError):
        gr.load(test_graphs / "affine_tanh.yaml", device="tpu")
    with pytest.raises(gr.UsageError):
        gr.load(test_graphs / "affine_tanh.yaml", threads=-1)


def test_a_missing_file_and_a_missing_plugin(test_graphs, tmp_path):
    with pytest.raises(gr.GraphError):
        gr.load(tmp_path / "nowhere.yaml")
    with pytest.raises(gr.PluginError):
        gr.load(test_graphs / "affine_tanh.yaml", plugins=[tmp_path / "libnothing.so"])


def test_cuda_without_a_device_says_why(test_graphs):
    g = gr.load(test_graphs / "affine_tanh.yaml", device="auto")
    if g.device == "cuda":
        pytest.skip("a CUDA device is present: device='cuda' loads")
    with pytest.raises(gr.DeviceError) as caught:
        gr.load(test_graphs / "affine_tanh.yaml", device="cuda")
    assert str(caught.value).startswith("no CUDA device: ")
    assert isinstance(caught.value, RuntimeError)


def test_explain_and_dot_check_the_inputs_they_are_given(test_graphs):
    g = gr.load(test_graphs / "matrix_rows.yaml")
    for show in (g.explain, g.dot):
        with pytest.raises(gr.UsageError, match=r"has shape \(5, 4\)"):
            show(m=np.ones((5, 4)))
        with pytest.raises(gr.UsageError, match="no input 'q'"):
            show(q=np.ones((5, 3)))


@pytest.mark.parametrize(
    "call, says",
    [
        (lambda g: g.run({1: np.ones(3)}), "input names are strings"),
        (lambda g: g.run(x=[[1.0, 2.0], [3.0]]), "input 'x' is not an array graphrun can read"),
        (lambda g: g.run(x=(i * 1.0 for i in range(3))), "a generator or iterator is not an array"),
        (lambda g: g.run(x=np.ones(3), **{"x2": 1}), "no input 'x2'"),
    ],
)
def test_python_mistakes_get_usage_errors(test_graphs, call, says):
    g = gr.load(test_graphs / "affine_tanh.yaml")
    with pytest.raises(gr.UsageError, match=re.escape(says)):
        call(g)


def test_params_must_be_a_mapping_and_plugins_may_be_one_path(test_graphs, tmp_path):
    with pytest.raises(gr.UsageError, match="params must be a mapping"):
        gr.load(test_graphs / "affine_tanh.yaml", params=[("gain", 3)])
    with pytest.raises(gr.PluginError, match="libnothing.so"):
        gr.load(test_graphs / "affine_tanh.yaml", plugins=str(tmp_path / "libnothing.so"))
    assert gr.load(os.fsencode(test_graphs / "affine_tanh.yaml")).inputs
