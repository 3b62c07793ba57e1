"""Ladder item 3: Darken-Oriani two-phase bar. Two beta reservoirs at the ends of a 1-D bar under a linear
temperature hold the alpha segment between them at its equilibrium composition c_alpha(T(x)) at both interfaces;
the steady flux through the segment is J = -M [f_cc(c_alpha) c_alpha'(T) + Q*_alpha / T] G (the constant-T
convention's dmu_eq/dT, `thermodynamics`), constant along the segment up to the (G L / T)^2 / 12 = 1e-3 spread of
1/T. The diffuse interfaces add an O(l / L) shift of the pinned compositions (l = sqrt(kappa / 2A) / (c_b - c_a)
= 0.4, segment L = 160: 0.1% measured; 1.2% with kappa = 1), and the approach to steady state has the time
scale L^2 / (pi^2 M f_cc) = 1600 (t = 3000: within 0.2%). Tolerance 2% (the spec)."""
import numpy as np

from support import advance, build

G = 1e-3
BAR = {"thermodynamics": "two_phase", "rho": 5.0, "c_alpha": 0.3, "c_beta": 0.7, "c_alpha_slope": 0.1,
       "c_beta_slope": 0.1, "T_ref": 1.0, "kappa": 0.25, "M": 1.0, "heat_of_transport": [-0.5, -0.5],
       "temperature": "linear", "T0": 1.0, "gradient": [G], "initial": "precipitates",
       "centres": [[0.0], [200.0]], "radii": [20.0, 20.0], "adaptive_tol": 1e-4}


def face_flux(model, i):
    """(J, T_face) of the face between cells i - 1 and i (block indices), from the model's own fields."""
    model.update_rate()
    h = model.mesh.spacing[0]
    mu, s, temp, heat, mob = (np.asarray(a[:, 0, 0]) for a in (model.mu, model.s, model.temp, model.heat,
                                                                model.mob))
    t_face, dt = 0.5 * (temp[i] + temp[i - 1]), temp[i] - temp[i - 1]
    drive = mu[i] - mu[i - 1] - 0.5 * (s[i] + s[i - 1]) * dt + 0.5 * (heat[i] + heat[i - 1]) / t_face * dt
    return -2.0 * mob[i] * mob[i - 1] / (mob[i] + mob[i - 1]) * drive / h, t_face


def test_steady_flux_through_the_alpha_segment_is_darken_oriani():
    m = build(BAR, {"shape": [800], "length": [200.0], "bc": "neumann"}, 0.01)
    advance(m, 3000.0)
    flux, t_face = face_flux(m, m.mesh.ghosts[0] + 400)
    expected = m.thermo.darken_oriani_flux(t_face, G, "alpha")
    assert expected > 0.0
    assert abs(flux / expected - 1.0) < 0.02, flux / expected - 1.0
