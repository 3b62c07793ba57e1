"""The per-cell loops of the chemotaxis family, declared once (`loops.CellLoop`) and generated for the CPU
(`chemotaxis_cpu`) and the GPU (`chemotaxis_gpu`). `rho` is the cell density n, `o` the neighbour offsets and
`d` = 1/h per axis (0 on unused axes); ghosts of rho and c must be filled. The radial loops take the face areas
and cell volumes of a 1-D radial mesh (`chemotaxis_elements`)."""
from . import chemotaxis_elements as el
from .. import stencil
from ..loops import CellLoop

_AXES = "o[0], o[1], o[2], d[0], d[1], d[2]"

BODIES = (stencil.laplacian_at, el.bernoulli, el.sg_flux, el.bernoulli_minus, el.flux_divergence_at,
          el.density_step_at, el.drift_divergence_at, el.positivity_rate_at, el.lyapunov_density_at,
          el.radial_flux_divergence_at, el.radial_density_step_at, el.radial_positivity_rate_at,
          el.radial_lyapunov_at)
_RADIAL = "area, volume, d[0]"

LOOPS = (
    CellLoop("density_step", "density_step_at", "rho, c, out, g, n, o, d, chi, dt, growth",
             f"rho, c, out, i, j, k, {_AXES}, chi, dt, growth",
             doc="out = n - dt div F(n, c) (Scharfetter-Gummel fluxes), then the logistic step of rate growth."),
    CellLoop("drift_divergence", "drift_divergence_at", "rho, c, out, g, n, o, d, chi",
             f"rho, c, out, i, j, k, {_AXES}, chi",
             doc="out = div of the drift part of the Scharfetter-Gummel flux (the flux less central diffusion)."),
    CellLoop("positivity_rate", "positivity_rate_at", "c, rate, g, n, o, d, chi", f"c, rate, i, j, k, {_AXES}, chi",
             doc="rate = the inverse of the largest step that keeps each cell's n >= 0."),
    CellLoop("lyapunov", "lyapunov_density_at", "rho, c, w, g, n, o, d, chi, a, b, q",
             f"rho, c, w, i, j, k, {_AXES}, chi, a, b, q", True,
             "Local sum of the Lyapunov density (times the cell volume: the functional E)."),
    CellLoop("radial_density_step", "radial_density_step_at", "rho, c, out, g, n, area, volume, d, chi, dt, growth",
             f"rho, c, out, i, {_RADIAL}, chi, dt, growth", doc="`density_step` on a radial mesh."),
    CellLoop("radial_positivity_rate", "radial_positivity_rate_at", "c, rate, g, n, area, volume, d, chi",
             f"c, rate, i, {_RADIAL}, chi", doc="`positivity_rate` on a radial mesh."),
    CellLoop("radial_lyapunov", "radial_lyapunov_at", "rho, c, w, g, n, area, volume, d, chi, a, b, q",
             f"rho, c, w, i, {_RADIAL}, chi, a, b, q", True,
             "Local sum of V times the Lyapunov density (the functional E over the sphere's measure)."),
)
