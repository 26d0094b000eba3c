"""WASI preview1 constants and struct layouts, as the spec defines them.

Layer: ABI data only; imported by the kernel core, the hosts and the generators.
Struct layouts are (field, offset, struct format char) so both the native host and
the generated JavaScript marshal them from one definition.
"""

from __future__ import annotations

import struct

ERRNO_NAMES = (
    "SUCCESS 2BIG ACCES ADDRINUSE ADDRNOTAVAIL AFNOSUPPORT AGAIN ALREADY BADF BADMSG "
    "BUSY CANCELED CHILD CONNABORTED CONNREFUSED CONNRESET DEADLK DESTADDRREQ DOM DQUOT "
    "EXIST FAULT FBIG HOSTUNREACH IDRM ILSEQ INPROGRESS INTR INVAL IO ISCONN ISDIR LOOP "
    "MFILE MLINK MSGSIZE MULTIHOP NAMETOOLONG NETDOWN NETRESET NETUNREACH NFILE NOBUFS "
    "NODEV NOENT NOEXEC NOLCK NOLINK NOMEM NOMSG NOPROTOOPT NOSPC NOSYS NOTCONN NOTDIR "
    "NOTEMPTY NOTRECOVERABLE NOTSOCK NOTSUP NOTTY NXIO OVERFLOW OWNERDEAD PERM PIPE PROTO "
    "PROTONOSUPPORT PROTOTYPE RANGE ROFS SPIPE SRCH STALE TIMEDOUT TXTBSY XDEV NOTCAPABLE"
).split()

ESUCCESS = 0
E2BIG = 1
EACCES = 2
EADDRINUSE = 3
EADDRNOTAVAIL = 4
EAFNOSUPPORT = 5
EAGAIN = 6
EALREADY = 7
EBADF = 8
EBADMSG = 9
EBUSY = 10
ECANCELED = 11
ECHILD = 12
ECONNABORTED = 13
ECONNREFUSED = 14
ECONNRESET = 15
EDEADLK = 16
EDESTADDRREQ = 17
EDOM = 18
EDQUOT = 19
EEXIST = 20
EFAULT = 21
EFBIG = 22
EHOSTUNREACH = 23
EIDRM = 24
EILSEQ = 25
EINPROGRESS = 26
EINTR = 27
EINVAL = 28
EIO = 29
EISCONN = 30
EISDIR = 31
ELOOP = 32
EMFILE = 33
EMLINK = 34
EMSGSIZE = 35
EMULTIHOP = 36
ENAMETOOLONG = 37
ENETDOWN = 38
ENETRESET = 39
ENETUNREACH = 40
ENFILE = 41
ENOBUFS = 42
ENODEV = 43
ENOENT = 44
ENOEXEC = 45
ENOLCK = 46
ENOLINK = 47
ENOMEM = 48
ENOMSG = 49
ENOPROTOOPT = 50
ENOSPC = 51
ENOSYS = 52
ENOTCONN = 53
ENOTDIR = 54
ENOTEMPTY = 55
ENOTRECOVERABLE = 56
ENOTSOCK = 57
ENOTSUP = 58
ENOTTY = 59
ENXIO = 60
EOVERFLOW = 61
EOWNERDEAD = 62
EPERM = 63
EPIPE = 64
EPROTO = 65
EPROTONOSUPPORT = 66
EPROTOTYPE = 67
ERANGE = 68
EROFS = 69
ESPIPE = 70
ESRCH = 71
ESTALE = 72
ETIMEDOUT = 73
ETXTBSY = 74
EXDEV = 75
ENOTCAPABLE = 76


def errno_name(errno: int) -> str:
    """'ENOENT' for 44; 'E?123' for numbers outside the table."""
    if 0 <= errno < len(ERRNO_NAMES):
        return "E" + ERRNO_NAMES[errno]
    return f"E?{errno}"


# filetype
FILETYPE_UNKNOWN = 0
FILETYPE_BLOCK_DEVICE = 1
FILETYPE_CHARACTER_DEVICE = 2
FILETYPE_DIRECTORY = 3
FILETYPE_REGULAR_FILE = 4
FILETYPE_SOCKET_DGRAM = 5
FILETYPE_SOCKET_STREAM = 6
FILETYPE_SYMBOLIC_LINK = 7

# rights (bit numbers are the spec's order)
RIGHT_FD_DATASYNC = 1 << 0
RIGHT_FD_READ = 1 << 1
RIGHT_FD_SEEK = 1 << 2
RIGHT_FD_FDSTAT_SET_FLAGS = 1 << 3
RIGHT_FD_SYNC = 1 << 4
RIGHT_FD_TELL = 1 << 5
RIGHT_FD_WRITE = 1 << 6
RIGHT_FD_ADVISE = 1 << 7
RIGHT_FD_ALLOCATE = 1 << 8
RIGHT_PATH_CREATE_DIRECTORY = 1 << 9
RIGHT_PATH_CREATE_FILE = 1 << 10
RIGHT_PATH_LINK_SOURCE = 1 << 11
RIGHT_PATH_LINK_TARGET = 1 << 12
RIGHT_PATH_OPEN = 1 << 13
RIGHT_FD_READDIR = 1 << 14
RIGHT_PATH_READLINK = 1 << 15
RIGHT_PATH_RENAME_SOURCE = 1 << 16
RIGHT_PATH_RENAME_TARGET = 1 << 17
RIGHT_PATH_FILESTAT_GET = 1 << 18
RIGHT_PATH_FILESTAT_SET_SIZE = 1 << 19
RIGHT_PATH_FILESTAT_SET_TIMES = 1 << 20
RIGHT_FD_FILESTAT_GET = 1 << 21
RIGHT_FD_FILESTAT_SET_SIZE = 1 << 22
RIGHT_FD_FILESTAT_SET_TIMES = 1 << 23
RIGHT_PATH_SYMLINK = 1 << 24
RIGHT_PATH_REMOVE_DIRECTORY = 1 << 25
RIGHT_PATH_UNLINK_FILE = 1 << 26
RIGHT_POLL_FD_READWRITE = 1 << 27
RIGHT_SOCK_SHUTDOWN = 1 << 28
RIGHT_SOCK_ACCEPT = 1 << 29
RIGHTS_ALL = (1 << 30) - 1

