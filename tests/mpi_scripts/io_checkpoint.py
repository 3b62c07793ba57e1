"""Checkpoint round trips across rank counts: python io_checkpoint.py ROOT_IN ROOT_OUT.

Reads the newest checkpoint in ROOT_IN (written by another rank count; no rank state expected) and checks it
bit for bit against io_fields, then writes step 20 of the same fields into ROOT_OUT with this rank count and
reads it back (rank state expected). Prints 'ok' per rank.
"""
import sys

import numpy as np
from io_fields import random_global

from hpcsim.io import find_latest, read_checkpoint, write_checkpoint
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

SHAPE = (9, 7)
comm = Comm()
root_in, root_out = sys.argv[1], sys.argv[2]


def expected(mesh):
    sl = mesh.block_slices()
    return {"u": random_global(SHAPE, 1)[sl], "v": random_global(SHAPE, 2)[sl]}


def check(ckpt, mesh, same_ranks):
    for name, want in expected(mesh).items():
        assert ckpt.fields[name].shape == want.shape and np.array_equal(ckpt.fields[name], want), name
    assert ckpt.state["dt"] == 0.1 + 0.2 and ckpt.state["counts"] == [1, 2, 3]
    assert np.array_equal(ckpt.state["history"], random_global((5,), 3))
    if same_ranks:
        assert ckpt.rank_state == {"rank": comm.rank, "rng": ckpt.rank_state["rng"]}
        rng = np.random.default_rng()
        rng.bit_generator.state = ckpt.rank_state["rng"]
        assert rng.random() == np.random.default_rng([7, comm.rank]).random()
    else:
        assert ckpt.rank_state is None


# read what another rank count wrote, on a process grid of our own choosing
mesh = Mesh.create(comm, SHAPE, (1.0, 1.0), "periodic")
path, _ = find_latest(root_in)
check(read_checkpoint(path, comm, mesh), mesh, same_ranks=False)

# write with a grid that cuts the second axis, read back on the default grid
mesh_w = Mesh.create(comm, SHAPE, (1.0, 1.0), "periodic", process_grid=[1, comm.size])
rng = np.random.default_rng([7, comm.rank])
state = {"dt": 0.1 + 0.2, "counts": [1, 2, 3], "history": random_global((5,), 3)}
write_checkpoint(root_out, 20, 2.0, comm, mesh_w, expected(mesh_w), state,
                 {"rank": comm.rank, "rng": rng.bit_generator.state}, "deck", "0.0-test", keep=2)
path, _ = find_latest(root_out)
check(read_checkpoint(path, comm, mesh), mesh, same_ranks=True)
print(f"rank {comm.rank}: ok", flush=True)
