#!/usr/bin/env bash
# Install (if needed) and start a single-node SLURM on this machine, for tests.
#
#   sudo tests/cluster/start_slurm.sh [STATE_DIR]      # default: $TDNMS_SLURM_DIR or /tmp/tdnms-slurm
#
# Debian bookworm (Slurm 22.05), run as root, no systemd and no cgroups needed.
# Idempotent: daemons that are already running (recorded PID alive) are left alone.
#
# What it does:
#   1. installs slurmctld slurmd slurm-client munge with apt-get if they are missing
#      (apt-get update only if the plain install fails);
#   2. writes STATE_DIR/slurm.conf (node = `hostname -s`, hardware from `slurmd -C`,
#      everything on 127.0.0.1, one partition "test") and points /etc/slurm/slurm.conf at it
#      with a symlink, so sinfo/sbatch/squeue and Snakemake find it without SLURM_CONF;
#      an /etc/slurm/slurm.conf that is not ours is never touched: then export SLURM_CONF
#      (STATE_DIR/env has the line);
#   3. starts munged (as user munge), slurmctld and slurmd by hand, records the PIDs of the
#      ones it started in STATE_DIR/pids (name pid per line; stop_slurm.sh reads it);
#   4. waits until sinfo shows the node idle (timeout TDNMS_SLURM_TIMEOUT, default 60 s).
# Logs: STATE_DIR/log/. Stop with tests/cluster/stop_slurm.sh [STATE_DIR].
set -euo pipefail

STATE="$(realpath -m "${1:-${TDNMS_SLURM_DIR:-/tmp/tdnms-slurm}}")"
TIMEOUT="${TDNMS_SLURM_TIMEOUT:-60}"
PARTITION="test"
PACKAGES=(slurmctld slurmd slurm-client munge)

die() { echo "start_slurm: ERROR: $*" >&2; exit 1; }
log() { echo "start_slurm: $*"; }
now() { date +%s.%N; }
T0="$(now)"
phase_start="$T0"
phase_done() { # print how long the phase took
    local t; t="$(now)"
    awk -v a="$t" -v b="$phase_start" -v m="$1" 'BEGIN { printf "start_slurm: [%6.2f s] %s\n", a - b, m }'
    phase_start="$t"
}

[ "$(id -u)" = 0 ] || die "must run as root (installs packages, starts munged as user munge); try: sudo $0 $*"

# ---------------------------------------------------------------- 1. packages
missing=()
for bin in slurmctld slurmd sinfo munged; do
    command -v "$bin" >/dev/null || missing+=("$bin")
done
if [ "${#missing[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install ${PACKAGES[*]}"
    log "installing ${PACKAGES[*]} (missing: ${missing[*]}) ..."
    export DEBIAN_FRONTEND=noninteractive
    apt_install() { apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >"$1" 2>&1; }
    mkdir -p "$STATE/log"
    if ! apt_install "$STATE/log/apt-install.log"; then
        log "plain install failed (package lists missing or stale); running apt-get update"
        apt-get update -q >"$STATE/log/apt-update.log" 2>&1 \
            || die "apt-get update failed, see $STATE/log/apt-update.log"
        apt_install "$STATE/log/apt-install.log" \
            || die "apt-get install ${PACKAGES[*]} failed, see $STATE/log/apt-install.log"
    fi
    for bin in slurmctld slurmd sinfo munged; do
        command -v "$bin" >/dev/null || die "$bin still missing after installing ${PACKAGES[*]}"
    done
    phase_done "installed ${PACKAGES[*]}"
else
    phase_done "packages already installed"
fi

# ------------------------------------------------------- helpers for the PIDs
PIDS="$STATE/pids"
mkdir -p "$STATE"/{log,ctld,slurmd}
touch "$PIDS"
# alive NAME PID: the process exists, is not a zombie, and is still NAME (PIDs get reused)
alive() {
    [ -n "$2" ] && [ "$(cat "/proc/$2/comm" 2>/dev/null)" = "$1" ] \
        && [ "$(awk '{ print $3 }' "/proc/$2/stat" 2>/dev/null)" != Z ]
}
# recorded_pid NAME -> the PID recorded for NAME if that process is alive, else nothing
recorded_pid() {
    local pid
    pid="$(awk -v n="$1" '$1 == n { p = $2 } END { print p }' "$PIDS")"
    if alive "$1" "$pid"; then echo "$pid"; fi
    return 0
}
record_pid() { # record_pid NAME PID (replaces an older line for NAME)
    local tmp; tmp="$(mktemp "$STATE/pids.XXXX")"
    awk -v n="$1" '$1 != n' "$PIDS" >"$tmp"
    echo "$1 $2" >>"$tmp"
    mv "$tmp" "$PIDS"
}
# wait_pidfile FILE NAME SECONDS -> PID from FILE once it names a live NAME process
wait_pidfile() {
    local file="$1" name="$2" deadline=$((SECONDS + $3)) pid
    while [ "$SECONDS" -lt "$deadline" ]; do
        pid="$(cat "$file" 2>/dev/null || true)"
        if alive "$name" "$pid"; then
            echo "$pid"; return 0
        fi
        sleep 0.2
    done
    return 1
}

# ----------------------------------------------------------------- 2. config
HOST="$(hostname -s)"
CONF="$STATE/slurm.conf"
if [ -n "$(recorded_pid slurmctld)" ] && [ -s "$CONF" ]; then
    log "slurmctld already running: keeping $CONF"
    conf_msg="kept"
else
    # The first line of `slurmd -C` is this machine's node line (NodeName=HOST CPUs=... RealMemory=...).
    hw="$(slurmd -C | head -n1)"
    case "$hw" in NodeName=*) ;; *) die "unexpected output from slurmd -C: $hw" ;; esac
    hw="$(echo "$hw" | sed -E "s/^NodeName=[^ ]+/NodeName=$HOST/")"
    cat >"$CONF.new" <<EOF
