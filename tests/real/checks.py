# SPDX-License-Identifier: GPL-2.0
#
# tests/real/checks.py: what numpy and CPython's own mmap/os modules do with
# /dev/mapperN, run inside the VM by tests/real/guest as a member of group
# mapper. Prints unnumbered TAP lines ("ok - ..." / "not ok - ...", details
# as "# ..."); the guest numbers them.
#
#   python3 checks.py numpy  DEV SIZE
#   python3 checks.py python DEV SIZE
#   python3 checks.py holder DEV MARKER CONTROL READY OFFSET
#
# holder is the process gdb and the core dump look at: it maps DEV, reads
# the file MARKER into the mapping and CONTROL into an anonymous mapping
# (straight from the file with readinto, so neither string is anywhere else
# in its memory), writes 0xde 0xad 0xbe 0xef at OFFSET of the mapping,
# writes "PID ADDRESS" to READY and waits for a signal.
import errno
import mmap
import os
import sys
import traceback


def tap(good, desc, detail=None, note=None):
    """One TAP line; detail is printed on failure, note always."""
    print(("ok - " if good else "not ok - ") + desc)
    for text in (note, None if good else detail):
        for line in str(text or "").splitlines():
            print("#   " + line)
    sys.stdout.flush()
    return good


def attempt(desc, fn, hint=None):
    """TAP line for fn(): ok when it returns without raising."""
    try:
        fn()
    except Exception as e:  # the message is the point
        msg = "%s: %s" % (type(e).__name__, e)
        if hint and isinstance(e, OSError) and e.errno == errno.EINVAL:
            msg += "\n" + hint
        return tap(False, desc, msg)
    return tap(True, desc)


NO_FSYNC = ("EINVAL is what the kernel returns for a file without ->fsync: "
            "mapper's file_operations has none")


