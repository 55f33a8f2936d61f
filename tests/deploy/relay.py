"""A TCP relay on loopback that a test switches between forwarding, refusing and hanging, to
stand for a database or Redis server that stops, or whose host stops answering, and comes back.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Literal

from tests.helpers import free_port

Mode = Literal["up", "down", "hang"]


class Relay:
    """Forwards ``127.0.0.1:port`` to ``127.0.0.1:target_port`` while ``up``.

    ``down``: every open connection is cut and new ones are refused (a stopped server).
    ``hang``: open connections are cut; new ones are accepted and never answered (a host that
    drops packets). ``up`` again forwards, on the same port.
    """

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()
        self.mode: Mode = "down"
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def __enter__(self) -> Relay:
        self.set_mode("up")
        return self

    def __exit__(self, *exc) -> None:
        self.set_mode("down")

    def set_mode(self, mode: Mode) -> None:
        self.mode = mode
        self._cut_all()
        if mode == "down":
            self._stop_listening()
        elif self._listener is None:
            self._listen()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _stop_listening(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None

    def _cut_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def _keep(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            self._keep(client)
            if self.mode == "hang":
                continue  # held open, never answered
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            self._keep(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
