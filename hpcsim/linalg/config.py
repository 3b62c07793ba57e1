"""The [solver] deck section: the linear solver used by a family's implicit solves."""
from ..deck.schema import Key, Section

SOLVER = Section("solver", "Linear solver for the implicit solves (matrix-free, distributed).", [
    Key("method", "str", "cg", "Krylov method: conjugate gradients.", choices=("cg",)),
    Key("preconditioner", "str", "none", "Preconditioner.", choices=("none", "jacobi")),
    Key("rtol", "float", 1e-8, "Stop when the true relative residual ||b - A x|| / ||b|| is below this.",
        minimum=0.0, maximum=1.0, exclusive_minimum=True),
    Key("max_iterations", "int", 10000, "Iteration cap; exceeding it stops the run with an error.", minimum=1),
])