def pattern(size, seed):
    """Bytes that differ from page to page (251 is prime, pages are 4096)."""
    return bytes((i * 7 + seed) % 251 for i in range(251)) * (size // 251) + \
        bytes((i * 7 + seed) % 251 for i in range(size % 251))


def first_difference(a, b):
    """None when a == b, else where they differ (a is what was read)."""
    if a == b:
        return None
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "first difference at offset %d: %#04x, expected %#04x" % (i, x, y)
    if len(a) != len(b):
        return "length %d, expected %d" % (len(a), len(b))
    return None


def check_numpy(dev, size):
    import numpy as np

    print("# numpy %s" % np.__version__)
    pat = np.frombuffer(pattern(size, 3), dtype=np.uint8)
    mm = None

    def write():
        nonlocal mm
        mm = np.memmap(dev, dtype=np.uint8, mode="r+", shape=(size,))
        mm[:] = pat
        if not np.array_equal(mm, pat):
            raise AssertionError("the memmap does not hold what was written")

    if not attempt("numpy memmap(mode='r+', shape=(%d,)) of %s takes a pattern" % (size, dev),
                   write):
        return
    attempt("numpy memmap.flush() succeeds (msync MS_SYNC on the device)",
            mm.flush, NO_FSYNC)
    del mm

    with open(dev, "rb") as f:
        got = f.read()
    diff = first_difference(got, pat.tobytes())
    tap(diff is None, "the pattern reads back through a separate open().read()", diff)

    def second():
        m2 = np.memmap(dev, dtype=np.uint8, mode="r", shape=(size,))
        diff = first_difference(m2.tobytes(), pat.tobytes())
        del m2
        if diff:
            raise AssertionError(diff)

    attempt("the pattern reads back through a second memmap(mode='r')", second)

    def whole():
        m3 = np.memmap(dev, dtype=np.uint8, mode="r")
        if m3.shape != (size,):
            raise AssertionError("shape %s, expected (%d,) from the size in sysfs"
                                 % (m3.shape, size))
        diff = first_difference(m3.tobytes(), pat.tobytes())
        del m3
        if diff:
            raise AssertionError(diff)

    attempt("numpy memmap(shape=None) maps the whole %d-byte buffer (size from seek end)"
            % size, whole)

    def private():
        m4 = np.memmap(dev, dtype=np.uint8, mode="c", shape=(size,))
        m4[:] = 0x5a
        if m4[size - 1] != 0x5a:
            raise AssertionError("the private copy does not hold what was written")
        del m4
        fd = os.open(dev, os.O_RDONLY)
        try:
            got = os.pread(fd, size, 0)
        finally:
            os.close(fd)
        diff = first_difference(got, pat.tobytes())
        if diff:
            raise AssertionError("a write to the mode='c' copy reached the device: " + diff)

    attempt("numpy memmap(mode='c') (MAP_PRIVATE) writes stay private", private)


def check_python(dev, size):
    print("# Python %s" % sys.version.split()[0])
    fd = os.open(dev, os.O_RDWR)
    try:
        end = os.lseek(fd, 0, os.SEEK_END)
        tap(end == size, "os.lseek(fd, 0, SEEK_END) is %d, the size in sysfs" % size,
            "lseek says %d" % end)
        os.lseek(fd, 0, os.SEEK_SET)

        pat = pattern(size, 11)
        m = None

        def write():
            nonlocal m
            m = mmap.mmap(fd, size)
            m[:] = pat
            got = os.pread(fd, size, 0)
            diff = first_difference(got, pat)
            if diff:
                raise AssertionError("read() after writing through the mapping: " + diff)

        if attempt("mmap.mmap(fd, %d) writes reach read()" % size, write):
            attempt("mmap.flush() succeeds (msync MS_SYNC)", m.flush, NO_FSYNC)
            m.close()
        attempt("os.fsync(fd) succeeds", lambda: os.fsync(fd), NO_FSYNC)
        attempt("os.fdatasync(fd) succeeds", lambda: os.fdatasync(fd), NO_FSYNC)

        # CPython takes the size from fstat() only for regular files (S_ISREG);
        # for a character device it passes length 0 to mmap(2), which the
        # kernel refuses before any driver sees it. Record which happens.
        try:
            m0 = mmap.mmap(fd, 0)
        except OSError as e:
            tap(e.errno == errno.EINVAL,
                "mmap.mmap(fd, 0) fails with EINVAL (CPython passes length 0 for a "
                "character device)", note="mmap.mmap(fd, 0): %s" % e)
        else:
            n = len(m0)
            m0.close()
            tap(n == size, "mmap.mmap(fd, 0) maps the whole buffer (this CPython sizes "
                "character devices)", "length %d, expected %d" % (n, size),
                note="mmap.mmap(fd, 0) mapped %d bytes" % n)
    finally:
        os.close(fd)


def holder(dev, marker, control, ready, offset):
    import ctypes
    import signal

    fd = os.open(dev, os.O_RDWR)
    size = os.lseek(fd, 0, os.SEEK_END)
    m = mmap.mmap(fd, size)
    with open(marker, "rb", buffering=0) as f:
        f.readinto(m)
    anon = mmap.mmap(-1, 1 << 20)
    with open(control, "rb", buffering=0) as f:
        f.readinto(anon)
    m[offset:offset + 4] = bytes((0xde, 0xad, 0xbe, 0xef))
    addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
    # Every kind of mapping in the core (file-backed shared ones too), so
    # that only VM_DONTDUMP can keep the buffer out.
    with open("/proc/self/coredump_filter", "w") as f:
        f.write("0x1ff")
    with open(ready + ".tmp", "w") as f:
        f.write("%d %#x\n" % (os.getpid(), addr))
    os.rename(ready + ".tmp", ready)
    while True:
        signal.pause()


def main():
    what = sys.argv[1]
    try:
        if what == "numpy":
            check_numpy(sys.argv[2], int(sys.argv[3]))
        elif what == "python":
            check_python(sys.argv[2], int(sys.argv[3]))
        elif what == "holder":
            holder(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
        else:
            sys.exit("checks.py: unknown check %s" % what)
    except Exception:
        tap(False, "checks.py %s ran to the end" % what, traceback.format_exc())
        sys.exit(1)


if __name__ == "__main__":
    main()
