"""Paths the tests need, given by ctest (python/CMakeLists.txt) through the environment."""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run these tests through ctest (tools/test.sh)")
    return value


@pytest.fixture(scope="session")
def source_dir() -> pathlib.Path:
    return pathlib.Path(_required("GRAPHRUN_SOURCE_DIR"))


@pytest.fixture(scope="session")
def graphrun_exe() -> str:
    return _required("GRAPHRUN_EXE")


@pytest.fixture(scope="session")
def probe_plugin() -> str:
    return _required("GRAPHRUN_PROBE_PLUGIN")


@pytest.fixture(scope="session")
def misbehaving_plugin() -> str:
    return _required("GRAPHRUN_MISBEHAVING_PLUGIN")


@pytest.fixture(scope="session")
def test_graphs() -> pathlib.Path:
    return pathlib.Path(__file__).parent / "graphs"


@pytest.fixture(scope="session")
def cli(graphrun_exe):
    """Runs the graphrun command; returns (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        done = subprocess.run([graphrun_exe, *map(str, args)], capture_output=True, text=True, timeout=300)
        return done.returncode, done.stdout, done.stderr

    return run
