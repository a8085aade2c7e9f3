"""Shared paths for the Python tests; ctest sets VALOR_SOURCE_DIR, VALOR_CLI and PYTHONPATH
(python/CMakeLists.txt)."""

import os
import pathlib

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("VALOR_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[2]))
TESTDATA = SOURCE_DIR / "testdata"


@pytest.fixture
def valor_cli():
    """The path of build/bin/valor; skipped when pytest runs outside ctest without VALOR_CLI."""
    cli = os.environ.get("VALOR_CLI")
    if not cli:
        pytest.skip("VALOR_CLI is not set (ctest sets it)")
    assert os.path.exists(cli), f"VALOR_CLI={cli} does not exist: build the valor target"
    return cli
