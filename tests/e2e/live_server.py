"""A real HTTP server on 127.0.0.1 (a free port) serving a WSGI app from a thread.

The port is known before the app exists, so the app can be built with
PUBLIC_BASE_URL = the server's own URL (webhook signatures cover the full URL).
"""

from __future__ import annotations

import threading

from werkzeug.serving import make_server


class _Deferred:
    """The WSGI app the server was started with, filled in once it is built."""

    def __init__(self) -> None:
        self.app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


class LiveServer:
    def __init__(self) -> None:
        self._deferred = _Deferred()
        self._server = make_server("127.0.0.1", 0, self._deferred, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="live-server", daemon=True)

    def serve(self, app) -> LiveServer:
        self._deferred.app = app
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
