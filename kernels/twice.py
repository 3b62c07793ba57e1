"""Compile plain per-element Python functions for one target (numba CPU or numba.cuda device).

Per-element functions call each other by name (`apply_at` calls `shifted_laplacian_at`). `compile_for`
compiles them in dependency order, giving each a copy of its module globals in which the names of the
functions already compiled point at their compiled versions, so the same source serves both targets.
"""
import types


def compile_for(decorator, *functions, replace=None):
    """Compile `functions` (callees before callers) with `decorator`; returns a namespace of the results.
    `replace` maps a function name to a target-specific version used instead (e.g. an atomic add on the GPU
    for the CPU's plain +=); it must already be compiled for the target."""
    compiled = dict(replace or {})
    for func in functions:
        if func.__name__ in compiled:
            continue
        scope = dict(func.__globals__)
        scope.update(compiled)
        clone = types.FunctionType(func.__code__, scope, func.__name__, func.__defaults__, func.__closure__)
        compiled[func.__name__] = decorator(clone)
    return types.SimpleNamespace(**compiled)
