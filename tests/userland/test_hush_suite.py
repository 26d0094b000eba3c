"""BusyBox's own hush test suite (shell/hush_test in Debian's source) run on Wasmux.

As hush_test/run-all does: each DIR/NAME.tests runs as `$THIS_SH ./NAME.tests` in its
directory with stdout and stderr merged, THIS_SH being a `hush` link to BusyBox on PATH,
and BusyBox's CONFIG_* settings exported; the output, with run-all's filter for C
library differences, must equal NAME.right. Exit status 77 means the test skipped
itself (a feature is disabled). The suite is copied into the root at /hush_test and
runs once per session on one Wasmux system, a few directories at a time (the tests
of one directory in order: they share scratch file names).

tests/userland/hush_failures.txt lists the tests known to fail, one `DIR/NAME: reason`
a line: they are xfails, not strict because the signal cases depend on timing; the
summary names listed tests that passed. test_hush_suite_pass_rate prints the count,
fails on any unlisted failure and requires at least 90% to pass.
Set WASMUX_HUSH_TESTS=DIR/NAME,... to run only some tests.
"""

from __future__ import annotations

import io
import os
import tarfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import debsource
import pytest
from busybox import recipe
from userland_support import REPO, SHELL_ENVIRONMENT, BuiltImage, WasmuxShell  # type: ignore[import-not-found]

FAILURES_FILE = Path(__file__).with_name("hush_failures.txt")
SUITE_IN_ROOT = "/hush_test"
TIMEOUT_SECONDS = 180  # hush-z_slow/many_ifs takes about a minute
PARALLEL = 3
TARGET_PASS_RATE = 0.90


def _suite_directory() -> Path | None:
    try:
        source = debsource.fetch(recipe.PACKAGE, recipe.VERSION, REPO / "build" / "src")
    except debsource.SourceUnavailable:
        return None
    return source / "shell" / "hush_test"


SUITE = _suite_directory()


def _test_names() -> list[str]:
    if SUITE is None:
        return []
    names = sorted(f"{path.parent.name}/{path.name.removesuffix('.tests')}"
                   for path in SUITE.glob("hush-*/*.tests")
                   if path.with_suffix(".right").exists() and os.access(path, os.X_OK))
    chosen = os.environ.get("WASMUX_HUSH_TESTS")
    return [name for name in names if name in chosen.split(",")] if chosen else names


def known_failures() -> dict[str, str]:
    """The committed list: test name -> reason."""
    failures = {}
    for line in FAILURES_FILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.partition(":")
            failures[name.strip()] = reason.strip()
    return failures


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int
    output: str
    expected: str
    seconds: float

    @property
    def skipped(self) -> bool:
        return self.status == 77

    @property
    def passed(self) -> bool:
        return not self.skipped and self.output == self.expected


def _suite_archive(suite: Path) -> bytes:
    """The hush_test tree as a tar, plus the `hush` link to BusyBox."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(suite, arcname=".", filter=lambda info: info if not info.islnk() else None)
        link = tarfile.TarInfo("hush")
        link.type, link.linkname = tarfile.SYMTYPE, "/bin/busybox"
        tar.addfile(link)
    return buffer.getvalue()


def _config_environment(busybox: recipe.Result) -> list[str]:
    """BusyBox's enabled CONFIG_* settings, as run-all exports them."""
    config = busybox.module.parents[2] / "busybox"
    found = sorted(config.glob("obj-*/.config"))
    lines = found[0].read_text().splitlines() if found else []
    return [line for line in lines if line.startswith("CONFIG_") and "=" in line]


def _filter(output: str) -> str:
    """run-all's `sed -e "/: invalid option /s:'::g"`."""
    return "".join(line.replace("'", "") if ": invalid option " in line else line
                   for line in output.splitlines(keepends=True))


@pytest.fixture(scope="session")
def suite_outcomes(built_image: BuiltImage) -> dict[str, Outcome]:
    assert SUITE is not None
    shell = WasmuxShell(built_image.archive.read_bytes())
    try:
        from wasmux.fs.unpack import unpack
        with shell.system.host.lock:
            directory = shell.system.kernel.vfs.root.create_directory(SUITE_IN_ROOT[1:], 0o755)
            unpack(directory, _suite_archive(SUITE))
        environment = [*SHELL_ENVIRONMENT, f"THIS_SH={SUITE_IN_ROOT}/hush",
                       f"PATH={SUITE_IN_ROOT}:/bin:/sbin:/usr/bin",
                       *_config_environment(built_image.busybox)]

        def run(name: str) -> tuple[str, Outcome]:
            directory, test = name.split("/")
            script = f'cd {SUITE_IN_ROOT}/{directory} && "$THIS_SH" ./{test}.tests'
            result = shell.run(script, timeout=TIMEOUT_SECONDS, environment=environment,
                               merge_output=True)
            expected = (SUITE / directory / f"{test}.right").read_text(errors="replace")
            return name, Outcome(result.status, _filter(result.stdout), expected,
                                 result.seconds)

        def run_directory(names: list[str]) -> list[tuple[str, Outcome]]:
            return [run(name) for name in names]

        # Tests of one directory share scratch file names: they run in order, and
        # directories run side by side.
        by_directory: dict[str, list[str]] = {}
        for name in _test_names():
            by_directory.setdefault(name.split("/")[0], []).append(name)
        with ThreadPoolExecutor(PARALLEL) as pool:
            return dict(item for items in pool.map(run_directory, by_directory.values())
                        for item in items)
    finally:
        shell.close()


def _case(name: str, failures: dict[str, str]) -> object:
    if name in failures:
        return pytest.param(name, marks=pytest.mark.xfail(reason=failures[name], strict=False))
    return name


KNOWN = known_failures()


@pytest.mark.parametrize("name", [_case(name, KNOWN) for name in _test_names()])
def test_hush(name: str, suite_outcomes: dict[str, Outcome]) -> None:
    outcome = suite_outcomes[name]
    if outcome.skipped:
        pytest.skip("the test skipped itself (exit 77: feature disabled)")
    assert outcome.output == outcome.expected, (
        f"status {outcome.status} after {outcome.seconds:.1f} s")


def test_hush_suite_pass_rate(suite_outcomes: dict[str, Outcome]) -> None:
    ran = [outcome for outcome in suite_outcomes.values() if not outcome.skipped]
    passed = sum(outcome.passed for outcome in ran)
    seconds = sum(outcome.seconds for outcome in suite_outcomes.values())
    summary = (f"hush suite on Wasmux: {passed}/{len(ran)} passed "
               f"({passed / max(len(ran), 1):.1%}), {len(suite_outcomes) - len(ran)} "
               f"skipped themselves, {seconds:.0f} s of test time")
    unlisted = sorted(name for name, outcome in suite_outcomes.items()
                      if not outcome.passed and not outcome.skipped and name not in KNOWN)
    listed_but_passed = sorted(name for name, outcome in suite_outcomes.items()
                               if outcome.passed and name in KNOWN)
    summary += f"; listed but passed this time: {listed_but_passed or 'none'}"
    print(summary)
    assert not unlisted, summary + f"; failures missing from {FAILURES_FILE.name}: {unlisted}"
    assert passed >= TARGET_PASS_RATE * len(ran), summary
