"""Benchmarks of the client, the mock server, the contract suite and pagination (`make bench`).

Run `python -m benchmarks` for the full run, which rewrites the results part of BENCHMARKS.md, or
`python -m benchmarks --smoke` for a tiny run of every path that CI uses to keep them working.
Every number is a median, and every ratio is taken between cases measured side by side in the
same run. Nothing here is a test: no timing is ever asserted.
"""
