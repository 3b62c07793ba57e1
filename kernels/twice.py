"""Compile plain per-element Python functions for one target (numba CPU or numba.cuda device).

Per-element functions call each other by name (`apply_at` calls `shifted_laplacian_at`). `compile_for`
compiles them in dependency order, giving each a copy of its module globals in which the names of the
functions already compiled point at their compiled versions, so the same source serves both targets.
"""
import types


def compile_for(decorator, *functions):
    """Compile `functions` (callees before callers) with `decorator`; returns a namespace of the results."""
    compiled = {}
    for func in functions:
        scope = dict(func.__globals__)
        scope.update(compiled)
        clone = types.FunctionType(func.__code__, scope, func.__name__, func.__defaults__, func.__closure__)
        compiled[func.__name__] = decorator(clone)
    return types.SimpleNamespace(**compiled)
