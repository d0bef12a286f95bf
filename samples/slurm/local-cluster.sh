#!/usr/bin/env bash
# A private one-node SLURM "cluster" on 127.0.0.1, for trying the sample job scripts on a
# laptop and for mibatch's integration tests (Tests/EndToEndTests/SLURMTests.swift).
#
#   samples/slurm/local-cluster.sh start DIR   # install (if needed), configure, start, wait
#   export SLURM_CONF=DIR/etc/slurm.conf        # point sbatch/squeue/scancel at it
#   samples/slurm/local-cluster.sh stop DIR    # cancel jobs, stop the daemons
#   samples/slurm/local-cluster.sh status DIR  # exit 0 when all three daemons are running
#
# Everything lives under DIR: munge key, socket and log; slurm.conf; controller state;
# slurmd spool; pid files; logs. Nothing is started system-wide and nothing outside DIR is
# configured (apart from installing the Debian packages slurmctld, slurmd, slurm-client and
# munge when they are missing). `start` is idempotent: on a running cluster it only waits
# until the node is idle and a probe job has run. `stop` cancels all jobs first (slurmstepd
# would outlive slurmd), then stops slurmd, slurmctld and munged by their own pid files.
#
# Needs root (the daemons run as root with no cgroups, no systemd); re-executes itself with
# sudo otherwise. Tested with Debian 12 (SLURM 22.05, munge 0.5.15).
set -euo pipefail

usage() { echo "usage: $0 start|stop|status DIR" >&2; exit 64; }
[ $# -eq 2 ] || usage
action=$1
mkdir -p "$2"
D=$(cd "$2" && pwd)

if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "local-cluster: needs root or sudo" >&2; exit 77; }
    exec sudo -- "$0" "$@"
fi

CONF=$D/etc/slurm.conf
export SLURM_CONF=$CONF
log() { echo "local-cluster: $*" >&2; }

# Is process $1 running? A zombie is not (daemons are orphans, and PID 1 in a container or
# micro-VM may never reap them).
running() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]; }
# Is the process whose pid is in file $1 alive?
alive() { [ -s "$1" ] && running "$(cat "$1")"; }

install_packages() {
    local missing=() p
    for p in slurmctld slurmd slurm-client munge; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    # Package scripts try to start system services (a second munged, slurmd, ...);
    # a policy-rc.d that exits 101 forbids that. Only ours is removed afterwards.
    local policy=/usr/sbin/policy-rc.d ours=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 0755 "$policy"; ours=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    local status=0
    apt-get install -y --no-install-recommends "${missing[@]}" >"$D/apt.log" 2>&1 || {
        apt-get update >>"$D/apt.log" 2>&1 || true
        apt-get install -y --no-install-recommends "${missing[@]}" >>"$D/apt.log" 2>&1 || status=$?
    }
    [ $ours -eq 1 ] && rm -f "$policy"
    if [ $status -ne 0 ]; then log "apt-get install failed; see $D/apt.log"; tail -5 "$D/apt.log" >&2; exit 1; fi
}

write_config() {
    mkdir -p "$D/etc" "$D/state" "$D/spool" "$D/log" "$D/run" "$D/munge"
    chmod 0755 "$D" "$D/munge"     # munged refuses a socket folder without x for all
    chmod 0700 "$D/state" "$D/spool"
    local host; host=$(hostname -s)
    # Node topology exactly as slurmd detects it (CPUs=2 alone made slurmd reconfigure the
    # sockets); RealMemory 1 GiB below the detected value (more than detected drains the node).
    local detected; detected=$(slurmd -C 2>/dev/null | head -1)
    local topology memory
    topology=$(echo "$detected" | tr ' ' '\n' | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | tr '\n' ' ')
    memory=$(echo "$detected" | tr ' ' '\n' | sed -n 's/^RealMemory=//p')
    [ -n "$topology" ] && [ -n "$memory" ] || { log "cannot read the node from 'slurmd -C': $detected"; exit 1; }
    memory=$(( memory > 2048 ? memory - 1024 : memory / 2 ))
    cat > "$CONF.tmp" <<EOF
# Private single-node cluster written by samples/slurm/local-cluster.sh; all state under $D.
ClusterName=mibatch-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.socket.2
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
# No cgroup plugins anywhere: no cgroup.conf needed, slurmd never touches cgroups.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true
SchedulerType=sched/backfill
# No 3 s pause between batches of array tasks.
SchedulerParameters=batch_sched_delay=0
# Without it an afterok job on a failed array stays PENDING forever (22.05: here, not in
# SchedulerParameters).
DependencyParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# Seconds between SIGTERM and SIGKILL on scancel / time limit.
KillWait=5
# Finished jobs stay visible to 'scontrol show job' for 5 minutes (there is no sacct).
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 ${topology}RealMemory=$memory
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    mv "$CONF.tmp" "$CONF"
}

