"""One small helper for the notebooks: runs the `nines` command line and reads
its JSON and CSV. Every number in the notebooks comes from `nines` itself.

The binary is `$NINES` if set, else `target/release/nines` of this repository
(built with `cargo build --release` the first time it is missing).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def binary() -> str:
    """The `nines` executable the notebooks call."""
    if os.environ.get("NINES"):
        return os.environ["NINES"]
    exe = ROOT / "target" / "release" / "nines"
    if not exe.exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return str(exe)


def _flags(flags: dict) -> list[str]:
    out = []
    for key, value in flags.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            out.append(flag)
        elif value not in (None, False):
            out += [flag, str(value)]
    return out


def _path(scenario) -> str:
    p = Path(scenario)
    if not p.exists() and (SCENARIOS / p).exists():
        p = SCENARIOS / p
    if not p.exists() and (SCENARIOS / f"{p}.yaml").exists():
        p = SCENARIOS / f"{p}.yaml"
    return str(p)


def nines(*args, ok=(0,)) -> subprocess.CompletedProcess:
    """Runs `nines ARGS...`; raises with its error message unless the exit code is in `ok`."""
    done = subprocess.run([binary(), *map(str, args)], capture_output=True, text=True)
    if done.returncode not in ok:
        raise RuntimeError(f"nines {' '.join(map(str, args))} exited {done.returncode}:\n{done.stderr}")
    return done


def run(scenario, **flags) -> dict:
    """`nines run SCENARIO --json` with flags such as replications=200, seed=7."""
    return json.loads(nines("run", _path(scenario), "--json", *_flags(flags)).stdout)


def solve(scenario, **flags) -> dict:
    """`nines solve SCENARIO --json`: the exact answer of a Markovian design."""
    return json.loads(nines("solve", _path(scenario), "--json", *_flags(flags)).stdout)


def check(scenario, **flags) -> tuple[int, dict]:
    """`nines check SCENARIO --json`: (exit code, verdicts). 0 pass, 1 fail, 3 inconclusive."""
    done = nines("check", _path(scenario), "--json", *_flags(flags), ok=(0, 1, 3))
    return done.returncode, json.loads(done.stdout)


def compare(*scenarios, **flags) -> dict:
    """`nines compare A B ... --json`: the designs on common random numbers, and each one's
    paired difference from the first."""
    return json.loads(nines("compare", *map(_path, scenarios), "--json", *_flags(flags)).stdout)


def sweep(scenario, *sets, **flags) -> dict:
    """`nines sweep SCENARIO --set PATH=VALUES ... --json`, e.g.
    sweep("web-tier-cost", "nodes.web.count=3..8", objective="total_cost_per_year")."""
    args = [a for s in sets for a in ("--set", s)]
    return json.loads(nines("sweep", _path(scenario), *args, "--json", *_flags(flags)).stdout)


def replications(scenario, **flags) -> pd.DataFrame:
    """One row per replication (`replications.csv` of `nines run --out`)."""
    with tempfile.TemporaryDirectory() as out:
        nines("run", _path(scenario), "--out", out, "--force", *_flags(flags))
        return pd.read_csv(Path(out) / "replications.csv")


def figure(summary: dict, name: str, entity: str = "system") -> dict:
    """A figure of a summary as {mean, low, high}; `entity` is `system` or a service."""
    block = summary["system"] if entity == "system" else summary["services"][entity]
    value = block[name]
    if not isinstance(value, dict):
        return {"mean": value, "low": None, "high": None}
    ci = value.get("ci95") or [None, None]
    return {"mean": value["mean"], "low": ci[0], "high": ci[1]}


def table(summaries: dict, names: list[str], entity: str = "system") -> pd.DataFrame:
    """Figures of several summaries side by side: one row per summary, mean and CI."""
    rows = {}
    for label, summary in summaries.items():
        row = {}
        for name in names:
            f = figure(summary, name, entity)
            row[name] = f["mean"]
            if f["low"] is not None:
                row[f"{name} low"] = f["low"]
                row[f"{name} high"] = f["high"]
        rows[label] = row
    return pd.DataFrame(rows).T


_VARIANTS = Path(tempfile.mkdtemp(prefix="nines-notebook-"))


def write(text: str, name: str) -> str:
    """Writes a scenario given as YAML text to a scratch file; returns its path."""
    path = _VARIANTS / f"{name}.yaml"
    path.write_text(text)
    return str(path)


def variant(scenario, name: str, **changes) -> str:
    """A copy of a scenario with some keys changed, written to a scratch file.

    Keys are dotted paths; list items are chosen by their `name`, e.g.
    variant("hot-standby", "slow-switch", **{"services.database.redundancy.failover.switchover": "2m"}).
    """
    doc = yaml.safe_load(Path(_path(scenario)).read_text())
    for dotted, value in changes.items():
        node = doc
        parts = dotted.split(".")
        for part in parts[:-1]:
            node = _child(node, part)
        if isinstance(node, list):
            raise KeyError(f"{dotted}: a list item needs its name")
        node[parts[-1]] = value
    return write(yaml.safe_dump(doc, sort_keys=False), name)


def _child(node, part):
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and item.get("name") == part:
                return item
        raise KeyError(f"no item named {part!r}")
    return node.setdefault(part, {})


def nines_of(availability: float) -> float:
    """The number of nines: -log10(1 - A)."""
    import math

    return math.inf if availability >= 1 else -math.log10(1 - availability)
