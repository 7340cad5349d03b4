#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine (munged, slurmctld, slurmd on localhost) for
# the Slurm tests; ../shared/spec/cluster.md describes it. Run as root after
# `apt-get install slurm-wlm munge`. Writes the daemons' pids to /run/tolerator-ci-slurm.pids so
# .ci/slurm-down.sh stops exactly those. Exits non-zero, saying why, when the cluster does not come up.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "slurm-up: needs root"; exit 1; }
for tool in munged slurmctld slurmd sinfo sbatch; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "slurm-up: $tool not installed (apt-get install slurm-wlm munge)"; exit 1; }
done
pids=/run/tolerator-ci-slurm.pids
: > "$pids"
mkdir -p /etc/munge /var/log/munge /var/lib/munge /run/munge /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /etc/slurm
[ -f /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
chown -R munge:munge /etc/munge /var/log/munge /var/lib/munge /run/munge && chmod 400 /etc/munge/munge.key
if ! pgrep -x munged >/dev/null; then
    runuser -u munge -- /usr/sbin/munged
    sleep 1
fi
pgrep -x munged >> "$pids" || { echo "slurm-up: munged did not start"; exit 1; }
host=$(hostname)
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
sleep 1
pgrep -x slurmctld >> "$pids" || true
pgrep -x slurmd >> "$pids" || true
for _ in $(seq 1 30); do
    if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
        sinfo
        exit 0
    fi
    sleep 1
done
echo "slurm-up: the node did not become idle in 30 s:"
sinfo || true
tail -n 5 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log 2>/dev/null || true
exit 1
