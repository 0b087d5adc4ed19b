"""Load a package's large native library ahead of its import, without holding the GIL.

Python holds the GIL while an extension module's shared libraries are loaded, so importing
torch on a worker thread freezes every other thread for as long as the dynamic linker takes
with ``libtorch_cpu.so`` (about 160 ms here: the window's event loop stalls). Calling the C
library's ``dlopen`` through ctypes releases the GIL for the call; the later import then finds
the library already loaded. This is only a speed-up: anything unexpected is ignored and the
import works as before.
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import os
from pathlib import Path

_log = logging.getLogger(__name__)


def preload_library(package: str, relative_path: str) -> bool:
    """``dlopen`` ``relative_path`` (inside the installed ``package``'s folder) with the GIL
    released; True if it is loaded now. ``package`` itself is not imported."""
    try:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            return False
        path = Path(spec.origin).parent / relative_path
        if not path.is_file():
            return False
        dlopen = ctypes.CDLL(None).dlopen  # a foreign call: ctypes releases the GIL around it
        dlopen.restype, dlopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_int]
        return bool(dlopen(os.fsencode(path), os.RTLD_NOW | os.RTLD_GLOBAL))
    except (AttributeError, OSError, ValueError, ImportError) as error:
        _log.debug("could not preload %s/%s: %s", package, relative_path, error)
        return False


def preload_torch() -> bool:
    """Preload torch's CPU library (see the module docstring); True if it is loaded now."""
    return preload_library("torch", "lib/libtorch_cpu.so")
