// The OPFS driver of the kernel worker: the synchronous file operations the
// persistent root's storage (kernel/py/wasmux/fs/opfs.py) runs on.
//
// Layer: kernel-worker driver (no imports). Opening or creating an OPFS file is
// asynchronous, the kernel is synchronous: so `openStore` opens a sync access handle on
// every file of the store before the kernel starts (all requests in flight at once), and
// the driver keeps a pool of spare empty files, refilled in the background (fs/opfs.py
// names them through a header and hands the store's spares back at mount, before the
// pool is first topped up, so a boot creates no files when enough spares exist). Bytes move through one Python bytearray the kernel attaches (`attach`): its
// view into Pyodide's memory is re-acquired when that memory grows.
//
// OPFS layout: <root>/wasmux/store/o.<n> (the objects), <root>/wasmux/root.json (the
// installed rootfs version, written once the root is complete) and
// <root>/wasmux/snapshot-<key>.bin (the Pyodide memory snapshot).

export const STORE_DIRECTORY = "store";

// Blink drops an OPFS request whose handle (file, directory, iterator or writable) is
// garbage collected before the answer comes: the request's promise then never settles.
// Such an object is often held only by the async function awaiting that promise, which
// only the promise itself holds, so one collection at the wrong time (Pyodide's snapshot
// restore allocates hundreds of MB) hung the boot for good. So every object with a request
// in flight is referenced from here (`held`), and a driver from its creation to close().
const inFlight = new Set();

// request(object)'s result, `object` kept referenced until it settles.
export async function held(object, request) {
  const token = { object };
  inFlight.add(token);
  try {
    return await request(object);
  } finally {
    inFlight.delete(token);
  }
}

// [name, handle] of every entry of `directory`.
export function listEntries(directory) {
  return held(directory.entries(), async (iterator) => {
    const found = [];
    for await (const entry of iterator) found.push(entry);
    return found;
  });
}

// Tests run Chromium with --js-flags=--expose-gc: then the boot collects garbage where a
// lost reference would hang it (elsewhere `gc` does not exist and this does nothing).
export function collectGarbageInTests() {
  globalThis.gc?.();
}
const SPARE_TARGET = 8;
const QUOTA_EXCEEDED = -1;
export const FAILED = -2;  // a failure of write() and writeFrom() other than the quota

export class OPFSDriver {
  constructor(directory) {
    this.directory = directory;
    this.handles = new Map();   // file name -> FileSystemSyncAccessHandle
    this.spares = new Set();    // file names ready to be named
    this.next = 0;              // the number of the next file to create
    this.refilling = null;      // the refill in progress (a promise)
    this.refillTarget = 0;      // the pool size it fills to
    this.onRefill = null;       // called after spares were added
    this.ioProxy = null;
    this.ioBuffer = null;
    this.estimate = [0, 0];
    inFlight.add(this);
  }

  // Open every file of the store (before the kernel mounts it).
  async open() {
    const opening = [this.refreshEstimate()];
    for (const [name, entry] of await listEntries(this.directory)) {
      if (entry.kind !== "file" || !name.startsWith("o.")) continue;
      this.next = Math.max(this.next, Number(name.slice(2)) + 1);
      opening.push(held(entry, (file) => file.createSyncAccessHandle()).then((handle) => {
        this.handles.set(name, handle);
      }));
    }
    collectGarbageInTests();
    const results = await Promise.allSettled(opening);
    const failed = results.find((result) => result.status === "rejected");
    if (failed) {
      this.close();
      throw failed.reason;
    }
  }

  async refreshEstimate() {
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    this.estimate = [usage, quota];
  }

  // Create spare files until the pool holds SPARE_TARGET again, or `minimum` when more
  // (runs in the background); the promise of the refill in progress.
  refill(minimum = 0) {
    const target = Math.max(SPARE_TARGET, minimum);
    const previous = this.refilling ?? Promise.resolve();
    if (this.refilling !== null && target <= this.refillTarget) return this.refilling;
    this.refillTarget = target;
    const refilling = previous.catch(() => {}).then(() => this.fill(target)).finally(() => {
      if (this.refilling === refilling) this.refilling = null;
    });
    this.refilling = refilling;
    return refilling;
  }

  async fill(target) {
    let added = false;
    while (this.spares.size < target) {
      const names = [];
      for (let count = this.spares.size; count < target; count++) {
        names.push(`o.${this.next++}`);
      }
      await Promise.all(names.map(async (name) => {
        const file = await this.directory.getFileHandle(name, { create: true });
        this.handles.set(name, await held(file, (opened) => opened.createSyncAccessHandle()));
        this.spares.add(name);
      }));
      added = true;
    }
    if (added && this.onRefill) this.onRefill();
  }

