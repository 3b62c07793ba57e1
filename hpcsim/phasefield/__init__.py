"""The phase-field thermomigration family: a conserved solute field c under an imposed temperature field T.

    dc/dt = -div J,   J = -M(c, T) [ (grad mu)_T + (Q*/T) grad T ],   mu = df/dc - kappa Lap c

with three thermodynamic descriptions (PFHub benchmark-1 polynomial, a two-phase binary with T-dependent
equilibrium compositions, the ideal dilute interstitial of C and N in iron), explicit and linearly stabilised
semi-implicit steps with an adaptive dt, and precipitate tracking. Modules: `deck` (the [phasefield] section),
`scales` (non-dimensional form), `thermodynamics` (free energies and the analytical migration model),
`temperature`, `initial`, `stepping` (time integrators), `precipitates`, `model` (the family).
"""
