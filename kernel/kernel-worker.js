// The kernel worker: boots Pyodide and the Wasmux kernel, owns the OPFS root, runs the
// process workers and pumps their syscalls into the kernel.
//
// Layer: browser, one module Worker started by boot.js. Imports channel.js,
// drivers/opfs.js, kernel-snapshot.js and modules.js; Pyodide comes from vendor/pyodide,
// the kernel wheel and micropip from wheels/, the site's snapshot from snapshot/ (named in
// site.json). Protocol with the page: see boot.js. Boot:
//   0. at once, before the page's boot message: the process worker pool, site.json, and
//      in parallel with it the import of Pyodide and the read of the stored memory
//      snapshot; Pyodide: restored from that snapshot when its name has site.json's
//      snapshot key, else from the site's snapshot (stored once booted); else loaded,
//      micropip installs the kernel wheel offline, and a snapshot is made (stored too)
//   1. take the exclusive Web Lock of the OPFS root, waiting up to LOCK_WAIT_MS for a
//      reloaded page's old worker to go (else {type:"locked"})
//   2. wipe when asked; open the OPFS store (and, on first boot, download
//      rootfs.tar.gz with progress and check its sha256, retrying when wrong) while
//      Pyodide loads; mount the root (hosts/pyodide.py)
//   3. first boot: unpack the image, sync, then write root.json: a root without it is
//      incomplete and is installed again
//   4. start /sbin/init on the console, post {type:"ready", timings} (boot phases)
// Any failure posts {type:"fatal", message}; a browser without OPFS sync access handles
// gets {type:"missing", features} at once.

import {
  DATA_LATER, DATA_OFFSET, DIRECT, ERRNO, EXITED, IDLE, IN_GUEST, IN_LENGTH, IOVS_COUNT,
  IOVS_POINTER, LATER_MIN, NUMBER, REPLY, REQUEST, SERVING, SIGNAL, STATE, STORED_AT,
  STORED_FILE, STORED_LENGTH, STORED_OFFSET, newChannel,
} from "./channel.js";
import {
  FAILED as OPFS_FAILED, collectGarbageInTests, held, listEntries, openStore, readJSON,
  wasmuxDirectory, wipeStore, writeFile,
} from "./drivers/opfs.js";
import { KERNEL_HOST, checkSnapshot, installKernel, makeSnapshot } from "./kernel-snapshot.js";
import { ModuleCache } from "./modules.js";

const SITE = new URL("../", import.meta.url);
// In the site (packaging/build_site.py lays it out): Pyodide; its lock file and wheels.
const PYODIDE_DIRECTORY = "vendor/pyodide/";
const WHEELS_DIRECTORY = "wheels/";
const LOCK_NAME = "wasmux-opfs-root";
const LOCK_WAIT_MS = 3000;       // takeLock: how long another kernel worker may keep it
const POOL_SIZE = 2;             // fresh process workers kept ready
const POOL_MAX = 6;              // idle workers kept, recycled ones included
const RETIRE_WAIT_MS = 500;      // newMemory: how long the retired workers may take to go
const REFILL_DELAY_MS = 200;
const UNWIND_LIMIT_MS = 2000;    // an ended process's worker must be idle by then
const DOWNLOAD_ATTEMPTS = 3;
const EIO = 29;                  // WASI errno: a stored range OPFS failed to read
const EFAULT = 21;               // WASI errno: a request's buffers outside guest memory
const BOOT_MODULES_WINDOW_MS = 3000;  // boot modules: started before then or the first input
const SPARE_MARGIN = 8;          // spare OPFS files beyond an archive's, for the journal

