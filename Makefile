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
test: install
	$(PY) -m pytest -q tests
	NUMBA_ENABLE_CUDASIM=1 $(PY) -m pytest -q tests/cudasim

demo: install
	rm -rf demo-output
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/mpiexec -n $(NP) $(PY) -m hpcsim run decks/linalg/diffusion2d.toml -o demo-output
	$(VENV)/bin/hpcsim-post plot demo-output --out demo-output/demo.png
	@echo "demo figure: $(CURDIR)/demo-output/demo.png"

# Benchmarks run one rank with a numba thread per core (BLAS stays single-threaded: OMP_NUM_THREADS=1, so that
# its spinning threads do not steal cores from the numba kernels); the 2-rank entries launch mpiexec themselves.
bench: install
	$(PY) -m pip install --quiet -e ".[bench]"
	NUMBA_NUM_THREADS=$$($(PY) -c 'import os; print(len(os.sched_getaffinity(0)))') $(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .numba_cache demo-output build *.egg-info
