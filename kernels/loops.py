"""Kernel loops generated from one declaration, for numba on the CPU and numba.cuda on the GPU (PyFR's pattern).

A per-cell kernel is declared once as a `CellLoop`: the per-element body it calls at every owned cell (i, j, k) of
3-D ghosted block arrays, the launcher's parameters (always including the ghost offsets `g` and the owned extent
`n`), the arguments of the body call, and how many sums the launcher returns (`reduce`): none (a map), the sum of
the body's float over the owned cells (1), or, for a body returning an m-tuple, the m sums as a 1-D array (m > 1:
several dot products fused into one pass and one `Allreduce` buffer). `generate(group, target, loops, bodies)` renders the source of

  cpu:  one `@njit(parallel=True, cache=True)` loop nest per declaration: `prange` over i, serial j and k; a
        reduction sums each i-plane into `partial[i]` and the planes serially (`sum_planes`), so the result is
        the same for any thread count;
  gpu:  one `@cuda.jit` kernel per declaration, one thread per cell on the launch geometry of `gpu_grid`, block
        sums in shared memory (a fixed tree) into one partial per block (one row of partials per sum), and a
        host launcher with the CPU loop's signature that returns the sum of the partials as the CPU loop does
        (a float, or a host numpy array of m sums; tuples of arrays are passed as their components);

writes it under the kernel cache directory (named by a hash of every kernel source, so an edit of a body gives a
new file and numba's on-disk cache of the CPU loops stays valid) and imports it. The per-element bodies are
compiled for the target by `twice.compile_for` inside the generated module; a call expression may use any of
them (e.g. a step length computed from device-resident scalars).
"""
import importlib.util
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

from . import source_digest


@dataclass(frozen=True)
class CellLoop:
    """One per-cell kernel: `name(params)` calls `body(call)` at every owned cell (see the module docstring).
    `reduce`: 0 (or False) a map, 1 (or True) the sum of the body's float, m > 1 the sums of its m-tuple.
    `tuples` names the parameters that are tuples of three arrays (a vector field's components)."""

    name: str
    body: str
    params: str
    call: str
    reduce: int = 0
    doc: str = ""
    tuples: tuple = ()


@njit(cache=True)
def sum_planes(partial):
    """Sum of the per-plane partial sums in plane order (serial: the same result for any thread count)."""
    total = 0.0
    for v in partial:
        total += v
    return total


@njit(cache=True)
def sum_plane_rows(partial):
    """Column sums of the (planes, m) partial sums, added in plane order."""
    total = np.zeros(partial.shape[1])
    for i in range(partial.shape[0]):
        total += partial[i]
    return total


_CPU_HEADER = '''
import numpy as np
from numba import njit, prange

from hpcsim.kernels.loops import sum_plane_rows, sum_planes
from hpcsim.kernels.twice import compile_for

_cell = compile_for(njit(inline="always"), {bodies})
'''

_CPU_REDUCE = '''

@njit(parallel=True, fastmath=False, cache=True)
def {name}({params}):
    """{doc}"""
    partial = np.zeros(n[0])
    for i in prange(g[0], g[0] + n[0]):
        acc = 0.0
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                acc += {body}({call})
        partial[i - g[0]] = acc
    return sum_planes(partial)
'''

_CPU_REDUCE_ROWS = '''

@njit(parallel=True, fastmath=False, cache=True)
def {name}({params}):
    """{doc}"""
    partial = np.zeros((n[0], {m}))
    for i in prange(g[0], g[0] + n[0]):
        {zero_sums}
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                {values} = {body}({call})
                {add_values}
        {store_sums}
    return sum_plane_rows(partial)
'''

_CPU_MAP = '''

@njit(parallel=True, fastmath=False, cache=True)
def {name}({params}):
    """{doc}"""
    for i in prange(g[0], g[0] + n[0]):
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                {body}({call})
'''

_GPU_HEADER = '''
from numba import cuda

from hpcsim.kernels.gpu_grid import block_sum, launch, owned_cell, reduce_block_rows, reduce_blocks
from hpcsim.kernels.twice import compile_for

_cell = compile_for(cuda.jit(device=True), {bodies})
'''

_GPU_REDUCE = '''

@cuda.jit
def _{name}({kernel_params}, partial):
    i, j, k, inside = owned_cell(g, n)
    value = 0.0
    if inside:
        value = {body}({call})
    block_sum(value, partial)


def {name}({params}):
    """{doc}"""
    return reduce_blocks(_{name}, {first}, n, {arguments})
'''

_GPU_REDUCE_ROWS = '''

@cuda.jit
def _{name}({kernel_params}, partial):
    i, j, k, inside = owned_cell(g, n)
    {zero_values}
    if inside:
        {values} = {body}({call})
    {block_sums}


def {name}({params}):
    """{doc}"""
    return reduce_block_rows(_{name}, {first}, n, {m}, {arguments})
'''