let system = null;               // the Python BrowserSystem (PyProxy)
let store = null;                // the OPFSDriver of the root (stored ranges of replies)
let serve = null;                // () => system.serve() (see pythonCaller)
let scratch = null;              // PyBuffer over system.scratch
let scratchWords = null;         // Int32Array over its header
let laterCalls = new Set();      // hosts/pyodide.py LATER_CALL_NUMBERS (large writes)
const pendingInput = [];
let consoleSize = null;           // {rows, cols} of the page's terminal
const doorbell = new Int32Array(new SharedArrayBuffer(4));
const processes = new Map();     // pid -> its worker entry (see startWorker)
const modules = new ModuleCache();
const pool = [];                 // idle process worker entries
let testing = null;              // kernel/testing.js, when the page has ?test=1
const answeredInJS = new Set();  // test only: syscall numbers answered without Python
// directReads: replies whose stored range went into guest memory; directWrites: writes
// into OPFS straight from a request's data (bridge.write_request), guestWrites those of
// them from guest memory
const counters = { directReads: 0, directWrites: 0, guestWrites: 0 };
// Test only: off, stored ranges go through channels (directReads), large writes are
// copied into them (guestIns)
const switches = { directReads: true, guestIns: true };
const testContext = {
  system: () => system, store: () => store, answeredInJS, counters, switches, wasmux: null,
  install: null,
};

onmessage = (event) => {
  const message = event.data;
  if (message.type === "boot") {
    boot(message).catch((error) => fatal(error));
  } else if (message.type === "input") {
    if (system) {
      modules.bootEnded();
      system.console_input(message.data);
    } else {
      pendingInput.push(message.data);
    }
  } else if (message.type === "resize") {
    consoleSize = { rows: message.rows, cols: message.cols };
    if (system) system.console_resize(message.rows, message.cols);
  } else if (message.type === "test" && testing !== null) {
    testing.handle(message, testContext);
  }
};

function post(message, transfer) {
  postMessage(message, transfer);
}

function fatal(error) {
  console.error(error);
  post({ type: "fatal", message: String(error && error.message || error) });
}

function progress(stage, loaded = 0, total = 0) {
  post({ type: "progress", stage, loaded, total });
}

// Take the exclusive lock of the OPFS root for the life of this worker; false when
// another kernel worker keeps it for LOCK_WAIT_MS (another tab runs Wasmux). A reload's
// new kernel worker may start before the old one is gone: it waits for the lock.
function takeLock() {
  return new Promise((resolve) => {
    navigator.locks.request(LOCK_NAME, { signal: AbortSignal.timeout(LOCK_WAIT_MS) }, () => {
      resolve(true);
      return new Promise(() => {});
    }).catch(() => resolve(false));
  });
}

