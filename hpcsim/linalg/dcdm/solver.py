"""DCDM as a solver method and the network as a flexible-CG preconditioner.

The learned direction of a residual r is z = m N(r / ||r||) (m the fluid mask with obstacles, else 1): the
network sees a normalised residual, as in training, and the scale of z is irrelevant to the iteration. A network
with the mask pyramid reads the obstacle operator's fluid mask (all fluid for an operator without obstacles). DCDM is
then

    z_k = m N(r_k / ||r_k||);  p_k = z_k - sum_{j=k-d}^{k-1} (z_k.A p_j / p_j.A p_j) p_j
    alpha_k = p_k.r_k / p_k.A p_k;  x += alpha_k p_k;  r -= alpha_k A p_k

until the true relative residual ||b - A x|| / ||b|| is below rtol: exactly flexible CG with d = `dcdm_directions`
retained directions (the official code keeps 2) and the network as its preconditioner, so `DCDM` is `FlexibleCG`
with that preconditioner (`fcg` with preconditioner = "dcdm" keeps one direction).
"""
import math
from pathlib import Path

import numpy as np

from ...errors import InputError
from ..krylov import FlexibleCG
from .forward import make_forward
from .network import Network

MODELS = Path(__file__).parent / "models"


def weights_path(name):
    """A weights file: a path, or the name of a model shipped in hpcsim/linalg/dcdm/models (without .h5)."""
    if not name:
        raise InputError("method dcdm and preconditioner dcdm need a weights file; shipped models: "
                         f"{', '.join(sorted(p.stem for p in MODELS.glob('*.h5')))}", "solver.dcdm_weights")
    path = Path(name)
    if path.is_file():
        return path
    shipped = MODELS / f"{name}.h5"
    if shipped.is_file():
        return shipped
    raise InputError(f"no such weights file or shipped model {name!r}; shipped: "
                     f"{', '.join(sorted(p.stem for p in MODELS.glob('*.h5')))}", "solver.dcdm_weights")


class LearnedDirection:
    """Flexible preconditioner z = m N(r / ||r||) (module docstring); nonlinear, so for FlexibleCG only."""

    symmetric = False
    fused_dot = False
    may_stall = True        # FlexibleCG's stall safeguard: a CG step when the residual stops falling

    def __init__(self, operator, network, inference="auto"):
        self.op, self.forward = operator, make_forward(network, operator.mesh, operator.backend, inference)
        self.fluid = getattr(operator, "fluid", None)
        if network.inputs == 2:
            if self.fluid is None and not network.masked:
                raise InputError("this DCDM model was trained with obstacles and needs an obstacle operator",
                                 "solver.dcdm_weights")
            self.forward.input[1][...] = 1.0 if self.fluid is None else self.fluid.astype(np.float32)
        self.interior = operator.mesh.interior

    def apply(self, r, z):
        """z = m N(r / ||r||) on the owned cells (z = 0 for r = 0)."""
        op = self.op
        norm = math.sqrt(op.mesh.comm.allreduce(op.kernels.dot(r, r, op.g, op.n)))
        if norm == 0.0:
            z[...] = 0.0
            return None
        self.forward.input[0][self.interior] = r[self.interior] / norm
        y = self.forward.run()
        z[self.interior] = y[0][self.interior]
        if self.fluid is not None:
            z[self.interior] *= self.fluid[self.interior]
        return None


class DCDM(FlexibleCG):
    """The deep conjugate direction method: FlexibleCG with the learned direction (module docstring)."""

    name = "DCDM"


def learned_direction(operator, table):
    """The learned direction of the [solver] table's `dcdm_weights` for `operator`."""
    return LearnedDirection(operator, Network.load(weights_path(table.get("dcdm_weights"))),
                            table.get("dcdm_inference", "auto"))


def build(operator, table):
    """solver.method = "dcdm"."""
    return DCDM(operator, table["rtol"], table["max_iterations"], learned_direction(operator, table),
                directions=table["dcdm_directions"])