# oflags
OFLAGS_CREAT = 1
OFLAGS_DIRECTORY = 2
OFLAGS_EXCL = 4
OFLAGS_TRUNC = 8

# fdflags
FDFLAGS_APPEND = 1
FDFLAGS_DSYNC = 2
FDFLAGS_NONBLOCK = 4
FDFLAGS_RSYNC = 8
FDFLAGS_SYNC = 16

# lookupflags
LOOKUPFLAGS_SYMLINK_FOLLOW = 1

# fstflags
FSTFLAGS_ATIM = 1
FSTFLAGS_ATIM_NOW = 2
FSTFLAGS_MTIM = 4
FSTFLAGS_MTIM_NOW = 8

# whence
WHENCE_SET = 0
WHENCE_CUR = 1
WHENCE_END = 2

# clockid
CLOCK_REALTIME = 0
CLOCK_MONOTONIC = 1
CLOCK_PROCESS_CPUTIME_ID = 2
CLOCK_THREAD_CPUTIME_ID = 3

# eventtype
EVENTTYPE_CLOCK = 0
EVENTTYPE_FD_READ = 1
EVENTTYPE_FD_WRITE = 2

SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME = 1
EVENTRWFLAGS_FD_READWRITE_HANGUP = 1

# advice
ADVICE_NORMAL, ADVICE_SEQUENTIAL, ADVICE_RANDOM, ADVICE_WILLNEED, ADVICE_DONTNEED, ADVICE_NOREUSE = range(6)

PREOPENTYPE_DIR = 0

RIFLAGS_RECV_PEEK = 1
RIFLAGS_RECV_WAITALL = 2
ROFLAGS_RECV_DATA_TRUNCATED = 1
SDFLAGS_RD = 1
SDFLAGS_WR = 2

# signals (WASI numbering, which matches Linux for the common ones)
SIGNAL_NAMES = (
    "NONE HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM CHLD CONT "
    "STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH POLL PWR SYS"
).split()
SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL = range(1, 10)
SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGCHLD, SIGCONT = range(10, 18)
SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM = range(18, 26)
SIGPROF, SIGWINCH, SIGPOLL, SIGPWR, SIGSYS = range(26, 31)

# Struct layouts: name -> (size, alignment, ((field, offset, struct-format), ...)).
LAYOUTS: dict[str, tuple[int, int, tuple[tuple[str, int, str], ...]]] = {
    "iovec": (8, 4, (("buf", 0, "I"), ("buf_len", 4, "I"))),
    "dirent": (24, 8, (("d_next", 0, "Q"), ("d_ino", 8, "Q"), ("d_namlen", 16, "I"),
                       ("d_type", 20, "B"))),
    "fdstat": (24, 8, (("fs_filetype", 0, "B"), ("fs_flags", 2, "H"),
                       ("fs_rights_base", 8, "Q"), ("fs_rights_inheriting", 16, "Q"))),
    "filestat": (64, 8, (("dev", 0, "Q"), ("ino", 8, "Q"), ("filetype", 16, "B"),
                         ("nlink", 24, "Q"), ("size", 32, "Q"), ("atim", 40, "Q"),
                         ("mtim", 48, "Q"), ("ctim", 56, "Q"))),
    "prestat": (8, 4, (("tag", 0, "B"), ("pr_name_len", 4, "I"))),
    "subscription": (48, 8, (("userdata", 0, "Q"), ("tag", 8, "B"),
                             ("clock_id_or_fd", 16, "I"), ("timeout", 24, "Q"),
                             ("precision", 32, "Q"), ("flags", 40, "H"))),
    "event": (32, 8, (("userdata", 0, "Q"), ("error", 8, "H"), ("type", 10, "B"),
                      ("nbytes", 16, "Q"), ("flags", 24, "H"))),
}


def _struct_for(layout: str) -> struct.Struct:
    size, _, fields = LAYOUTS[layout]
    fmt, position = "<", 0
    for _, offset, code in sorted(fields, key=lambda f: f[1]):
        if offset > position:
            fmt += f"{offset - position}x"
        fmt += code
        position = offset + struct.calcsize("<" + code)
    if size > position:
        fmt += f"{size - position}x"
    packer = struct.Struct(fmt)
    assert packer.size == size, layout
    return packer


# Packers whose field order is the layout's field order (which is by offset).
IOVEC = _struct_for("iovec")
DIRENT = _struct_for("dirent")
FDSTAT = _struct_for("fdstat")
FILESTAT = _struct_for("filestat")
PRESTAT = _struct_for("prestat")
SUBSCRIPTION = _struct_for("subscription")
EVENT = _struct_for("event")
