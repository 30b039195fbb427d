#!/usr/bin/python3
"""ivshmem_server.py SOCKET [--vectors N] [--size BYTES] - the shared-memory
server QEMU's ivshmem-doorbell device connects to, for the MSI-X scaling
rows of `make bench` (bench/progs/bench_msix.c) and for anyone who adds
the device to the target by hand:

    bench/ivshmem_server.py /tmp/ivsh.sock --vectors 32 &
    make target-run KP_QEMU_ARGS="-chardev socket,path=/tmp/ivsh.sock,id=iv
        -device ivshmem-doorbell,chardev=iv,vectors=32" CMD=...

QEMU ships the protocol (docs/specs/ivshmem-spec.rst) but Debian does not
ship its contrib/ivshmem-server, hence this one.  Each message is a
little-endian int64, some with one file descriptor attached (SCM_RIGHTS).
A new peer gets, in order: the protocol version (0); its id; the shared
memory (-1 with the memory's fd); every other peer's eventfds (that peer's
id, one message per vector); its own eventfds, last.  The other peers get
the new peer's eventfds, and its id without an fd when it goes.  A doorbell
write of (id << 16 | vector) signals that peer's eventfd for the vector;
a peer's own eventfds are the ones QEMU turns into its MSI-X messages, so
a guest can interrupt itself on any vector.
"""
import argparse
import os
import selectors
import socket
import struct
import sys
import threading

PROTOCOL_VERSION = 0
MAX_PEERS = 65536


class Peer:
    def __init__(self, conn, pid, vectors):
        self.conn = conn
        self.id = pid
        self.eventfds = [os.eventfd(0, os.EFD_CLOEXEC)
                         for _ in range(vectors)]

    def close(self):
        for fd in self.eventfds:
            os.close(fd)
        self.conn.close()


def send(conn, value, fd=None):
    data = [struct.pack("<q", value)]
    if fd is None:
        conn.sendall(data[0])
    else:
        socket.send_fds(conn, data, [fd])


class IvshmemServer:
    """Serves ivshmem peers on a UNIX socket from a thread (start/stop) or
    the calling thread (serve_forever)."""

    def __init__(self, path, vectors=1, size=1 << 20):
        if not 1 <= vectors <= 1024:
            raise ValueError("vectors must be 1..1024, not %d" % vectors)
        if size <= 0 or size & (size - 1):
            raise ValueError("size must be a power of two, not %d" % size)
        self.path = path
        self.vectors = vectors
        self.shm = os.memfd_create("ivshmem", os.MFD_CLOEXEC)
        os.ftruncate(self.shm, size)
        self.peers = {}
        self.next_id = 0
        self.sel = selectors.DefaultSelector()
        self.stop_r, self.stop_w = os.pipe()
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        self.thread = None

    def _join(self, conn):
        pid = self.next_id
        while pid in self.peers:
            pid = (pid + 1) % MAX_PEERS
        self.next_id = (pid + 1) % MAX_PEERS
        new = Peer(conn, pid, self.vectors)
        try:
            send(conn, PROTOCOL_VERSION)
            send(conn, pid)
            send(conn, -1, self.shm)
            for other in self.peers.values():
                for fd in other.eventfds:
                    send(conn, other.id, fd)
                for fd in new.eventfds:
                    send(other.conn, pid, fd)
            for fd in new.eventfds:
                send(conn, pid, fd)
        except OSError:
            new.close()
            return
        self.peers[pid] = new
        self.sel.register(conn, selectors.EVENT_READ, new)

    def _leave(self, peer):
        self.sel.unregister(peer.conn)
        del self.peers[peer.id]
        peer.close()
        for other in self.peers.values():
            try:
                send(other.conn, peer.id)
            except OSError:
                pass

    def serve_forever(self):
        self.sel.register(self.sock, selectors.EVENT_READ, None)
        self.sel.register(self.stop_r, selectors.EVENT_READ, "stop")
        while True:
            for key, _ in self.sel.select():
                if key.data == "stop":
                    return
                if key.data is None:
                    conn, _ = self.sock.accept()
                    self._join(conn)
                elif not key.fileobj.recv(64):
                    # peers send nothing; readable means gone
                    self._leave(key.data)

    def start(self):
        self.thread = threading.Thread(target=self.serve_forever,
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        os.write(self.stop_w, b"x")
        if self.thread:
            self.thread.join(5)
        for peer in list(self.peers.values()):
            peer.close()
        self.sock.close()
        os.close(self.shm)
        os.close(self.stop_r)
        os.close(self.stop_w)
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def size_arg(text):
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    mult = units.get(text[-1:].lower(), 1)
    try:
        return int(text[:-1] if mult > 1 else text, 0) * mult
    except ValueError:
        raise argparse.ArgumentTypeError("not a size: %r" % text)


def main(argv):
    ap = argparse.ArgumentParser(
        prog="ivshmem_server.py",
        description="Shared memory and eventfds for QEMU ivshmem-doorbell "
                    "devices (one eventfd per MSI-X vector and peer).")
    ap.add_argument("socket", help="UNIX socket path for QEMU's -chardev")
    ap.add_argument("--vectors", type=int, default=1,
                    help="MSI-X vectors per peer, as the device's "
                         "vectors= (default 1)")
    ap.add_argument("--size", type=size_arg, default=1 << 20,
                    help="shared memory size, a power of two (default 1M)")
    args = ap.parse_args(argv)
    try:
        srv = IvshmemServer(args.socket, args.vectors, args.size)
    except (ValueError, OSError) as e:
        print("ivshmem_server: %s" % e, file=sys.stderr)
        return 2
    print("ivshmem_server: %s, %d vector(s), %d bytes"
          % (args.socket, args.vectors, args.size), file=sys.stderr)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
