"""Timing and reporting: medians of repeated runs, and the results table.

Layer: bench tooling; standard library only.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def median_seconds(runs: Sequence[Callable[[], object]], repeats: int) -> list[float]:
    """Median wall time of `repeats` calls of each of `runs` (after one untimed warm-up
    call each); the runs take turns within every repeat."""
    for run in runs:
        run()
    samples: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, times in zip(runs, samples):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
    return [statistics.median(times) for times in samples]


def per_unit(runs: Sequence[Callable[[int], object]], units: int, repeats: int,
             reset: Callable[[], object] = lambda: None) -> list[float]:
    """Seconds per unit of work for each of `runs`: the median over `repeats` of
    (time of `units` - time of 0) / units, so fixed costs (instantiation, spawn)
    cancel. The runs take turns within every repeat, so a change of load on the machine
    hits them alike. `reset` runs, untimed, before every timed run (e.g. to remove a
    file the previous run wrote)."""
    def timed(run: Callable[[int], object], count: int) -> float:
        reset()
        start = time.perf_counter()
        run(count)
        return time.perf_counter() - start

    for run in runs:
        timed(run, units)
    differences: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, samples in zip(runs, differences):
            samples.append(timed(run, units) - timed(run, 0))
    return [max(statistics.median(samples), 0.0) / units for samples in differences]


@dataclass(frozen=True, slots=True)
class Row:
    """One benchmark result: the Wasmux figure, its baseline from the same run, the
    target in words and whether it was met (None when the row only informs)."""

    name: str
    unit: str
    figure: float
    baseline_name: str
    baseline: float
    target: str
    met: bool | None

    @property
    def ratio(self) -> float:
        return self.figure / self.baseline if self.baseline else float("inf")


def ratio_row(name: str, unit: str, figure: float, baseline_name: str, baseline: float,
              *, at_most: float | None = None, at_least: float | None = None) -> Row:
    """A row whose target bounds figure/baseline (none: the comparison is informative)."""
    ratio = figure / baseline if baseline else float("inf")
    if at_most is not None:
        return Row(name, unit, figure, baseline_name, baseline, f"ratio <= {at_most:g}",
                   ratio <= at_most)
    if at_least is not None:
        return Row(name, unit, figure, baseline_name, baseline, f"ratio >= {at_least:g}",
                   ratio >= at_least)
    return Row(name, unit, figure, baseline_name, baseline, "-", None)


def absolute_row(name: str, unit: str, figure: float, baseline_name: str, baseline: float,
                 *, at_most: float) -> Row:
    """A row whose target bounds the figure itself (lower is better)."""
    return Row(name, unit, figure, baseline_name, baseline, f"<= {at_most:g} {unit}",
               figure <= at_most)


def _number(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


def table(rows: list[Row]) -> str:
    """The results as an aligned text table."""
    header = ("benchmark", "wasmux", "baseline", "baseline is", "ratio", "target", "met")
    lines = [header]
    for row in rows:
        met = "-" if row.met is None else ("yes" if row.met else "NO")
        lines.append((row.name, f"{_number(row.figure)} {row.unit}",
                      f"{_number(row.baseline)} {row.unit}", row.baseline_name,
                      f"{row.ratio:.2f}x", row.target, met))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
                     for line in lines)
