"""Cluster-workflow tests against a real one-node Slurm (see cluster.sh). A package, so that its conftest does
not shadow tests/conftest.py, which test modules import as `conftest`."""
