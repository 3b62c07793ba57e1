"""Fill ghosts of a distributed field for many shapes/ghost widths/boundaries and compare with the reference.

Usage: python halo_check.py  (any number of ranks). Prints 'halo ok N' on rank 0 after N cases.
"""
import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from halo_reference import global_field, padded_reference  # noqa: E402

from hpcsim.errors import InputError  # noqa: E402
from hpcsim.mesh import Mesh  # noqa: E402
from hpcsim.parallel import Comm  # noqa: E402

comm = Comm()
kinds = [("periodic", "periodic"), ("dirichlet", "dirichlet"), ("neumann", "neumann"), ("dirichlet", "neumann")]
cases = 0
for shape in [(13,), (9, 7), (7, 6, 5)]:
    ndim = len(shape)
    for g in (1, 2, 3):
        for bcs in itertools.product(kinds, repeat=ndim):
            if ndim == 3 and len(set(bcs)) == 1 and bcs[0][0] != "periodic":
                continue  # keep the 3-D sweep short; mixed and periodic cases cover the paths
            try:
                mesh = Mesh.create(comm, shape, [1.0 + 0.5 * a for a in range(ndim)], [list(b) for b in bcs], g)
            except InputError:
                continue  # blocks thinner than the ghost width are refused, as the decks are
            values = [[0.3 * (a + 1), -0.7 * (a + 1)] if bcs[a][0] != "periodic" else [0.0, 0.0]
                      for a in range(ndim)]
            f = global_field(shape)
            ref = padded_reference(f, ndim, g, bcs, values, mesh.spacing)
            u = np.full(mesh.array_shape, np.nan)
            sl = tuple(slice(o, o + n) for o, n in zip(mesh.local_offset, mesh.local_shape))
            u[mesh.interior] = f[sl]
            mesh.fill_ghosts(u, values)
            # the block's window of the padded reference: global offset .. offset + n + 2g per axis
            win = tuple(slice(o, o + n + 2 * gg) for o, n, gg in zip(mesh.local_offset, mesh.local_shape, mesh.ghosts))
            expect = ref[win]
            if not np.array_equal(u, expect):
                bad = np.argwhere(u != expect)[:5]
                raise AssertionError(f"rank {comm.rank}: shape {shape} g {g} bcs {bcs}: mismatch at {bad.tolist()}")
            cases += 1
total = comm.allreduce(cases)
if comm.is_root:
    print(f"halo ok {total}")
