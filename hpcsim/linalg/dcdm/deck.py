"""The [dcdm] deck section of `hpcsim train` (the problem to train on and the training settings), and the
operator it describes. A training deck holds [mesh] and [dcdm]; see decks/linalg/dcdm_train_*.toml."""
from ...deck.core import MESH
from ...deck.schema import Key, Section
from ...errors import InputError
from ..operators import ShiftedLaplacian
from .network import AUTO, MAX_LEVELS
from .obstacles import ObstacleLaplacian


def _spheres(value, where):
    if not isinstance(value, list) or not all(isinstance(s, list) and all(isinstance(v, (int, float)) for v in s)
                                              for s in value):
        raise InputError("give a list of spheres [centre..., radius], e.g. [[0.5, 0.5, 0.1]]", where)
    return [[float(v) for v in s] for s in value]


_INT_LEVELS = Key("levels", "int", minimum=1, maximum=MAX_LEVELS)


def _levels(value, where):
    """An integer from 1 to MAX_LEVELS, or "auto" (the shared network)."""
    if value == AUTO:
        return value
    if isinstance(value, str):
        raise InputError(f"must be an integer from 1 to {MAX_LEVELS} or {AUTO!r}, got {value!r}", where)
    return _INT_LEVELS.validate(value, where)


def _mask_needs_shared(table, where):
    if table["mask_pyramid"] and table["levels"] != AUTO:
        raise InputError(f"the mask pyramid is a variant of the shared network: set levels = {AUTO!r}",
                         f"{where}.mask_pyramid")


DCDM = Section("dcdm", "Train the DCDM network on alpha u - beta Lap u (with solid spheres: Neumann obstacles).", [
    Key("alpha", "float", 0.0, "Shift alpha >= 0.", minimum=0.0),
    Key("beta", "float", 1.0, "Diffusion coefficient beta > 0.", minimum=0.0, exclusive_minimum=True),
    Key("obstacles", "any", [], "Solid spheres (circles in 2-D) [centre..., radius] in domain coordinates; the "
        "network then also reads the fluid mask.", check=_spheres),
    Key("ritz_vectors", "int", 200, "Lanczos steps: Ritz vectors the right-hand sides are built from.", minimum=2),
    Key("samples", "int", 256, "Training right-hand sides.", minimum=1),
    Key("low_weight", "float", 9.0, "Weight of the lower half of the spectrum in the right-hand sides (the upper "
        "half has weight 1).", minimum=0.0),
    Key("channels", "int", 16, "Channels of every hidden convolution.", minimum=1),
    Key("levels", "any", 1, "Pooling levels of the network (a U-Net: the receptive field grows as 2^levels; 1 is "
        f"the published network), or {AUTO!r}: one down and one up block shared by every level, the level count "
        "chosen per grid (a learned V-cycle). Stored in the weights file.", check=_levels),
    Key("mask_pyramid", "bool", False, f"With levels = {AUTO!r}: every convolution also reads its features times "
        "the fluid fraction of its level's cells (the fluid mask average-pooled to every level; all fluid without "
        "obstacles), so the shared blocks see the obstacles on every level (weights format /4)."),
    Key("mask_init", "str", "zero", "With the mask pyramid: the initial weights W' of the features times the mask, "
        "'zero' (the network starts as the shared box network) or 'random' (PyTorch's default, like W; how the "
        "shipped masked models started). 24 channels on the 16^3 sphere: stuck at loss 0.985 after 20 epochs "
        "from 'random', 0.0036 after 60 from 'zero'.", choices=("zero", "random")),
    Key("epochs", "int", 20, "Passes over the training set.", minimum=1),
    Key("batch", "int", 16, "Right-hand sides per optimiser step.", minimum=1),
    Key("learning_rate", "float", 1e-3, "Adam learning rate (of the first epoch).", minimum=0.0,
        exclusive_minimum=True),
    Key("lr_decay", "float", 1.0, "Learning-rate factor per epoch: epoch e (from 0) runs at learning_rate * "
        "lr_decay^e (1: constant).", minimum=0.0, exclusive_minimum=True, maximum=1.0),
    Key("seed", "int", 0, "Seed of the Lanczos start vector, the sample weights and the initial weights."),
    Key("checkpoint_every", "int", 1, "Epochs between checkpoints (training resumes from the newest).", minimum=1),
], check=_mask_needs_shared)

SECTIONS = (MESH, DCDM)


def make_operator(mesh, table, backend):
    """The operator of a [dcdm] table on `mesh`."""
    if table["obstacles"]:
        return ObstacleLaplacian(mesh, table["alpha"], table["beta"], table["obstacles"], backend)
    return ShiftedLaplacian(mesh, table["alpha"], table["beta"], backend)