async function fetchChecked(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

async function sha256Hex(data) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

// --- Pyodide, the kernel wheel, the memory snapshot ---

// Pyodide with the kernel imported. Restored from a memory snapshot when there is one
// for this site's snapshot key (site.json `snapshot`): the one stored in OPFS (a warm
// boot), else the site's own (a first boot; Node made it at build time); else loaded
// afresh, the wheel installed with micropip and a new snapshot made. `site` (site.json),
// `pyodideModule` (the import of pyodide.mjs) and `candidate` (the stored snapshot, see
// readCandidate) were started with the worker; Pyodide starts restoring before site.json
// has said whether the candidate is the snapshot wanted. Returns {pyodide, snapshot,
// snapshotName}: `snapshot` (bytes to store once the OPFS lock is held) is null when the
// stored one was restored.
async function loadKernel(site, pyodideModule, candidate) {
  const wanted = site.then((manifest) => `snapshot-${manifest.snapshot.key}.bin`);
  const options = {
    indexURL: new URL(PYODIDE_DIRECTORY, SITE).href,
    lockFileURL: new URL(WHEELS_DIRECTORY + "pyodide-lock.json", SITE).href,
    packageBaseUrl: new URL(WHEELS_DIRECTORY, SITE).href,
    stdout: (line) => console.log(line),
    stderr: (line) => console.warn(line),
  };
  const { loadPyodide } = await pyodideModule;
  mark("pyodide.mjs loaded");
  const saved = await candidate;
  const source = snapshotSource(site, saved, wanted);
  try {
    const pyodide = await loadPyodide({ ...options, _loadSnapshot: source.then(({ bytes }) => bytes) });
    if (!pyodide.runPython(`import sys; "${KERNEL_HOST}" in sys.modules`)) {
      throw new Error(`the snapshot lacks ${KERNEL_HOST}`);
    }
    const { bytes, stored } = await source;
    mark(stored ? "Pyodide restored from the snapshot" : "Pyodide restored from the site's snapshot");
    return { pyodide, snapshot: stored ? null : bytes, snapshotName: await wanted };
  } catch (error) {
    if (error instanceof NoSnapshot) {
      console.info(`wasmux: loading Python afresh (${error.message})`);
    } else {
      console.warn("wasmux: the memory snapshot did not restore, loading afresh", error);
    }
  }
  progress("loading Python");
  const pyodide = await loadPyodide({ ...options, _makeSnapshot: true });
  mark("Pyodide loaded");
  progress("installing the kernel");
  const { kernelWheel } = await site;
  await installKernel(pyodide, kernelWheel.split("/").pop(), new Uint8Array(
    await (await fetchChecked(new URL(kernelWheel, SITE))).arrayBuffer()));
  mark("kernel wheel installed");
  let snapshot = null;
  try {
    snapshot = makeSnapshot(pyodide);
    mark("snapshot made");
  } catch (error) {
    console.warn("wasmux: no memory snapshot made", error);
  }
  return { pyodide, snapshot, snapshotName: await wanted };
}

// No snapshot for this site's key: neither stored nor shipped by the site.
class NoSnapshot extends Error {}

// The snapshot to restore, as a promise of {bytes, stored}: the stored candidate when its
// name is the one `wanted` (a promise: site.json is read meanwhile), else the site's.
async function snapshotSource(site, saved, wanted) {
  if (saved !== null && saved.name === (await wanted)) {
    progress("restoring the kernel snapshot");
    try {
      return { bytes: await saved.bytes, stored: true };
    } catch (error) {
      console.warn("wasmux: the stored memory snapshot is unreadable", error);
    }
  }
  const { snapshot } = await site;
  if (!snapshot.file) {
    throw new NoSnapshot(saved === null ? "no snapshot" : `${saved.name} is not ${await wanted}`);
  }
  const response = await fetchChecked(new URL(snapshot.file, SITE));
  const stage = "loading the kernel snapshot";
  const bytes = await readBody(response.body.pipeThrough(new DecompressionStream("gzip")),
    snapshot.size, stage);
  mark("site's snapshot loaded");
  return { bytes: checkSnapshot(snapshot.file, bytes), stored: false };
}

// The names of the stored snapshots, sorted.
async function storedSnapshots(wasmux) {
  return (await listEntries(wasmux)).map(([name]) => name)
    .filter((name) => name.startsWith("snapshot-") && name.endsWith(".bin")).sort();
}

// The stored snapshot, its read started at once (before site.json names the snapshot
// wanted): {name, bytes: a promise}, or null. saveSnapshot keeps one; when a crash left
// two, the last by name (the wrong one only costs a fresh load, which removes the other).
async function readCandidate(wasmux) {
  try {
    const name = (await storedSnapshots(wasmux)).at(-1);
    if (name === undefined) return null;
    const bytes = (async () => {
      const data = await readSnapshot(wasmux, name);
      mark("snapshot read");
      collectGarbageInTests();
      return checkSnapshot(name, data);
    })();
    bytes.catch(() => {});  // awaited (and reported) by loadPyodide
    return { name, bytes };
  } catch (error) {
    console.warn("wasmux: the memory snapshot could not be read", error);
    return null;
  }
}

// The bytes of snapshot `name`, read through a read-only sync access handle: about ten
// times faster than File.arrayBuffer() for its 30 MB, and other tabs may read it too.
async function readSnapshot(wasmux, name) {
  const file = await wasmux.getFileHandle(name);
  const handle = await held(file, (opened) => opened.createSyncAccessHandle({ mode: "read-only" }));
  try {
    const data = new Uint8Array(handle.getSize());
    if (handle.read(data, { at: 0 }) !== data.length) throw new Error(`${name}: short read`);
    return data;
  } finally {
    handle.close();
  }
}

// Save a new snapshot (a crash leaves the old file or none), then remove the others.
async function saveSnapshot(wasmux, name, snapshot) {
  try {
    await writeFile(wasmux, name, snapshot);
    mark("snapshot saved");
    await removeSnapshots(wasmux, name);
  } catch (error) {
    console.warn("wasmux: the memory snapshot was not saved", error);
  }
}

async function removeSnapshots(wasmux, keep) {
  for (const name of await storedSnapshots(wasmux)) {
    if (name !== keep) await wasmux.removeEntry(name);
  }
}

// --- the root filesystem image ---

async function downloadImage(site) {
  const manifest = await (await fetchChecked(new URL(site.rootfs.manifest, SITE))).json();
  let problem = "";
  for (let attempt = 1; attempt <= DOWNLOAD_ATTEMPTS; attempt++) {
    let image;
    try {
      image = await download(new URL(site.rootfs.image, SITE), manifest.size);
    } catch (error) {
      // A connection cut mid-body: another attempt, like a bad hash.
      problem = `rootfs.tar.gz: the download failed (${error.message ?? error})`;
      console.warn(`wasmux: ${problem}; attempt ${attempt} of ${DOWNLOAD_ATTEMPTS}`);
      continue;
    }
    if (image.length === manifest.size && (await sha256Hex(image)) === manifest.sha256) {
      return { image, manifest };
    }
    problem = `rootfs.tar.gz: got ${image.length} bytes with the wrong sha256 ` +
      `(expected ${manifest.size} bytes, ${manifest.sha256})`;
    console.warn(`wasmux: ${problem}; attempt ${attempt} of ${DOWNLOAD_ATTEMPTS}`);
  }
  throw new Error(`${problem}; gave up after ${DOWNLOAD_ATTEMPTS} attempts`);
}

async function download(url, expected) {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const total = Number(response.headers.get("content-length")) || expected;
  return readBody(response.body, total, "downloading the root filesystem");
}

// All bytes of `stream`, `total` of them expected (a different count is returned as read,
// for the caller to judge), with progress shown under `stage`.
async function readBody(stream, total, stage) {
  const reader = stream.getReader();
  let buffer = new Uint8Array(total);
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length > buffer.length) {
      const larger = new Uint8Array(Math.max(2 * buffer.length, loaded + value.length));
      larger.set(buffer.subarray(0, loaded));
      buffer = larger;
    }
    buffer.set(value, loaded);
    loaded += value.length;
    progress(stage, loaded, total);
  }
  return loaded === buffer.length ? buffer : buffer.slice(0, loaded);
}

