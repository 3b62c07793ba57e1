"""Known fields for the I/O tests: values from a formula of the global cell indices, so each rank can build its
block and the test the global array. Imported by the io_* MPI scripts and by the tests."""
import numpy as np

DECK = "# résumé of the test deck (UTF-8 on purpose)\n[mesh]\nshape = [9, 7]\n"
CASES = {  # name: (global shape, process grid on 2 ranks: cut an axis other than the first where there is one)
    "1d": ((13,), None),
    "2d": ((9, 7), [1, 2]),
    "3d": ((6, 5, 7), [1, 1, 2]),
}


def index_formula(i, j=0, k=0):
    return 1.0 + i + 1000.0 * j + 1e6 * k + 0.125


def global_field(shape):
    """The formula over the whole global array."""
    return index_formula(*np.indices(shape, dtype=float))


def block_field(mesh):
    """The formula over this rank's owned block (shape mesh.local_shape[:ndim])."""
    i, j, k = mesh.global_index()
    return index_formula(i, j, k).reshape(mesh.local_shape[: mesh.ndim])


def random_global(shape, seed):
    """Full-precision random values (bit-exact round trips), the same on every rank."""
    return np.random.default_rng(seed).standard_normal(shape)
