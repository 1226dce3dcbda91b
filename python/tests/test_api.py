"""The API around a run: declared inputs and outputs, params, explain/dot/ops as the command
prints them, the notebook view, the profile, the version."""

from __future__ import annotations

import pathlib
import re

import numpy as np
import pytest

import graphrun as gr

SOURCE = pathlib.Path(__file__).resolve().parents[2]


def test_inputs_outputs_params(test_graphs):
    g = gr.load(test_graphs / "matrix_rows.yaml")
    assert g.inputs == {"m": gr.TensorSpec((None, 3), np.dtype("float64"))}
    assert list(g.outputs) == ["row_sum"]
    assert g.outputs["row_sum"].shape is None  # depends on m's rows
    t = gr.load(test_graphs / "affine_tanh.yaml", params={"gain": 3})
    assert t.params == {"gain": 3.0, "bias": 0.25}
    assert t.dtype == np.dtype("float32")
    assert gr.load(SOURCE / "graphs/examples/mlp_layer.yaml").outputs["y"].shape is not None


def test_params_match_the_commands_set(test_graphs, cli, tmp_path):
    path = SOURCE / "graphs/seed/euler_vs_exact.yaml"
    text = path.read_text()
    name = re.search(r"^params:\s*\n\s+(\w+):", text, re.M) or re.search(r"params:\s*\{\s*(\w+):", text)
    assert name, "euler_vs_exact.yaml has params"
    param = name.group(1)
    value = gr.load(path).params[param] * 0.5
    rc, _, err = cli("run", path, "--set", f"{param}={value!r}", "-o", tmp_path, "-q")
    assert rc == 0, err
    result = gr.load(path, params={param: value}).run()
    for out, array in result.items():
        assert array.tobytes() == np.load(tmp_path / f"{out}.npy").tobytes()


def test_explain_and_dot_are_the_commands(cli):
    path = SOURCE / "graphs/examples/standardize.yaml"
    g = gr.load(path)
    assert g.explain() == cli("explain", path)[1]
    assert g.dot() == cli("dot", path)[1]
    assert gr.load(path, fuse=False).explain() == cli("explain", path, "--no-fuse")[1]


def test_explain_with_input_shapes(test_graphs):
    g = gr.load(test_graphs / "matrix_rows.yaml")
    assert "?" in g.explain()
    assert "(7,)" in g.explain(m=np.zeros((7, 3)))


def test_ops_lists_what_the_command_lists(cli):
    ops = gr.ops()
    listed = [line.split()[0] for line in cli("ops")[1].splitlines() if line.strip()]
    assert [op["name"] for op in ops] == listed
    ode = next(op for op in ops if op["name"] == "ode")
    assert ode["doc"] and ode["attributes"] and "cpu" in ode["kernels"]
    assert next(op for op in ops if op["name"] == "derivative")["inputs"]
    method = next(a for a in ode["attributes"] if a["name"] == "method")
    assert "rk4" in method["choices"] and method["type"] == "string"
    assert next(op for op in ops if op["name"] == "add")["elementwise"]


def test_result_is_a_dict_with_a_table_view(test_graphs):
    g = gr.load(test_graphs / "affine_tanh.yaml")
    out = g.run({"x": np.array([0.0, 1.0, -1.0], dtype=np.float32)})
    assert isinstance(out, dict) and list(out) == ["y", "total"]
    html = out._repr_html_()
    assert html.count("<tr>") == 3 and "total" in html and "(3,)" in html and "float32" in html
    assert "y: float32 (3,)" in repr(out)


def test_profile_records_the_last_run(test_graphs):
    g = gr.load(SOURCE / "graphs/examples/standardize.yaml", threads=2)
    assert g.profile() == []
    g.run()
    records = g.profile()
    assert records and {"node", "op", "device", "start_ms", "time_ms", "bytes", "gb_per_s", "thread"} <= set(records[0])
    assert all(r["time_ms"] >= 0 and r["device"] == "cpu" for r in records)
    assert {r["node"] for r in records} >= {"x"}


def test_version_is_the_projects():
    cmake = (SOURCE / "CMakeLists.txt").read_text()
    assert gr.__version__ == re.search(r"project\(graphrun VERSION ([0-9.]+)", cmake).group(1)


def test_threads_and_fusion_do_not_change_results():
    path = SOURCE / "graphs/examples/standardize.yaml"
    base = gr.load(path, threads=1).run()
    for options in ({"threads": 2}, {"fuse": False}, {"threads": 2, "fuse": False}):
        other = gr.load(path, **options).run()
        for name in base:
            assert base[name].tobytes() == other[name].tobytes(), (options, name)


@pytest.mark.parametrize("value", [np.ones(5), [1.0, 2.0, 3.0], np.arange(4, dtype=np.int32)])
def test_array_likes_are_accepted(test_graphs, value):
    g = gr.load(test_graphs / "affine_tanh.yaml")
    assert g.run(x=value)["y"].shape == (len(value),)


@pytest.mark.parametrize("s", [3.0, 3, np.float64(3.0), np.float32(3.0), np.array(3.0)])
def test_numbers_are_0d_inputs(test_graphs, s):
    g = gr.load(test_graphs / "scalar_and_vector.yaml")
    assert g.run(s=s, x=np.array([1.0, 2.0]))["y"].tolist() == [3.0, 6.0]
    with pytest.raises(gr.UsageError, match=r"input 'x' has shape \(\)"):
        g.run(s=s, x=2.0)
