// Make the kernel's Pyodide memory snapshot for the site, under Node:
//   node packaging/make_snapshot.mjs SITE WHEEL OUTPUT
// SITE is a built site (its vendor/pyodide/ and wheels/ are used, offline), WHEEL the
// kernel wheel, OUTPUT the gzip-compressed snapshot to write. A first boot in the browser
// restores it instead of loading Pyodide and installing the wheel (seconds saved).
//
// Layer: build tooling, run by packaging/build_site.py. Imports the site's Pyodide and
// kernel/kernel-snapshot.js (the same install and snapshot steps as the kernel worker).
// The snapshot holds no Node object: Python keeps only the `js` module, which Pyodide
// finds again by path in the worker's globals when it restores.

import { readFileSync, writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { checkSnapshot, installKernel, makeSnapshot } from "../kernel/kernel-snapshot.js";

async function main([site, wheel, output]) {
  if (!output) throw new Error("usage: node packaging/make_snapshot.mjs SITE WHEEL OUTPUT");
  const pyodideDirectory = resolve(site, "vendor/pyodide") + "/";
  const wheels = resolve(site, "wheels") + "/";
  const { loadPyodide } = await import(pathToFileURL(pyodideDirectory + "pyodide.mjs").href);
  const pyodide = await loadPyodide({
    indexURL: pyodideDirectory,
    lockFileURL: wheels + "pyodide-lock.json",
    packageBaseUrl: wheels,
    stdout: () => {},
    stderr: (line) => console.error(line),
    _makeSnapshot: true,
  });
  await installKernel(pyodide, basename(wheel), readFileSync(wheel));
  const snapshot = checkSnapshot("the snapshot made", makeSnapshot(pyodide));
  writeFileSync(output, gzipSync(snapshot, { level: 6 }));
}

main(process.argv.slice(2)).then(() => process.exit(0), (error) => {
  console.error(`make_snapshot: ${error?.stack ?? error}`);
  process.exit(1);
});
