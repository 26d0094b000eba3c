// Compiled program modules of the kernel worker, by content hash (sha256 hex, computed by
// hosts/pyodide.py), and the boot set kept in OPFS so the next boot compiles it early.
//
// Layer: kernel-worker helper (imports channel.js, and drivers/opfs.js for its file
// helpers). A module is compiled once per kernel worker and shared by every process
// worker running it. The boot set is the modules started before the first console input
// or a few seconds after boot (init, the rc script's shell, the login shell): their bytes
// are saved as <root>/wasmux/modules/<sha256>.wasm, and `preload` compiles them in the
// background while Pyodide loads, so the first spawns do not compile on the way to the
// prompt. A cached file whose bytes do not match its name is ignored and removed.
//
// Every module is compiled with its memory made shared and imported (shareMemory): the
// kernel worker creates each process's memory and keeps a reference, so it can read a
// file from OPFS straight into the buffers of the process's read (kernel-worker.js
// `reply`). A module shareMemory cannot rewrite is compiled as it is (channel copies).

import { MEMORY_IMPORT } from "./channel.js";
import { held, listEntries, writeFile } from "./drivers/opfs.js";

const DIRECTORY = "modules";

const PAGES_MAX = 65536;        // a 32-bit memory's limit: the maximum of one declaring none

export class ModuleCache {
  constructor() {
    this.modules = new Map();   // key -> {module, memory: {initial, maximum} | null}
    this.saved = new Map();     // key -> bytes of the saved boot set (from OPFS)
    this.boot = new Map();      // key -> bytes started during this boot
    this.booting = true;
    this.directory = null;
  }

  // Read the saved boot set and compile it in the background (never throws).
  async preload(wasmux) {
    try {
      this.directory = await wasmux.getDirectoryHandle(DIRECTORY, { create: true });
      const reads = [];
      for (const [name, handle] of await listEntries(this.directory)) {
        if (handle.kind === "file" && name.endsWith(".wasm")) reads.push(this.load(name, handle));
      }
      await Promise.all(reads);
    } catch (error) {
      console.warn("wasmux: the saved boot modules could not be read", error);
    }
  }

  async load(name, handle) {
    const key = name.slice(0, -".wasm".length);
    const file = await held(handle, (opened) => opened.getFile());
    const bytes = new Uint8Array(await file.arrayBuffer());
    if ((await sha256Hex(bytes)) !== key) {
      await this.directory.removeEntry(name).catch(() => {});
      return;
    }
    this.saved.set(key, bytes);
    const shared = shareMemory(bytes);
    let compiled = null;
    if (shared !== null) {
      compiled = await WebAssembly.compile(shared.bytes)
        .then((module) => ({ module, memory: shared.memory }), () => null);
    }
    compiled ??= await WebAssembly.compile(bytes)
      .then((module) => ({ module, memory: null }), () => null);
    if (compiled !== null && !this.modules.has(key)) this.modules.set(key, compiled);
  }

  // The compiled module for `key` as {module, memory} (memory: the limits of its shared
  // memory, or null when it defines its own), compiled now from `bytes` (or the saved
  // copy) when not ready; "missing" when neither is there, or an error message.
  get(key, bytes) {
    let compiled = this.modules.get(key);
    const source = bytes ?? this.saved.get(key);
    if (compiled === undefined) {
      if (source === undefined) return "missing";
      try {
        compiled = compileShared(source);
      } catch (error) {
        return `not a loadable wasm module: ${error.message}`;
      }
      this.modules.set(key, compiled);
    }
    if (this.booting && !this.boot.has(key)) this.boot.set(key, source);
    return compiled;
  }

