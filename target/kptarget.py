"""The QEMU target: a real kernel with QEMU's edu PCI device.

One Target is one boot.  run() executes a shell command in the guest as root
and returns its status and output; several commands share the boot.  A guest
that panics, hangs or exits is reported as a TargetError carrying the last
console lines, never as a passing command.

What the guest sees: the host's / read-only at the same paths (including
/tmp: the guest's writable /tmp is an overlay on the host's), the running
kernel's modules at /lib/modules/$(uname -r) (modprobe works), and
$KP_SHARE, a folder shared writable with the host (Target.share).

The kernel is chosen by `kernel` or $KERNEL (scripts/kernel.sh: standard,
threadirqs, rt, debug).  Options for hardening tests:
  append=["lockdown=integrity"]   extra kernel command-line arguments (also
                                  $KP_APPEND, shell-quoted)
  extra_args=[...]                extra QEMU arguments (also $KP_QEMU_ARGS,
                                  shell-quoted)
  hotplug=True    edu sits behind a PCIe hot-plug root port ("rp1", native
                  pciehp) as device "edu1"; a second empty port "rp2" takes a
                  second device.  unplug("edu1") removes it (QMP device_del,
                  waits for DEVICE_DELETED and for the guest's pciehp to
                  drop it), replug("edu", "edu1", "rp1") brings one back.
  shared_intx=True  adds QEMU's pci-serial (1b36:0002, bound to the kernel's
                  `serial` driver) in slot 5, which q35 routes to the same
                  IO-APIC input as edu in slot 1 (GSI 21): one INTx line,
                  two drivers.
Kernel bug reports (BUG:, WARNING:, lockdep, KASAN, ...; kreports.py) are
collected from the console as they happen: take_reports().  On the debug
kernel, leak_baseline() at boot and check_leaks() at the end give the
kmemleak reports of the objects allocated in between.
"""

import hashlib
import lzma
import os
import re
import shlex
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import kreports
from qmp import QMP, QMPError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUEST_DIED = 125
TIMED_OUT = 124
KMEMLEAK = "/sys/kernel/debug/kmemleak"
_JIFFIES = "awk '/^jiffies:/ { print $2; exit }' /proc/timer_list"
# The debug kernel runs everything several times slower under TCG; command
# and boot timeouts (safety nets, never pass/fail timings) scale with it.
TIMEOUT_SCALE = {"debug": 5}
# Seconds in D state before the guest kernel reports a hung task (scaled).
HUNG_TASK_SECONDS = 30
# Native PCIe hot-plug (pciehp) rather than QEMU's ACPI hot-plug (acpiphp),
# except where 6.1's pciehp cannot remove on request: with forced IRQ
# threading (threadirqs, PREEMPT_RT) its irq_wake_thread() wakes the
# thread of the primary handler, which finds no event bits, so the removal
# request is never handled and device_del never completes.
NATIVE_HOTPLUG_ARGS = [
    "-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off"]
HOTPLUG_ARGS = [
    "-device", "pcie-root-port,id=rp1,chassis=1,slot=1",
    "-device", "edu,bus=rp1,id=edu1",
    "-device", "pcie-root-port,id=rp2,chassis=2,slot=2",
]
SHARED_INTX_ARGS = [
    "-chardev", "null,id=kpserial",
    "-device", "pci-serial,chardev=kpserial,id=serial1,addr=05.0",
]


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


def _die_with_parent():
    # QEMU must not outlive its Target's process (pytest killed, run.py
    # interrupted): PR_SET_PDEATHSIG = 1.
    import ctypes
    import signal
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)


def kernel_info(kernel=None):
    """{kernel, kver, kdir, image, moddir, append} of the selected kernel."""
    env = dict(os.environ)
    if kernel is not None and kernel != env.get("KERNEL"):
        env["KERNEL"] = kernel
        env.pop("KVER", None)
    res = subprocess.run([os.path.join(REPO, "scripts", "kernel.sh")],
                         env=env, capture_output=True, text=True)
    if res.returncode != 0:
        raise TargetError(res.stderr.strip() or "scripts/kernel.sh failed")
    return dict(line.split("=", 1) for line in res.stdout.splitlines())


def kernel_version(kernel=None):
    return kernel_info(kernel)["kver"]


