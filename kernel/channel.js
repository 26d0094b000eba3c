// The syscall channel between a process worker and the kernel worker.
//
// Layer: shared by kernel/process-worker.js and kernel/kernel-worker.js (no imports).
// One SharedArrayBuffer per process:
//   bytes 0..64     header, Int32 words (HEADER_WORDS below)
//   bytes 64..192   16 argument slots, BigInt64 (ins on the way in, outs on the way back)
//   bytes 192..     data area: variable-length ins (in view order), then outs on reply
// Plus one doorbell (an Int32 SharedArrayBuffer shared by every process of a kernel):
// a process bumps it and notifies after posting a request, the kernel worker waits on it
// with Atomics.waitAsync. A process waits on its own STATE word with Atomics.wait.
// No side ever spins.

export const STATE = 0;          // IDLE, REQUEST, SERVING (the kernel has it) or REPLY
export const NUMBER = 1;         // syscall number
export const ERRNO = 2;          // reply: WASI errno, or EXITED
export const IN_LENGTH = 3;      // bytes of the data area used by the request
export const OUT_LENGTH = 4;     // bytes of the data area used by the reply
export const SIGNAL = 5;         // reply: caught signal to deliver before returning, or 0
// Kernel worker only (its scratch copy, hosts/pyodide.py; copied along into the channel,
// where the process worker ignores them): the reply's stored range, bytes of an OPFS file
// that kernel-worker.js reads straight into the channel's data area.
export const STORED_LENGTH = 6;  // its length in bytes, 0 when the reply has none
export const STORED_FILE = 7;    // the driver's number of the file (OPFSDriver.readInto)
export const STORED_OFFSET = 8;  // where it goes, from the start of the data area
export const STORED_AT = 9;      // its position in the file: low word, then high word
// A process whose memory is shared (modules.js shareMemory) names the iovecs of a call's
// first out when it is iovs_out (fd_read, fd_pread, the receives); the kernel worker may
// then read a stored range straight into those buffers and say so in DIRECT, and the
// process worker skips copying that out from the data area (which it leaves unwritten).
// The same words name the iovecs of a large write left in guest memory (IN_GUEST below).
export const IOVS_POINTER = 11;  // request: guest address of the iovec array
export const IOVS_COUNT = 12;    // request: its length, 0 when the call has no such out
export const DIRECT = 13;        // reply: bytes of that out already in guest memory, or 0
// Kernel worker only (its scratch copy): the request's data area was not copied, its
// data is still in the channel or the guest's buffers (a large write, hosts/pyodide.py
// `_later_ins`).
export const DATA_LATER = 14;
// A process whose memory is shared leaves the bytes of a large iovs_in (LATER_MIN or
// more, when it is the call's only variable-length in: fd_write, fd_pwrite, sock_send)
// in its own buffers: it names their iovecs in IOVS_POINTER and IOVS_COUNT, sets IN_GUEST
// and counts them in IN_LENGTH, leaving the data area unwritten; the kernel worker takes
// them from guest memory.
export const IN_GUEST = 15;      // request: 1 when so, else 0
export const LATER_MIN = 64 * 1024;

export const IDLE = 0;
export const REQUEST = 1;
export const REPLY = 2;
export const SERVING = 3;
export const EXITED = -2;        // the process ended during the call: unwind the guest

// Where a module rewritten by modules.js shareMemory imports its (shared) memory from.
export const MEMORY_IMPORT = ["wasmux", "memory"];

export const HEADER_BYTES = 64;
export const SLOT_COUNT = 16;
export const SLOTS_OFFSET = HEADER_BYTES;
export const DATA_OFFSET = HEADER_BYTES + 8 * SLOT_COUNT;
export const DATA_SIZE = 1 << 20;
export const CHANNEL_BYTES = DATA_OFFSET + DATA_SIZE;

// A new channel buffer.
export function newChannel() {
  return new SharedArrayBuffer(CHANNEL_BYTES);
}
