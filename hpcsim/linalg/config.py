"""The [solver] deck section and the factory that builds the configured solver for an operator."""
from ..deck.schema import Key, Section
from .cg import CG
from .cg_deferred import DeferredCheckCG
from .krylov import CG1, FlexibleCG, PipelinedCG
from .preconditioners import PRECONDITIONERS, make_preconditioner

METHODS = {"cg": CG, "cg1": CG1, "pipecg": PipelinedCG, "fcg": FlexibleCG}

SOLVER = Section("solver", "Linear solver for the implicit solves (matrix-free, distributed).", [
    Key("method", "str", "cg", "Krylov method: cg (conjugate gradients), cg1 (single-reduction, "
        "Chronopoulos-Gear), pipecg (pipelined, Ghysels-Vanroose, Iallreduce overlapped with the operator), fcg "
        "(flexible CG, for variable or nonlinear preconditioners).", choices=tuple(METHODS)),
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
])


def make_solver(operator, solver):
    """The solver of a resolved [solver] table for `operator`."""
    pc = make_preconditioner(solver["preconditioner"], operator, solver)
    if solver["method"] == "cg" and operator.backend.name == "gpu" and operator.mesh.comm.size == 1:
        return DeferredCheckCG(operator, solver["rtol"], solver["max_iterations"], pc,
                               solver.get("check_every", 8))
    return METHODS[solver["method"]](operator, solver["rtol"], solver["max_iterations"], pc)