// --- process workers and the syscall pump ---

// A process worker and its channel (kept across the processes it runs):
// {worker, channel, header, bytes, pid, memory, ended, unwinding, unwindTimer}; memory:
// the running process's shared WebAssembly.Memory, or null (modules.js).
function startWorker() {
  const worker = new Worker(new URL("process-worker.js", import.meta.url), { type: "module" });
  const channel = newChannel();
  const entry = {
    worker, channel,
    header: new Int32Array(channel, 0, 16),
    bytes: new Uint8Array(channel),
    pid: 0, memory: null, ended: false, unwinding: false, unwindTimer: null,
  };
  worker.onmessage = (event) => onProcessMessage(entry, event.data);
  worker.onerror = (event) => console.error("wasmux: process worker error", event.message);
  return entry;
}

// Keep POOL_SIZE idle workers. Deferred, so that a worker whose process ends soon comes
// back before a fresh one is started (starting one costs tens of ms of CPU).
let refillTimer = null;
function fillPool() {
  refillTimer = null;
  while (pool.length < POOL_SIZE) pool.push(startWorker());
}

function scheduleRefill() {
  if (refillTimer === null && pool.length < POOL_SIZE) {
    refillTimer = setTimeout(fillPool, REFILL_DELAY_MS);
  }
}

function onProcessMessage(entry, message) {
  if (message.type === "ended" && processes.get(message.pid) === entry) {
    if (message.signal) console.warn(`wasmux: pid ${message.pid}: ${message.message}`);
    entry.ended = true;
    system.guest_ended(message.pid, message.signal);
  } else if (message.type === "idle" && entry.unwinding) {
    // A worker whose process ended is back: reuse it.
    entry.unwinding = false;
    clearTimeout(entry.unwindTimer);
    if (pool.length < POOL_MAX) pool.push(entry);
    else entry.worker.terminate();
  }
}

