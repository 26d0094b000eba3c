// The kernel's Pyodide memory snapshot: how the kernel wheel is installed into a fresh
// Pyodide and how the snapshot is made, shared by the kernel worker (a boot without a
// usable snapshot) and the site build (packaging/make_snapshot.mjs, run by Node, which
// ships one in the site so that a first boot restores instead of loading).
//
// Layer: kernel-worker helper that also runs under Node: no imports, no browser API.
// A snapshot is Pyodide's whole heap after the kernel host was imported; Pyodide
// restores it with loadPyodide({_loadSnapshot}) when its build id matches.

export const KERNEL_HOST = "wasmux.hosts.pyodide";

// Install the kernel wheel (`name`, `bytes`) into `pyodide` (loaded with _makeSnapshot)
// with micropip, offline: micropip and packaging come from the lock file's wheels.
export async function installKernel(pyodide, name, bytes) {
  await pyodide.loadPackage("micropip");
  const micropip = pyodide.pyimport("micropip");
  // From Emscripten's file system: fetched over HTTP by Python, the wheel would leave JS
  // objects (the Response) referenced where the snapshot cannot have them.
  const path = `/tmp/${name}`;
  pyodide.FS.writeFile(path, bytes);
  await micropip.install(`emfs:${path}`);
  micropip.destroy();
  // The promise micropip.install returned keeps two JS functions referenced from Python
  // until a later task releases them: the snapshot is taken after it.
  await new Promise((resolve) => setTimeout(resolve, 0));
}

// Import the kernel with its Pyodide host, then make the memory snapshot (bytes). Pyodide
// only snapshots a heap whose Python holds no JS object but the `js` module's globals
// (which it finds again by path): so micropip and packaging are unloaded first (their
// modules hold JS functions) and Pyodide's record of loaded packages is emptied (it must
// be {}). The wheel's files are not in the snapshot (Emscripten's file system lives in
// JS), so every kernel module the browser runs is imported here.
export function makeSnapshot(pyodide) {
  pyodide.runPython(`
import gc, sys
import ${KERNEL_HOST}
[sys.modules.pop(name) for name in list(sys.modules)
 if name.partition(".")[0] in ("micropip", "packaging")]
gc.collect()
`);
  for (const name of Object.keys(pyodide.loadedPackages)) delete pyodide.loadedPackages[name];
  return pyodide.makeMemorySnapshot();
}

// A snapshot's bytes; throws when they are not whole (its heap, after a header whose
// second word is the heap's offset, is a number of 64 KiB wasm pages).
export function checkSnapshot(name, bytes) {
  const heapOffset = bytes.length >= 8
    ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true) : 0;
  if (heapOffset === 0 || heapOffset >= bytes.length || (bytes.length - heapOffset) % 65536) {
    throw new Error(`${name} is damaged (${bytes.length} bytes)`);
  }
  return bytes;
}
