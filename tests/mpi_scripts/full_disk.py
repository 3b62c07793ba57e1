"""A disk that fills during a run: run under `unshare -m` (or `unshare -rm`) so the tmpfs is private.

Usage: python full_disk.py DECK WORKDIR NPROCS. Mounts a 4 MiB tmpfs on WORKDIR/disk, starts
`hpcsim run DECK -o WORKDIR/disk/out` on NPROCS ranks, waits for its second checkpoint, fills the file system
with another file (as another job would) and waits for the run to end. Prints one JSON object: the run's exit
status, stdout and stderr, and each remaining checkpoint with the result of `verify`. The tmpfs goes away
with the namespace.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from hpcsim.io import verify

deck, work, nprocs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
disk = work / "disk"
disk.mkdir()
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=True)
out = disk / "out"
mpi = [str(Path(sys.executable).parent / "mpiexec"), "-n", str(nprocs)] if nprocs > 1 else []
run = subprocess.Popen([*mpi, sys.executable, "-m", "hpcsim", "run", deck, "-o", str(out)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
deadline = time.time() + 120
while len(list((out / "checkpoints").glob("ckpt_*"))) < 2 and time.time() < deadline and run.poll() is None:
    time.sleep(0.02)
fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
for chunk in (65536, 4096):
    try:
        while True:
            os.write(fd, b"\0" * chunk)
    except OSError:
        pass
os.close(fd)
stdout, stderr = run.communicate(timeout=120)
checkpoints = {p.name: verify(p) for p in sorted((out / "checkpoints").iterdir())}
print(json.dumps({"returncode": run.returncode, "stdout": stdout, "stderr": stderr, "checkpoints": checkpoints}))
