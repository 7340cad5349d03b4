#!/usr/bin/env bash
# Stops the daemons .ci/slurm-up.sh started, by the pids it recorded (never by name).
pids=/run/tolerator-ci-slurm.pids
[ -f "$pids" ] || exit 0
while read -r pid; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
done < "$pids"
rm -f "$pids"
