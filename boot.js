// boot.js: the page's main thread. Makes the page cross-origin isolated through sw.js,
// checks that the browser has what Wasmux needs, starts the kernel worker and attaches
// the console driver.
//
// Layer: page (imports kernel/drivers/console.js only, dynamically, so the kernel worker
// starts first). Protocol with the kernel worker:
// page -> worker {type:"boot", wipe, cols, rows}, {type:"input"}, {type:"resize"};
// worker -> page {type:"progress", stage, loaded, total}, {type:"mark", stage, at} (a boot
// phase reached), {type:"output"}, {type:"ready"}, {type:"fatal", message}, {type:"locked"},
// {type:"missing", features}. URL parameters: ?wipe=1 wipes the stored system after a
// confirmation, ?wipe=force without one. ?test=1 (tests and benchmarks
// only) loads the kernel worker's test hooks (kernel/testing.js) and exposes the worker
// as window.wasmux.kernelWorker.
// Tests and benchmarks read window.wasmux (console, consoleAt: when it was attached, ready,
// stages shown, message, marks: the kernel worker's boot phases so far as [stage, ms since
// navigation] pairs, and bootTimings: all of them, set with ready); console.promptShownAt
// says when the first shell prompt showed.


const RELOAD_KEY = "wasmux-isolation-reload";
const stageElement = document.getElementById("stage");
const progressElement = document.getElementById("progress");
const statusElement = document.getElementById("status");
const messageElement = document.getElementById("message");
const wasmux = (window.wasmux = { ready: false, stages: [], marks: [], message: "" });
const earlyMessages = [];  // from the kernel worker, before startKernel attached the console

// Shows `stage` and appends it to wasmux.stages (the last 1000 kept).
function showStage(stage) {
  if (wasmux.stages.push(stage) > 1000) wasmux.stages.shift();
  stageElement.textContent = stage;
}

// Shows a page message; `error` ones also stop the progress display.
function showMessage(text, error = true) {
  wasmux.message = text;
  messageElement.textContent = text;
  messageElement.classList.toggle("error", error);
  if (error) statusElement.hidden = true;
}

function showProgress({ stage, loaded, total }) {
  if (total > 0) {
    const percent = Math.min(100, Math.floor((loaded * 100) / total));
    showStage(`${stage}: ${formatBytes(loaded)} of ${formatBytes(total)} (${percent}%)`);
    progressElement.hidden = false;
    progressElement.max = total;
    progressElement.value = loaded;
  } else {
    showStage(loaded > 0 ? `${stage}: ${formatBytes(loaded)}` : stage);
    // No bar without a total: an indeterminate one animates, repainting every frame with
    // the CPU the boot needs.
    progressElement.hidden = true;
  }
}

