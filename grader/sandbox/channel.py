"""The grader-supervisor channel: newline-delimited JSON over a unix stream socket, with each job's
pipe ends passed along as SCM_RIGHTS. A stream socket, because macOS has no SOCK_SEQPACKET for them."""
from __future__ import annotations

import json
import select
import socket
import time

PIPES_PER_JOB = 3


class Channel:
    """One end of the channel; both sides trust what the other sends (neither is learner code)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = bytearray()
        self.fds: list[int] = []
        self.closed = False

    def fileno(self) -> int:
        return self.sock.fileno()

    def send(self, message: dict, fds: list[int] = ()) -> None:
        data = json.dumps(message).encode() + b"\n"
        if fds:
            data = data[socket.send_fds(self.sock, [data], list(fds)):]
        if data:
            self.sock.sendall(data)

    def pending(self) -> bool:
        """Whether a whole message is already read and waiting."""
        return b"\n" in self.buffer

    def receive(self, timeout: float | None = None) -> tuple[dict | None, list[int]]:
        """The next message and the pipe ends sent with it; (None, []) at EOF, or when `timeout` seconds pass."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.pending():
            if self.closed:
                return None, []
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([self.sock], [], [], left)[0]:
                return None, []
            try:
                data, fds, _, _ = socket.recv_fds(self.sock, 65536, 8)
            except OSError:
                data, fds = b"", []
            self.fds += fds
            self.closed = not data
            self.buffer += data
        line, _, rest = bytes(self.buffer).partition(b"\n")
        self.buffer = bytearray(rest)
        message = json.loads(line)
        fds = self.fds[:PIPES_PER_JOB] if "run" in message else []
        del self.fds[: len(fds)]
        return message, fds

    def close(self) -> None:
        self.sock.close()
