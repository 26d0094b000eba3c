// Test and benchmark hooks of the kernel worker, loaded only when the page was opened
// with ?test=1 (boot.js then sends {type:"boot", test:true} and exposes the kernel worker
// as window.wasmux.kernelWorker). Never part of a normal boot.
//
// Layer: kernel-worker helper (imports drivers/opfs.js for `held`; kernel-worker.js passes
// what else it needs).
// Protocol: page -> kernel worker {type:"test", op, port, ...}; the answer goes to `port`
// (a MessagePort) as {result} or {error}. Ops:
//   install {archive: Uint8Array}   unpack a tar archive (files with their modes) into
//                                   the root and sync: how tests put programs in the VM
//   answerInJS {numbers: [..]}      answer these syscall numbers in JS (errno 0, no outs)
//                                   instead of the Python kernel: the baseline of the null
//                                   syscall benchmark, same channel and pump
//   counters {}                     the kernel worker's counters: {directReads (replies
//                                   read from OPFS straight into guest memory),
//                                   directWrites (writes into OPFS straight from a
//                                   request's data), guestWrites (those of them from
//                                   guest memory)}
//   directReads {enabled}           off: stored ranges are read into the channel (the
//                                   path of processes whose memory is not shared)
//   guestIns {enabled}              off: processes started from now on copy large
//                                   writes into the channel (the path of processes whose
//                                   memory is not shared)
//   failStoredReads {count}         the next `count` reads of stored ranges (file bytes
//                                   read from OPFS for a reply) throw, as a failing
//                                   disk would
//   opfsRaw {bytes, chunk, reads}   raw OPFS sync access handle throughput in this
//                                   worker: {write, read} in MB/s, writing a file of
//                                   `bytes` (flush included), then reading `reads` bytes
//                                   (default `bytes`) of it, from its start at its end
//   copy {bytes, chunk}             JS copy throughput between two buffers, MB/s

import { held } from "./drivers/opfs.js";

const RAW_FILE = "bench-raw";

export async function handle(message, kernel) {
  const { op, port } = message;
  try {
    port.postMessage({ result: await OPS[op](message, kernel) });
  } catch (error) {
    port.postMessage({ error: String(error?.stack ?? error) });
  }
}

const OPS = {
  install({ archive }, kernel) {
    return kernel.install(archive);
  },
  failStoredReads({ count }, kernel) {
    const store = kernel.store();
    let left = count;
    const readInto = store.readInto;
    store.readInto = function (...args) {
      if (left <= 0) {
        delete store.readInto;  // back to the driver's own method
        return readInto.apply(this, args);
      }
      left--;
      throw new DOMException("injected by failStoredReads", "InvalidStateError");
    };
    return count;
  },
  directReads({ enabled }, kernel) {
    kernel.switches.directReads = enabled;
    return enabled;
  },
  guestIns({ enabled }, kernel) {
    kernel.switches.guestIns = enabled;
    return enabled;
  },
  counters(message, kernel) {
    return { ...kernel.counters };
  },
  answerInJS({ numbers }, kernel) {
    kernel.answeredInJS.clear();
    for (const number of numbers) kernel.answeredInJS.add(number);
    return numbers.length;
  },
  async opfsRaw({ bytes, chunk, reads = bytes }, kernel) {
    const file = await kernel.wasmux.getFileHandle(RAW_FILE, { create: true });
    const handle = await held(file, (opened) => opened.createSyncAccessHandle());
    const data = new Uint8Array(chunk).fill(120);
    try {
      handle.truncate(0);
      let start = performance.now();
      for (let done = 0; done < bytes; done += chunk) handle.write(data, { at: done });
      handle.flush();
      const write = bytes / ((performance.now() - start) / 1e3) / 1e6;
      start = performance.now();
      for (let done = 0; done < reads; done += chunk) handle.read(data, { at: done % bytes });
      const read = reads / ((performance.now() - start) / 1e3) / 1e6;
      return { write, read };
    } finally {
      handle.close();
      await kernel.wasmux.removeEntry(RAW_FILE);
    }
  },
  copy({ bytes, chunk }) {
    const source = new Uint8Array(new SharedArrayBuffer(chunk)).fill(1);
    const target = new Uint8Array(chunk);
    const start = performance.now();
    for (let done = 0; done < bytes; done += chunk) target.set(source);
    return bytes / ((performance.now() - start) / 1e3) / 1e6;
  },
};
