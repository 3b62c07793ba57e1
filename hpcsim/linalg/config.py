"""The [solver] deck section and the factory that builds the configured solver for an operator.

`METHODS` maps each `solver.method` to a builder `(operator, table) -> solver` that receives the whole resolved
[solver] table, so a method with keys of its own (a weights file, a history depth) reads them itself; the
section's defaults are the one source of every solver default.
"""
from ..deck.schema import Key, Section
from ..errors import InputError
from .cg import CG
from .cg_deferred import DeferredCheckCG
from .krylov import CG1, FlexibleCG, PipelinedCG
from .preconditioners import PRECONDITIONERS, make_preconditioner


def krylov(cls):
    """Builder of a Krylov method that takes (operator, rtol, max_iterations, preconditioner)."""
    def build(operator, table):
        pc = make_preconditioner(table["preconditioner"], operator, table)
        return cls(operator, table["rtol"], table["max_iterations"], pc)
    return build


def conjugate_gradients(operator, table):
    """CG; on one GPU the variant that keeps the scalars on the device and checks every `check_every`."""
    if operator.backend.name == "gpu" and operator.mesh.comm.size == 1:
        pc = make_preconditioner(table["preconditioner"], operator, table)
        return DeferredCheckCG(operator, table["rtol"], table["max_iterations"], pc, table["check_every"])
    return krylov(CG)(operator, table)


def deep_conjugate_directions(operator, table):
    """DCDM (the learned network's directions, A-orthogonalised against the last `dcdm_directions`)."""
    from .dcdm.solver import build

    return build(operator, table)


METHODS = {"cg": conjugate_gradients, "cg1": krylov(CG1), "pipecg": krylov(PipelinedCG), "fcg": krylov(FlexibleCG),
           "dcdm": deep_conjugate_directions}

def check_solver(table, where="solver"):
    """Method and preconditioner must fit: the learned DCDM direction is a nonlinear map, which only flexible CG
    takes as a preconditioner (CG, CG1 and pipelined CG need a fixed SPD one); method dcdm is its own
    preconditioner."""
    method, pc = table["method"], table["preconditioner"]
    if pc == "dcdm" and method != "fcg":
        raise InputError(f"the learned DCDM direction is nonlinear: method = '{method}' needs a fixed symmetric "
                         "preconditioner; use method = 'fcg' (flexible CG) with it, or method = 'dcdm'",
                         f"{where}.preconditioner")
    if method == "dcdm" and pc != "none":
        raise InputError(f"method = 'dcdm' takes its directions from the network and uses no preconditioner; "
                         f"remove preconditioner = '{pc}' or use method = 'fcg' with preconditioner = 'dcdm'",
                         f"{where}.preconditioner")


SOLVER = Section("solver", "Linear solver for the implicit solves (matrix-free, distributed).", [
    Key("method", "str", "cg", "Krylov method: cg (conjugate gradients), cg1 (single-reduction, "
        "Chronopoulos-Gear), pipecg (pipelined, Ghysels-Vanroose, Iallreduce overlapped with the operator), fcg "
        "(flexible CG, for variable or nonlinear preconditioners), dcdm (learned conjugate directions, Kaneda et al. "
        "2023; needs dcdm_weights).", choices=tuple(METHODS)),
    Key("preconditioner", "str", "none", "Preconditioner: none, Jacobi, Chebyshev polynomial, or a geometric "
        "multigrid V-cycle.", choices=tuple(PRECONDITIONERS)),
    Key("rtol", "float", 1e-8, "Stop when the true relative residual ||b - A x|| / ||b|| is below this.",
        minimum=0.0, maximum=1.0, exclusive_minimum=True),
    Key("max_iterations", "int", 10000, "Iteration cap; exceeding it stops the run with an error.", minimum=1),
    Key("mg_sweeps", "int", 2, "Multigrid: Chebyshev smoothing steps before and after each coarse correction.",
        minimum=1),
    Key("mg_smoother", "str", "chebyshev", "Multigrid smoother (rbgs: red-black Gauss-Seidel, shifted Laplacian "
        "only).", choices=("chebyshev", "jacobi", "rbgs")),
    Key("mg_coarse", "str", "rediscretise", "Multigrid coarse operators: rediscretise (the same discretisation on "
        "each coarser grid) or galerkin (R A P, assembled; for variable coefficients, large shifts and the "
        "biharmonic operator).", choices=("rediscretise", "galerkin")),
    Key("chebyshev_steps", "int", 4, "Chebyshev preconditioner: polynomial degree.", minimum=1),
    Key("check_every", "int", 8, "GPU, one rank, method cg: iterations between convergence checks (the scalars "
        "stay on the device and the host reads the residual history only then; at most check_every - 1 "
        "iterations run past the tolerance).", minimum=1),
    Key("dcdm_weights", "str", None, "DCDM network (method dcdm, or preconditioner dcdm with fcg): a weights file "
        "written by `hpcsim train`, or the name of a shipped model (hpcsim/linalg/dcdm/models)."),
    Key("dcdm_inference", "str", "auto", "DCDM network's forward pass: kernels (the project's numba / numba.cuda "
        "kernels, any rank count), torch (PyTorch, one CPU rank), auto (on one CPU rank with torch installed the "
        "faster of the two, timed once; else kernels).", choices=("auto", "kernels", "torch")),
    Key("dcdm_directions", "int", 2, "DCDM: earlier search directions each new one is A-orthogonalised against.",
        minimum=1),
], check=check_solver)


def make_solver(operator, table):
    """The solver of a [solver] table for `operator` (keys it lacks take the section's defaults)."""
    table = SOLVER.resolve(dict(table))
    return METHODS[table["method"]](operator, table)
