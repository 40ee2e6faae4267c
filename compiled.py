"""numba, in one place: how training's stand-ins compile their loops.

A stand-in (``optimizer.FusedAdam``, ``layers.MaskRelu``, ...) does the arithmetic of a
printed class in one loop over its arrays, compiled to machine code, where numpy would make a
new array for every operation. The loops use the arrays' own precision, operation for
operation as the book writes them (no fused multiply-add, no reordering), so their results
are the book's bit for bit; the tests check that with ``array_equal``.
"""

from __future__ import annotations

import numpy as np

COMPILED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))  # the precisions an MLP trains in


def jit(function, signature):
    """``function`` compiled for float32 and for float64, now, and cached on disk beside its module.

    Parameters
    ----------
    function : Python function
        A loop over numpy arrays.
    signature : callable
        ``signature(numba, float_type)`` -> the numba signature of ``function`` for that
        float type (``numba.float32`` or ``numba.float64``).

    numba loads here, when a stand-in is first made, not with the modules (its import takes
    about half a second), so code that never trains never pays it. ``error_model="numpy"``
    lets a division by zero give inf, as in numpy, instead of raising: that check would stop
    the loop from being vectorised.
    """
    import numba

    signatures = [signature(numba, t) for t in (numba.float32, numba.float64)]
    return numba.njit(signatures, cache=True, nogil=True, error_model="numpy")(function)
