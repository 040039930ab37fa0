"""Run one bench on an earlier commit and on the working tree, one after the other; print both side by side.

    .venv/bin/python bench/compare.py [--before REF] [--repeat N] [--bench-from each|current] SCRIPT [ARGS...]

The earlier tree is a detached git worktree of REF under var/compare/<short sha>/ (made once,
reused). Both runs use this tree's .venv interpreter, the same arguments and the same
environment; with --repeat they alternate (before, after, before, ...). Each bench prints a
final `FIGURES {json}` line: the summary puts the figures of both trees side by side (the
median when repeated). `--bench-from current` runs this tree's copy of the script inside the
earlier tree (copied in for the run, removed after), so one way of measuring meets both
versions of the code; the default runs each tree's own copy. The load average is printed
before every run: figures taken above 1.5 were measured on a busy machine.

`make bench BEFORE=REF [REPEAT=N]` runs every bench through it. It exits non-zero when this
tree's run of the bench fails (the earlier tree's failure is printed: it may lack what a newer
bench asks of it). Without SCRIPT it has nothing to compare and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
DEFAULT_BEFORE = "perf-before"


def git(*args: str) -> str:
    return subprocess.run(  # noqa: S603
        ["git", *args],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def worktree_of(ref: str) -> Path:
    """Return a detached worktree of the ref under var/compare/, making it on first use."""
    sha = git("rev-parse", "--verify", f"{ref}^{{commit}}")
    path = ROOT / "var" / "compare" / sha[:12]
    if not (path / ".git").exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        git("worktree", "add", "--detach", str(path), sha)
    return path


def run(
    tree: Path, script: str, args: list[str], *, label: str, bench_from_current: bool
) -> tuple[dict[str, Any], int]:
    """Run the bench in the tree, echo its output, and return its FIGURES (empty if it printed none) and exit code."""
    target = tree / script
    copied: Path | None = None
    if bench_from_current and tree != ROOT:
        copied = target.with_name(f"_compare_{target.name}")
        shutil.copyfile(ROOT / script, copied)
        target = copied
    load = os.getloadavg()
    print(f"\n===== {label}: {tree} ({script}), load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    try:
        completed = subprocess.run(  # noqa: S603
            [str(PYTHON), str(target), *args], cwd=tree, capture_output=True, text=True, check=False
        )
    finally:
        if copied is not None:
            copied.unlink(missing_ok=True)
    print(completed.stdout, end="", flush=True)
    if completed.returncode != 0:
        print(completed.stderr[-4000:], file=sys.stderr)
        print(f"({label} exited with {completed.returncode})")
    figures: dict[str, Any] = {}
    for line in completed.stdout.splitlines():
        if line.startswith("FIGURES "):
            figures = json.loads(line.removeprefix("FIGURES "))
    figures["load_average_at_start"] = round(load[0], 2)
    return figures, completed.returncode


def summarise(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    """Print each figure of both trees (the median of the runs) and the ratio after/before."""
    keys = list(dict.fromkeys([key for figures in before + after for key in figures]))
    print("\n===== side by side (median of runs)")
    print(f"{'figure':<32} {'before':>14} {'after':>14} {'after/before':>13}")
    for key in keys:
        left, right = median(before, key), median(after, key)
        ratio = f"{right / left:.2f}x" if isinstance(left, float) and isinstance(right, float) and left else ""
        print(f"{key:<32} {show(left):>14} {show(right):>14} {ratio:>13}")


def median(runs: list[dict[str, Any]], key: str) -> float | str | None:
    values = [figures[key] for figures in runs if key in figures]
    if not values:
        return None
    if all(isinstance(value, int | float) and not isinstance(value, bool) for value in values):
        return float(statistics.median(values))
    return str(values[-1])


def show(value: float | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return value[:14]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="", help=f"the earlier commit (default: the tag {DEFAULT_BEFORE})")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each tree, alternating")
    parser.add_argument("--bench-from", choices=["each", "current"], default="each")
    parser.add_argument("script", nargs="?", help="the bench, as a path inside the repository (bench/x.py)")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="passed to the bench in both trees")
    options = parser.parse_args()
    if not options.script:
        print("compare.py: no bench given, nothing to compare.")
        return
    ref = options.before or DEFAULT_BEFORE
    before_tree = worktree_of(ref)
    script = options.script
    if Path(script).is_absolute():
        script = str(Path(script).resolve().relative_to(ROOT))
    print(f"before: {ref} = {git('rev-parse', '--short', ref)} in {before_tree}")
    print(f"after:  the working tree {ROOT} (HEAD {git('rev-parse', '--short', 'HEAD')}, uncommitted changes included)")
    before: list[dict[str, Any]] = []
    after: list[dict[str, Any]] = []
    current = options.bench_from == "current"
    failed = 0
    for index in range(options.repeat):
        figures, _ = run(before_tree, script, options.args, label=f"before #{index + 1}", bench_from_current=current)
        before.append(figures)
        figures, code = run(ROOT, script, options.args, label=f"after #{index + 1}", bench_from_current=current)
        after.append(figures)
        failed = failed or code
    summarise(before, after)
    # The earlier tree may lack what a newer bench asks of it (it is reported above); this
    # tree failing its own bench is a failure.
    if failed:
        sys.exit(failed)


if __name__ == "__main__":
    main()
