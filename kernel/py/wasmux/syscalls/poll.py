"""poll_oneoff: wait until a clock expires or a descriptor is readable or writable.

Layer: syscall handler; reads the fd table, Inode.poll/poll_queues and the Host clocks.
Every subscription that is ready yields an event; when none is, the call parks on the
descriptors' wait queues until the earliest clock deadline.

Timeouts under park and retry: a parked request is re-run with the very arguments it
was first given, so a relative timeout must not restart on each run. The first run
therefore rewrites the request's own subscription list in place: each relative clock
becomes an absolute MONOTONIC deadline, `now + timeout`. The rewrite is idempotent
(absolute clocks are left alone), so every later run sees the deadline the first run
fixed. The list belongs to this one request (the edge decodes a fresh list for every
call), so no state outlives it, whether it ends by an event, EINTR or exit.

Errors: no subscriptions, an unknown type or a clock other than REALTIME/MONOTONIC is
EINVAL for the whole call (as in wasmtime 50). A descriptor the call cannot watch (closed
or a directory: EBADF; lacking the read or write right: ENOTCAPABLE) yields an event
carrying that errno, as the spec allows and as poll() reports POLLNVAL, and the other
subscriptions are answered as usual (wasmtime fails the whole call with EBADF). As in
poll(), the open mode does not matter: a write-only stream polled for reading is just
never readable. A regular file is always ready; its read event counts the bytes to end
of file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi import wasi
from ..errors import KernelError, WouldBlock
from ..file import POLLHUP, POLLIN, POLLOUT
from . import syscall

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process
    from ..wait import WaitQueue

# subscription: userdata, tag, clock id or fd, timeout, precision, flags (wasi.SUBSCRIPTION)
Subscription = tuple[int, int, int, int, int, int]
# event: userdata, error, type, nbytes, flags (wasi.EVENT)
Event = tuple[int, int, int, int, int]

ABSTIME = wasi.SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME
POLL_CLOCKS = (wasi.CLOCK_REALTIME, wasi.CLOCK_MONOTONIC)
FD_EVENTS = {wasi.EVENTTYPE_FD_READ: (wasi.RIGHT_FD_READ, POLLIN),
             wasi.EVENTTYPE_FD_WRITE: (wasi.RIGHT_FD_WRITE, POLLOUT)}


@syscall("poll_oneoff")
def poll_oneoff(kernel: Kernel, process: Process,
                subscriptions: list[Subscription]) -> tuple[list[Event], int]:
    if not subscriptions:
        raise KernelError(wasi.EINVAL, "no subscriptions")
    _fix_relative_deadlines(kernel, subscriptions)
    now = kernel.host.monotonic_ns()
    events: list[Event] = []
    queues: list[WaitQueue] = []
    deadline: int | None = None
    for userdata, tag, target, timeout, _precision, _flags in subscriptions:
        if tag == wasi.EVENTTYPE_CLOCK:
            due = _monotonic_deadline(kernel, target, timeout)
            if due <= now:
                events.append((userdata, wasi.ESUCCESS, tag, 0, 0))
            elif deadline is None or due < deadline:
                deadline = due
        else:
            event = _fd_event(process, userdata, tag, target, queues)
            if event is not None:
                events.append(event)
    if events:
        return (events, len(events))
    raise WouldBlock(*queues, deadline=deadline)


def _fix_relative_deadlines(kernel: Kernel, subscriptions: list[Subscription]) -> None:
    """Check every subscription's type and clock; turn relative clocks into absolute
    MONOTONIC deadlines in place (see the module docstring)."""
    now = kernel.host.monotonic_ns()
    for index, (userdata, tag, target, timeout, precision, flags) in enumerate(subscriptions):
        if tag == wasi.EVENTTYPE_CLOCK:
            if target not in POLL_CLOCKS:
                raise KernelError(wasi.EINVAL, f"cannot wait on clock {target}")
            if not flags & ABSTIME:
                subscriptions[index] = (userdata, tag, wasi.CLOCK_MONOTONIC, now + timeout,
                                        precision, flags | ABSTIME)
        elif tag not in FD_EVENTS:
            raise KernelError(wasi.EINVAL, f"unknown subscription type {tag}")


def _monotonic_deadline(kernel: Kernel, clock_id: int, deadline: int) -> int:
    """An absolute deadline on `clock_id` as monotonic nanoseconds."""
    if clock_id == wasi.CLOCK_MONOTONIC:
        return deadline
    host = kernel.host
    return host.monotonic_ns() + deadline - host.realtime_ns()


def _fd_event(process: Process, userdata: int, tag: int, fd: int,
              queues: list[WaitQueue]) -> Event | None:
    """The event for an fd subscription if it is ready now or cannot be watched (the
    event carries the errno); otherwise adds the queues that announce a change and
    returns None."""
    right, wanted = FD_EVENTS[tag]
    try:
        file = process.fds.get(fd, right).file  # poll() ignores the open mode
    except KernelError as error:
        return (userdata, error.errno, tag, 0, 0)
    if file.inode.filetype == wasi.FILETYPE_DIRECTORY:
        return (userdata, wasi.EBADF, tag, 0, 0)
    ready, readable = file.inode.poll(file)
    if not ready & (wanted | POLLHUP):
        queues.extend(file.inode.poll_queues())
        return None
    nbytes = readable if tag == wasi.EVENTTYPE_FD_READ else 0
    flags = wasi.EVENTRWFLAGS_FD_READWRITE_HANGUP if ready & POLLHUP else 0
    return (userdata, wasi.ESUCCESS, tag, nbytes, flags)
