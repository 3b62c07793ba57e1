"""Benchmark harness: runs each registered benchmark in this process tree and prints its side-by-side ratios.

Usage: python benchmarks/run.py [NAME ...] [--json DIR]. Every benchmark measures hpcsim and its reference in
the same run (the machine is shared and noisy: compare ratios, not absolute times across runs). Results also go
to DIR/NAME.json (default benchmarks/results/) with the machine and thread count.
"""
import argparse
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

BENCHMARKS = {
    "linalg_cg": "CG iteration vs scipy CSR CG and the bandwidth floor (128^3)",
    "linalg_mg": "MG-CG setup + solve vs pyamg RS/SA AMG-CG (128^3); iterations at 64^3, 128^3, 256^3",
    "linalg_ranks": "CG and MG-CG on 2 ranks vs 1 rank (128^3)",
    "pic_step": "TF-PIC ns per particle-step (full and push only), 2D3V thermal plasma, 64 ppc, 1 vs 2 ranks",
    "pic_forcing": "TF-PIC fused step with and without thermodynamic forcing (velocity, temperature, both), 2D",
}
# On a GPU machine only, by name: python benchmarks/run.py linalg_gpu
GPU_BENCHMARKS = {
    "linalg_gpu": "CG and MG-CG on one GPU vs its bandwidth floor (256^3); deferred vs synchronised check",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=list(BENCHMARKS),
                    help=f"any of {', '.join(BENCHMARKS)} (default: all of these), or on a GPU machine "
                         f"{', '.join(GPU_BENCHMARKS)}")
    ap.add_argument("--json", type=Path, default=HERE / "results")
    args = ap.parse_args()
    args.json.mkdir(parents=True, exist_ok=True)
    for name in args.names:
        if name not in BENCHMARKS and name not in GPU_BENCHMARKS:
            sys.exit(f"unknown benchmark {name!r}; choose from {', '.join([*BENCHMARKS, *GPU_BENCHMARKS])}")
        module = importlib.import_module(name)
        result = module.run()
        print(module.report(result), flush=True)
        result["machine"] = {"node": platform.node(), "processor": platform.processor() or platform.machine(),
                             "cores": os.cpu_count(), "numba_threads": os.environ.get("NUMBA_NUM_THREADS"),
                             "date": time.strftime("%Y-%m-%d %H:%M")}
        (args.json / f"{name}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
