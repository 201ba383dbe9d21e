#!/usr/bin/env bash
# Side-by-side throughput of nines and the peer simulators on W1, in one
# interleaved run (shared/bench/peers/bench.py). Usage:
#   benches/peers.sh [PEERS_DIR] [RUNS]
# PEERS_DIR defaults to ../shared/bench/peers; it is copied to a temporary
# directory first, since the peers build and write there.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
peers=${1:-$repo/../shared/bench/peers}
runs=${2:-3}
work=$(mktemp -d)
cp -r "$peers" "$work/peers"
cd "$work/peers"
(cd "$repo" && cargo build --release --quiet)
(cd rustdes && cargo build --release --quiet)
python3 -m venv venv && venv/bin/pip install --quiet -r requirements-lock.txt
# nines prints its JSON summary; the line bench.py parses is derived from it.
cat > nines-w1.sh <<SH
#!/bin/sh
"$repo/target/release/nines" run "$repo/scenarios/bench/w1.yaml" --threads 1 --replications 2000 --json |
  python3 -c 'import json,sys; s=json.load(sys.stdin); a=s["system"]["availability"]; print("events=%d reps=%d availability=%.7f ci95=[%.7f, %.7f]" % (s["events"], s["replications"], a["mean"], a["ci95"][0], a["ci95"][1]))'
SH
chmod +x nines-w1.sh
cat > w1-nines.spec <<SPEC
nines            | .       | ./nines-w1.sh
rust-seq-replace | rustdes | ./target/release/rustdes --n 100 --k 98 --reps 2000 --queue replace
rust-seq         | rustdes | ./target/release/rustdes --n 100 --k 98 --reps 2000
py-heapq         | py      | ../venv/bin/python w_heapq.py --n 100 --k 98 --reps 100
simpy            | py      | ../venv/bin/python w_simpy.py --n 100 --k 98 --reps 60
SPEC
python3 bench.py w1-nines.spec results --runs "$runs"
python3 ratios.py results
echo "results in $work/peers/results"
