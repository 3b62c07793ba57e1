"""Electromagnetic fields on the Yee grid of a periodic distributed mesh (normalised units, c = 1).

E, B and J are three block arrays each (staggering in `kernels/pic/yee_elements.py`). Faraday is split in two
half steps so that B, like E, is known at integer times (where the particles gather both):
    B^{n+1/2} = B^n - (dt/2) curl E^n
    E^{n+1}   = E^n + dt (curl B^{n+1/2} - J^{n+1/2})
    B^{n+1}   = B^{n+1/2} - (dt/2) curl E^{n+1}
which is the Yee leapfrog, with its dispersion relation sin^2(omega dt/2)/dt^2 = sum_a sin^2(k_a h_a/2)/h_a^2
and stability for dt < 1 / sqrt(sum_a 1/h_a^2) (`courant_limit`).
"""
import math


def courant_limit(spacing):
    """Largest stable dt of the Yee scheme: 1 / sqrt(sum_a 1/h_a^2) (c = 1)."""
    return 1.0 / math.sqrt(sum(1.0 / h**2 for h in spacing))


class YeeFields:
    def __init__(self, mesh, backend):
        if not all(mesh.periodic):
            raise ValueError("the Yee solver supports periodic meshes only")
        self.mesh, self.backend, self.xp = mesh, backend, backend.xp
        self.kernels = backend.kernels("pic.yee")
        self.e = tuple(mesh.zeros(self.xp) for _ in range(3))
        self.b = tuple(mesh.zeros(self.xp) for _ in range(3))
        self.j = tuple(mesh.zeros(self.xp) for _ in range(3))
        self.g, self.n = tuple(mesh.ghosts), tuple(mesh.local_shape)
        self.o = tuple(1 if a < mesh.ndim else 0 for a in range(3))
        self.d = tuple(1.0 / mesh.spacing[a] if a < mesh.ndim else 0.0 for a in range(3))

    def _fill(self, components):
        for c in components:
            self.mesh.fill_ghosts(c)

    def half_faraday(self, dt):
        """B -= (dt/2) curl E."""
        self._fill(self.e)
        self.kernels.faraday(self.e, self.b, 0.5 * dt, self.g, self.n, self.o, self.d)

    def ampere(self, dt):
        """E += dt (curl B - J)."""
        self._fill(self.b)
        self.kernels.ampere(self.e, self.b, self.j, dt, self.g, self.n, self.o, self.d)

    def step(self, dt):
        """One vacuum (or given-J) leapfrog step from B^n, E^n to B^{n+1}, E^{n+1}."""
        self.half_faraday(dt)
        self.ampere(dt)
        self.half_faraday(dt)

    def filter_current(self, passes):
        """Smooth J with `passes` binomial (1, 2, 1)/4 passes per used axis: the transfer function of mode k is
        prod_a cos^2(k_a h_a / 2)^passes, removing the grid-scale noise of the deposition."""
        if passes == 0:
            return
        scratch = self.mesh.zeros(self.xp)
        for c in self.j:
            for _ in range(passes):
                self.mesh.fill_ghosts(c)
                self.kernels.binomial(c, scratch, self.g, self.n, self.o)
                c[self.mesh.interior] = scratch[self.mesh.interior]

    def energy(self):
        """(E energy, B energy): sum of |E|^2 / 2 and |B|^2 / 2 times the cell volume over the global mesh."""
        mesh, xp = self.mesh, self.xp
        out = []
        for field in (self.e, self.b):
            local = sum(float(xp.sum(mesh.owned(c) ** 2)) for c in field)
            out.append(0.5 * mesh.comm.allreduce(local) * mesh.cell_volume)
        return tuple(out)
