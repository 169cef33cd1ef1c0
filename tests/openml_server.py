"""A local stand-in for the OpenML server, for the offline import tests.

It answers the REST API URLs openml-python requests with the XML files in
``tests/fixtures/openml/`` (the server's own format; see the README there):
static records (``data/<id>``, ``data/features/<id>``, ``data/qualities/<id>``,
``task/<id>``, ``setup/<id>``, ``study/<id>``, the ARFF files) and the listing
calls (``evaluation/list/...``, ``setup/list/...``, ``user/list/...``), which it
filters and pages as the real server does. Errors come back as OpenML's
``<oml:error>`` documents with HTTP 412, like the real server's.

Usage (see ``tests/test_openml_import.py``)::

    with OpenMLFixtureServer() as server:
        server.url          # http://127.0.0.1:<port>/api/v1/xml
        server.requests     # the paths asked so far
"""

from __future__ import annotations

import gzip
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

FIXTURES = Path(__file__).parent / "fixtures" / "openml"
API = "/api/v1/xml/"
NS = 'xmlns:oml="http://openml.org/openml"'


def _field(block: str, name: str) -> str | None:
    found = re.search(rf"<oml:{name}>(.*?)</oml:{name}>", block, re.S)
    return found.group(1) if found else None


def _error(code: int, message: str) -> str:
    return f'<oml:error {NS}>\n  <oml:code>{code}</oml:code>\n  <oml:message>{message}</oml:message>\n</oml:error>\n'


def _pairs(segments: list[str]) -> dict[str, str]:
    return {segments[i]: segments[i + 1] for i in range(0, len(segments) - 1, 2)}


class OpenMLFixtureServer:
    """``ThreadingHTTPServer`` on 127.0.0.1 (free port) serving the OpenML fixtures."""

    def __init__(self, root: Path = FIXTURES) -> None:
        self.root = Path(root)
        self.requests: list[str] = []
        self.fail_on: list[str] = []  # substrings of paths to answer with a server error
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        evaluations = (self.root / "api/v1/xml/evaluations.xml").read_text(encoding="utf-8")
        self._evaluations = re.findall(r"<oml:evaluation>.*?</oml:evaluation>", evaluations, re.S)

    # -- lifecycle
    def start(self) -> "OpenMLFixtureServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                status, body, ctype = server._answer(urlparse(self.path).path)
                data = gzip.compress(body if isinstance(body, bytes) else body.encode("utf-8"))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # keep test output quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self) -> "OpenMLFixtureServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def port(self) -> int:
        assert self._httpd is not None or hasattr(self, "_port"), "server not started"
        if self._httpd is not None:
            self._port = self._httpd.server_address[1]
        return self._port

    @property
    def url(self) -> str:
        """The value for ``openml.config.server``."""
        return f"{self.base}/api/v1/xml"

    def count(self, fragment: str) -> int:
        """How many requests so far had ``fragment`` in their path."""
        with self._lock:
            return sum(fragment in path for path in self.requests)

    # -- answers
    def _answer(self, raw_path: str) -> tuple[int, str | bytes, str]:
        path = unquote(raw_path).replace("%3d", "=")
        with self._lock:
            self.requests.append(path)
        if any(fragment in path for fragment in self.fail_on):
            return 412, _error(999, f"fixture server told to fail on {path}"), "text/xml"
        if path.startswith("/data/v1/download/"):
            file = self.root / path.lstrip("/")
            if file.is_file():
                return 200, file.read_bytes(), "text/plain"
            return 404, _error(111, "Unknown dataset file"), "text/xml"
        if not path.startswith(API):
            return 404, _error(100, "Unknown API call"), "text/xml"
        call = path[len(API):].strip("/")
        segments = call.split("/")
        if call.startswith("evaluation/list/"):
            return self._evaluation_list(_pairs(segments[2:]))
        if call.startswith("setup/list/"):
            return self._setup_list(_pairs(segments[2:]))
        if call.startswith("user/list/"):
            return 200, (self.root / "api/v1/xml/users.xml").read_text(encoding="utf-8"), "text/xml"
        file = self.root / "api/v1/xml" / f"{call}.xml"
        if file.is_file():
            return 200, file.read_text(encoding="utf-8").replace("@@BASE@@", self.base), "text/xml"
        code = {"data": 111, "task": 151, "setup": 281, "study": 601}.get(segments[0], 100)
        return 412, _error(code, f"Unknown {segments[0]}"), "text/xml"

    def _evaluation_list(self, filters: dict[str, str]) -> tuple[int, str, str]:
        def ids(key):
            return set(filters[key].split(",")) if key in filters else None

        wanted = {"function": {filters.get("function")}, "task_id": ids("task"), "flow_id": ids("flow"),
                  "setup_id": ids("setup"), "run_id": ids("run"), "uploader": ids("uploader")}
        rows = [b for b in self._evaluations
                if all(allowed is None or _field(b, name) in allowed for name, allowed in wanted.items())]
        offset, limit = int(filters.get("offset", 0)), int(filters.get("limit", 10**9))
        rows = rows[offset: offset + limit]
        if not rows:
            return 412, _error(542, "No results"), "text/xml"
        return 200, f"<oml:evaluations {NS}>\n" + "\n".join(rows) + "\n</oml:evaluations>\n", "text/xml"

    def _setup_list(self, filters: dict[str, str]) -> tuple[int, str, str]:
        blocks = []
        for sid in filters.get("setup", "").split(","):
            file = self.root / "api/v1/xml/setup" / f"{sid}.xml"
            if sid and file.is_file():
                body = file.read_text(encoding="utf-8")
                inner = body.split(">", 1)[1].rsplit("</oml:setup_parameters>", 1)[0]
                blocks.append(f"  <oml:setup>{inner}</oml:setup>")
        offset, limit = int(filters.get("offset", 0)), int(filters.get("limit", 10**9))
        blocks = blocks[offset: offset + limit]
        if not blocks:
            return 412, _error(674, "No results"), "text/xml"
        return 200, f"<oml:setups {NS}>\n" + "\n".join(blocks) + "\n</oml:setups>\n", "text/xml"
