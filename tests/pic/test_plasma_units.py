"""Physical-to-normalised plasma parameters: any two of beta_e, omega_pe/Omega_ce, theta_e give the third,
and the derived scales follow from the normalisation."""
import math

import pytest

from hpcsim.errors import InputError
from hpcsim.pic.units import PlasmaParameters


def test_any_two_inputs_give_the_same_plasma():
    ref = PlasmaParameters.from_inputs(beta_e=1.0, wpe_over_wce=10.0)
    assert ref.theta_e == pytest.approx(0.005)           # beta = 2 theta (wpe/wce)^2
    for pair in ({"beta_e": 1.0, "theta_e": 0.005}, {"wpe_over_wce": 10.0, "theta_e": 0.005}):
        p = PlasmaParameters.from_inputs(**pair)
        assert (p.beta_e, p.wpe_over_wce, p.theta_e) == pytest.approx((ref.beta_e, ref.wpe_over_wce, ref.theta_e))


def test_derived_scales():
    p = PlasmaParameters.from_inputs(beta_e=2.0, theta_e=0.01, mass_ratio=100.0, temperature_ratio=0.5)
    d = p.derived(spacing=(0.05, 0.05), dt=0.02)
    assert d["b0"] == pytest.approx(0.1) and d["omega_ce"] == pytest.approx(0.1)   # B0 = Omega_ce/omega_pe
    assert d["omega_cp"] == pytest.approx(0.001)
    assert d["debye_length"] == pytest.approx(0.1)          # lambda_De = v_th,e / omega_pe = sqrt(theta_e) d_e
    assert d["gyroradius_e"] == pytest.approx(1.0)          # v_th,e / Omega_ce
    assert d["skin_depth_p"] == pytest.approx(10.0)
    assert d["v_th_p"] == pytest.approx(math.sqrt(0.005 / 100.0))
    assert d["beta_p"] == pytest.approx(1.0)
    assert d["cells_per_debye_length"] == pytest.approx(2.0)
    assert d["courant_number"] == pytest.approx(0.02 * math.sqrt(2) / 0.05)


@pytest.mark.parametrize("kwargs,message", [
    ({"beta_e": 1.0}, "exactly two"),
    ({"beta_e": 1.0, "wpe_over_wce": 1.0, "theta_e": 0.1}, "exactly two"),
    ({"beta_e": -1.0, "theta_e": 0.01}, "beta_e must be > 0"),
    ({"beta_e": 100.0, "wpe_over_wce": 1.0}, "relativistically hot"),
])
def test_bad_inputs(kwargs, message):
    with pytest.raises(InputError, match=message):
        PlasmaParameters.from_inputs(**kwargs)
