"""bench/ivshmem_server.py speaks QEMU's ivshmem protocol: what a peer is
sent when it connects, what the others learn, and what stopping leaves.
The peers here are plain sockets reading the messages as QEMU does (one
little-endian int64 each, at most one fd)."""
import os
import socket
import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from ivshmem_server import IvshmemServer, main  # noqa: E402


def recv(conn):
    data, fds, _, _ = socket.recv_fds(conn, 8, 1)
    assert len(data) == 8
    return struct.unpack("<q", data)[0], (fds[0] if fds else None)


def connect(path):
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(5)
    conn.connect(path)
    return conn


@pytest.fixture
def server(tmp_path):
    srv = IvshmemServer(str(tmp_path / "ivsh.sock"), vectors=4,
                        size=1 << 16).start()
    yield srv
    srv.stop()


def setup_of(conn):
    """version, id, (shm value, shm size)"""
    version, fd = recv(conn)
    assert fd is None
    pid, fd = recv(conn)
    assert fd is None
    shm, fd = recv(conn)
    size = os.fstat(fd).st_size
    os.close(fd)
    return version, pid, shm, size


def eventfds(conn, n):
    out = []
    for _ in range(n):
        pid, fd = recv(conn)
        assert fd is not None
        out.append((pid, fd))
    return out


def test_first_peer_gets_version_id_memory_then_its_own_eventfds(server):
    conn = connect(server.path)
    assert setup_of(conn) == (0, 0, -1, 1 << 16)
    got = eventfds(conn, 4)
    assert [pid for pid, _ in got] == [0, 0, 0, 0]
    # an eventfd: 8-byte counter writes and reads
    os.write(got[2][1], struct.pack("<Q", 1))
    assert struct.unpack("<Q", os.read(got[2][1], 8))[0] == 1
    for _, fd in got:
        os.close(fd)
    conn.close()


def test_second_peer_learns_the_first_and_the_first_learns_it(server):
    a = connect(server.path)
    setup_of(a)
    for _, fd in eventfds(a, 4):
        os.close(fd)
    b = connect(server.path)
    assert setup_of(b)[1] == 1
    first = eventfds(b, 8)       # peer 0's four, then its own four
    assert [pid for pid, _ in first] == [0] * 4 + [1] * 4
    told = eventfds(a, 4)
    assert [pid for pid, _ in told] == [1] * 4
    for _, fd in first + told:
        os.close(fd)
    b.close()
    # b's departure: its id without an fd
    assert recv(a) == (1, None)
    a.close()


def test_stop_removes_the_socket(tmp_path):
    path = str(tmp_path / "s.sock")
    srv = IvshmemServer(path, vectors=1).start()
    assert os.path.exists(path)
    srv.stop()
    assert not os.path.exists(path)


@pytest.mark.parametrize("args, message", [
    (["--vectors", "0"], "vectors must be 1..1024, not 0"),
    (["--size", "3000"], "size must be a power of two, not 3000"),
])
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, args,
                                            message):
    assert main([str(tmp_path / "x.sock")] + args) == 2
    assert capsys.readouterr().err == "ivshmem_server: %s\n" % message
