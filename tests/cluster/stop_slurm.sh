#!/usr/bin/env bash
# Stop the daemons that tests/cluster/start_slurm.sh started, and only those.
#
#   tests/cluster/stop_slurm.sh [STATE_DIR]      # default: $TDNMS_SLURM_DIR or /tmp/tdnms-slurm
#
# Reads STATE_DIR/pids ("name pid" per line). Jobs still on the test cluster are cancelled
# first (so no slurmstepd or job process outlives slurmd), then slurmd, slurmctld and munged
# get SIGTERM, up to TDNMS_SLURM_STOP_WAIT (default 15) seconds, then SIGKILL. A recorded PID
# that is gone, or that now belongs to another program, is skipped. Safe to run twice.
# Packages, logs and job state stay (the next start_slurm.sh reuses them).
set -uo pipefail

STATE="$(realpath -m "${1:-${TDNMS_SLURM_DIR:-/tmp/tdnms-slurm}}")"
WAIT="${TDNMS_SLURM_STOP_WAIT:-15}"
PIDS="$STATE/pids"
log() { echo "stop_slurm: $*"; }

if [ ! -s "$PIDS" ]; then
    log "nothing recorded in $PIDS: nothing to stop"
    exit 0
fi

alive() { # alive NAME PID: the process exists, is not a zombie, and is still NAME
    [ -n "$2" ] && [ "$(cat "/proc/$2/comm" 2>/dev/null)" = "$1" ] \
        && [ "$(awk '{ print $3 }' "/proc/$2/stat" 2>/dev/null)" != Z ]
}
pid_of() { awk -v n="$1" '$1 == n { p = $2 } END { print p }' "$PIDS"; }

# Cancel what is left on the test cluster while its controller still runs.
ctld="$(pid_of slurmctld)"
if [ -n "$ctld" ] && alive slurmctld "$ctld" && [ -s "$STATE/slurm.conf" ]; then
    export SLURM_CONF="$STATE/slurm.conf"
    jobs="$(timeout 10 squeue --noheader --format=%i 2>/dev/null | tr '\n' ' ')"
    if [ -n "${jobs// /}" ]; then
        log "cancelling jobs still queued or running: $jobs"
        # shellcheck disable=SC2086
        timeout 10 scancel $jobs || true
        for _ in $(seq 50); do # up to 10 s for them to end
            [ -z "$(timeout 10 squeue --noheader --format=%i 2>/dev/null)" ] && break
            sleep 0.2
        done
    fi
fi

status=0
for name in slurmd slurmctld munged; do
    pid="$(pid_of "$name")"
    [ -n "$pid" ] || continue
    if ! alive "$name" "$pid"; then
        log "$name (pid $pid) is not running"
        continue
    fi
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq $((WAIT * 5))); do
        alive "$name" "$pid" || break
        sleep 0.2
    done
    if alive "$name" "$pid"; then
        log "$name (pid $pid) ignored SIGTERM for ${WAIT}s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null
        sleep 0.5
    fi
    if alive "$name" "$pid"; then
        log "ERROR: could not stop $name (pid $pid)"
        status=1
    else
        log "stopped $name (pid $pid)"
    fi
done

if [ "$status" = 0 ]; then
    rm -f "$PIDS"
    # start_slurm.sh pointed /etc/slurm/slurm.conf at this state dir: undo that
    if [ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" = "$STATE/slurm.conf" ]; then
        rm -f /etc/slurm/slurm.conf
    fi
fi
exit "$status"
