import os
import shutil
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "utils"))


@pytest.fixture(scope="session")
def mp_opt():
    """The mp-opt binary of the CMake build (for CLI-vs-Python comparisons)."""
    path = os.environ.get("MP_OPT", os.path.join(ROOT, "build", "bin", "mp-opt"))
    if not os.path.exists(path):
        found = shutil.which("mp-opt")
        if not found:
            pytest.skip("mp-opt is not built")
        path = found
    return path
