// Compiled program modules of the kernel worker, by content hash (sha256 hex, computed by
// hosts/pyodide.py), and the boot set kept in OPFS so the next boot compiles it early.
//
// Layer: kernel-worker helper (imports drivers/opfs.js for its file helpers). A module is compiled once per kernel worker
// and shared by every process worker running it. The boot set is the modules started
// before the first console input or a few seconds after boot (init, the rc script's
// shell, the login shell): their
// bytes are saved as <root>/wasmux/modules/<sha256>.wasm, and `preload` compiles them in
// the background while Pyodide loads, so the first spawns do not compile on the way to
// the prompt. A cached file whose bytes do not match its name is ignored and removed.

import { held, listEntries, writeFile } from "./drivers/opfs.js";

const DIRECTORY = "modules";

export class ModuleCache {
  constructor() {
    this.modules = new Map();   // key -> WebAssembly.Module
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
    const module = await WebAssembly.compile(bytes).catch(() => null);
    if (module !== null && !this.modules.has(key)) this.modules.set(key, module);
  }

  // The module for `key`, compiled now from `bytes` (or the saved copy) when not ready;
  // "missing" when neither is there, or an error message.
  get(key, bytes) {
    let module = this.modules.get(key);
    const source = bytes ?? this.saved.get(key);
    if (module === undefined) {
      if (source === undefined) return "missing";
      try {
        module = new WebAssembly.Module(source);
      } catch (error) {
        return `not a loadable wasm module: ${error.message}`;
      }
      this.modules.set(key, module);
    }
    if (this.booting && !this.boot.has(key)) this.boot.set(key, source);
    return module;
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

async function sha256Hex(data) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
