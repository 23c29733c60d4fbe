"""gunicorn settings of the `web` process (Procfile): `gunicorn -c gunicorn.conf.py ...`.

- Threads (`gthread`): a slow client holds one thread of a pool, not a whole worker, so a
  few trickling connections no longer stall `/healthz` and the webhooks. In production,
  serve behind a buffering reverse proxy as well (README, Deploying): it absorbs slow
  clients entirely.
- Access lines carry the path without its query string, and every gunicorn line goes through
  the same phone-number masking as Veille's own logs. Status, size and duration are named
  (`status=200 bytes=1314 ms=82`): side by side, their nine digits looked like a phone number
  to the masking, which hid the status.
- Settings that may not run refuse to start the server, with a French message, before any
  worker is forked.
"""

import os
import sys

bind = os.environ.get("BIND") or f"0.0.0.0:{os.environ.get('PORT') or '5000'}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 8)
timeout = 30
graceful_timeout = 20
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" status=%(s)s bytes=%(B)s ms=%(M)s'
logger_class = "voice_app.web.gunicorn_logging.MaskedLogger"


def on_starting(server) -> None:
    from voice_app.config import ConfigError
    from voice_app.config import Settings

    try:
        Settings.from_env()
    except ConfigError as error:
        print(f"Serveur web de Veille non démarré : {error}", file=sys.stderr)
        sys.exit(2)
