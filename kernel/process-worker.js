// The process worker: runs one Wasmux process (a wasm32-wasi module) and marshals
// every import through the syscall channel to the kernel worker.
//
// Layer: browser edge, one Worker per process (pre-started by the kernel worker, so a
// spawn costs no startup). Imports the generated ABI table (abi.gen.js) and the
// channel layout (channel.js). Every import of both modules (wasi_snapshot_preview1 and
// wasmux) is built from the table: the views of abi/table.py are decoded here exactly
// as the native host does in Python (bad guest ranges -> EFAULT before the kernel sees
// the call), the request goes into the channel, the worker Atomics.waits for the reply
// and scatters the outs into guest memory.
//
// Protocol with the kernel worker (postMessage):
//   in:  {type:"run", pid, module: WebAssembly.Module, memory, channel, doorbell, guestIns}
//        memory: the shared WebAssembly.Memory the module imports as MEMORY_IMPORT
//        (modules.js), or null when the module defines its own; guestIns: false has
//        large writes copied into the channel even so (tests of that path)
//   out: {type:"ended", pid, signal, message}   guest returned (signal 0, exit 0) or
//        trapped (signal per TRAP_SIGNALS); an exit made through proc_exit, a kill or
//        a fatal signal is recorded by the kernel, which answers a call in flight with
//        EXITED (the guest unwinds) or terminates this worker when it is computing.
//        {type:"idle"}                         ready for a "run" (at start, and after
//        every run: the kernel worker reuses the worker for another process)

import { LAYOUTS, SYSCALLS } from "./abi.gen.js";
import {
  DATA_OFFSET, DATA_SIZE, DIRECT, ERRNO, EXITED, IN_GUEST, IN_LENGTH, IOVS_COUNT,
  IOVS_POINTER, LATER_MIN, MEMORY_IMPORT, NUMBER, REPLY, REQUEST, SIGNAL, SLOTS_OFFSET,
  SLOT_COUNT, STATE,
} from "./channel.js";

const EFAULT = 21;
const RESTART = 512;      // wasmux/errors.py RESTART: never seen by the guest
const EILSEQ = 25;
const SIGILL = 4;
const SIGFPE = 8;
const SIGSEGV = 11;
const SIGSYS = 30;
const IOVEC_SIZE = LAYOUTS.iovec.size;
const SUBSCRIPTION_SIZE = LAYOUTS.subscription.size;
const EVENT_SIZE = LAYOUTS.event.size;
const DATA_KINDS = new Set(["path", "bytes", "iovs_in", "subs"]);  // ins using the data area

// V8's trap messages -> the signal the native host reports for the same trap.
const TRAP_SIGNALS = [
  ["unreachable", SIGILL],
  ["memory access out of bounds", SIGSEGV],
  ["table index is out of bounds", SIGSEGV],
  ["null function", SIGSEGV],
  ["function signature mismatch", SIGSEGV],
  ["divide by zero", SIGFPE],
  ["remainder by zero", SIGFPE],
  ["integer overflow", SIGFPE],
  ["unrepresentable", SIGFPE],
  ["call stack size", SIGSEGV],
];

// Thrown through the guest's frames when the process ended inside a syscall.
class ProcessEnded extends Error {}

// Raised inside an import to answer EFAULT (or EILSEQ) without reaching the kernel.
class Fault extends Error {}
class EncodingFault extends Error {}

let channel = null;       // this process's channel views
let memory = null;        // the guest's WebAssembly.Memory
let shared = false;       // it is shared with the kernel worker (reads may land directly)
let guestIns = false;     // large iovs_in may stay in guest memory (channel.js IN_GUEST)
let bytes = null;         // Uint8Array over guest memory (renewed when it grows)
let view = null;          // DataView over guest memory
let exportsOfGuest = null;
let ended = false;        // the kernel answered EXITED: every later import unwinds too
const utf8 = new TextDecoder("utf-8", { fatal: true });

