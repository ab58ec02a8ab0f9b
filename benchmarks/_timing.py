"""Medians of interleaved timings.

Cases are run in turns (a, b, c, a, b, c, ...) rather than one after the other, so a burst of load
from a neighbour on the shared machine hits every case alike and the ratios stay fair. The cyclic
garbage collector stays on, as in a real program (timeit turns it off, which flatters code that
allocates many objects).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping


def time_calls(fn: Callable[[], object], number: int) -> float:
    """Seconds per call of `fn`, over `number` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def interleaved_samples(
    cases: Mapping[str, Callable[[], object]], *, number: int, repeat: int, gc_enabled: bool = True
) -> dict[str, list[float]]:
    """Seconds per call of each case, one sample per round, over `repeat` interleaved rounds."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    was_enabled = gc.isenabled()
    (gc.enable if gc_enabled else gc.disable)()
    try:
        for fn in cases.values():  # warm-up: imports, caches, first-call costs
            fn()
        for _ in range(repeat):
            for name, fn in cases.items():
                samples[name].append(time_calls(fn, number))
    finally:
        (gc.enable if was_enabled else gc.disable)()
    return samples


def interleaved_medians(
    cases: Mapping[str, Callable[[], object]], *, number: int, repeat: int, gc_enabled: bool = True
) -> dict[str, float]:
    """The median seconds per call of each case, measured in `repeat` interleaved rounds."""
    samples = interleaved_samples(cases, number=number, repeat=repeat, gc_enabled=gc_enabled)
    return {name: statistics.median(values) for name, values in samples.items()}


def calls_for(fn: Callable[[], object], budget: float) -> int:
    """How many calls of `fn` fit in about `budget` seconds (at least 1): sizes one timing round."""
    per_call = time_calls(fn, 1)
    return max(1, int(budget / max(per_call, 1e-9)))


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else float("inf")
