// sw.js: the service worker. Makes the site cross-origin isolated on any static server and
// keeps it available offline.
//
// Layer: page infrastructure, no imports. Every same-origin response it hands out gets
// Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp and
// Cross-Origin-Resource-Policy: same-origin, so SharedArrayBuffer works without server
// configuration. Caching: one cache per deployment, named after site.json's version.
// Installing precaches every file site.json lists except rootfs/. Navigations and
// site.json are network-first: a changed version makes a new cache current at once
// (files it lacks come from the network and are stored) and deletes the old caches; the
// rest of the new deployment is precached in the background. Everything else is
// cache-first from the current cache (stored with the isolation headers, so a cached
// response goes back as is and the browser streams it; vendor/pyodide/ is stored as the
// network sent it, see AS_SENT), except requests made with
// cache: "no-store" (the kernel worker's rootfs download, so a corrupt copy is never
// kept and a retry reaches the server): network only, nothing stored. Offline, the
// current cache answers everything.

const PREFIX = "wasmux-site-";
const META_CACHE = "wasmux-meta";
const CURRENT_KEY = "current-version";
const SCOPE = new URL("./", self.location.href);
const SITE_JSON = new URL("site.json", SCOPE).href;
const INDEX_HTML = new URL("index.html", SCOPE).href;
const REFRESH_REUSE_MS = 5000;
// Stored and handed out as the network sent them: Chromium gives the V8 code cache of a
// cached script only to a response it did not construct, and pyodide.asm.mjs (1.25 MB)
// costs about 100 ms of a warm boot to compile without one. These files are same-origin
// subresources of the kernel worker (no isolation headers needed; workers do not share
// the page's in-memory cache, which the no-cache of `isolated` keeps fresh).
const AS_SENT = new URL("vendor/pyodide/", SCOPE).href;
let lastRefresh = null;  // {at, cache}: the last network check of site.json
const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const site = await fetchSite();
    await adopt(site.manifest, site.response);
    // A file that fails now is fetched and stored when first used.
    await precache(site.manifest).catch(() => {});
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    await deleteOtherCaches(await currentVersion());
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== SCOPE.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigation(event));
  } else if (url.href === SITE_JSON) {
    event.respondWith(siteJson(event));
  } else if (request.cache === "no-store") {
    event.respondWith(fetch(request.url, { cache: "no-store" }).then(isolated));
  } else {
    event.respondWith(cacheFirst(event));
  }
});

// site.json from the network, bypassing the HTTP cache: {manifest, response}.
async function fetchSite() {
  const response = await fetch(SITE_JSON, { cache: "no-store" });
  if (!response.ok) throw new Error(`site.json: HTTP ${response.status}`);
  return { manifest: await response.clone().json(), response };
}

// The current deployment's version, read once per life of this worker (adopt sets it).
let current = null;
function currentVersion() {
  current ??= (async () => {
    const meta = await caches.open(META_CACHE);
    const entry = await meta.match(CURRENT_KEY);
    return entry ? entry.text() : null;
  })();
  return current;
}

function cacheName(version) {
  return PREFIX + version;
}

// Makes `manifest`'s version current: stores its site.json and deletes older caches.
async function adopt(manifest, response) {
  const cache = await caches.open(cacheName(manifest.version));
  await cache.put(SITE_JSON, response.clone());
  const meta = await caches.open(META_CACHE);
  await meta.put(CURRENT_KEY, new Response(manifest.version));
  current = Promise.resolve(manifest.version);
  await deleteOtherCaches(manifest.version);
}

async function deleteOtherCaches(version) {
  const keep = version ? cacheName(version) : null;
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && name !== keep) await caches.delete(name);
  }
}

// Stores every listed file the cache lacks, except the rootfs image.
async function precache(manifest) {
  const cache = await caches.open(cacheName(manifest.version));
  const paths = Object.keys(manifest.files).filter((path) => !path.startsWith("rootfs/"));
  await Promise.all(paths.map(async (path) => {
    const url = new URL(path, SCOPE).href;
    if (await cache.match(url)) return;
    const response = await fetch(url, { cache: "no-cache" });
    if (response.ok) await cache.put(url, asStored(url, response));
  }));
}

// Checks the network's site.json; a new version becomes current and is precached in the
// background. Returns the current cache (null when there is none and the network is down).
function refresh(event) {
  const cache = checkNetwork(event);
  lastRefresh = { at: Date.now(), cache };
  return cache;
}

async function checkNetwork(event) {
  try {
    const site = await fetchSite();
    if (site.manifest.version !== (await currentVersion())) {
      await adopt(site.manifest, site.response);
      event.waitUntil(precache(site.manifest).catch(() => {}));
    }
  } catch {
    // Offline or a broken deployment: keep serving the current cache.
  }
  const version = await currentVersion();
  return version ? caches.open(cacheName(version)) : null;
}

// index.html for any navigation in scope, network-first.
async function navigation(event) {
  const [cache, response] = await Promise.all([
    refresh(event),
    fetch(event.request.url, { cache: "no-cache" }).catch(() => null),
  ]);
  if (response?.ok) {
    if (cache && isIndex(event.request.url)) await cache.put(INDEX_HTML, response.clone());
    return isolated(response);
  }
  const cached = cache && (await cache.match(INDEX_HTML));
  return cached ? isolated(cached) : isolated(response ?? Response.error());
}

function isIndex(href) {
  const url = new URL(href);
  url.search = "";
  url.hash = "";
  return url.href === SCOPE.href || url.href === INDEX_HTML;
}

// The kernel worker asks for site.json right after the navigation that started it
// checked the network: that check's answer is reused for a few seconds.
async function siteJson(event) {
  const recent = lastRefresh !== null && Date.now() - lastRefresh.at < REFRESH_REUSE_MS;
  const cache = await (recent ? lastRefresh.cache : refresh(event));
  const cached = cache && (await cache.match(SITE_JSON));
  return isolated(cached ?? (await fetch(event.request)));
}

// Stores a missed response without delaying it, so a download streams (with progress).
async function cacheFirst(event) {
  const request = event.request;
  const version = await currentVersion();
  const cache = version && (await caches.open(cacheName(version)));
  const cached = cache && (await cache.match(request));
  // Stored with the isolation headers (or as sent, under AS_SENT): handed out as is, so
  // the browser streams it from the cache itself (a copy made here would pass every byte
  // through this worker).
  if (cached) {
    return request.url.startsWith(AS_SENT) || cached.headers.has("Cross-Origin-Embedder-Policy")
      ? cached : isolated(cached);
  }
  const response = asStored(request.url, await fetch(request.url, { cache: "no-cache" }));
  if (cache && response.ok && response.status === 200) {
    event.waitUntil(cache.put(request.url, response.clone()).catch(() => {}));
  }
  return response;
}

// `response` as the cache keeps it and hands it out: as sent under AS_SENT, else isolated.
function asStored(href, response) {
  return href.startsWith(AS_SENT) ? response : isolated(response);
}

// A copy of `response` carrying the cross-origin isolation headers, and Cache-Control:
// no-cache so the renderer's in-memory cache asks this worker again on a reload instead of
// reusing a previous deployment's script.
function isolated(response) {
  if (response.type === "error" || response.type === "opaque") return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  headers.set("Cache-Control", "no-cache");
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