function guest() {
  if (bytes === null || bytes.buffer !== memory.buffer || bytes.byteLength === 0) {
    bytes = new Uint8Array(memory.buffer);
    view = new DataView(memory.buffer);
  }
  return bytes;
}

// Check that [pointer, pointer+length) lies in guest memory.
function check(pointer, length) {
  if (pointer + length > guest().length) throw new Fault();
}

// The iovec array as [[address, length], ...], every buffer checked.
function iovecs(pointer, count) {
  check(pointer, IOVEC_SIZE * count);
  const result = [];
  for (let index = 0; index < count; index++) {
    const address = view.getUint32(pointer + IOVEC_SIZE * index, true);
    const length = view.getUint32(pointer + IOVEC_SIZE * index + 4, true);
    check(address, length);
    result.push([address, length]);
  }
  return result;
}

function unsigned(value, type) {
  return type === "i64" ? BigInt.asUintN(64, value) : BigInt(value >>> 0);
}

function signed(value, type) {
  return type === "i64" ? BigInt.asIntN(64, value) : BigInt(value | 0);
}

// Build the import function of one syscall from its table entry.
function makeImport(call) {
  const { number, types, ins, outs, noreturn } = call;
  // Its only variable-length in is iovs_in: large ones may stay in guest memory (IN_GUEST).
  const data = ins.filter(({ kind }) => DATA_KINDS.has(kind));
  const soleIovs = data.length === 1 && data[0].kind === "iovs_in";
  return (...args) => {
    try {
      return perform(number, types, ins, outs, args, noreturn, soleIovs);
    } catch (error) {
      if (error instanceof Fault) return EFAULT;
      if (error instanceof EncodingFault) return EILSEQ;
      throw error;
    }
  };
}