function formatBytes(count) {
  if (count < 1024) return `${count} B`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KiB`;
  return `${(count / (1024 * 1024)).toFixed(1)} MiB`;
}

// Features the page can check that do not depend on cross-origin isolation; returns the
// names missing. The kernel worker checks OPFS sync access handles itself (they exist only
// in workers) and says {type:"missing"}.
function missingFeatures() {
  const missing = [];
  if (typeof WebAssembly !== "object") missing.push("WebAssembly");
  if (typeof Atomics !== "object" || typeof Atomics.waitAsync !== "function") {
    missing.push("Atomics.waitAsync");
  }
  if (typeof navigator.storage?.getDirectory !== "function") {
    missing.push("the Origin Private File System (navigator.storage.getDirectory)");
  }
  return missing;
}

function reportMissing(missing) {
  showMessage(`Wasmux cannot run in this browser: it lacks ${missing.join(", ")}.\n` +
    "Use a current Chromium, Chrome, Edge or Firefox over https:// or http://localhost.");
}

// Registers sw.js and waits until it controls this page. Returns false (after showing a
// message) when service workers are unavailable.
async function serviceWorkerInControl() {
  if (!("serviceWorker" in navigator)) {
    reportMissing([window.isSecureContext ? "service workers"
      : "service workers (the page must be served over https:// or from localhost)"]);
    return false;
  }
  showStage("Installing the service worker (caches the site for offline use)");
  let registration;
  try {
    registration = await navigator.serviceWorker.register("sw.js");
  } catch (error) {
    showMessage(`Wasmux could not register its service worker (sw.js): ${error}`);
    return false;
  }
  const installing = registration.installing;
  const failed = new Promise((resolve) => installing?.addEventListener("statechange", () => {
    if (installing.state === "redundant" && !navigator.serviceWorker.controller) resolve(true);
  }));
  if (await Promise.race([navigator.serviceWorker.ready.then(() => false), failed])) {
    showMessage("Wasmux's service worker (sw.js) failed to install: is site.json there?");
    return false;
  }
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) =>
      navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
  }
  return true;
}

// Cross-origin isolation comes from the headers sw.js adds: a page loaded before the
// service worker controlled it reloads once. Returns true when isolated.
async function crossOriginIsolation() {
  if (!(await serviceWorkerInControl())) return false;
  if (window.crossOriginIsolated) {
    sessionStorage.removeItem(RELOAD_KEY);
    return true;
  }
  if (sessionStorage.getItem(RELOAD_KEY)) {
    sessionStorage.removeItem(RELOAD_KEY);
    showMessage("Wasmux could not make this page cross-origin isolated, so " +
      "SharedArrayBuffer is unavailable. The service worker (sw.js) adds the " +
      "Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers; a hard " +
      "reload bypasses it: reload normally.");
    return false;
  }
  sessionStorage.setItem(RELOAD_KEY, "1");
  showStage("Reloading once to become cross-origin isolated");
  location.reload();
  return false;
}

// Reads ?wipe= (asking for confirmation unless it is "force") and drops it from the URL
// so a later reload does not wipe again.
function wipeRequested() {
  const url = new URL(location.href);
  const wipe = url.searchParams.get("wipe");
  if (wipe === null) return false;
  url.searchParams.delete("wipe");
  history.replaceState(null, "", url);
  if (wipe === "force") return true;
  if (wipe === "0" || wipe === "false") return false;
  return confirm("Wipe Wasmux's stored files in this browser and start fresh?");
}

// Attaches the console (xterm.js, loaded meanwhile) to the started kernel worker.
async function startKernel(worker, missing) {
  const { attachConsole } = await import("./kernel/drivers/console.js");
  const terminal = attachConsole(worker, document.getElementById("terminal"));
  wasmux.console = terminal;
  wasmux.consoleAt = performance.now();
  worker.onmessage = ({ data: message }) => {
    switch (message.type) {
      case "output":
        terminal.write(message.data);
        break;
      case "progress":
        showProgress(message);
        break;
      case "ready":
        wasmux.ready = true;
        wasmux.bootTimings = (message.timings ?? []).map(([stage, at]) =>
          [stage, Math.round(at - performance.timeOrigin)]);
        console.debug("wasmux boot timings (ms since navigation)", wasmux.bootTimings);
        statusElement.hidden = true;
        terminal.terminal.focus();
        break;
      case "mark":
        wasmux.marks.push([message.stage, Math.round(message.at - performance.timeOrigin)]);
        break;
      case "fatal":
        showMessage(`Wasmux stopped: ${message.message}`);
        break;
      case "missing":
        worker.terminate();
        reportMissing(message.features);
        break;
      case "locked":
        showMessage("Wasmux is already running in another tab of this site. Close that " +
          "tab, then reload this one.");
        break;
      default:
        console.warn("boot.js: unknown message from the kernel worker", message);
    }
  };
  for (const event of earlyMessages.splice(0)) worker.onmessage(event);
  if (wasmux.message) return;  // the kernel worker said what is missing
  if (missing.length > 0) {
    worker.terminate();
    reportMissing(missing);
    return;
  }
  showStage("Starting the kernel");
  const test = new URL(location.href).searchParams.get("test") === "1";
  if (test) wasmux.kernelWorker = worker;
  worker.postMessage({ type: "boot", wipe: wipeRequested(), test, ...terminal.size() });
}

// The kernel worker, started; its messages (progress and boot phases) are kept until
// startKernel handles them.
function newKernelWorker() {
  const worker = new Worker("kernel/kernel-worker.js", { type: "module" });
  worker.onmessage = (event) => earlyMessages.push(event);
  worker.onerror = (event) => {
    showMessage(`The kernel worker (kernel/kernel-worker.js) failed: ${event.message ??
      "it could not be loaded"}`);
  };
  return worker;
}

// A page the service worker already served isolated starts the kernel worker at once
// (it loads Pyodide while the page loads xterm.js) and registers sw.js meanwhile, which
// picks up a new sw.js; otherwise the kernel starts once the page is isolated.
async function boot() {
  let worker = null;
  if (window.crossOriginIsolated && navigator.serviceWorker?.controller) {
    worker = newKernelWorker();
    navigator.serviceWorker.register("sw.js").catch((error) =>
      console.warn("boot.js: sw.js could not be registered again", error));
  } else if (!(await crossOriginIsolation())) {
    return;
  }
  worker ??= newKernelWorker();
  const missing = missingFeatures();
  if (typeof SharedArrayBuffer !== "function") missing.unshift("SharedArrayBuffer");
  await startKernel(worker, missing);
}

boot().catch((error) => showMessage(`Wasmux failed to start: ${error?.stack ?? error}`));
