#!/bin/sh
# nines on Slurm: an array of 8 tasks (SLURM_ARRAY_TASK_ID = 0..7; the array must start at 0)
# writes its parts to a shared directory, then a job that depends on the whole array merges them.
#
#   sbatch slurm-array.sh
#
# Run it from a directory on the shared file system that holds scenario.yaml.
#SBATCH --job-name=nines-shards
#SBATCH --array=0-7
#SBATCH --cpus-per-task=8
#SBATCH --time=04:00:00
#SBATCH --output=nines-%A_%a.log

set -eu

if [ -n "${SLURM_ARRAY_TASK_ID:-}" ] && [ "${NINES_MERGE:-}" != 1 ]; then
    nines run scenario.yaml --shard-from-env --shards 8 --out parts --force --threads ${SLURM_CPUS_PER_TASK:-1}
    # Task 0 queues the merge, to start once every task of the array has succeeded.
    if [ "$SLURM_ARRAY_TASK_ID" = 0 ]; then
        sbatch --dependency="afterok:${SLURM_ARRAY_JOB_ID}" --job-name=nines-merge \
            --export=ALL,NINES_MERGE=1 --wrap "nines merge parts --out results --force"
    fi
fi