function perform(number, types, ins, outs, args, noreturn, soleIovs) {
  if (ended) throw new ProcessEnded();
  const memoryBytes = guest();
  const data = channel.data;
  const slots = channel.slots;
  const header = channel.header;
  let cursor = 0;
  let inGuest = 0;
  // Ins: scalars into slots, variable-length values appended to the data area.
  for (let index = 0; index < ins.length; index++) {
    const { kind, at } = ins[index];
    const first = args[at[0]];
    if (kind === "int") {
      slots[index] = unsigned(first, types[at[0]]);
    } else if (kind === "sint") {
      slots[index] = signed(first, types[at[0]]);
    } else if (kind === "path" || kind === "bytes") {
      const pointer = first >>> 0, length = args[at[1]] >>> 0;
      check(pointer, length);
      if (cursor + length > DATA_SIZE) throw new Fault();
      const source = memoryBytes.subarray(pointer, pointer + length);
      if (kind === "path") {
        // slice: TextDecoder refuses views of shared memory
        try { utf8.decode(shared ? source.slice() : source); } catch { throw new EncodingFault(); }
      }
      data.set(source, cursor);
      cursor += length;
      slots[index] = BigInt(length);
    } else if (kind === "iovs_in") {
      const pointer = first >>> 0, count = args[at[1]] >>> 0;
      const buffers = iovecs(pointer, count);
      let total = 0;
      if (guestIns && soleIovs) {
        for (const [, length] of buffers) total += length;
        total = Math.min(total, DATA_SIZE);
      }
      if (total >= LATER_MIN) {  // left in guest memory, the kernel takes it from there
        header[IOVS_POINTER] = pointer;
        header[IOVS_COUNT] = count;
        inGuest = 1;
        cursor = total;
      } else {
        total = 0;
        for (const [address, length] of buffers) {
          const step = Math.min(length, DATA_SIZE - cursor);
          data.set(memoryBytes.subarray(address, address + step), cursor);
          cursor += step;
          total += step;
        }
      }
      slots[index] = BigInt(total);
    } else if (kind === "iovs_cap") {
      let total = 0;
      for (const [, length] of iovecs(first >>> 0, args[at[1]] >>> 0)) total += length;
      slots[index] = BigInt(Math.min(total, DATA_SIZE));
    } else if (kind === "subs") {
      const pointer = first >>> 0, count = args[at[1]] >>> 0;
      const length = SUBSCRIPTION_SIZE * count;
      check(pointer, length);
      if (cursor + length > DATA_SIZE) throw new Fault();
      data.set(memoryBytes.subarray(pointer, pointer + length), cursor);
      cursor += length;
      slots[index] = BigInt(count);
    } else {
      throw new Error(`unknown in view ${kind}`);
    }
  }
  // Out ranges are checked before the kernel acts, so its side effects are never lost
  // to EFAULT (strings and events are sized by the answer and checked when written).
  const subs = ins.find((item) => item.kind === "subs");
  for (const { kind, layout, at } of outs) {
    const pointer = args[at[0]] >>> 0;
    if (kind === "u32") check(pointer, 4);
    else if (kind === "u64") check(pointer, 8);
    else if (kind === "struct") check(pointer, LAYOUTS[layout].size);
    else if (kind === "buf_out") check(pointer, args[at[1]] >>> 0);
    else if (kind === "iovs_out") iovecs(pointer, args[at[1]] >>> 0);
    else if (kind === "events" && subs) check(pointer, EVENT_SIZE * (args[subs.at[1]] >>> 0));
  }
  const first = outs[0];
  if (shared && first !== undefined && first.kind === "iovs_out") {
    header[IOVS_POINTER] = args[first.at[0]];
    header[IOVS_COUNT] = args[first.at[1]];
  } else if (inGuest === 0) {
    header[IOVS_COUNT] = 0;
  }
  header[IN_GUEST] = inGuest;
  header[NUMBER] = number;
  header[IN_LENGTH] = cursor;
  Atomics.store(header, STATE, REQUEST);
  Atomics.add(channel.doorbell, 0, 1);
  Atomics.notify(channel.doorbell, 0);
  // The kernel moves STATE to SERVING (no notify) and then to REPLY (notify).
  for (let state; (state = Atomics.load(header, STATE)) !== REPLY;) {
    Atomics.wait(header, STATE, state);
  }
  const errno = header[ERRNO];
  const signal = header[SIGNAL];
  header[STATE] = 0;
  if (errno === EXITED || noreturn) {
    ended = true;
    throw new ProcessEnded();
  }
  if (errno === RESTART) {
    // Interrupted by SA_RESTART handlers: run them, then make the same call again (its
    // ins gathered afresh: the reply reused the slots).
    if (signal !== 0) deliver(signal);
    return perform(number, types, ins, outs, args, noreturn, soleIovs);
  }
  if (errno === 0) scatter(outs, args, slots, data, header[DIRECT]);
  if (signal !== 0) deliver(signal);
  return errno;
}

