// Checks of kernel/modules.js shareMemory under Node (tests/browser/test_share_memory.py
// runs it): `node share_memory_check.mjs [PROGRAM.wasm]`. Prints "ok N checks", or throws.
// Hand-made modules cover every layout the rewrite handles or refuses; PROGRAM, a real
// wasm32-wasi program, must keep its imports in order with the memory import appended.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { MEMORY_IMPORT } from "../../kernel/channel.js";
import { shareMemory } from "../../kernel/modules.js";

let checks = 0;
const check = (fn) => { fn(); checks++; };

const bytesOf = (text) => [...new TextEncoder().encode(text)];
const name = (text) => [text.length, ...bytesOf(text)];
const section = (id, body) => [id, body.length, ...body];   // bodies here are < 128 bytes

// A module whose function `f` stores 42 at address 0 and returns the i32 there; options:
// limits (memory section body after its count), an imported function `env.g` (so `f` is
// function 1), and a custom section first.
function module({ limits = [0x00, 1], imported = false, custom = false, memories = 1 } = {}) {
  const type = section(1, [1, 0x60, 0, 1, 0x7f]);
  const imports = imported ? section(2, [1, ...name("env"), ...name("g"), 0x00, 0]) : [];
  const functions = section(3, [1, 0]);
  const memory = memories === 0 ? [] : section(5, [memories, ...limits, ...(memories > 1 ? limits : [])]);
  const f = imported ? 1 : 0;
  const exports = section(7, [2, ...name("memory"), 0x02, 0, ...name("f"), 0x00, f]);
  const body = [0, 0x41, 0, 0x41, 42, 0x36, 2, 0, 0x41, 0, 0x28, 2, 0, 0x0b];
  const code = section(10, [1, body.length, ...body]);
  const first = custom ? section(0, [...name("note"), 1, 2, 3]) : [];
  return Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...first, ...type, ...imports,
    ...functions, ...memory, ...exports, ...code]);
}

// Compile the rewritten module, give it a shared memory and run `f`: the store must land
// in the memory this side holds, and the module must export that same memory.
function runsShared(original, expected) {
  const shared = shareMemory(original);
  assert.notEqual(shared, null);
  assert.deepEqual(shared.memory, expected);
  const compiled = new WebAssembly.Module(shared.bytes);
  const memories = WebAssembly.Module.imports(compiled).filter((item) => item.kind === "memory");
  assert.deepEqual(memories, [{ module: MEMORY_IMPORT[0], name: MEMORY_IMPORT[1], kind: "memory" }]);
  const memory = new WebAssembly.Memory({ ...shared.memory, shared: true });
  const instance = new WebAssembly.Instance(compiled, {
    env: { g: () => 7 }, [MEMORY_IMPORT[0]]: { [MEMORY_IMPORT[1]]: memory },
  });
  assert.equal(instance.exports.f(), 42);
  assert.equal(new Int32Array(memory.buffer)[0], 42);
  assert.equal(instance.exports.memory, memory);
  assert.ok(memory.buffer instanceof SharedArrayBuffer);
}

check(() => runsShared(module(), { initial: 1, maximum: 65536 }));
check(() => runsShared(module({ limits: [0x01, 2, 5] }), { initial: 2, maximum: 5 }));
check(() => runsShared(module({ imported: true }), { initial: 1, maximum: 65536 }));
check(() => runsShared(module({ custom: true }), { initial: 1, maximum: 65536 }));
check(() => runsShared(module({ limits: [0x03, 1, 3] }), { initial: 1, maximum: 3 }));
// LEB128 limits of several bytes: 300 pages, at most 70000 / 65536 pages
check(() => runsShared(module({ limits: [0x01, 0xac, 0x02, 0x80, 0x80, 0x04] }),
  { initial: 300, maximum: 65536 }));

// Refused: nothing to share, several memories, memory64, bad limits, broken sections.
check(() => assert.equal(shareMemory(module({ memories: 0 })), null));
check(() => assert.equal(shareMemory(module({ memories: 2 })), null));
check(() => assert.equal(shareMemory(module({ limits: [0x04, 1] })), null));
check(() => assert.equal(shareMemory(module({ limits: [0x01, 5, 2] })), null));
check(() => assert.equal(shareMemory(module().subarray(0, 30)), null));
check(() => assert.equal(shareMemory(new Uint8Array([0, 0x61, 0x73])), null));
const overlong = module();
overlong[9] = 0xff;  // the type section's size runs past the end
check(() => assert.equal(shareMemory(overlong), null));

const program = process.argv[2];
if (program !== undefined) {
  check(() => {
    const original = new Uint8Array(readFileSync(program));
    const shared = shareMemory(original);
    assert.notEqual(shared, null);
    const before = WebAssembly.Module.imports(new WebAssembly.Module(original));
    const after = WebAssembly.Module.imports(new WebAssembly.Module(shared.bytes));
    assert.deepEqual(after, [...before, { module: "wasmux", name: "memory", kind: "memory" }]);
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(shared.bytes));
    assert.ok(exports.some((item) => item.name === "memory" && item.kind === "memory"));
  });
}
console.log(`ok ${checks} checks`);
