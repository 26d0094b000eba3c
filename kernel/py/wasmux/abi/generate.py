"""Generators: write kernel/abi.gen.js and rootfs-build/include/wasmux/syscalls.h from
the ABI table.

Layer: build tooling beside the ABI data; imports only abi.table and abi.wasi, and runs
as `python -m wasmux.abi.generate [--check] [--root DIR]` with kernel/py on the path.
The JavaScript module is data only (the browser's process worker interprets it); the C
header declares the `wasmux` import-module functions for the userland. `--check` writes
nothing and exits 1 naming every stale file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from . import table, wasi
from .table import Syscall, View

STAMP = "generated from kernel/py/wasmux/abi/table.py by abi/generate.py, do not edit"
REPO_ROOT = Path(__file__).resolve().parents[4]
JS_PATH = Path("kernel/abi.gen.js")
HEADER_PATH = Path("rootfs-build/include/wasmux/syscalls.h")


# --- JavaScript: the syscall table, struct layouts and errno names as data ---

def _js_view(call: Syscall, view: View) -> dict[str, object]:
    """A view with its parameter names and their positions among the wasm arguments."""
    kind, _, layout = view.kind.partition(":")
    entry: dict[str, object] = {"kind": kind}
    if layout:
        entry["layout"] = layout
    entry["params"] = list(view.params)
    entry["at"] = [call.params.index(name) for name in view.params]
    return entry


def _js_syscall(call: Syscall) -> str:
    entry = {
        "number": call.number,
        "module": call.module,
        "name": call.name,
        "params": list(call.params),
        "types": list(call.wasm_param_types()),
        "ins": [_js_view(call, view) for view in call.ins],
        "outs": [_js_view(call, view) for view in call.outs],
        "noreturn": call.noreturn,
    }
    return json.dumps(entry, separators=(", ", ": "))


def render_js() -> str:
    """The ES module text of kernel/abi.gen.js."""
    layouts = {
        name: {"size": size, "align": align,
               "fields": [list(field) for field in fields]}
        for name, (size, align, fields) in wasi.LAYOUTS.items()
    }
    lines = [
        f"// {STAMP}.",
        "// Syscall views, struct layouts and formats are documented in abi/table.py and",
        "// abi/wasi.py; struct formats are Python struct codes (B H I Q: u8 u16 u32 u64).",
        "",
        f"export const WASI = {json.dumps(table.WASI)};",
        f"export const WASMUX = {json.dumps(table.WASMUX)};",
        "",
        "export const SYSCALLS = [",
        *(f"  {_js_syscall(call)}," for call in table.SYSCALLS),
        "];",
        "",
        "export const LAYOUTS = {",
        *(f"  {json.dumps(name)}: {json.dumps(layout, separators=(', ', ': '))},"
          for name, layout in layouts.items()),
        "};",
        "",
        "// Index = WASI errno number.",
        f"export const ERRNO_NAMES = {json.dumps(['E' + n for n in wasi.ERRNO_NAMES])};",
        "",
    ]
    return "\n".join(lines)


# --- C header: the wasmux import module's functions and every syscall number ---

C_KEYWORDS = frozenset(
    "auto break case char const continue default do double else enum extern float for "
    "goto if inline int long register restrict return short signed sizeof static struct "
    "switch typedef union unsigned void volatile while".split())

# Type of a view's parameters, by position: (pointer-or-first, length-or-second).
_POINTER_TYPES: dict[str, tuple[str, ...]] = {
    "path": ("const char *", "size_t"),
    "bytes": ("const void *", "size_t"),
    "iovs_in": ("const __wasi_ciovec_t *", "size_t"),
    "iovs_cap": ("const __wasi_iovec_t *", "size_t"),
    "iovs_out": ("const __wasi_iovec_t *", "size_t"),
    "subs": ("const __wasi_subscription_t *", "size_t"),
    "u32": ("uint32_t *",),
    "u64": ("uint64_t *",),
    "buf_out": ("void *", "size_t"),
    "events": ("__wasi_event_t *",),
    "strings": ("uint8_t **", "uint8_t *"),
}


def _c_param_types(call: Syscall) -> dict[str, str]:
    """Each wasm parameter's C type, from the views that use it (outs first, so a buffer
    the kernel also writes is not const); a parameter no view uses is a plain integer
    of its wasm width."""
    types: dict[str, str] = {}
    for view in call.outs + call.ins:
        kind, _, layout = view.kind.partition(":")
        if kind in ("int", "sint"):
            wide = view.params[0] in call.i64
            signed = "" if kind == "sint" else "u"
            candidates: tuple[str, ...] = (f"{signed}int{64 if wide else 32}_t",)
        elif kind == "struct":
            candidates = (f"__wasi_{layout}_t *",)
        else:
            assert kind in _POINTER_TYPES, f"{call.name}: no C type for view {kind}"
            candidates = _POINTER_TYPES[kind]
        for name, c_type in zip(view.params, candidates):
            types.setdefault(name, c_type)
    for name in call.params:
        types.setdefault(name, "int64_t" if name in call.i64 else "int32_t")
    return types


def _c_name(name: str) -> str:
    return name + "_" if name in C_KEYWORDS else name


def _c_declaration(call: Syscall) -> str:
    types = _c_param_types(call)
    params = ", ".join(f"{types[p]}{'' if types[p].endswith('*') else ' '}{_c_name(p)}"
                       for p in call.params) or "void"
    views = " ".join(f"{v.kind}({','.join(v.params)})" for v in call.ins)
    outs = " ".join(f"{v.kind}({','.join(v.params)})" for v in call.outs)
    result = "_Noreturn void" if call.noreturn else "int32_t"
    return "\n".join([
        f"/* {call.name}: in {views or '-'}; out {outs or '-'}; returns "
        f"{'nothing' if call.noreturn else 'a WASI errno'}. */",
        f'{result} __wasmux_{call.name}({params})',
        f'    __attribute__((import_module("{call.module}"), import_name("{call.name}")));',
    ])


def render_header() -> str:
    """The text of rootfs-build/include/wasmux/syscalls.h."""
    wasmux_calls = [call for call in table.SYSCALLS if call.module == table.WASMUX]
    lines = [
        f"/* {STAMP}. */",
        "#ifndef WASMUX_SYSCALLS_H",
        "#define WASMUX_SYSCALLS_H",
        "",
        "#include <stddef.h>",
        "#include <stdint.h>",
        "#include <wasi/api.h>",
        "",
        "#ifdef __cplusplus",
        'extern "C" {',
        "#endif",
        "",
        "/* Kernel syscall numbers (the dispatcher's index of each import). */",
        *(f"#define WASMUX_SYS_{call.name} {call.number}" for call in table.SYSCALLS),
        "",
        "/* Functions of the \"wasmux\" import module (POSIX calls WASI lacks). */",
        *(f"{_c_declaration(call)}\n" for call in wasmux_calls),
        "#ifdef __cplusplus",
        "}",
        "#endif",
        "",
        "#endif",
        "",
    ]
    return "\n".join(lines)


OUTPUTS: dict[Path, Callable[[], str]] = {JS_PATH: render_js, HEADER_PATH: render_header}


def stale_files(root: Path = REPO_ROOT) -> list[Path]:
    """The generated files under `root` whose content differs from what would be written."""
    return [path for path, render in OUTPUTS.items()
            if not (root / path).is_file() or (root / path).read_text() != render()]


def write_all(root: Path = REPO_ROOT) -> list[Path]:
    """Write every stale generated file under `root`; returns the ones written."""
    written = stale_files(root)
    for path in written:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(OUTPUTS[path]())
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wasmux.abi.generate",
                                     description="Write the files generated from the ABI table.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a generated file is stale")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root")
    options = parser.parse_args(argv)
    if options.check:
        stale = stale_files(options.root)
        for path in stale:
            print(f"stale: {path} (run python -m wasmux.abi.generate)", file=sys.stderr)
        return 1 if stale else 0
    for path in write_all(options.root):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
