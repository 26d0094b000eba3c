"""Serve the built site on localhost: `python packaging/serve.py [--port N] [--quiet] [DIR]`.

Layer: host-side tooling. A plain static server (the standard library's http.server) that
deliberately sends no Cross-Origin-Opener-Policy / Cross-Origin-Embedder-Policy headers,
like GitHub Pages: the site's service worker adds them. It prints the URL as its first
line of output (`--port 0` picks a free port). Imports only the standard library.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DEFAULT_SITE = Path(__file__).resolve().parents[1] / "build" / "site"
# Types Python's mimetypes table may lack or get wrong on some systems.
TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".gz": "application/gzip",
}


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files with the types above; logs only when not quiet."""

    quiet = False

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return TYPES.get(Path(path).suffix.lower()) or super().guess_type(path)

    def log_message(self, format: str, *args: object) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python packaging/serve.py",
                                     description="Serve the Wasmux site on localhost.")
    parser.add_argument("site", nargs="?", type=Path, default=DEFAULT_SITE,
                        help="folder to serve (default: build/site)")
    parser.add_argument("--port", type=int, default=8000, help="port (0: any free one)")
    parser.add_argument("--bind", default="127.0.0.1", help="address (default: 127.0.0.1)")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    options = parser.parse_args(argv)
    if not (options.site / "index.html").exists():
        print(f"serve: {options.site} holds no index.html; build the site first "
              f"(python packaging/build_site.py)", file=sys.stderr)
        return 1
    handler = functools.partial(type("Handler", (SiteHandler,), {"quiet": options.quiet}),
                                directory=str(options.site))
    try:
        server = ThreadingHTTPServer((options.bind, options.port), handler)
    except OSError as error:
        print(f"serve: cannot listen on {options.bind}:{options.port}: {error.strerror} "
              f"(choose another with --port)", file=sys.stderr)
        return 1
    print(f"Wasmux is at http://{options.bind}:{server.server_port}/  (Ctrl+C stops the server)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
