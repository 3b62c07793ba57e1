"""The electromagnetic PIC cycle on a periodic mesh distributed over any number of ranks.

Per step, with E^n, B^n and u^{n-1/2}, x^n known:
  gather E^n, B^n at x^n -> push u^{n+1/2} (Vay or Boris, inside the exact half steps of the thermodynamic
  forcing for forced species) -> x^{n+1} = x^n + dt v^{n+1/2}
  -> Esirkepov J^{n+1/2} from x^n -> x^{n+1} -> particles migrate to the ranks owning their positions
  (wrapped at the periodic seam) -> ghost sums of J across block edges -> Yee: B^{n+1/2}, E^{n+1}, B^{n+1}.
Gather, push, move and deposit run fused in one pass over the particles (`kernels/advance_*`), which also
flags the particles that may have left the block, so that the migration looks at those only. `shape` (1, 2, 3)
is the order of the particle shape of both the gather and the deposit (`kernels/pic/shape_elements`).
An immobile neutralising background (charge density `background`) enters Gauss's law only.
"""

import math

from ..errors import NumericalError
from ..parallel import migrate
from .fields import YeeFields

PUSHERS = {"vay": 0, "boris": 1}
MARGIN = 1e-6                  # cells


class PIC:
    def __init__(self, mesh, backend, species, pusher="vay", background=0.0, filter_passes=0, forcing=None,
                 shape=1):
        self.mesh, self.species, self.pusher = mesh, species, PUSHERS[pusher]
        self.shape = int(shape)        # particle shape order of the gather and deposit (1, 2, 3)
        if self.shape > 1 and min(mesh.ghosts[:mesh.ndim]) < 3:
            raise ValueError(f"shape {self.shape} needs 3 ghost layers, the mesh has {mesh.ghosts}")
        self.forcing = forcing or {}     # species name -> hpcsim.pic.forcing.Forcing (thermodynamic forcing)
        self.fields = YeeFields(mesh, backend)
        self.advance_k, self.deposit_k = backend.kernels("pic.advance"), backend.kernels("pic.deposit")
        self.sort_k, self.sort_room = backend.kernels("pic.sort"), {}
        nd = mesh.ndim
        self.inv_h = tuple(1.0 / mesh.spacing[a] if a < nd else 0.0 for a in range(3))
        self.shift = tuple(mesh.ghosts[a] - mesh.local_offset[a] - (mesh.origin[a] / mesh.spacing[a] if a < nd
                                                                    else 0.0) for a in range(3))
        self.h = tuple(mesh.spacing) + (1.0,) * (3 - nd)
        # owned local cell coordinates [ghosts, ghosts + n) per axis, narrowed by a margin far above round-off:
        # the kernel flags the particles outside as candidates for migration, which checks them exactly
        self.inner = sum(((mesh.ghosts[a] + MARGIN, mesh.ghosts[a] + mesh.local_shape[a] - MARGIN) if a < nd
                          else (-math.inf, math.inf) for a in range(3)), ())
        self.background = background
        self.filter_passes = filter_passes     # binomial passes on J (smooths grid noise; Gauss's law then only
                                               # holds for the correspondingly filtered charge)

    def step(self, dt):
        f, mesh = self.fields, self.mesh
        for c in (*f.e, *f.b):
            mesh.fill_ghosts(c)
        for c in f.j:
            c[...] = 0.0
        for s in self.species:
            candidates = self.advance(s, dt)
            moved, _ = migrate(mesh, {"x": s.x, "u": s.u, "ids": s.ids}, in_place=True, candidates=candidates)
            s.x, s.u, s.ids = moved["x"], moved["u"], moved["ids"]
        for c in f.j:
            mesh.sum_ghosts(c)
        f.filter_current(self.filter_passes)
        f.step(dt)

    def advance(self, s, dt):
        """Gather, Lorentz step (with the species' forcing around it, if any), move and Esirkepov deposit into
        J, fused in one pass over the particles (`kernels/advance_*`). Returns the kernel's candidates for
        migration (indices; None: any particle)."""
        f, forcing = self.fields, self.forcing.get(s.name)
        coefficients = None if forcing is None else forcing.coefficients(dt, f.xp)
        velocity, temperature = (False, 0) if forcing is None else (forcing.velocity, forcing.temperature_mode)
        candidates = self.advance_k.advance(f.e, f.b, f.j, s.x, s.u, s.qm * dt, dt, self.pusher, coefficients,
                                            velocity, temperature, s.qw, self.inv_h, self.shift, self.h, self.inner,
                                            self.shape)
        if temperature:
            self.check_runaways(s)
        return candidates

    def sort(self):
        """Order every species' particles by the row-major index of their cell in the block (a stable sort,
        `kernels/sort_*`), so that the fused step walks the grids in memory order. The physics is unchanged;
        the order of the current sums, and so the round-off of J, is not."""
        shape = tuple(self.fields.j[0].shape) + (1,) * (3 - self.fields.j[0].ndim)
        for s in self.species:
            order = self.sort_k.cell_order(s.x, self.inv_h, self.shift, shape)
            for a in (s.x, s.u, s.ids):
                self.sort_k.permute(a, order, self._sort_scratch(a))

    def _sort_scratch(self, a):
        """A scratch array for `sort` with a's leading shape and dtype and at least its columns (kept)."""
        key = (a.shape[:-1], a.dtype.str)
        room = self.sort_room.get(key)
        if room is None or room.shape[-1] < a.shape[-1]:
            room = self.fields.xp.empty(a.shape[:-1] + (a.shape[-1] + a.shape[-1] // 16 + 64,), dtype=a.dtype)
            self.sort_room[key] = room
        return room

    def check_runaways(self, s):
        """Collective: stop every rank if the temperature forcing blew a particle up (NaN from the kernel)."""
        runaways = self.mesh.comm.allreduce(int((~self.fields.xp.isfinite(s.u[0])).sum()))
        if runaways:
            raise NumericalError(f"species {s.name}: the temperature forcing ran {runaways} particle(s) away to "
                                 "infinite momentum (finite-time blow-up of du_par/dt = |g| (3T/(2m) - |u|^2/2) for "
                                 "u_par < -sqrt(3T/m - u_perp^2)); reduce the gradient (gradient_length, "
                                 "mfp_over_gradient_length) or raise krook_rate")

    def energies(self):
        """{energy_E, energy_B, energy_kin_<species>, energy_total} (n_0 m_e c^2 times volume in d_e^ndim)."""
        energy_e, energy_b = self.fields.energy()
        out = {"energy_E": energy_e, "energy_B": energy_b}
        for s in self.species:
            out[f"energy_kin_{s.name}"] = self.mesh.comm.allreduce(s.kinetic_energy(self.mesh.cell_volume))
        out["energy_total"] = sum(out.values())
        return out

    def charge_density(self):
        """rho on the nodes (owned cells), the background included."""
        rho = self.mesh.zeros(self.fields.xp)
        for s in self.species:
            self.deposit_k.deposit_rho(rho, s.x, s.qw, self.inv_h, self.shift, self.shape)
        self.mesh.sum_ghosts(rho)
        return rho[self.mesh.interior] + self.background

    def gauss_error(self, scale=0.0):
        """max |div E - rho| / max(max |rho|, scale) over the mesh (div E by backward differences, E_x at
        i+1/2). `scale` (e.g. the species' charge density sum |q_s| n_s) keeps the ratio meaningful when the
        net charge density is itself at round-off (a quiet start of a neutral plasma)."""
        mesh, e = self.mesh, self.fields.e
        for c in e:
            mesh.fill_ghosts(c)
        xp = self.fields.xp
        div = xp.zeros(mesh.local_shape)
        for a in range(mesh.ndim):
            back = [slice(g, g + n) for g, n in zip(mesh.ghosts, mesh.local_shape)]
            back[a] = slice(mesh.ghosts[a] - 1, mesh.ghosts[a] + mesh.local_shape[a] - 1)
            div += (e[a][mesh.interior] - e[a][tuple(back)]) / mesh.spacing[a]
        rho = self.charge_density()
        comm = mesh.comm
        scale = max(comm.allreduce(float(xp.max(xp.abs(rho))), "max"), scale, 1e-300)
        return comm.allreduce(float(xp.max(xp.abs(div - rho))), "max") / scale
