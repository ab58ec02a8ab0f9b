"""Child process of the pagination memory benchmark: iterate every order, report RSS as JSON.

`python -m benchmarks._memory_child BASE_URL SIZE` prints {"orders", "baseline_kib", "peak_kib",
"page_kib"}. Peak RSS is the kernel's high-water mark, so the baseline is taken after imports and
a first tiny request, and the one-page footprint is measured (with tracemalloc) only after the
walk, where it cannot raise the mark.
"""

from __future__ import annotations

import json
import resource
import sys
import tracemalloc

from impilo import Impilo
from impilo_mock import DEFAULT_API_KEY as DEV_KEY


def peak_kib() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def main() -> int:
    base_url, size = sys.argv[1], int(sys.argv[2])
    with Impilo(DEV_KEY, base_url=base_url) as client:
        client.orders.list(page=1, size=1)
        baseline = peak_kib()
        count = sum(1 for _ in client.orders.iter(size=size))
        peak = peak_kib()
        tracemalloc.start()
        page = client.orders.list(page=1, size=size)
        _, page_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del page
    print(json.dumps({"orders": count, "baseline_kib": baseline, "peak_kib": peak, "page_kib": page_peak // 1024}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
