"""gunicorn's settings for PeerNotes: `gunicorn -c gunicorn.conf.py wsgi:app` (README,
"Running on PostgreSQL under gunicorn"). Bind address and workers go on the command line.

Graceful shutdown: on SIGTERM the listening sockets close at once (new connections are
refused, so the load balancer moves on; our worker class sees to that, see its module), each
worker finishes the request it is serving, for up to `graceful_timeout` seconds, and gunicorn
exits 0. A request commits its change and its access log entry together
(`peernotes.web.routes`), so one that finishes in time keeps both, and one cut short by the
timeout keeps neither.
"""

import os

from config import log_format_from_env
from peernotes.ops.logs import gunicorn_logconfig

#: gunicorn's sync worker, which also closes its listening sockets on SIGTERM.
worker_class = "peernotes.ops.gunicorn_worker.GracefulSyncWorker"
#: Seconds a worker has after SIGTERM to finish its request. Longer than our slowest page (the
#: access-log export); shorter than what a service manager waits before SIGKILL (systemd: 90 s).
graceful_timeout = 30
#: Seconds a worker may be silent before the master restarts it (gunicorn's default is 30).
timeout = 60
#: Off: gunicorn's access line holds the client address, the path and the query string. The
#: app writes its own line per request (endpoint, status, duration, request id).
accesslog = None
#: No control socket (gunicorn 25.1+): its default path is one per user account, shared by every
#: gunicorn that account runs, and nothing here manages workers through it.
control_socket_disable = True
#: gunicorn's own lines (boot, workers, signals) in the app's format: JSON unless chosen text.
logconfig_dict = gunicorn_logconfig(log_format_from_env(os.environ))