# Starts a daemon with nothing inherited from the caller that could hurt:
# - no descriptors but /dev/null and its own start-up log: a caller that notices its child's
#   exit through an inherited descriptor (Foundation's Process on Linux does) would wait
#   for the daemons as well;
# - no blocked or ignored signals: a blocked SIGTERM (threads of Swift/GCD programs block
#   it, and spawned children inherit the mask) would make the daemon deaf to `stop`.
spawn() {
    local name=$1; shift
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec </dev/null >>"$D/log/$name.out" 2>&1
        if perl -MPOSIX -e 1 2>/dev/null; then
            exec perl -MPOSIX -e '
                sigprocmask(SIG_SETMASK, POSIX::SigSet->new) or die "sigprocmask: $!";
                $SIG{$_} = "DEFAULT" for qw(HUP INT QUIT TERM USR1 USR2 PIPE ALRM CHLD);
                exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!";' "$@"
        fi
        exec "$@"
    )
}

start_munge() {
    alive "$D/run/munged.pid" && return 0
    if [ ! -s "$D/munge/munge.key" ]; then
        dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none
    fi
    chmod 0400 "$D/munge/munge.key"
    # munged daemonizes once its socket is ready.
    spawn munged munged --socket="$D/munge/munge.socket.2" --key-file="$D/munge/munge.key" \
        --pid-file="$D/run/munged.pid" --log-file="$D/log/munged.log" --seed-file="$D/munge/munged.seed"
}

wait_for() { # seconds description command...
    local deadline=$((SECONDS + $1)) what=$2; shift 2
    until "$@"; do
        if [ $SECONDS -ge $deadline ]; then log "timed out waiting for $what"; return 1; fi
        sleep 0.1
    done
}

ctld_up() { scontrol ping 2>/dev/null | grep -q "is UP"; }
node_idle() { [ "$(sinfo -h -N -o %t 2>/dev/null | head -1)" = "idle" ]; }
job_gone() { [ -z "$(squeue -h -j "$1" 2>/dev/null)" ]; }

start() {
    install_packages
    [ -s "$CONF" ] || write_config
    start_munge
    if ! alive "$D/run/slurmctld.pid"; then
        spawn slurmctld slurmctld -i
    fi
    wait_for 30 "slurmctld" ctld_up
    if ! alive "$D/run/slurmd.pid"; then
        spawn slurmd slurmd
    fi
    if ! wait_for 30 "the node to become idle" node_idle; then
        sinfo -N -l >&2 || true; tail -5 "$D/log/slurmctld.log" "$D/log/slurmd.log" >&2 || true
        exit 1
    fi
    # The controller's first scheduling pass comes a few seconds after it starts: wait for
    # a probe job so the caller's first job starts promptly.
    local probe
    probe=$(sbatch --parsable --job-name=probe --output=/dev/null --time=1 --wrap=true)
    probe=${probe%%;*}
    if ! wait_for 60 "the probe job $probe" job_gone "$probe"; then
        scontrol show job "$probe" >&2 || true
        exit 1
    fi
    log "running; export SLURM_CONF=$CONF"
}

stop() {
    if [ -s "$CONF" ] && alive "$D/run/slurmctld.pid"; then
        local jobs
        jobs=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
        if [ -n "${jobs// /}" ]; then
            # shellcheck disable=SC2086
            scancel $jobs 2>/dev/null || true
            # Running jobs get SIGTERM, then SIGKILL after KillWait (5 s).
            wait_for 30 "jobs to end" bash -c '[ -z "$(squeue -h 2>/dev/null)" ]' || true
        fi
    fi
    # SIGTERM to all three at once (each takes about 2 s to exit), SIGKILL after 10 s.
    local daemon pid pids=()
    for daemon in slurmd slurmctld munged; do
        if alive "$D/run/$daemon.pid"; then
            pid=$(cat "$D/run/$daemon.pid")
            kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
        fi
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 100); do running "$pid" || break; sleep 0.1; done
        if running "$pid"; then log "$(cat "/proc/$pid/comm" 2>/dev/null) ($pid, state $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)) ignored SIGTERM for 10 s; SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
    done
    for daemon in slurmd slurmctld munged; do rm -f "$D/run/$daemon.pid"; done
    log "stopped"
}

status() {
    local daemon ok=0
    for daemon in munged slurmctld slurmd; do
        if alive "$D/run/$daemon.pid"; then echo "$daemon running (pid $(cat "$D/run/$daemon.pid"))"
        else echo "$daemon not running"; ok=1; fi
    done
    return $ok
}

case $action in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) usage ;;
esac
