"""hpcsim: an MPI domain-decomposed simulation code (TF-PIC, linear solvers, phase field, chemotaxis).

`kernels/` is installed as the subpackage `hpcsim.kernels` (the name `kernels` is taken on PyPI), and
`postprocess/` as its own light top-level package (numpy, h5py, matplotlib; no MPI, no numba), so that it
runs on a laptop against files copied off the cluster.
"""
from setuptools import find_packages, setup

VERSION = "0.1.0"

setup(
    name="hpcsim",
    version=VERSION,
    description="MPI domain-decomposed simulation code: EM-PIC, Krylov/multigrid, phase field, chemotaxis",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["hpcsim", "hpcsim.*", "postprocess"])
    + ["hpcsim.kernels"] + [f"hpcsim.kernels.{p}" for p in find_packages(where="kernels")],
    package_dir={"hpcsim.kernels": "kernels"},
    package_data={"hpcsim": ["templates/*.sh", "linalg/dcdm/models/*.h5"]},
    install_requires=[
        "numpy>=1.24",
        "scipy>=1.10",
        "numba>=0.59",
        "h5py>=3.8",
        "mpi4py>=3.1",
        "tomli>=2.0; python_version<'3.11'",
        "tomli-w>=1.0",
        "matplotlib>=3.6",
    ],
    extras_require={
        # Development and CI only: the mpich wheel gives a self-contained MPI. Cluster users build mpi4py
        # against their system MPI instead (see README) and never install this extra.
        "dev": [
            "mpich",
            "pytest>=7",
            "pytest-timeout",
            "wheel",                 # builds ./postprocess as its own distribution in the tests
            "openpmd-validator",
            "openpmd-api",
            "openpmd-viewer",
            "torch==2.13.0",         # the DCDM training tests (the `learn` extra); here the CPU build
        ],
        "gpu": ["cupy-cuda12x"],
        "bench": ["pyamg", "py-pde", "fipy"],
        "learn": ["torch==2.13.0"],      # `hpcsim train` (DCDM); the CPU build installs quickly
    },
    entry_points={
        "console_scripts": [
            "hpcsim=hpcsim.cli:main",
            "hpcsim-post=postprocess.cli:main",
        ],
    },
)
