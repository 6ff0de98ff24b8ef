"""gunicorn's sync worker, which also stops listening the moment it is told to stop.

On SIGTERM gunicorn's master closes its copy of the listening socket, but every worker holds
one too, and a stock worker keeps it open until it exits. While a worker finishes the request
in flight, the kernel therefore still accepts new connections into the socket's queue; nobody
will ever answer them, and they are reset when the worker exits, up to `graceful_timeout` later.
A load balancer can only wait. This worker closes its listening sockets in the signal handler,
so once every worker has done so a new connection is refused at once and goes elsewhere, while
the request in flight finishes and commits (tests/ops/test_graceful_shutdown.py).
"""

from __future__ import annotations

import errno
from types import FrameType
from typing import Any

from gunicorn.workers.sync import SyncWorker


class GracefulSyncWorker(SyncWorker):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)  # stop after the request in flight
        for listener in self.sockets:
            listener.close()

    def accept(self, listener: Any) -> None:
        try:
            super().accept(listener)
        except OSError as exc:
            # The signal came between the loop's check and this accept: the socket is closed
            # on purpose. "Nothing waiting" lets the loop see that it must stop.
            if self.alive or exc.errno != errno.EBADF:
                raise
            raise BlockingIOError(errno.EAGAIN, "the worker is stopping") from exc
