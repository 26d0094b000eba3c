"""Real programs (tests/native/process_programs/ipctest.c, linked with libwasmux) on the
native host: pipes within a program and between a parent and a spawned child, EPIPE
and SIGPIPE, non-blocking ends, dup/fcntl, poll and select, descriptor passing over a
socketpair, and a server and clients over a socket path."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from process_build import build, install, run, start
from wasmux.hosts.native import NativeSystem


@pytest.fixture(scope="module")
def ipctest() -> bytes:
    return build("ipctest").read_bytes()


@pytest.fixture
def system(ipctest: bytes) -> Iterator[NativeSystem]:
    with NativeSystem() as native:
        install(native, "/bin/ipctest", ipctest)
        yield native


def test_pipe_within_one_program(system: NativeSystem) -> None:
    # fstat goes through libwasmux's stat call, which reports a pipe as S_IFIFO.
    assert run(system, ["ipctest", "pipe-self"]) == (
        0, "read 16: through the pipe\nafter close: 0\nfifo 1 seek 1\n")


def test_pipe_from_a_spawned_child_to_its_parent(system: NativeSystem) -> None:
    assert run(system, ["ipctest", "pipe-child", "1000000"]) == (
        0, "parent read 1000000 bytes, child status 0\n")


def test_write_to_a_pipe_without_reader_kills_with_sigpipe(system: NativeSystem) -> None:
    assert run(system, ["ipctest", "epipe", "default"]) == (128 + 13, "")


def test_write_to_a_pipe_without_reader_with_sigpipe_ignored(system: NativeSystem) -> None:
    assert run(system, ["ipctest", "epipe", "ignored"]) == (0, "write -1 errno EPIPE\n")


def test_nonblocking_pipe(system: NativeSystem) -> None:
    assert run(system, ["ipctest", "nonblock"]) == (
        0, "empty read -1 EAGAIN\nflags nonblock 1\nfilled 65000 then EAGAIN\n"
           "read end blocking again: 1\n")


def test_dup_dup2_dup3_fcntl(system: NativeSystem) -> None:
    assert run(system, ["ipctest", "descriptors"]) == (
        0, "dup 1 F_DUPFD 30 F_DUPFD_CLOEXEC 31 cloexec 0 1\nF_GETFD after F_SETFD 1\n"
           "dup3 same fd: -1 EINVAL\ndup2 closed: -1 EBADF\nvia 20 via 30\n"
           "access mode O_RDONLY\n")


def test_poll_and_select_on_a_pipe(system: NativeSystem) -> None:
    assert run(system, ["ipctest", "poll"]) == (
        0, "poll: 1 read 0 write 1\npoll timeout: 0 after >= 50 ms: 1\n"
           "poll after write: 1 1\nselect: 1 1\npoll at eof: 1 hup 1\n")


def test_poll_and_select_over_file_socket_pipe_and_stream(system: NativeSystem) -> None:
    assert run(system, ["ipctest", "poll-mixed"]) == (
        0, "before: 3 file 1 socket in 0 out 1 pipe 0 stdin 1\nafter: 3 socket in 1 pipe 1\n"
           "select: 3\n")


def test_poll_wakes_when_a_child_writes(system: NativeSystem) -> None:
    assert run(system, ["ipctest", "poll-child"]) == (
        0, "poll 1 revents 1 read late status 0\n")


def test_descriptor_passed_to_a_child_over_a_socketpair(system: NativeSystem) -> None:
    status, output = run(system, ["ipctest", "fd-passing"])
    assert status == 0
    assert output.startswith("parent got: written through fd ")
    assert output.endswith(" after 'here'; child status 0\n")


def test_server_and_clients_over_a_socket_path(system: NativeSystem) -> None:
    server_output = bytearray()
    server = start(system, "/bin/ipctest", ["ipctest", "server", "/tmp/sock", "2"],
                   server_output)
    for text in ("hello", "second client"):
        status, output = run(system, ["ipctest", "client", "/tmp/sock", text])
        assert (status, output) == (0, f"peer /tmp/sock reply {text.upper()}\n")
    assert system.wait(server, 30) == 0
    assert server_output.decode() == "second bind -1 EADDRINUSE\nserver done\n"


def test_socket_errors(system: NativeSystem) -> None:
    assert run(system, ["ipctest", "socket-errors"]) == (
        0, "AF_INET: -1 EAFNOSUPPORT\nSOCK_DGRAM: -1 EPROTONOSUPPORT\n"
           "connect missing: -1 ENOENT\nSO_TYPE stream 1\nsend to closed peer: -1 EPIPE\n"
           "recv at eof: 0\n")


def test_pipe_throughput_is_chunked(system: NativeSystem) -> None:
    """32 MB from a child through a pipe: a smoke bound, far above per-byte costs."""
    started = time.monotonic()
    assert run(system, ["ipctest", "pipe-child", "32000000"]) == (
        0, "parent read 32000000 bytes, child status 0\n")
    assert time.monotonic() - started < 20
