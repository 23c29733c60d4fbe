"""gunicorn settings of the webhook benchmark's servers, the same for Veille and the reference:
sync workers, no access log (the project's gunicorn.conf.py is for production)."""

worker_class = "sync"
accesslog = None
loglevel = "warning"
