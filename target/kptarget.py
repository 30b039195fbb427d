"""The QEMU target: a real Debian kernel with QEMU's edu PCI device.

One Target is one boot.  run() executes a shell command in the guest as root
(with the host's / read-only, the repo at the same path and a writable share)
and returns its status and output; several commands share the boot.  A guest
that panics, hangs or exits is reported as a TargetError carrying the last
console lines, never as a passing command.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUEST_DIED = 125
TIMED_OUT = 124


class TargetError(Exception):
    """The guest died, hung or could not be booted."""

    def __init__(self, message, console_tail=""):
        super().__init__(message)
        self.console_tail = console_tail

    def __str__(self):
        msg = super().__str__()
        if self.console_tail:
            msg += "\n--- last console lines ---\n" + self.console_tail
        return msg


class Result:
    def __init__(self, rc, out):
        self.rc = rc
        self.out = out

    def __repr__(self):
        return "Result(rc=%d, out=%r)" % (self.rc, self.out[-2000:])


def kernel_version():
    return subprocess.run([os.path.join(REPO, "scripts", "kver.sh")],
                          check=True, capture_output=True,
                          text=True).stdout.strip()


def build_initramfs(kver, build_dir):
    """(Re)builds the initramfs when missing or older than its sources."""
    out = os.path.join(build_dir, "initramfs-%s.cpio.gz" % kver)
    sources = [os.path.join(REPO, "target", f)
               for f in ("init", "mkinitramfs.sh")]
    if (not os.path.exists(out) or
            os.path.getmtime(out) < max(map(os.path.getmtime, sources))):
        subprocess.run([os.path.join(REPO, "target", "mkinitramfs.sh"),
                        kver, out], check=True)
    return out


class Target:
    def __init__(self, kvm=None, memory_mb=1024, cpus=2, extra_args=(),
                 boot_timeout=120, verbose=False):
        self.kver = kernel_version()
        self.kvm = (os.environ.get("KP_KVM") == "1") if kvm is None else kvm
        self.memory_mb = memory_mb
        self.cpus = cpus
        self.extra_args = list(extra_args)
        extra_env = os.environ.get("KP_QEMU_ARGS", "").split()
        self.extra_args += extra_env
        self.boot_timeout = boot_timeout
        self.verbose = verbose
        self.build_dir = os.path.join(REPO, "build", "target")
        self.qemu = None
        self.sock = None
        self._buf = b""
        self._seq = 0
        self.boot_seconds = None

    # -- life cycle ---------------------------------------------------
    def start(self):
        os.makedirs(self.build_dir, exist_ok=True)
        initrd = build_initramfs(self.kver, self.build_dir)
        self.run_dir = tempfile.mkdtemp(prefix="run-", dir=self.build_dir)
        self.share = os.path.join(self.run_dir, "share")
        os.makedirs(os.path.join(self.share, "cmd"))
        self.console = os.path.join(self.run_dir, "console.log")
        self.agent_path = os.path.join(self.run_dir, "agent.sock")
        self.qmp_path = os.path.join(self.run_dir, "qmp.sock")
        accel = ["-accel", "kvm", "-cpu", "host"] if self.kvm else \
            ["-accel", "tcg,thread=multi", "-cpu", "max"]
        append = ("console=ttyS0 panic=-1 oops=panic intel_iommu=on "
                  "kp_share=%s kp_repo=%s" % (self.share, REPO))
        cmd = ["qemu-system-x86_64", *accel,
               "-m", str(self.memory_mb), "-smp", str(self.cpus),
               "-M", "q35", "-device", "intel-iommu",
               "-device", "edu",
               "-device", "e1000e", "-nic", "none",  # MSI-X, 5 vectors
               "-display", "none", "-vga", "none", "-no-reboot",
               "-monitor", "none",
               "-kernel", "/boot/vmlinuz-%s" % self.kver,
               "-initrd", initrd, "-append", append,
               "-virtfs", "local,path=/,mount_tag=host0,security_model=none,"
               "readonly=on,multidevs=remap",
               "-virtfs", "local,path=%s,mount_tag=kpshare,"
               "security_model=none,multidevs=remap" % self.share,
               "-chardev", "file,id=con,path=%s" % self.console,
               "-serial", "chardev:con",
               "-chardev", "socket,id=agent,path=%s,server=on,wait=off"
               % self.agent_path,
               "-serial", "chardev:agent",
               "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
               *self.extra_args]
        t0 = time.monotonic()
        self.qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        deadline = t0 + self.boot_timeout
        while not os.path.exists(self.agent_path):
            self._check_alive("while starting QEMU")
            if time.monotonic() > deadline:
                self._fail("QEMU did not create its sockets")
            time.sleep(0.05)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.agent_path)
        self.sock.settimeout(0.5)
        nonce = "%d-%d" % (os.getpid(), int(t0))
        while True:
            self._check_alive("while booting")
            if time.monotonic() > deadline:
                self._fail("the guest did not come up within %ds"
                           % self.boot_timeout)
            self.sock.sendall(("HELLO %s\n" % nonce).encode())
            line = self._readline(0.5)
            if line == "KP-READY " + nonce:
                break
        self.boot_seconds = time.monotonic() - t0
        return self

    def stop(self):
        if self.qemu is None:
            return
        try:
            if self.qemu.poll() is None and self.sock is not None:
                self.sock.sendall(b"POWEROFF\n")
                self.qemu.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if self.qemu.poll() is None:
            self.qemu.kill()
            self.qemu.wait()
        if self.sock is not None:
            self.sock.close()
        self.qemu = None
        if os.environ.get("KP_KEEP_RUN") != "1":
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- commands -----------------------------------------------------
    def run(self, cmd, timeout=600, stream=None, check=False):
        """Runs `cmd` with bash in the guest; returns Result(rc, out).

        stream: a file object that receives output as it is produced.
        check: raise AssertionError when the status is not 0.
        """
        self._seq += 1
        cid = "c%d" % self._seq
        base = os.path.join(self.share, "cmd", cid)
        with open(base + ".sh", "w") as f:
            f.write(cmd + "\n")
        self.sock.sendall(("RUN %s\n" % cid).encode())
        deadline = time.monotonic() + timeout
        pos = 0
        rc = None
        while rc is None:
            line = self._readline(0.2)
            if line.startswith("KP-DONE %s " % cid):
                rc = int(line.split()[2])
            if stream is not None:
                pos = self._pump(base + ".out", pos, stream)
            if rc is None:
                if self.qemu.poll() is not None:
                    if stream is not None:
                        self._pump(base + ".out", pos, stream)
                    raise TargetError("the guest died while running %r "
                                      "(kernel panic or crash)" % cmd,
                                      self.console_tail())
                if time.monotonic() > deadline:
                    self.qemu.kill()
                    raise TargetError("%r did not finish within %ds; guest "
                                      "stopped" % (cmd, timeout),
                                      self.console_tail())
        if stream is not None:
            self._pump(base + ".out", pos, stream)
        with open(base + ".out", errors="replace") as f:
            out = f.read()
        res = Result(rc, out)
        if check and rc != 0:
            raise AssertionError("guest command failed (%d): %s\n%s"
                                 % (rc, cmd, out))
        return res

    def qmp(self, execute, **arguments):
        """One QMP command on a fresh connection; returns its 'return'."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(self.qmp_path)
        f = s.makefile("rw")
        json.loads(f.readline())  # greeting
        f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n")
        f.flush()
        self._qmp_reply(f)
        msg = {"execute": execute}
        if arguments:
            msg["arguments"] = arguments
        f.write(json.dumps(msg) + "\n")
        f.flush()
        reply = self._qmp_reply(f)
        s.close()
        if "error" in reply:
            raise TargetError("QMP %s failed: %s" % (execute, reply["error"]))
        return reply.get("return")

    def console_tail(self, lines=40):
        try:
            with open(self.console, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    # -- internals ----------------------------------------------------
    @staticmethod
    def _qmp_reply(f):
        while True:
            msg = json.loads(f.readline())
            if "event" not in msg:
                return msg

    @staticmethod
    def _pump(path, pos, stream):
        try:
            with open(path, "rb") as f:
                f.seek(pos)
                data = f.read()
        except FileNotFoundError:
            return pos
        if data:
            out = getattr(stream, "buffer", None)
            if out is not None:
                stream.flush()
                out.write(data)
                out.flush()
            else:
                stream.write(data.decode(errors="replace"))
                stream.flush()
        return pos + len(data)

    def _readline(self, timeout):
        end = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = end - time.monotonic()
            if left <= 0:
                return ""
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                return ""
            if not data:
                time.sleep(min(left, 0.05))
                if self.qemu.poll() is not None:
                    return ""
                continue
            self._buf += data
        line, self._buf = self._buf.split(b"\n", 1)
        return line.decode(errors="replace").strip()

    def _check_alive(self, when):
        if self.qemu.poll() is not None:
            out = self.qemu.stdout.read().decode(errors="replace")
            raise TargetError("QEMU exited %s (status %d): %s"
                              % (when, self.qemu.returncode, out.strip()),
                              self.console_tail())

    def _fail(self, msg):
        tail = self.console_tail()
        self.qemu.kill()
        raise TargetError(msg, tail)


def main(argv):
    import argparse
    p = argparse.ArgumentParser(
        prog="target-run",
        description="Boot the QEMU target, run a command in it as root, "
                    "exit with its status.",
        epilog="example: target/run.py -- 'lspci -nn -d 1234:11e8'")
    p.add_argument("--timeout", type=float, default=1800,
                   help="seconds the command may take (default 1800)")
    p.add_argument("--kvm", action="store_true",
                   help="use KVM instead of TCG (does not boot here)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="do not print the boot time")
    p.add_argument("cmd", nargs=argparse.REMAINDER,
                   help="the shell command to run in the guest")
    args = p.parse_args(argv)
    cmd = " ".join(a for a in args.cmd if a != "--").strip()
    if not cmd:
        p.error("no command given")
    t = Target(kvm=args.kvm or None)
    try:
        t.start()
        if not args.quiet:
            print("target: %s booted in %.1fs" % (t.kver, t.boot_seconds),
                  file=sys.stderr, flush=True)
        res = t.run(cmd, timeout=args.timeout, stream=sys.stdout)
        return res.rc
    except TargetError as e:
        print("target: error: %s" % e, file=sys.stderr)
        return TIMED_OUT if "did not finish" in str(e) else GUEST_DIED
    except KeyboardInterrupt:
        return 130
    finally:
        t.stop()