def build_initramfs(kver, moddir, build_dir):
    """(Re)builds the initramfs when missing or older than its sources.

    Concurrent callers each write a temporary file of their own and rename
    it into place, so a reader never sees a half-written image.
    """
    tag = hashlib.sha1(moddir.encode()).hexdigest()[:8]
    out = os.path.join(build_dir, "initramfs-%s-%s.cpio.gz" % (kver, tag))
    sources = [os.path.join(REPO, "target", f)
               for f in ("init", "mkinitramfs.sh")]
    sources.append(os.path.join(moddir, "modules.dep"))
    if (not os.path.exists(out) or
            os.path.getmtime(out) < max(map(os.path.getmtime, sources))):
        def make(tmp):
            subprocess.run([os.path.join(REPO, "target", "mkinitramfs.sh"),
                            moddir, tmp], check=True)
            return True
        _write_into_place(out, make)
    return out


def _write_into_place(out, make):
    """make(tmp) writes a temporary file beside @out; when it returns
    True the file becomes @out (mode 0644) by rename, so concurrent
    readers never see a half-written one.  Returns what make returned."""
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(out) + ".",
                               dir=os.path.dirname(out))
    os.close(fd)
    try:
        done = make(tmp)
        if done:
            os.chmod(tmp, 0o644)
            os.replace(tmp, out)
        return done
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# Boot an uncompressed vmlinux through its PVH entry (QEMU loads the ELF
# and jumps to the 32-bit entry its Xen PHYS32_ENTRY note names) instead of
# the bzImage: decompressing Debian's xz bzImage under TCG took 7 s of the
# guest's 10 s boot (first kernel line at 1.1-1.3 s instead of 9.8-10.2 s,
# 2026-12-02, 2 host CPUs).  Kernels without CONFIG_PVH, or compressed with
# what Python cannot decompress, boot their bzImage as before;
# KP_PVH=0 always does.
_XEN_ELFNOTE_PHYS32_ENTRY = 18


