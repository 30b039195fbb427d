"""A persistent QMP connection to the target's QEMU.

QMP interleaves asynchronous events (DEVICE_DELETED, ...) with command
replies; one connection for the whole boot keeps every event, so a caller can
wait for an event that arrived while it was issuing another command.
"""
import json
import socket
import time


class QMPError(Exception):
    """QEMU answered a command with an error, or the connection broke."""


class QMP:
    def __init__(self, path, timeout=30):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self._buf = b""
        self.events = []
        self._read()  # greeting
        self.command("qmp_capabilities")

    def close(self):
        self.sock.close()

    def command(self, execute, **arguments):
        """Runs one command; returns its "return" value or raises QMPError."""
        msg = {"execute": execute}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall((json.dumps(msg) + "\n").encode())
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise QMPError("QMP %s failed: %s: %s"
                               % (execute, reply["error"].get("class"),
                                  reply["error"].get("desc")))
            return reply.get("return")

    def wait_event(self, name, timeout, **data):
        """Waits for (and consumes) event @name whose data has @data.

        Events that arrived earlier count.  Raises QMPError on timeout.
        """
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name and all(
                        ev.get("data", {}).get(k) == v
                        for k, v in data.items()):
                    del self.events[i]
                    return ev
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPError("no %s event %s within %ds"
                               % (name, data or "", timeout))
            self.sock.settimeout(left)
            try:
                msg = self._read()
            except socket.timeout:
                continue
            finally:
                self.sock.settimeout(30)
            if "event" in msg:
                self.events.append(msg)

    def _read(self):
        while b"\n" not in self._buf:
            data = self.sock.recv(65536)
            if not data:
                raise QMPError("QEMU closed the QMP connection")
            self._buf += data
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)