// The bridge hosts/pyodide.py calls (see its module docstring).
const bridge = {
  start(pid, key, moduleBytes) {
    const compiled = modules.get(key, moduleBytes ?? undefined);
    if (typeof compiled === "string") return compiled;
    let memory = null;
    if (compiled.memory !== null) {
      try {
        memory = newMemory(compiled.memory);
      } catch (error) {
        return `its memory could not be allocated: ${error.message}`;
      }
    }
    const entry = pool.shift() ?? startWorker();
    scheduleRefill();
    Atomics.store(entry.header, STATE, IDLE);
    entry.pid = pid;
    entry.memory = memory;
    entry.ended = false;
    processes.set(pid, entry);
    entry.worker.postMessage({
      type: "run", pid, module: compiled.module, memory, channel: entry.channel,
      doorbell: doorbell.buffer, guestIns: switches.guestIns,
    });
    return "";
  },
  // hosts/pyodide.py, for a request whose data was left where it was (DATA_LATER): copy
  // it into scratch after all, or write its first `length` bytes into OPFS from there.
  request_data(pid) {
    requestData(processes.get(pid));
  },
  write_request(pid, number, at, length) {
    const process = processes.get(pid);
    const buffers = process === undefined ? null : requestBuffers(process, length);
    if (buffers === null) return OPFS_FAILED;
    counters.directWrites++;
    if (process.header[IN_GUEST] === 1) counters.guestWrites++;
    let position = at;
    for (const buffer of buffers) {
      const result = store.writeFrom(number, position, buffer);
      if (result < 0) return result;
      position += buffer.length;
    }
    return length;
  },
  // The process is gone: a worker waiting for a reply (or whose guest returned) is
  // answered EXITED, unwinds and comes back to the pool; one computing is terminated.
  terminate(pid) {
    const entry = processes.get(pid);
    if (entry === undefined) return;
    processes.delete(pid);
    entry.memory = null;
    const state = Atomics.load(entry.header, STATE);
    if (!entry.ended && state !== REQUEST && state !== SERVING) {
      entry.worker.terminate();
      return;
    }
    entry.unwinding = true;
    entry.unwindTimer = setTimeout(() => {
      // A guest that caught the unwinding and runs on: end it.
      if (entry.unwinding) entry.worker.terminate();
    }, UNWIND_LIMIT_MS);
    if (!entry.ended) {
      entry.header[ERRNO] = EXITED;
      Atomics.store(entry.header, STATE, REPLY);
      Atomics.notify(entry.header, STATE);
    }
  },
  deliver(pid, length) {
    const process = processes.get(pid);
    if (process !== undefined) reply(process, length);
  },
  output(data) {
    post({ type: "output", data }, [data.buffer]);
  },
};

// A process's shared memory. A renderer holds about 120 wasm memories at once (each
// reserves 10 GiB of address space), and the memory of an ended process is freed only
// once both the kernel worker and the process worker that ran it collected it: an idle,
// reused process worker may not collect for hundreds of processes. When V8 has no room
// left (after collecting this worker's garbage itself), the idle workers are retired,
// which frees what they hold once they are gone: this worker waits for that (blocking,
// in steps of 10 ms), at most RETIRE_WAIT_MS.
function newMemory(limits) {
  const descriptor = { ...limits, shared: true };
  try {
    return new WebAssembly.Memory(descriptor);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    console.info(`wasmux: no room for a process's memory: retiring ${pool.length} idle workers`);
    for (const idle of pool.splice(0)) idle.worker.terminate();
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let waited = 0; waited < RETIRE_WAIT_MS; waited += 10) {
      Atomics.wait(pause, 0, 0, 10);
      try {
        return new WebAssembly.Memory(descriptor);
      } catch (again) {
        if (!(again instanceof RangeError)) throw again;
      }
    }
    throw error;
  }
}

// The view of scratch, acquired again when Pyodide's memory grew (the old one is then
// detached: zero length).
function scratchBytes() {
  if (scratch === null || scratch.data.byteLength === 0) {
    if (scratch !== null) scratch.release();
    scratch = system.scratch.getBuffer("u8");
    scratchWords = new Int32Array(scratch.data.buffer, scratch.data.byteOffset, 16);
  }
  return scratch.data;
}

