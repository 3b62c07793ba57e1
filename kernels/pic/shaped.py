"""The PIC bodies compiled with a quadratic or cubic particle shape (pic.shape = 2, 3), for either target.

The shape enters the PIC cycle through three per-element functions, each with a shaped twin of the same
signature: the gather's `gather_elements.interpolate` (`interpolate_shaped`), the current's
`deposit_elements.esirkepov_move` (`esirkepov_shaped_move`) and the charge's `deposit_elements.deposit_rho_at`
(`deposit_rho_shaped_at`). `compile_shaped` compiles the twins with `shape_weights` bound to the order's closed
form (`shape_elements.WEIGHTS`) and then the given bodies of the linear cycle (fields_at, load_at, store_at,
esirkepov_at, ...) with the twins under the linear names, so every step above the three is one source for all
orders and both targets.
"""
from . import deposit_elements as de
from . import gather_elements as ge
from . import shape_elements as sh
from ..twice import compile_for

TWINS = {"interpolate": "interpolate_shaped", "esirkepov_move": "esirkepov_shaped_move",
         "deposit_rho_at": "deposit_rho_shaped_at"}


def compile_shaped(decorator, order, *functions, replace=None):
    """`twice.compile_for(decorator, *functions, replace=replace)` with the particle shape of `order` (2 or 3):
    `replace` names the target's versions (fetch, accumulate, esirkepov_currents, ...), compiled here from the
    element modules where it does not."""
    weights = sh.WEIGHTS[order]
    base = compile_for(decorator, weights, sh.pad_after, sh.pad_before)
    names = {**(replace or {}), "shape_weights": getattr(base, weights.__name__), "pad_after": base.pad_after,
             "pad_before": base.pad_before}
    twins = compile_for(decorator, ge.fetch, de.accumulate, de.transverse, de.transverse_or_mean,
                        de.esirkepov_currents, sh.shape_window, ge.interpolate_shaped, de.esirkepov_shaped_move,
                        de.deposit_rho_shaped_at, replace=names)
    names = {**vars(twins), **{linear: getattr(twins, shaped) for linear, shaped in TWINS.items()}}
    return compile_for(decorator, *functions, replace=names)
