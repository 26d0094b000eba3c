"""Hosts: the one boundary between the kernel and the world (see wasmux.host.Host).

memory.py  deterministic, for unit tests (fake clock, no guest code)
native.py  CPython + wasmtime, one thread per process
pyodide.py the browser's kernel worker (the only module that imports `js`)
"""
