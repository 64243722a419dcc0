#!/usr/bin/env bash
# A single-node Slurm cluster on localhost, everything under one folder: munged with its own key
# and socket, slurmctld and slurmd as root with state, spool, logs and ports of their own, so it
# never touches a system Slurm or munge. Used by tests/slurm.rs; also a way to try the sbatch
# example of docs/sharding.md on a laptop.
#   scripts/slurm/local-cluster.sh start DIR   starts the daemons; prints `export SLURM_CONF=DIR/slurm.conf`
#   scripts/slurm/local-cluster.sh stop DIR    stops the daemons it started (by the pids in DIR)
# Needs root and Debian's slurm-wlm and munge (scripts/setup.sh --test installs them).
# Exit 0 when the node is idle and takes jobs; otherwise exit 1 with the reason on stderr.
set -euo pipefail
cmd=${1:?usage: local-cluster.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: local-cluster.sh start|stop DIR}")
PATH=$PATH:/usr/sbin:/sbin

stop() {
  for p in slurmd slurmctld munged; do
    if [ -f "$dir/$p.pid" ]; then
      pid=$(cat "$dir/$p.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/$p.pid"
    fi
  done
}

fail() {
  echo "local-cluster: $*" >&2
  for log in munged.log slurmctld.log slurmd.log; do
    [ -s "$dir/$log" ] && { echo "--- $log (last lines)" >&2; tail -n 5 "$dir/$log" >&2; }
  done
  stop
  exit 1
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: local-cluster.sh start|stop DIR" >&2; exit 2; }

[ "$(id -u)" = 0 ] || { echo "local-cluster: needs root (slurmd runs jobs as their user)" >&2; exit 1; }
for b in munged mungekey slurmctld slurmd sbatch sinfo; do
  command -v "$b" >/dev/null || { echo "local-cluster: $b not installed (apt-get install slurm-wlm munge, or scripts/setup.sh --test)" >&2; exit 1; }
done

mkdir -p "$dir"/{munge,state,spool}
chmod 755 "$dir" "$dir/munge"
host=$(hostname -s)
cpus=$(nproc)
# Two free ports, chosen by the kernel.
read -r ctld_port slurmd_port < <(python3 -c 'import socket
a = [socket.socket() for _ in range(2)]
[s.bind(("127.0.0.1", 0)) for s in a]
print(*[s.getsockname()[1] for s in a])')

[ -f "$dir/munge/munge.key" ] || mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null 2>&1 \
  || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/munge.seed" \
  || fail "munged did not start"

cat > "$dir/slurm.conf" <<CONF
ClusterName=tonebench
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF=$dir/slurm.conf

slurmctld -c -f "$SLURM_CONF" >/dev/null 2>&1 || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" >/dev/null 2>&1 || fail "slurmd did not start"
for _ in $(seq 60); do
  state=$(sinfo -h -N -o '%T' 2>/dev/null | head -n 1 || true)
  case "$state" in idle*) echo "export SLURM_CONF=$SLURM_CONF"; exit 0 ;; esac
  sleep 0.5
done
fail "node $host never became idle (state: ${state:-none})"
