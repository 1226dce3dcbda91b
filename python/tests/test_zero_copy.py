"""Inputs reach the kernel at the caller's address and outputs come back at the kernel's:
the address_probe plugin (python/tests/plugins) writes both addresses into its output."""

from __future__ import annotations

import numpy as np
import pytest

import graphrun as gr


@pytest.fixture(scope="module")
def probe(test_graphs, probe_plugin):
    return gr.load(test_graphs / "address_probe.yaml", plugins=[probe_plugin])


def test_a_contiguous_array_of_the_graphs_dtype_is_not_copied(probe):
    x = np.arange(1000, dtype=np.float64)
    where = probe.run(x=x)["where"]
    assert int(where[0]) == x.ctypes.data


def test_the_output_array_is_the_kernels_buffer(probe):
    where = probe.run(x=np.ones(8))["where"]
    assert int(where[1]) == where.ctypes.data
    assert where.flags.c_contiguous and where.flags.writeable


def test_other_arrays_are_converted_once(probe):
    x32 = np.arange(8, dtype=np.float32)
    assert int(probe.run(x=x32)["where"][0]) != x32.ctypes.data
    strided = np.arange(16, dtype=np.float64)[::2]
    where = probe.run(x=strided)["where"]
    assert int(where[0]) != strided.ctypes.data


def test_a_read_only_array_is_used_in_place(probe):
    x = np.arange(8, dtype=np.float64)
    x.setflags(write=False)
    assert int(probe.run(x=x)["where"][0]) == x.ctypes.data


def test_a_torch_tensor_is_not_copied(probe):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (tools/setup.sh --reference)")
    t = torch.arange(100, dtype=torch.float64)
    assert int(probe.run(x=t)["where"][0]) == t.data_ptr()


def test_outputs_outlive_the_graph(test_graphs):
    g = gr.load(test_graphs / "affine_tanh.yaml")
    y = g.run(x=np.linspace(-1, 1, 1000, dtype=np.float32))["y"]
    del g
    expected = (np.float32(1.5) * np.linspace(-1, 1, 1000, dtype=np.float32) + np.float32(0.25))
    np.testing.assert_allclose(y, np.tanh(expected) * expected, rtol=1e-6)


class DlpackOnly:
    """An array that only speaks DLPack (as JAX arrays and other libraries' tensors do)."""

    def __init__(self, array: np.ndarray):
        self._array = array

    def __dlpack__(self, stream=None):
        return self._array.__dlpack__()

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


def test_a_dlpack_object_is_not_copied(probe):
    x = np.arange(64, dtype=np.float64)
    assert int(probe.run(x=DlpackOnly(x))["where"][0]) == x.ctypes.data
