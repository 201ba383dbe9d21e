#!/usr/bin/env bash
# Side-by-side throughput of nines and the peer simulators, in interleaved
# runs: W1 (availability, shared/bench/peers/bench.py) and W3 (per-request
# load balancing under each policy, bench_w3.py). Usage:
#   benches/peers.sh [PEERS_DIR] [RUNS] [w1|w3|all]
# PEERS_DIR defaults to ../shared/bench/peers; it is copied to a temporary
# directory first, since the peers build and write there.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
peers=${1:-$repo/../shared/bench/peers}
runs=${2:-3}
which=${3:-all}
work=$(mktemp -d)
cp -r "$peers" "$work/peers"
cd "$work/peers"
(cd "$repo" && cargo build --release --quiet)
(cd rustdes && cargo build --release --quiet)
python3 -m venv venv && venv/bin/pip install --quiet -r requirements-lock.txt
if [ "$which" != w3 ]; then
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
fi
if [ "$which" != w1 ]; then
# W3: nines runs scenarios/bench/w3-<policy>.yaml; the lines bench_w3.py
# parses are derived from its JSON (arrived = requests offered: nines leaves
# the tens still in the system at the end out of every figure; it keeps no
# maximum).
for policy in rr random p2c lc; do
cat > nines-w3-$policy.sh <<SH
#!/bin/sh
"$repo/target/release/nines" run "$repo/scenarios/bench/w3-$policy.yaml" --threads 1 --json |
  python3 -c '
import json, sys
s = json.load(sys.stdin)
p = s["services"]["pool"]
g = lambda k: p[k]["mean"]
served = round(g("throughput_per_s") * 3600)
failed = round(g("requests_failed"))
lo, hi = p["latency_ms"]["ci95"]
print("impl=nines policy=$policy servers=8 lambda=700 mu=100 horizon_s=3600 seed=12345 crash=none")
print("requests arrived=%d completed=%d failed=%d in_system_at_end=0 success_ratio=%.6f" % (served + failed, served, failed, g("request_success_ratio")))
print("latency_ms mean=%.4f ci95=[%.4f, %.4f] halfwidth=%.4f batches=20 p50=%.4f p95=%.4f p99=%.4f max=nan" % (g("latency_ms"), lo, hi, (hi - lo) / 2, g("latency_ms_p50"), g("latency_ms_p95"), g("latency_ms_p99")))
print("events=%d requests=%d" % (s["events"], served + failed))'
SH
chmod +x nines-w3-$policy.sh
done
{
  for policy in rr random p2c lc; do
    echo "nines-$policy  | .       | ./nines-w3-$policy.sh"
    echo "rust-$policy   | rustdes | ./target/release/w3 --policy $policy"
    echo "simpy-$policy  | py      | ../venv/bin/python w3_simpy.py --policy $policy"
  done
} > w3-nines.spec
python3 bench_w3.py w3-nines.spec results-w3 --runs "$runs"
python3 ratios.py results-w3
fi
echo "results in $work/peers/results and $work/peers/results-w3"
