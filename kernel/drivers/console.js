// Console driver (main thread): an xterm.js terminal attached to the kernel's console tty.
//
// Layer: page driver, imported by boot.js; imports only the vendored xterm.js modules.
// Keystrokes and pastes go to the kernel worker as {type:"input", data:Uint8Array};
// {type:"output"} bytes are coalesced and written once per task; the terminal fits its
// element and reports {type:"resize", cols, rows} (the kernel raises SIGWINCH).
// Copy: select with the mouse, then Ctrl+Shift+C (or the browser's copy). Paste:
// Ctrl+Shift+V or the browser's paste (bracketed when the program asked for it).

import { Terminal } from "../../vendor/xterm/xterm.mjs";
import { FitAddon } from "../../vendor/xterm/addon-fit.mjs";

const encoder = new TextEncoder();

// Creates the terminal in `element`, wires it to `worker` and returns the console object
// ({terminal, size, write, screenText, bufferText, promptShown, promptShownAt}).
export function attachConsole(worker, element) {
  const terminal = new Terminal({
    // No blinking: xterm.js blinks with a CSS animation that repaints the page every
    // frame (about 5% of a CPU in Chromium, taken from the processes' guest code).
    cursorBlink: false,
    scrollback: 5000,
    fontFamily: "monospace",
    fontSize: 15,
  });
  const fit = new FitAddon();
  terminal.loadAddon(fit);
  terminal.open(element);
  fit.fit();

  const send = (bytes) => worker.postMessage({ type: "input", data: bytes }, [bytes.buffer]);
  terminal.onData((text) => send(encoder.encode(text)));
  // Binary data (mouse reports in legacy encodings) arrives one byte per character.
  terminal.onBinary((text) => send(Uint8Array.from(text, (char) => char.charCodeAt(0) & 0xff)));
  terminal.onResize(({ cols, rows }) => worker.postMessage({ type: "resize", cols, rows }));
  terminal.attachCustomKeyEventHandler((event) => {
    const shortcut = event.type === "keydown" && event.ctrlKey && event.shiftKey;
    if (shortcut && event.code === "KeyC") {
      if (terminal.hasSelection()) navigator.clipboard?.writeText(terminal.getSelection());
      return false;
    }
    // Ctrl+Shift+V: leave the key to the browser, whose paste event xterm.js handles.
    return !(shortcut && event.code === "KeyV");
  });

  const refit = () => fit.fit();
  window.addEventListener("resize", refit);
  new ResizeObserver(refit).observe(element);

  let pending = [];
  const flush = () => {
    const chunks = pending;
    pending = [];
    if (chunks.length === 1) {
      terminal.write(chunks[0], written);
      return;
    }
    const joined = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
    let offset = 0;
    for (const chunk of chunks) {
      joined.set(chunk, offset);
      offset += chunk.length;
    }
    terminal.write(joined, written);
  };
  // Until the first shell prompt shows: when it did (a boot phase, also for benchmarks).
  const written = () => {
    if (driver.promptShownAt === null && driver.promptShown()) {
      driver.promptShownAt = performance.now();
    }
  };

  // Lines of the active buffer from `start` to `end` (exclusive), right-trimmed.
  const lines = (start, end) => {
    const buffer = terminal.buffer.active;
    const text = [];
    for (let row = start; row < end; row++) {
      text.push(buffer.getLine(row)?.translateToString(true) ?? "");
    }
    return text.join("\n");
  };

  const driver = {
    terminal,
    promptShownAt: null,  // ms since navigation when a shell prompt first showed
    size: () => ({ cols: terminal.cols, rows: terminal.rows }),
    // Queues output bytes; everything queued in one task reaches xterm.js in one write.
    write(bytes) {
      if (pending.length === 0) setTimeout(flush, 0);
      pending.push(bytes);
    },
    // The visible screen as text.
    screenText: () => {
      const top = terminal.buffer.active.viewportY;
      return lines(top, top + terminal.rows);
    },
    // Scrollback and screen as text.
    bufferText: () => lines(0, terminal.buffer.active.length),
    // True when the text before the cursor on its line matches `pattern` (a RegExp source),
    // by default a shell prompt ending in "$ " or "# ".
    promptShown(pattern = "[$#] $") {
      const buffer = terminal.buffer.active;
      const line = buffer.getLine(buffer.baseY + buffer.cursorY);
      const before = line ? line.translateToString(false).slice(0, buffer.cursorX) : "";
      return new RegExp(pattern).test(before);
    },
  };
  return driver;
}
