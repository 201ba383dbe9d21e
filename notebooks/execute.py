"""Checks that the notebooks are committed without outputs, then executes every
one headless (nbclient), failing on the first error. Executed copies go to a
temporary directory and are never written next to the sources.

    python notebooks/execute.py            # check and execute all
    python notebooks/execute.py --check    # only the stripped-outputs check
    python notebooks/execute.py --strip    # strip outputs in place (before committing)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def notebooks() -> list[Path]:
    return sorted(HERE.glob("[0-9][0-9]-*.ipynb"))


def dirty(nb) -> list[str]:
    """Cells that carry outputs or execution counts."""
    return [
        cell.get("id", "?")
        for cell in nb.cells
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]


def strip(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    paths = notebooks()
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    if "--strip" in argv:
        for path in paths:
            strip(path)
        return 0
    failed = False
    for path in paths:
        cells = dirty(nbformat.read(path, as_version=4))
        if cells:
            print(f"{path.name}: outputs committed in cells {', '.join(cells)}; "
                  f"run `python notebooks/execute.py --strip`", file=sys.stderr)
            failed = True
    if failed or "--check" in argv:
        return 1 if failed else 0
    with tempfile.TemporaryDirectory() as scratch:
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            started = time.monotonic()
            try:
                NotebookClient(nb, timeout=600, kernel_name="python3",
                               resources={"metadata": {"path": str(HERE)}}).execute()
            except Exception as err:  # the cell's traceback is in the message
                print(f"{path.name}: FAILED\n{err}", file=sys.stderr)
                return 1
            nbformat.write(nb, Path(scratch) / path.name)
            print(f"{path.name}: ok ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