// A JS function calling the Python callable `proxy` with no arguments and returning
// its int result. Through Pyodide's C API when it exposes it: about 0.2 us a call
// instead of 1.5-3 us through the PyProxy (argument and result conversion layers). The
// proxy is kept, so the callable stays alive; a Python exception is thrown as a JS
// error, as the PyProxy would.
function pythonCaller(pyodide, proxy) {
  const api = pyodide._module;
  const needed = ["_PyObject_CallNoArgs", "_PyLong_AsLong", "_Py_DecRef", "_pythonexc2js"];
  if (typeof api?.PyProxy_getPtr !== "function" ||
      needed.some((name) => typeof api[name] !== "function")) {
    return () => proxy();
  }
  const callable = api.PyProxy_getPtr(proxy);
  return () => {
    const result = api._PyObject_CallNoArgs(callable);
    if (result === 0) api._pythonexc2js();
    const value = api._PyLong_AsLong(result);
    api._Py_DecRef(result);
    return value;
  };
}

// Copy a reply (header from ERRNO on, slots, data) from scratch into the channel and
// wake the process. A stored range in the reply (bytes of a file, hosts/pyodide.py) is
// read from OPFS instead of copied from scratch: straight into the buffers of the
// process's read when its memory is shared and the range is that read's out (DIRECT),
// else into the channel's data area. When OPFS fails that read, the call fails with EIO
// (the file's offset has moved past the range, as after a failed read on Linux).
function reply(process, length) {
  const source = scratchBytes();
  const target = process.bytes;
  const header = process.header;
  const stored = scratchWords[STORED_LENGTH];
  if (stored === 0) {
    target.set(source.subarray(4 * ERRNO, length), 4 * ERRNO);
    header[DIRECT] = 0;
  } else {
    const offset = scratchWords[STORED_OFFSET];
    const start = DATA_OFFSET + offset;
    const end = start + stored;
    const file = scratchWords[STORED_FILE];
    const at = scratchWords[STORED_AT + 1] * 2 ** 32 + (scratchWords[STORED_AT] >>> 0);
    // Before the copy below overwrites the request's words.
    const buffers = offset === 0 && switches.directReads ? guestBuffers(process, stored) : null;
    target.set(source.subarray(4 * ERRNO, start), 4 * ERRNO);
    header[DIRECT] = 0;
    try {
      if (buffers === null) {
        store.readInto(file, at, target.subarray(start, end));
      } else {
        let position = at;
        for (const buffer of buffers) {
          store.readInto(file, position, buffer);
          position += buffer.length;
        }
        header[DIRECT] = stored;
        counters.directReads++;
      }
    } catch (error) {
      console.error(`wasmux: pid ${process.pid}: a file's bytes could not be read from OPFS`, error);
      header[ERRNO] = EIO;
      header[DIRECT] = 0;
    }
    if (end < length) target.set(source.subarray(end, length), end);
  }
  Atomics.store(header, STATE, REPLY);
  Atomics.notify(header, STATE);
}

// Views of the process's guest memory covering the first `length` bytes of the buffers
// its request named (IOVS_*), or null: no shared memory, no iovecs, or any of them out
// of the memory (the process worker checked them; this does not rely on it).
function guestBuffers(process, length) {
  const header = process.header;
  const count = header[IOVS_COUNT];
  if (process.memory === null || count <= 0) return null;
  const memory = process.memory.buffer;
  const pointer = header[IOVS_POINTER] >>> 0;
  if (pointer + 8 * count > memory.byteLength) return null;
  const words = new DataView(memory, pointer, 8 * count);
  const buffers = [];
  let remaining = length;
  for (let index = 0; index < count && remaining > 0; index++) {
    const address = words.getUint32(8 * index, true);
    const size = Math.min(words.getUint32(8 * index + 4, true), remaining);
    if (address + size > memory.byteLength) return null;
    if (size > 0) buffers.push(new Uint8Array(memory, address, size));
    remaining -= size;
  }
  return remaining === 0 ? buffers : null;
}

// Answer `process`'s request with `errno` and no outs, without the kernel.
function answer(process, errno) {
  const header = process.header;
  header[ERRNO] = errno;
  header[SIGNAL] = 0;
  header[DIRECT] = 0;
  Atomics.store(header, STATE, REPLY);
  Atomics.notify(header, STATE);
}

