"""The files generated from the ABI table are current, and the C header declares
imports whose wasm signatures match the table."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from wasmux.abi import generate, table

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "rootfs-build"))


@pytest.mark.parametrize("path", sorted(generate.OUTPUTS), ids=str)
def test_generated_file_is_current(path: Path) -> None:
    assert (REPO / path).read_text() == generate.OUTPUTS[path](), (
        f"{path} is stale: run `PYTHONPATH=kernel/py python -m wasmux.abi.generate`")


def test_check_mode_names_the_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert generate.main(["--root", str(tmp_path)]) == 0
    assert generate.main(["--check", "--root", str(tmp_path)]) == 0
    (tmp_path / generate.JS_PATH).write_text("// edited by hand\n")
    assert generate.main(["--check", "--root", str(tmp_path)]) == 1
    assert str(generate.JS_PATH) in capsys.readouterr().err


def test_js_module_lists_every_syscall_with_argument_positions() -> None:
    text = generate.render_js()
    assert text.startswith(f"// {generate.STAMP}")
    for call in table.SYSCALLS:
        assert f'"number": {call.number}, "module": "{call.module}", "name": "{call.name}"' in text
    assert '{"kind": "iovs_in", "params": ["iovs", "iovs_len"], "at": [1, 2]}' in text
    assert '{"kind": "struct", "layout": "filestat", "params": ["buf"], "at": [1]}' in text


def _import_signatures(wasm: Path) -> dict[tuple[str, str], tuple[str, ...]]:
    import wasmtime

    module = wasmtime.Module.from_file(wasmtime.Engine(), str(wasm))
    return {(item.module, item.name): tuple(str(p) for p in item.type.params)
            for item in module.imports if isinstance(item.type, wasmtime.FuncType)}


@pytest.mark.native
def test_header_compiles_and_imports_wasmux_getpid(tmp_path: Path) -> None:
    from toolchain import compile_c

    source = tmp_path / "getpid.c"
    source.write_text('#include <wasmux/syscalls.h>\n'
                      'int main(void) { uint32_t pid = 0;\n'
                      '  return __wasmux_getpid(&pid) == 0 && pid > 0 ? 0 : 1; }\n')
    wasm = compile_c([source], REPO / "build" / "tests" / "generated" / "getpid.wasm")
    assert _import_signatures(wasm)[("wasmux", "getpid")] == ("i32",)


@pytest.mark.native
def test_every_view_kind_declares_the_tables_wasm_signature(tmp_path: Path) -> None:
    """Declare every syscall (WASI ones too) the way the header does, call each, and
    check the compiled imports have exactly the table's parameter types."""
    from toolchain import compile_c

    calls = [call for call in table.SYSCALLS if not call.noreturn]
    lines = ["#include <stddef.h>", "#include <stdint.h>", "#include <wasi/api.h>"]
    lines += [generate._c_declaration(call).replace("__wasmux_", "__check_") for call in calls]
    lines.append("int main(int argc, char **argv) { if (argc > 1) return 0;")
    for call in calls:
        zeros = ", ".join("0" for _ in call.params)
        lines.append(f"  __check_{call.name}({zeros});")
    lines.append("  return 0; }")
    source = tmp_path / "all.c"
    source.write_text("\n".join(lines) + "\n")
    wasm = compile_c([source], REPO / "build" / "tests" / "generated" / "all.wasm")
    signatures = _import_signatures(wasm)
    for call in calls:
        assert signatures[(call.module, call.name)] == call.wasm_param_types(), call.name