_GPU_MAP = '''

@cuda.jit
def _{name}({kernel_params}):
    i, j, k, inside = owned_cell(g, n)
    if inside:
        {body}({call})


def {name}({params}):
    """{doc}"""
    _{name}[launch(n)]({arguments})
'''


_RESERVED = re.compile(r"i|j|k|inside|partial|(acc|value)\d*")      # the generated loops' own names


def _split(params):
    return [p.strip() for p in params.split(",")]


def _flatten(loop):
    """(kernel parameters, launcher arguments, call) with each tuple parameter t replaced by t_0, t_1, t_2."""
    kernel, arguments, call = [], [], loop.call
    for p in _split(loop.params):
        if p in loop.tuples:
            kernel += [f"{p}_{c}" for c in range(3)]
            arguments.append(f"*{p}")
            call = re.sub(rf"\b{p}\[(\d)\]", rf"{p}_\1", call)
        else:
            kernel.append(p)
            arguments.append(p)
    return ", ".join(kernel), ", ".join(arguments), call


def _rows(m):
    """The statements of an m-sum reduction (m > 1), one per sum, for the templates' placeholders."""
    values = [f"value{c}" for c in range(m)]
    return dict(values=", ".join(values),
                zero_sums="\n        ".join(f"acc{c} = 0.0" for c in range(m)),
                add_values="\n                ".join(f"acc{c} += value{c}" for c in range(m)),
                store_sums="\n        ".join(f"partial[i - g[0], {c}] = acc{c}" for c in range(m)),
                zero_values="\n    ".join(f"value{c} = 0.0" for c in range(m)),
                block_sums="\n    ".join(f"block_sum(value{c}, partial[{c}])" for c in range(m)))


def render(target, loops, bodies):
    """Source text of the generated module of `loops` for `target` ("cpu" or "gpu"); `bodies`: the per-element
    functions to compile (callees before callers)."""
    imports = "".join(f"from {f.__module__} import {f.__name__}\n" for f in bodies)
    header = (_CPU_HEADER if target == "cpu" else _GPU_HEADER).format(bodies=", ".join(f.__name__ for f in bodies))
    names = "".join(f"{f.__name__} = _cell.{f.__name__}\n" for f in bodies)
    text = f'"""Generated by hpcsim.kernels.loops for {target}: do not edit."""\n{imports}{header}{names}'
    for loop in loops:
        if "g" not in _split(loop.params) or "n" not in _split(loop.params):
            raise ValueError(f"loop {loop.name}: the parameters must include g and n")
        taken = [p for p in _split(loop.params) if _RESERVED.fullmatch(p.lstrip("*"))]
        if taken:
            raise ValueError(f"loop {loop.name}: parameter names {sorted(taken)} are the generated loop's own")
        m = int(loop.reduce)
        rows = _rows(m)
        if target == "cpu":
            template = _CPU_REDUCE_ROWS if m > 1 else _CPU_REDUCE if m else _CPU_MAP
            text += template.format(name=loop.name, params=loop.params, doc=loop.doc, body=loop.body, call=loop.call,
                                    m=m, **rows)
        else:
            kernel_params, arguments, call = _flatten(loop)
            template = _GPU_REDUCE_ROWS if m > 1 else _GPU_REDUCE if m else _GPU_MAP
            text += template.format(name=loop.name, params=loop.params, doc=loop.doc, body=loop.body, call=call,
                                    kernel_params=kernel_params, arguments=arguments,
                                    first=_split(loop.params)[0].lstrip("*"), m=m, **rows)
    return text


def _directory():
    from numba import config

    base = Path(config.CACHE_DIR) if config.CACHE_DIR else Path(tempfile.gettempdir()) / f"hpcsim-{os.getuid()}"
    path = base / f"hpcsim-loops-{source_digest()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def generate(group, target, loops, bodies):
    """Render, write (atomically, only when the text changed, so that numba's cache stays valid) and import
    the generated module `group`_`target` of `loops`; returns the module."""
    text = render(target, loops, bodies)
    path = _directory() / f"{group}_{target}_loops.py"
    if not path.exists() or path.read_text() != text:
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(text)
        os.replace(tmp, path)
    name = f"hpcsim.kernels.generated_{group}_{target}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module        # numba's cache finds the module of a cached loop by its name
    spec.loader.exec_module(module)
    return module


def export(namespace, module, loops):
    """Put the launchers of `loops` from the generated `module` into a kernel module's `namespace`; returns
    their names (the module's `__all__` part)."""
    names = [loop.name for loop in loops]
    namespace.update({name: getattr(module, name) for name in names})
    return names
