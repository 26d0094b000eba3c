"""Wasmux benchmarks: each figure measured against a baseline in the same run.

Layer: tooling outside the kernel; imports the `wasmux` package (kernel/py), wasmtime,
and rootfs-build/toolchain.py. Run with `bench/run` (or `python -m bench` from the
repository root); `--quick` is a smoke mode with few repetitions.
"""