// Views of the data of `process`'s request, its first `length` bytes: the channel's data
// area, or the guest's buffers when it left them there (IN_GUEST); null when those are
// outside guest memory (see guestBuffers).
function requestBuffers(process, length) {
  if (process.header[IN_GUEST] !== 1) {
    return [process.bytes.subarray(DATA_OFFSET, DATA_OFFSET + length)];
  }
  return guestBuffers(process, length);
}

// Copy the data of `process`'s request into scratch's data area (its buffers were
// checked when it was posted, and guest memory only grows).
function requestData(process) {
  const target = scratchBytes();
  let at = DATA_OFFSET;
  for (const buffer of requestBuffers(process, process.header[IN_LENGTH]) ?? []) {
    target.set(buffer, at);
    at += buffer.length;
  }
}

// Put a request of LATER_MIN bytes or more into scratch; false when it was answered
// (EFAULT: buffers it left in guest memory are outside it). The data of a large write
// stays where it is (channel or guest memory): Python has it copied (bridge.request_data)
// only when its target is not a file of the root.
function serveLarge(process, bytes) {
  const header = process.header;
  if (header[IN_GUEST] === 1 && requestBuffers(process, header[IN_LENGTH]) === null) {
    answer(process, EFAULT);
    return false;
  }
  bytes.set(process.bytes.subarray(4, DATA_OFFSET), 4);
  const later = laterCalls.has(header[NUMBER]);
  scratchWords[DATA_LATER] = later ? 1 : 0;
  if (!later) requestData(process);
  return true;
}

// Serve every posted request; runs whenever the doorbell rings.
function serveAll() {
  for (const [pid, process] of processes) {
    const header = process.header;
    if (Atomics.load(header, STATE) !== REQUEST) continue;
    header[STATE] = SERVING;
    if (answeredInJS.size > 0 && answeredInJS.has(header[NUMBER])) {
      answer(process, 0);
      continue;
    }
    const inLength = header[IN_LENGTH];
    const bytes = scratchBytes();
    if (inLength < LATER_MIN) {  // the common case: one copy (never IN_GUEST)
      bytes.set(process.bytes.subarray(4, DATA_OFFSET + inLength), 4);
      scratchWords[DATA_LATER] = 0;
    } else if (!serveLarge(process, bytes)) {
      continue;
    }
    scratchWords[0] = pid;
    const length = serve();
    if (length >= 0 && processes.get(pid) === process) reply(process, length);
  }
}

async function pump() {
  for (;;) {
    const seen = Atomics.load(doorbell, 0);
    try {
      serveAll();
    } catch (error) {
      fatal(error);
      return;
    }
    const waiting = Atomics.waitAsync(doorbell, 0, seen);
    if (waiting.async) await waiting.value;
  }
}

// --- boot ---

// Boot phases: [stage, time] pairs (ms since the epoch, so the page can place them on
// its own clock), each posted as {type:"mark"} when reached and all with "ready".
const timings = [["kernel worker started", performance.timeOrigin]];
function mark(stage) {
  const at = performance.timeOrigin + performance.now();
  timings.push([stage, at]);
  post({ type: "mark", stage, at });
}

// What needs no boot message starts with the worker: the OPFS lock, site.json, the
// process worker pool, Pyodide and the kernel, the boot modules (nothing here writes to
// OPFS before the lock is held). Pyodide's import and the snapshot read do not wait for
// site.json: on a warm boot they are the critical path.
// What the page cannot check: sync access handles exist only in workers.
const MISSING = typeof FileSystemFileHandle === "function" &&
  typeof FileSystemFileHandle.prototype.createSyncAccessHandle === "function"
  ? [] : ["OPFS sync access handles in workers (FileSystemFileHandle.createSyncAccessHandle)"];