# Single-node test cluster written by tests/cluster/start_slurm.sh -- do not edit, it is rewritten.
ClusterName=tdnms
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No systemd, no cgroups on these machines.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
# No slurmdbd: sacct cannot work, so Snakemake must poll with squeue, which only sees a
# finished job for MinJobAge seconds. Keep it well above 3 x slurm-init-seconds-before-status-checks.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
Waittime=0
$hw NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=$PARTITION Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
    mv "$CONF.new" "$CONF"
    conf_msg="wrote"
fi
echo "export SLURM_CONF=$CONF" >"$STATE/env"

# Let the client tools find the config without SLURM_CONF: /etc/slurm/slurm.conf -> $CONF,
# unless /etc/slurm/slurm.conf is somebody else's real file.
ETC=/etc/slurm/slurm.conf
mkdir -p /etc/slurm
if [ -L "$ETC" ] || [ ! -e "$ETC" ]; then
    ln -sfn "$CONF" "$ETC"
elif ! cmp -s "$ETC" "$CONF"; then
    log "WARNING: $ETC exists and is not ours; left alone. Run: export SLURM_CONF=$CONF"
fi
export SLURM_CONF="$CONF"
phase_done "$conf_msg $CONF (node $HOST, partition $PARTITION)"

# ------------------------------------------------------------------ 3. munge
# munged keeps its default socket (/run/munge/munge.socket.2), which slurm's auth/munge uses.
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "munge already answers; not starting another munged"
else
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge /etc/munge
    if [ ! -s /etc/munge/munge.key ]; then
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile=/etc/munge/munge.key
        else
            dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
        fi
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    rm -f /run/munge/munged.pid
    # munged daemonizes itself and writes /run/munge/munged.pid
    setpriv --reuid=munge --regid=munge --init-groups munged \
        </dev/null >>"$STATE/log/munged.stdout" 2>&1 || die "munged failed to start (see /var/log/munge/munged.log)"
    pid="$(wait_pidfile /run/munge/munged.pid munged 10)" \
        || die "munged did not write /run/munge/munged.pid (see /var/log/munge/munged.log)"
    record_pid munged "$pid"
    for _ in $(seq 50); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
        sleep 0.1
    done
    munge -n | unmunge >/dev/null || die "munged (pid $pid) is running but munge -n | unmunge fails"
fi
phase_done "munged up"

# ---------------------------------------------------------- slurmctld, slurmd
start_daemon() { # start_daemon NAME PIDFILE ARGS...: daemonizes itself, writes PIDFILE
    local name="$1" pidfile="$2" pid; shift 2
    pid="$(recorded_pid "$name")"
    if [ -n "$pid" ]; then
        log "$name already running (pid $pid)"
        return 0
    fi
    rm -f "$pidfile"
    "$name" "$@" </dev/null >>"$STATE/log/$name.stdout" 2>&1 \
        || die "$name failed to start; see $STATE/log/$name.log and $STATE/log/$name.stdout"
    pid="$(wait_pidfile "$pidfile" "$name" 15)" \
        || die "$name did not come up; see $STATE/log/$name.log"
    record_pid "$name" "$pid"
}
start_daemon slurmctld "$STATE/slurmctld.pid" -f "$CONF"
# wait for the controller to answer before starting slurmd (it registers with it)
deadline=$((SECONDS + TIMEOUT))
until scontrol ping 2>/dev/null | grep -q 'UP'; do
    [ "$SECONDS" -lt "$deadline" ] || die "slurmctld does not answer 'scontrol ping' after ${TIMEOUT}s; see $STATE/log/slurmctld.log"
    sleep 0.2
done
phase_done "slurmctld up"
start_daemon slurmd "$STATE/slurmd.pid" -f "$CONF"
phase_done "slurmd started"

# ------------------------------------------------------------ 4. node idle?
resumed=0
while :; do
    state="$(sinfo -h -n "$HOST" -o %T 2>/dev/null | head -n1 || true)"
    case "$state" in
        idle|mixed|allocated) break ;;
        down*|drain*)
            if [ "$resumed" = 0 ]; then # e.g. left down by an earlier, killed run
                scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true
                resumed=1
            fi ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
        sinfo -N -l >&2 || true
        die "node $HOST not idle after ${TIMEOUT}s (state: '${state:-none}'); see $STATE/log/slurmd.log and $STATE/log/slurmctld.log"
    fi
    sleep 0.2
done
phase_done "node $HOST is $state"
awk -v a="$(now)" -v b="$T0" -v c="$CONF" -v p="$PIDS" \
    'BEGIN { printf "start_slurm: [%6.2f s] total; SLURM_CONF=%s; PIDs in %s:\n", a - b, c, p }'
sed 's/^/start_slurm:   /' "$PIDS"
