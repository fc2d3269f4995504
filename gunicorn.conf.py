"""gunicorn settings; every value can be overridden from the environment."""

import multiprocessing
import os

# Platform hosts (Procfile) give a PORT; everything else binds GUNICORN_BIND.
bind = os.environ.get("GUNICORN_BIND") or (
    f"0.0.0.0:{os.environ['PORT']}" if "PORT" in os.environ else "127.0.0.1:8000"
)
# Processes, not threads: a page is mostly Python (templates, ORM), so threads of one
# process queue for the GIL. Measured at a million posts (docs/performance.md), 2 workers
# of 1 thread served the feed 27% faster than 2 x 4 threads and a profile 2.7 times
# faster. The spare workers cover requests that wait (a translator, SMTP). With one
# thread gunicorn runs its sync worker, which needs a buffering proxy such as nginx in
# front (docs/deployment.md); GUNICORN_THREADS > 1 switches to threads.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
# Slow clients are the proxy's problem; a request stuck this long is a bug worth a restart.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 10000))
max_requests_jitter = 1000
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# The client as the app found it (NUM_PROXIES, microblog/client_address.py), not the
# proxy's address that %(h)s would show; "-" for requests the app never saw.
access_log_format = '%({microblog.client_ip}e)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