// Write the reply's outs into guest memory (ranges were checked before the call, but
// memory may have grown meanwhile: views are re-read). `direct`: bytes of the first out
// (iovs_out) the kernel worker already wrote into guest memory (channel.js DIRECT).
function scatter(outs, args, slots, data, direct) {
  const memoryBytes = guest();
  let cursor = 0;
  for (let index = 0; index < outs.length; index++) {
    const { kind, at } = outs[index];
    const pointer = args[at[0]] >>> 0;
    const value = slots[index];
    if (kind === "u32") {
      view.setUint32(pointer, Number(value), true);
    } else if (kind === "u64") {
      view.setBigUint64(pointer, value, true);
    } else if (kind === "struct" || kind === "buf_out" || kind === "events") {
      // value: byte length (struct, buf_out) or event count (events)
      const length = kind === "events" ? Number(value) * EVENT_SIZE : Number(value);
      if (kind === "events") check(pointer, length);
      const capacity = kind === "buf_out" ? Math.min(length, args[at[1]] >>> 0) : length;
      memoryBytes.set(data.subarray(cursor, cursor + capacity), pointer);
      cursor += length;
    } else if (kind === "iovs_out" && index === 0 && direct !== 0) {
      cursor += Number(value);
    } else if (kind === "iovs_out") {
      let remaining = Number(value);
      for (const [address, length] of iovecs(pointer, args[at[1]] >>> 0)) {
        if (remaining <= 0) break;
        const step = Math.min(length, remaining);
        memoryBytes.set(data.subarray(cursor, cursor + step), address);
        cursor += step;
        remaining -= step;
      }
    } else if (kind === "strings") {
      // value: the number of strings; data: NUL-terminated strings back to back
      const buffer = args[at[1]] >>> 0;
      const count = Number(value);
      let end = cursor;
      for (let item = 0; item < count; item++) end = data.indexOf(0, end) + 1;
      check(pointer, 4 * count);
      check(buffer, end - cursor);
      let position = buffer;
      let start = cursor;
      for (let item = 0; item < count; item++) {
        view.setUint32(pointer + 4 * item, position, true);
        const stop = data.indexOf(0, start) + 1;
        position += stop - start;
        start = stop;
      }
      memoryBytes.set(data.subarray(cursor, end), buffer);
      cursor = end;
    }
  }
}

// Run the guest's handler for a caught signal (libwasmux's exported trampoline).
function deliver(signal) {
  const trampoline = exportsOfGuest && exportsOfGuest.wasmux_signal;
  if (typeof trampoline === "function") trampoline(signal);
}

function buildImports() {
  const imports = {};
  for (const call of SYSCALLS) {
    (imports[call.module] ??= {})[call.name] = makeImport(call);
  }
  return imports;
}

const IMPORTS = buildImports();

// The signal a thrown guest error stands for (null: the process ended in a syscall).
function signalOf(error) {
  if (error instanceof ProcessEnded) return null;
  const message = String(error && error.message || error);
  if (error instanceof WebAssembly.RuntimeError || error instanceof RangeError) {
    for (const [text, signal] of TRAP_SIGNALS) {
      if (message.includes(text)) return signal;
    }
    return SIGILL;
  }
  return SIGSYS;
}

// Run one process; the worker is reusable afterwards. The kernel worker recycles it
// (posts the next "run") once it said "idle", or terminates it.
function run({ pid, module, memory: sharedMemory, channel: buffer, doorbell, guestIns: allowed }) {
  channel = {
    header: new Int32Array(buffer, 0, SLOTS_OFFSET / 4),
    slots: new BigInt64Array(buffer, SLOTS_OFFSET, SLOT_COUNT),
    data: new Uint8Array(buffer, DATA_OFFSET),
    doorbell: new Int32Array(doorbell),
  };
  ended = false;
  shared = sharedMemory !== null && sharedMemory !== undefined;
  guestIns = shared && allowed !== false;
  let imports = IMPORTS;
  if (shared) {
    const [space, name] = MEMORY_IMPORT;
    imports = { ...IMPORTS, [space]: { ...IMPORTS[space], [name]: sharedMemory } };
  }
  let signal = 0;
  let message = "";
  try {
    // Synchronous: a Worker may instantiate any module at once (no task hop).
    const instance = new WebAssembly.Instance(module, imports);
    exportsOfGuest = instance.exports;
    memory = instance.exports.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new Error("the module exports no memory");
    instance.exports._start();
  } catch (error) {
    signal = signalOf(error);
    message = String(error && error.stack || error);
  }
  if (signal !== null && !ended) postMessage({ type: "ended", pid, signal, message });
  channel = memory = bytes = view = exportsOfGuest = null;
  shared = false;
  postMessage({ type: "idle" });
}

onmessage = (event) => {
  if (event.data.type === "run") run(event.data);
};
postMessage({ type: "idle" });