if (MISSING.length > 0) post({ type: "missing", features: MISSING });
const locked = takeLock();
const early = (async () => {
  fillPool();
  const pyodideModule = import(new URL(PYODIDE_DIRECTORY + "pyodide.mjs", SITE));
  // Pyodide imports this one only once pyodide.mjs ran: fetched and compiled meanwhile.
  const pyodideRuntime = import(new URL(PYODIDE_DIRECTORY + "pyodide.asm.mjs", SITE));
  const wasmux = wasmuxDirectory();
  const site = fetchChecked(new URL("site.json", SITE)).then(async (response) => {
    const manifest = await response.json();
    mark("site.json");
    return manifest;
  });
  const kernel = loadKernel(site, pyodideModule, wasmux.then(readCandidate));
  // Each is awaited (and its failure reported) below or by boot.
  for (const promise of [pyodideModule, pyodideRuntime, site, kernel]) promise.catch(() => {});
  modules.preload(await wasmux).then(() => mark("boot modules compiled"));
  return { site: await site, wasmux: await wasmux, kernel };
})();
early.catch(() => {});

async function boot({ wipe = false, quota = null, test = false, cols = 0, rows = 0 }) {
  if (MISSING.length > 0) return;
  if (test) testing = await import("./testing.js");
  if (cols > 0 && rows > 0) consoleSize ??= { rows, cols };
  if (!(await locked)) {
    post({ type: "locked" });
    return;
  }
  mark("lock");
  const { site, wasmux, kernel } = await early;
  testContext.wasmux = wasmux;
  if (wipe) await wipeStore(wasmux);
  let installed = await readJSON(wasmux, "root.json");
  if (installed === null) await wipeStore(wasmux);  // nothing, or a half-installed root
  let image = null;
  if (installed === null) {
    if (!site.rootfs) throw new Error("this site has no root filesystem image (rootfs/)");
    image = downloadImage(site);
    image.catch(() => {});
  }
  const opened = openStore(wasmux).then((driver) => {
    mark("OPFS store open");
    return driver;
  });
  opened.catch(() => {});
  const { pyodide, snapshot, snapshotName } = await kernel;
  const driver = await opened;
  store = driver;
  image = await image;
  progress("mounting the root filesystem");
  const host = pyodide.pyimport(KERNEL_HOST);
  const storage = host.open_storage(driver, quota ?? undefined);
  driver.onRefill = () => storage.spares_refilled();
  await driver.refill();
  system = host.boot(bridge, storage);
  serve = pythonCaller(pyodide, system.serve);
  laterCalls = new Set(host.LATER_CALL_NUMBERS.toJs());
  testContext.install = installArchive;
  // Unpacking is synchronous and cannot wait for new OPFS files: as many spares as the
  // archive has files (`files`, else counted) are made first.
  async function installArchive(archive, files = system.image_files(archive)) {
    await driver.refill(files + SPARE_MARGIN);
    return system.install_root(archive);
  }
  mark("root mounted");
  if (image !== null) {
    progress("installing the root filesystem");
    await installArchive(image.image, image.manifest.files);
    installed = { version: image.manifest.version };
    await writeFile(wasmux, "root.json", JSON.stringify(installed));
    mark("root installed");
  }
  if (system.wipe_requested()) {
    driver.close();
    await wipeStore(wasmux);
    throw new Error("the system was wiped as /.wasmux-wipe asked: reload the page to install it afresh");
  }
  pump();
  if (consoleSize !== null) system.console_resize(consoleSize.rows, consoleSize.cols);
  for (const data of pendingInput.splice(0)) system.console_input(data);
  const problem = system.start_init();
  if (problem) console_message(`wasmux: ${problem}\r\n`);
  mark("init started");
  post({ type: "ready", timings });
  setTimeout(() => modules.bootEnded(), BOOT_MODULES_WINDOW_MS);
  if (snapshot !== null) await saveSnapshot(wasmux, snapshotName, snapshot);
  await offerUpgrade(site, installed);
}

function console_message(text) {
  bridge.output(new TextEncoder().encode(text));
}

// Say on the console when the site has a newer rootfs than the one installed.
async function offerUpgrade(site, installed) {
  if (!site.rootfs) return;
  try {
    const manifest = await (await fetchChecked(new URL(site.rootfs.manifest, SITE))).json();
    if (manifest.version !== installed.version) {
      console_message(`wasmux: root filesystem ${installed.version} is installed; ` +
        `${manifest.version} is available. Your files are kept. To start afresh with it ` +
        `(erasing your files): touch /.wasmux-wipe and reload, or open the page with ?wipe=1.\r\n`);
    }
  } catch (error) {
    console.warn("wasmux: could not check for a newer root filesystem", error);
  }
}
