"""Deck tables of the chemotaxis tests, run in process (`hpcsim.chemotaxis.session`)."""
import math


def table(mesh, run=None, solver=None, **chemotaxis):
    """A deck table: the [chemotaxis] keys given, a [mesh] table, the run's first step / horizon."""
    return {"chemotaxis": chemotaxis, "mesh": mesh, "run": run or {"dt": 0.01, "t_end": 1.0},
            "solver": solver or {"rtol": 1e-12}}


def interval(cells, length=math.pi, dims=1, bc="neumann"):
    return {"shape": [cells] * dims, "length": [length] * dims, "bc": bc}