def _has_pvh_note(path):
    """True if the ELF64 file at @path has a Xen PHYS32_ENTRY note."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:5] != b"\x7fELF\x02":
            return False
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            ptype, _, off, _, _, filesz = struct.unpack(
                "<IIQQQQ", f.read(40))
            if ptype != 4:          # PT_NOTE
                continue
            f.seek(off)
            notes, pos = f.read(filesz), 0
            while pos + 12 <= len(notes):
                namesz, descsz, ntype = struct.unpack_from("<III", notes, pos)
                name = notes[pos + 12:pos + 12 + namesz].rstrip(b"\0")
                if name == b"Xen" and ntype == _XEN_ELFNOTE_PHYS32_ENTRY:
                    return True
                pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return False


def _decompress_bzimage(image):
    """The vmlinux inside a bzImage (xz or gzip payload), or None."""
    with open(image, "rb") as f:
        data = f.read()
    for magic, make in ((b"\xfd7zXZ\x00",
                         lambda: lzma.LZMADecompressor(lzma.FORMAT_XZ)),
                        (b"\x1f\x8b\x08",
                         lambda: zlib.decompressobj(16 + zlib.MAX_WBITS))):
        pos = data.find(magic)
        while pos >= 0:
            try:
                out = make().decompress(data[pos:])
            except (lzma.LZMAError, zlib.error):
                out = b""
            if out[:4] == b"\x7fELF":
                return out
            pos = data.find(magic, pos + 1)
    return None


def boot_image(image, vmlinux, build_dir):
    """The file to give QEMU's -kernel: @vmlinux (a kernel build's own) or
    the ELF extracted from @image once into @build_dir, when it has a PVH
    entry; else @image."""
    if os.environ.get("KP_PVH", "1") == "0":
        return image
    if vmlinux and os.path.exists(vmlinux):
        return vmlinux if _has_pvh_note(vmlinux) else image
    st = os.stat(image)
    tag = hashlib.sha1(("%s %d %d" % (image, st.st_size, st.st_mtime))
                       .encode()).hexdigest()[:8]
    out = os.path.join(build_dir, "vmlinux-%s-%s" % (
        os.path.basename(image), tag))
    none = out + ".none"            # remembers "cannot" for this image
    if os.path.exists(out):
        return out
    if os.path.exists(none):
        return image
    elf = _decompress_bzimage(image)
    if elf is None:
        open(none, "w").close()
        return image

    def make(tmp):
        with open(tmp, "wb") as f:
            f.write(elf)
        return _has_pvh_note(tmp)
    if not _write_into_place(out, make):
        open(none, "w").close()
        return image
    return out



class Target:
    """One boot of the QEMU target (see the module's docstring)."""

    # Every Target made in this process, for collect_reports().
    _all = []

    def __init__(self, kvm=None, memory_mb=1024, cpus=2, extra_args=(),
                 boot_timeout=None, verbose=False, kernel=None, append=(),
                 hotplug=False, shared_intx=False, icount=False):
        self.info = kernel_info(kernel)
        # icount with sleep=off: virtual time jumps to the next timer when
        # the guest idles, so device timers (edu's 100 ms DMA engine) fire
        # at once.  Single-threaded TCG (icount excludes MTTCG).
        self.icount = icount
        self.kernel = self.info["kernel"]
        self.kver = self.info["kver"]
        self.kvm = (os.environ.get("KP_KVM") == "1") if kvm is None else kvm
        self.memory_mb = memory_mb
        self.cpus = cpus
        self.hotplug = hotplug
        self.shared_intx = shared_intx
        self.extra_args = list(extra_args)
        self.extra_args += shlex.split(os.environ.get("KP_QEMU_ARGS", ""))
        self.append = shlex.split(self.info["append"])
        self.append += [append] if isinstance(append, str) else list(append)
        self.append += shlex.split(os.environ.get("KP_APPEND", ""))
        self.timeout_scale = float(os.environ.get(
            "KP_TIMEOUT_SCALE", TIMEOUT_SCALE.get(self.kernel, 1)))
        self.boot_timeout = (boot_timeout or 120) * self.timeout_scale
        self.verbose = verbose
        self.build_dir = os.path.join(REPO, "build", "target")
        self.qemu = None
        self.sock = None
        self._qmp = None
        self._buf = b""
        self._seq = 0
        self._console_pos = 0
        self.boot_seconds = None
        self.reports = []       # every kernel report seen in this boot
        self.unclaimed = []     # those take_reports() has not returned yet
        self._leak_jiffies = None
        self.leak_note = None   # why kmemleak is not accounted, if it is not
        self._started = False
        self._paused = False
        Target._all.append(self)

    # -- life cycle ---------------------------------------------------
    def start(self):
        self._started = True
        self._paused = False
        # An idle TCG guest still costs ~40% of a host CPU (its timer
        # ticks): the guests this process booted before wait paused until
        # their next command (2 host CPUs, and this boot needs them).
        for other in Target._all:
            if other is not self:
                other.pause()
        os.makedirs(self.build_dir, exist_ok=True)
        initrd = build_initramfs(self.kver, self.info["moddir"],
                                 self.build_dir)
        kernel = boot_image(self.info["image"], self.info.get("vmlinux"),
                            self.build_dir)
        self.run_dir = tempfile.mkdtemp(prefix="run-", dir=self.build_dir)
        self.share = os.path.join(self.run_dir, "share")
        os.makedirs(os.path.join(self.share, "cmd"))
        self.console = os.path.join(self.run_dir, "console.log")
        self.agent_path = os.path.join(self.run_dir, "agent.sock")
        self.qmp_path = os.path.join(self.run_dir, "qmp.sock")
        accel = ["-accel", "kvm", "-cpu", "host"] if self.kvm else \
            ["-accel", "tcg,thread=single", "-cpu", "max",
             "-icount", "shift=0,sleep=off"] if self.icount else \
            ["-accel", "tcg,thread=multi", "-cpu", "max"]
        # log_buf_len: room for a whole session's messages (debug kernels
        # are chatty), so dmesg never loses a report.
        # A task stuck in D state is reported on the console (a kernel
        # report, see kreports) long before a command's timeout kills the
        # guest; sysrq lets a timeout dump the blocked tasks first.
        hung = int(HUNG_TASK_SECONDS * self.timeout_scale)
        append = ["console=ttyS0", "panic=-1", "oops=panic", "intel_iommu=on",
                  "log_buf_len=8M", "sysrq_always_enabled",
                  "sysctl.kernel.hung_task_timeout_secs=%d" % hung,
                  "kp_share=" + self.share, "kp_repo=" + REPO]
        if self.info["moddir"] != "/lib/modules/" + self.kver:
            append.append("kp_moddir=" + self.info["moddir"])
        append += self.append
        for a in append:
            if re.search(r"\s", a):
                raise TargetError("kernel argument %r contains white space"
                                  % a)
        if self.hotplug:
            devices = HOTPLUG_ARGS
            if not self.forced_irq_threads:
                devices = NATIVE_HOTPLUG_ARGS + devices
        else:
            devices = ["-device", "edu"]
        cmd = ["qemu-system-x86_64", *accel,
               "-m", str(self.memory_mb), "-smp", str(self.cpus),
               "-M", "q35", "-device", "intel-iommu",
               *devices,
               *(SHARED_INTX_ARGS if self.shared_intx else []),
               "-device", "e1000e", "-nic", "none",  # MSI-X, 5 vectors
               "-display", "none", "-vga", "none", "-no-reboot",
               "-monitor", "none",
               "-kernel", kernel,
               "-initrd", initrd, "-append", " ".join(append),
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
                                     stderr=subprocess.STDOUT,
                                     preexec_fn=_die_with_parent)
        try:
            self._wait_ready(t0)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, t0):
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
        sent = 0
        while True:
            self._check_alive("while booting")
            if time.monotonic() > deadline:
                self._fail("the guest did not come up within %ds"
                           % self.boot_timeout)
            # At most twice a second: until the agent reads ttyS1, QEMU
            # stops reading the socket once the UART's FIFO is full, and
            # the socket's buffer fills up (a slow debug boot).
            if time.monotonic() - sent >= 0.5:
                sent = time.monotonic()
                try:
                    self.sock.sendall(("HELLO %s\n" % nonce).encode())
                except socket.timeout:
                    pass
            line = self._readline(0.5)
            if line == "KP-READY " + nonce:
                break
        self.boot_seconds = time.monotonic() - t0

    @property
    def forced_irq_threads(self):
        """True if the kernel runs (almost) every IRQ handler in a thread."""
        return self.kernel == "rt" or "threadirqs" in self.append

    def stop(self):
        if self.qemu is None:
            return
        try:
            self.resume()       # a paused guest would not power off
        except TargetError:
            pass
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
        if self._qmp is not None:
            self._qmp.close()
            self._qmp = None
        self.qemu = None
        self._scan_console()
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
        timeout: seconds, multiplied by the kernel's timeout_scale.
        """
        timeout *= self.timeout_scale
        self.resume()
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
                    self.dump_blocked_tasks()
                    self.qemu.kill()
                    self.qemu.wait()
                    raise TargetError("%r did not finish within %ds; guest "
                                      "stopped" % (cmd, timeout),
                                      self.console_tail(lines=150))
        if stream is not None:
            self._pump(base + ".out", pos, stream)
        with open(base + ".out", errors="replace") as f:
            out = f.read()
        res = Result(rc, out)
        if check and rc != 0:
            raise AssertionError("guest command failed (%d): %s\n%s"
                                 % (rc, cmd, out))
        return res

    def alive(self):
        """True while the guest's QEMU runs."""
        return self.qemu is not None and self.qemu.poll() is None

    def restart(self):
        """A new boot in place of a dead one (same arguments, same object),
        so that fixtures holding this Target go on with a working guest."""
        self.stop()
        self._buf = b""
        self._seq = 0
        self._console_pos = 0
        return self.start()

    def dump_blocked_tasks(self):
        """Asks the guest kernel for the stacks of its blocked tasks (sysrq
        w, through the emulated keyboard: the agent may be the one stuck)
        and gives the console a moment to receive them."""
        try:
            self.qmp("human-monitor-command",
                     **{"command-line": "sendkey alt-sysrq-w"})
            time.sleep(2 * self.timeout_scale)
        except TargetError:
            pass

    def pause(self):
        """Stops the guest's CPUs (QMP stop) until its next command: its
        virtual clock stops too, so the guest sees no time pass."""
        if self.alive() and not self._paused:
            try:
                self._qmp_command("stop")
                self._paused = True
            except TargetError:
                pass            # it keeps running: slower, not wrong

    def resume(self):
        if self._paused and self.alive():
            self._qmp_command("cont")
        self._paused = False

    def qmp(self, execute, **arguments):
        """One QMP command; returns its 'return'.

        Commands share one connection per boot, which also collects QEMU's
        events for wait_qmp_event().  A paused guest runs again first.
        """
        self.resume()
        return self._qmp_command(execute, **arguments)

    def _qmp_command(self, execute, **arguments):
        try:
            if self._qmp is None:
                self._qmp = QMP(self.qmp_path)
            return self._qmp.command(execute, **arguments)
        except (OSError, QMPError) as e:
            raise TargetError(str(e), self.console_tail())

    def wait_qmp_event(self, name, timeout=60, **data):
        """Waits for QEMU event @name with @data (e.g. device="edu1")."""
        self.resume()
        try:
            if self._qmp is None:
                self._qmp = QMP(self.qmp_path)
            return self._qmp.wait_event(name, timeout * self.timeout_scale,
                                        **data)
        except (OSError, QMPError) as e:
            raise TargetError(str(e), self.console_tail())

    # -- PCI hot-plug (hotplug=True) -----------------------------------
    def pci_devices(self):
        """QEMU's view of the guest's PCI devices: [{bdf, qdev_id, vendor,
        device, bus}], with bus numbers as the guest programmed them."""
        out = []

        def walk(bus):
            for d in bus["devices"]:
                out.append({
                    "bdf": "0000:%02x:%02x.%x" % (d["bus"], d["slot"],
                                                  d["function"]),
                    "qdev_id": d.get("qdev_id", ""),
                    "vendor": d["id"]["vendor"],
                    "device": d["id"]["device"],
                    "bus": d["bus"]})
                bridge = d.get("pci_bridge")
                if bridge and "devices" in bridge:
                    walk(bridge)
        for bus in self.qmp("query-pci"):
            walk(bus)
        return out

    def bdf_of(self, qdev_id):
        """The guest's PCI address of QEMU device @qdev_id (or None)."""
        for d in self.pci_devices():
            if d["qdev_id"] == qdev_id:
                return d["bdf"]
        return None

    def unplug(self, qdev_id, timeout=60):
        """Hot-unplugs device @qdev_id and waits until it is gone.

        QMP device_del presses the slot's attention button; the guest's
        pciehp removes the device (its driver's remove() runs), powers the
        slot off and QEMU reports DEVICE_DELETED.  Returns the BDF the device
        had.  Raises TargetError if the guest does not let go in time.
        """
        bdf = self.bdf_of(qdev_id)
        if bdf is None:
            raise TargetError("no device %r to unplug" % qdev_id)
        self.qmp("device_del", id=qdev_id)
        self.wait_qmp_event("DEVICE_DELETED", timeout, device=qdev_id)
        self._wait_guest("! test -e /sys/bus/pci/devices/" + bdf, timeout,
                         "%s still in the guest after DEVICE_DELETED" % bdf)
        return bdf

    def replug(self, driver, qdev_id, bus, timeout=60, **props):
        """Hot-plugs a new @driver device (e.g. "edu") as @qdev_id into
        root port @bus; waits until the guest's pciehp has enumerated it
        (its sysfs directory exists and a driver, if one matches, probed).
        Returns its BDF."""
        self.qmp("device_add", driver=driver, id=qdev_id, bus=bus, **props)
        bdf = self.bdf_of(qdev_id)
        if bdf is None:
            raise TargetError("QEMU does not list %r after device_add"
                              % qdev_id)
        self._wait_guest("test -e /sys/bus/pci/devices/%s/vendor" % bdf,
                         timeout, "%s did not appear in the guest" % bdf)
        return bdf

    def _wait_guest(self, test, timeout, what):
        tries = int(timeout * self.timeout_scale * 10)
        res = self.run("for i in $(seq %d); do %s && exit 0; sleep 0.1; "
                       "done; exit 1" % (tries, test), timeout=timeout + 30)
        if res.rc != 0:
            raise TargetError(what, self.console_tail())

    # -- kernel reports and leaks ----------------------------------------
    def take_reports(self):
        """Kernel bug reports printed since the last call, as strings."""
        self._scan_console()
        out, self.unclaimed = self.unclaimed, []
        return out

    def _scan_console(self):
        try:
            with open(self.console, "rb") as f:
                f.seek(self._console_pos)
                data = f.read()
        except (OSError, AttributeError):
            return
        # Only whole lines; a report still being printed is taken whole
        # next time.
        end = data.rfind(b"\n") + 1
        if self.qemu is None:
            end = len(data)
        self._console_pos += end
        found = kreports.find(data[:end].decode(errors="replace"))
        self.reports += found
        self.unclaimed += found

    @property
    def leak_accounting(self):
        """True between leak_baseline() and the end of the boot."""
        return self._leak_jiffies is not None and self.qemu is not None

    def leak_baseline(self):
        """Starts kmemleak accounting: what is unreferenced now, and every
        object allocated before this moment, never counts as a leak.
        Returns False (and accounts nothing) where kmemleak cannot be used:
        a kernel without it, or lockdown=integrity, which closes debugfs."""
        res = self.run("echo scan > {0} && echo clear > {0} && {1}"
                       .format(KMEMLEAK, _JIFFIES), timeout=600)
        if res.rc != 0:
            self.leak_note = res.out.strip()
            return False
        self._leak_jiffies = int(res.out.split()[-1])
        return True

    def check_leaks(self):
        """kmemleak's reports of objects allocated since leak_baseline()
        and unreferenced now (two scans, the kernel's advice), as strings;
        they are also added to the unclaimed reports.  A module's frames
        in the backtraces only have names while it is loaded."""
        if self._leak_jiffies is None:
            return []
        # kmemleak ignores objects younger than 5 s: let the last ones age.
        # "clear" afterwards: a leak is reported by one check only.
        res = self.run("sleep 6; echo scan > {0} && echo scan > {0} && "
                       "cat {0} && echo clear > {0}".format(KMEMLEAK),
                       timeout=1200, check=True)
        leaks = []
        for block in re.split(r"(?m)^(?=unreferenced object)", res.out):
            # '  comm "insmod", pid 103, jiffies 4294902123' (allocated at)
            m = re.search(r"^  comm .*, jiffies (\d+)", block, re.M)
            if block.startswith("unreferenced object") and m and \
                    int(m.group(1)) >= self._leak_jiffies:
                leaks.append("kmemleak: " + block.rstrip())
        self.reports += leaks
        self.unclaimed += leaks
        return leaks

    @classmethod
    def collect_reports(cls):
        """[(target, report)] not yet taken from every Target of this
        process; forgets the Targets that have stopped."""
        out = []
        for t in list(cls._all):
            out += [(t, r) for r in t.take_reports()]
            if t.qemu is None and t._started:
                cls._all.remove(t)
        return out

    def console_tail(self, lines=40):
        """The last console lines; from the first panic or bug report on if
        one started within the last 200 lines (its register dump and the
        other CPUs' backtraces can be long)."""
        try:
            with open(self.console, errors="replace") as f:
                text = f.readlines()
        except (OSError, AttributeError):
            return ""
        recent = text[-200:]
        for i in range(len(recent)):
            msg = kreports.message(recent[i])
            if msg.startswith("Kernel panic") or kreports.is_start(msg):
                return "".join(recent[i:i + max(lines, 100)])
        return "".join(text[-lines:])

    # -- internals ----------------------------------------------------
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
        usage="%(prog)s [options] -- COMMAND | PROGRAM [ARG...]",
        description="Boot the QEMU target, run a command in it as root, "
                    "exit with its status (124: timed out, 125: the guest "
                    "died).  One argument after -- is a shell command line "
                    "for bash; several are a program and its arguments, "
                    "passed through exactly as given.",
        epilog="examples: target/run.py -- 'lspci -nn -d 1234:11e8'; "
               "target/run.py -- grep -c . /proc/interrupts; "
               "KERNEL=debug target/run.py -- uname -r")
    p.add_argument("--timeout", type=float, default=1800,
                   help="seconds the command may take (default 1800)")
    p.add_argument("--kvm", action="store_true",
                   help="use KVM instead of TCG (does not boot here)")
    p.add_argument("--kernel", choices=("standard", "threadirqs", "rt",
                                        "debug"),
                   help="the kernel to boot (default: $KERNEL or standard)")
    p.add_argument("--append", action="append", default=[],
                   metavar="ARG", help="an extra kernel command-line "
                   "argument (repeatable)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="do not print the boot time")
    if "--" in argv:
        i = argv.index("--")
        args, words = p.parse_args(argv[:i]), argv[i + 1:]
    else:
        p.add_argument("words", nargs=argparse.REMAINDER,
                       help=argparse.SUPPRESS)
        args = p.parse_args(argv)
        words = args.words
    if len(words) == 1:
        cmd = words[0]
    else:
        cmd = shlex.join(words)
    if not cmd.strip():
        p.error("no command given")
    try:
        t = Target(kvm=args.kvm or None, kernel=args.kernel,
                   append=args.append)
    except TargetError as e:
        print("target: error: %s" % e, file=sys.stderr)
        return 2
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
        for r in t.take_reports():
            print("target: kernel report:\n" + r, file=sys.stderr)
