"""Whether a local TCP port is free, the way the servers we start would see it."""

from __future__ import annotations

import socket


def port_free(host: str, port: int) -> bool:
    """True when nothing listens on ``host:port``.

    The probe binds with SO_REUSEADDR, as gunicorn, Flask and the mail sink do: a socket
    left in TIME_WAIT by the last run does not count as taken, a listening one does.
    """
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True
