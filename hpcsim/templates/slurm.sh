#!/bin/bash
#SBATCH --job-name=${job_name}
#SBATCH --nodes=${nodes}
#SBATCH --ntasks-per-node=${ntasks_per_node}
#SBATCH --cpus-per-task=${cpus_per_task}
${gres_sbatch}#SBATCH --time=${time}
${optional_sbatch}#SBATCH --output=${output}
#SBATCH --signal=B:USR1@${signal_lead}
#SBATCH --requeue
#SBATCH --open-mode=append
#
# hpcsim job on ${node_kind} nodes, written by `hpcsim submit`. Submit it from the directory the paths below are
# relative to. What it does:
#  1. checks the deck on one process (a bad deck stops here with status 2: nothing to requeue);
${launch_comment}
#  3. ${signal_lead} s before the time limit Slurm sends USR1 to this script (--signal=B:...), which passes it
#     on to the ranks: they write a checkpoint at the next step (`hpcsim train`: at the end of the epoch) and
#     exit with status 75;
#  4. on status 75 it requeues the job (`scontrol requeue`, at most ${max_requeues} times). The requeued job
#     runs this script again, with SLURM_RESTART_COUNT > 0, and continues with `--restart latest` (`hpcsim
#     train` always runs with `--resume`, which continues from OUTDIR/checkpoint.pt when there is one).
# Exit 0: finished. Exit 2: bad input, not requeued. Any other status: failure, not requeued.
# Slurm's log (this script's output and every rank's) is appended to ${output}.

# ---- Environment ------------------------------------------------------------------------------------
${setup}

${placement_comment}
export NUMBA_NUM_THREADS=${cpus_per_task}
export OMP_NUM_THREADS=${cpus_per_task}
export PYTHONUNBUFFERED=1   # progress lines reach the log as they are printed

command=${subcommand}   # run: a simulation deck; train: a DCDM training deck
deck=${deck}
outdir=${outdir}
set_args=(${set_args})
continue_run=${continue_run}   # yes: continue OUTDIR's run from its newest checkpoint (hpcsim submit --restart)
max_requeues=${max_requeues}
restart_count=${SLURM_RESTART_COUNT:-0}   # how many times this job has been requeued

log() { echo "[hpcsim job $SLURM_JOB_ID] $(date '+%F %T') $*"; }

# USR1 (time limit near) and TERM sent to this shell alone (`scancel --batch --signal=TERM`) are passed on to
# srun as USR1, which srun forwards to every rank: each rank writes its part of a checkpoint at the next step
# and exits with status 75. Never TERM: srun answers a SIGTERM by killing the ranks at once ("forcing job
# termination"). For the same reason a plain `scancel`, which sends TERM to srun as well, and the time limit
# reached without the warning end the ranks before they can checkpoint: the run then continues from its last
# periodic checkpoint. srun runs in the background below so that this shell can take the signals while it waits.
srun_pid=""
signalled=0
terminated=0
forward() {
    signalled=1
    if [ -n "$srun_pid" ]; then
        log "SIG$1 received: asking the ranks to checkpoint and stop"
        kill -USR1 "$srun_pid" 2>/dev/null
    else
        log "SIG$1 received before the run started"
    fi
}
trap 'forward USR1' USR1
trap 'terminated=1; forward TERM' TERM

log "attempt $((restart_count + 1)) on $SLURM_JOB_NUM_NODES node(s): $SLURM_JOB_NODELIST"

# ---- 1. Check the deck --------------------------------------------------------------------------------
python -m hpcsim check "$deck" "${set_args[@]}" --np ${ntasks}
status=$?
if [ "$status" -ne 0 ]; then
    log "the deck check failed (status $status): not running"
    exit "$status"
fi

# ---- Fresh start or continuation --------------------------------------------------------------------
# A requeued attempt continues from the newest verified checkpoint in OUTDIR/checkpoints; one whose earlier
# attempt ended before writing any checkpoint starts again, replacing that attempt's partial output.
if [ "$command" = train ]; then
    restart_args=(--resume)
elif [ "$restart_count" -gt 0 ] && [ -z "$(ls -A "$outdir/checkpoints" 2>/dev/null)" ]; then
    restart_args=(--overwrite)
elif [ "$restart_count" -gt 0 ] || [ "$continue_run" = yes ]; then
    restart_args=(--restart latest)
else
    restart_args=()
fi

# ---- 2. Run, passing the warning signal on to the ranks -----------------------------------------------
# --cpus-per-task is repeated because srun (Slurm >= 22.05) no longer takes it from sbatch. Ranks exit with
# status 75 one after another once the checkpoint is complete, so a non-zero exit must not kill the others
# (--kill-on-bad-exit=0); but a rank that dies where MPI cannot abort the job (seen in MPI_Init) must not
# leave the others waiting until the time limit: srun ends them 60 s after the first rank exits (--wait=60).
srun --cpus-per-task=${cpus_per_task} --kill-on-bad-exit=0 --wait=60 \
    python -m hpcsim "$command" "$deck" -o "$outdir" "${set_args[@]}" "${restart_args[@]}" &
srun_pid=$!
# `wait` returns early (status > 128) when a trapped signal arrives: wait again for srun's own status.
wait "$srun_pid"
status=$?
while [ "$signalled" = 1 ] && [ "$status" -gt 128 ]; do
    signalled=0
    wait "$srun_pid"
    status=$?
done

# ---- 3. Finished, requeue, or stop ----------------------------------------------------------------------
case "$status" in
0)
    log "run finished"
    exit 0 ;;
75)
    if [ "$terminated" = 1 ]; then
        # TERM means the user stops the job (`scancel --batch --signal=TERM`): do not come back.
        log "stopped by SIGTERM after writing a checkpoint; not requeued (continue with hpcsim submit --restart)"
        exit 75
    fi
    if [ "$restart_count" -ge "$max_requeues" ]; then
        log "stopped with a checkpoint; all $max_requeues requeue(s) used (continue with hpcsim submit --restart)"
        exit 75
    fi
    log "stopped with a checkpoint: requeueing (requeue $((restart_count + 1)) of $max_requeues)"
    if scontrol requeue "$SLURM_JOB_ID"; then
        exit 0
    fi
    log "scontrol requeue failed: continue with hpcsim submit --restart"
    exit 75 ;;
2)
    log "bad input (status 2): not requeued"
    exit 2 ;;
*)
    log "run failed with status $status: not requeued"
    exit "$status" ;;
esac
