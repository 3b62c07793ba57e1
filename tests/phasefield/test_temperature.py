"""The imposed temperature from an expression and from an HDF5 file equals the linear one they describe, and
a file of the wrong shape is one clear input error."""
import h5py
import numpy as np
import pytest

from support import build, owned

from hpcsim.errors import InputError

BASE = {"thermodynamics": "two_phase", "initial": "uniform", "c0": 0.3, "T0": 1.0}
MESH = {"shape": [12, 6], "length": [12.0, 6.0], "bc": ["neumann", "periodic"]}


def test_expression_and_file_match_the_linear_field(tmp_path):
    model = build({**BASE, "temperature": "linear", "gradient": [0.01, 0.0]}, MESH, 0.1)
    linear = owned(model, model.temp)
    expression = build({**BASE, "temperature": "expression", "temperature_expression": "1 + 0.01 * x + 0 * y"},
                       MESH, 0.1)
    np.testing.assert_allclose(owned(expression, expression.temp), linear, rtol=1e-15)
    with h5py.File(tmp_path / "T.h5", "w") as f:
        f["T"] = linear
    from_file = build({**BASE, "temperature": "file", "temperature_file": f"{tmp_path / 'T.h5'}:T"}, MESH, 0.1)
    np.testing.assert_array_equal(owned(from_file, from_file.temp), linear)
    with h5py.File(tmp_path / "bad.h5", "w") as f:
        f["T"] = linear[:-1]
    with pytest.raises(InputError, match="phasefield.temperature_file: dataset has shape"):
        build({**BASE, "temperature": "file", "temperature_file": f"{tmp_path / 'bad.h5'}:T"}, MESH, 0.1)