  refillInBackground() {
    this.refill().catch((error) => console.error("wasmux: OPFS spare files", error));
  }

  // Release every handle (the store can be opened again, or removed).
  close() {
    for (const handle of this.handles.values()) handle.close();
    this.handles.clear();
    this.spares.clear();
    inFlight.delete(this);
  }

  // --- the synchronous interface fs/opfs.py calls ---
  attach(proxy) {
    this.ioProxy = proxy;
    this.ioBuffer = null;
  }

  io() {
    if (this.ioBuffer === null || this.ioBuffer.data.byteLength === 0) {
      if (this.ioBuffer !== null) this.ioBuffer.release();
      this.ioBuffer = this.ioProxy.getBuffer("u8");
    }
    return this.ioBuffer.data;
  }

  files() { return [...this.handles.keys()]; }
  number(file) { return Number(file.slice(2)); }  // "o.<n>" -> n (see readInto)
  size(file) { return this.handles.get(file).getSize(); }
  flush(file) { this.handles.get(file).flush(); }
  usage() { return this.estimate; }
  spare_count() { return this.spares.size; }

  read(file, at, size) {
    return this.handles.get(file).read(this.io().subarray(0, size), { at });
  }

  // For kernel-worker.js, not fs/opfs.py: read `target.length` bytes of the file
  // numbered `number` (number()) from `at` straight into `target` (a view of a process's
  // channel): a reply's stored range. Bytes past the end of the file read as zeros.
  readInto(number, at, target) {
    const count = this.handles.get(`o.${number}`).read(target, { at });
    if (count < target.length) target.fill(0, count);
  }

  // For kernel-worker.js, not fs/opfs.py: write `source` (the data of a process's write
  // request: a view of its channel or of its memory) into the file numbered `number`
  // from `at`; write()'s answers.
  writeFrom(number, at, source) {
    try {
      return this.handles.get(`o.${number}`).write(source, { at });
    } catch (error) {
      return failure(error);
    }
  }

  write(file, at, size) {
    try {
      return this.handles.get(file).write(this.io().subarray(0, size), { at });
    } catch (error) {
      return failure(error);
    }
  }

  truncate(file, size) {
    try {
      this.handles.get(file).truncate(size);
      return 0;
    } catch (error) {
      return failure(error);
    }
  }

  take_spare() {
    const [name] = this.spares;
    if (name === undefined) return "";
    this.spares.delete(name);
    this.refillInBackground();
    return name;
  }

  recycle(files) {
    for (const name of files) this.spares.add(name);
    this.refillInBackground();
  }
}

function failure(error) {
  if (error && error.name === "QuotaExceededError") return QUOTA_EXCEEDED;
  console.error("wasmux: OPFS failure", error);
  return FAILED;
}

// The Wasmux directory of this origin's OPFS (created when missing).
export async function wasmuxDirectory() {
  return held(await navigator.storage.getDirectory(),
    (root) => root.getDirectoryHandle("wasmux", { create: true }));
}

// Open the store: every object file opened and the spare pool filled.
export async function openStore(wasmux) {
  const directory = await wasmux.getDirectoryHandle(STORE_DIRECTORY, { create: true });
  const driver = new OPFSDriver(directory);
  await driver.open();
  return driver;
}

// Erase the stored system: the store, the root marker (snapshots are kept).
export async function wipeStore(wasmux) {
  for (const name of [STORE_DIRECTORY, "root.json"]) {
    try {
      await wasmux.removeEntry(name, { recursive: true });
    } catch (error) {
      if (error.name !== "NotFoundError") throw error;
    }
  }
}

export async function readJSON(directory, name) {
  try {
    return JSON.parse(await (await readFile(directory, name)).text());
  } catch {
    return null;
  }
}

// The File (a snapshot of its bytes) of `directory`'s file `name`; rejects when missing.
export async function readFile(directory, name) {
  return held(await directory.getFileHandle(name), (file) => file.getFile());
}

// Replace `name` in `directory` by `data` (createWritable commits on close: a crash leaves
// the old file or none).
export async function writeFile(directory, name, data) {
  const file = await directory.getFileHandle(name, { create: true });
  const writable = await held(file, (opened) => opened.createWritable());
  await held(writable, async (stream) => {
    await stream.write(data);
    await stream.close();
  });
}