  // Boot is over (the first console input, or time): save the boot set, drop the rest.
  async bootEnded() {
    if (!this.booting) return;
    this.booting = false;
    if (this.directory === null) return;
    try {
      for (const [key, bytes] of this.boot) {
        if (this.saved.has(key) || bytes === undefined) continue;
        await writeFile(this.directory, `${key}.wasm`, bytes);
      }
      for (const key of this.saved.keys()) {
        if (!this.boot.has(key)) await this.directory.removeEntry(`${key}.wasm`).catch(() => {});
      }
    } catch (error) {
      console.warn("wasmux: the boot modules were not saved", error);
    }
    this.saved.clear();
  }
}

// {module, memory} from `bytes`, its memory shared when shareMemory can rewrite it and
// the result compiles; else the module as it is (throws when that does not compile).
function compileShared(bytes) {
  const shared = shareMemory(bytes);
  if (shared !== null) {
    try {
      return { module: new WebAssembly.Module(shared.bytes), memory: shared.memory };
    } catch {
      // compiled as it is below, which names the module's own error
    }
  }
  return { module: new WebAssembly.Module(bytes), memory: null };
}

// The module `bytes` with its one defined 32-bit memory replaced by a shared memory
// imported as MEMORY_IMPORT, appended to its imports (so every memory index stays the
// same), with the declared maximum or PAGES_MAX: {bytes, memory: {initial, maximum}}.
// null when there is nothing to rewrite (no memory, several, memory64) or the binary's
// sections are malformed (compiling the original then reports it).
export function shareMemory(bytes) {
  if (bytes.length < 8) return null;
  const sections = [];
  for (let at = 8; at < bytes.length;) {
    const id = bytes[at];
    const [size, body] = readU32(bytes, at + 1);
    if (size === null || body + size > bytes.length) return null;
    sections.push({ id, start: at, body, end: body + size });
    at = body + size;
  }
  const memories = sections.filter((section) => section.id === 5);
  if (memories.length !== 1) return null;
  const [count, limitsAt] = readU32(bytes, memories[0].body);
  if (count !== 1) return null;
  const flags = bytes[limitsAt];
  if (flags !== 0 && flags !== 1 && flags !== 3) return null;
  const [initial, afterInitial] = readU32(bytes, limitsAt + 1);
  let maximum = PAGES_MAX;
  if (flags & 1) [maximum] = readU32(bytes, afterInitial);
  if (initial === null || maximum === null || initial > maximum) return null;

  const encoder = new TextEncoder();
  const name = (text) => [...u32(encoder.encode(text).length), ...encoder.encode(text)];
  const entry = [...name(MEMORY_IMPORT[0]), ...name(MEMORY_IMPORT[1]), 0x02, 0x03,
    ...u32(initial), ...u32(maximum)];
  const imports = sections.find((section) => section.id === 2);
  let importBody;
  if (imports === undefined) {
    importBody = Uint8Array.from([...u32(1), ...entry]);
  } else {
    const [entries, first] = readU32(bytes, imports.body);
    if (entries === null) return null;
    const rest = bytes.subarray(first, imports.end);
    importBody = new Uint8Array([...u32(entries + 1), ...rest, ...entry]);
  }
  const importSection = Uint8Array.from([2, ...u32(importBody.length), ...importBody]);
  const parts = [bytes.subarray(0, 8)];
  let placed = false;
  for (const section of sections) {
    // The import section goes where it was, or before the first section after types.
    if (!placed && (section.id === 2 || (imports === undefined && section.id !== 0 &&
                                          section.id !== 1))) {
      parts.push(importSection);
      placed = true;
    }
    if (section.id !== 2 && section.id !== 5) parts.push(bytes.subarray(section.start, section.end));
  }
  if (!placed) parts.push(importSection);
  const length = parts.reduce((total, part) => total + part.length, 0);
  const result = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    result.set(part, at);
    at += part.length;
  }
  return { bytes: result, memory: { initial, maximum } };
}

// An unsigned LEB128 u32 at `at`: [value, the position after it], value null when it
// runs past the end or does not fit 32 bits.
function readU32(bytes, at) {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= bytes.length) return [null, at];
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value <= 0xffffffff ? value : null, at];
  }
  return [null, at];
}

function u32(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

async function sha256Hex(data) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
