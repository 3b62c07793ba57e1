# hpcsim developer entry points. `make test` is the README's test command and what CI runs.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
NP     ?= 2
# Two MPI ranks on the 2-core CI machine: one numba thread per rank.
export NUMBA_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export NUMBA_CACHE_DIR ?= $(CURDIR)/.numba_cache

.PHONY: install test demo bench clean

install: $(VENV)/.installed

$(VENV)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

# One pytest for everything runnable on CPU (MPI tests launch `mpiexec -n 2` themselves), then the numba.cuda
# kernels under the CUDA simulator in their own process (the simulator must be enabled before numba is imported).
# The pytest includes the `slurm` group (tests/slurm: jobs on a real one-node Slurm that tests/slurm/cluster.sh
# starts) and the report page in headless chromium; without root, slurm-wlm, munge or chromium (.ci/run installs
# them) those are skipped, and -rs prints why.
test: install
	$(PY) -m pytest -q -rs --durations=25 tests
	NUMBA_ENABLE_CUDASIM=1 $(PY) -m pytest -q tests/cudasim

# The showcase, about a minute on 2 cores: the two-stream instability on 2 ranks (growth rate against the cold
# two-stream theory) and the diffusion deck, then one report page per run.
demo: install
	rm -rf demo-output
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/mpiexec -n $(NP) $(PY) -m hpcsim run decks/pic/two_stream.toml -o demo-output/two_stream
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/mpiexec -n $(NP) $(PY) -m hpcsim run decks/linalg/diffusion2d.toml -o demo-output/diffusion2d
	$(VENV)/bin/hpcsim-post growth demo-output/two_stream --field Ex --mode 1
	$(VENV)/bin/hpcsim-post report demo-output/two_stream demo-output/diffusion2d
	@echo "report pages: $(CURDIR)/demo-output/two_stream/report.html $(CURDIR)/demo-output/diffusion2d/report.html"

# Benchmarks run one rank with a numba thread per core (BLAS stays single-threaded: OMP_NUM_THREADS=1, so that
# its spinning threads do not steal cores from the numba kernels); the 2-rank entries launch mpiexec themselves.
bench: install
	$(PY) -m pip install --quiet -e ".[bench]"
	NUMBA_NUM_THREADS=$$($(PY) -c 'import os; print(len(os.sched_getaffinity(0)))') $(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .numba_cache demo-output build *.egg-info
