"""Preloading torch's native library off the GIL: it loads the real file, and torch still
imports and works afterwards (in a fresh interpreter, so nothing else loaded it first)."""

import subprocess
import sys

from studio.core.preload import preload_library

CHECK = """
from studio.core.preload import preload_torch
loaded = preload_torch()
maps = open("/proc/self/maps").read()
imported_before = "torch" in __import__("sys").modules
import torch
print(loaded, "libtorch_cpu.so" in maps, imported_before, float(torch.ones(3).sum()))
"""


def test_preload_loads_libtorch_before_the_import_and_torch_still_works():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "False", "3.0"]


def test_a_missing_package_or_file_is_no_error():
    assert preload_library("no_such_package_here", "lib/x.so") is False
    assert preload_library("numpy", "lib/no-such-library.so") is False


def test_a_file_that_is_not_a_library_is_no_error(tmp_path):
    assert preload_library("studio", "core/preload.py") is False  # exists, but dlopen refuses it
