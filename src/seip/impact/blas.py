"""Run numpy's linear algebra on one thread while the impact engine works.

The matrices here are small (thousands of rows, tens of columns). OpenBLAS splits
even these across every core and, on a busy two-core server (gunicorn workers, the
task worker), its threads spin waiting for each other: measured 10-20x slower than one
thread for a 7,000 x 50 Gram matrix or SVD (docs/decisions/0023-impact-estimates.md).
So the engine's entry points run with one BLAS thread and restore the setting after.

numpy ships its own OpenBLAS (``numpy.libs/libscipy_openblas64_*.so``); we reach its
thread setter through ctypes, as threadpoolctl does, opening only a library that is
already loaded (``RTLD_NOLOAD``). Anything unexpected (another BLAS, another platform)
and this does nothing: correctness never depends on it.
"""

from __future__ import annotations

import ctypes
import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

_SYMBOLS = (
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
)


@functools.cache
def _controls() -> tuple[Any, Any] | None:
    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    mode = getattr(os, "RTLD_NOLOAD", None)
    if mode is None or not libs.is_dir():
        return None
    for path in sorted(libs.glob("lib*openblas*.so*")):
        try:
            lib = ctypes.CDLL(str(path), mode=mode)
        except OSError:
            continue
        for get, set_ in _SYMBOLS:
            if hasattr(lib, get) and hasattr(lib, set_):
                return getattr(lib, get), getattr(lib, set_)
    return None


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    controls = _controls()
    if controls is None:
        yield
        return
    get, set_ = controls
    before = int(get())
    set_(1)
    try:
        yield
    finally:
        set_(before)


def single_threaded[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of ``single_threaded_blas`` for the engine's public functions."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with single_threaded_blas():
            return function(*args, **kwargs)

    return wrapper
