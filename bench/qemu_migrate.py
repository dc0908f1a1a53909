#!/usr/bin/env python3
"""One QEMU -> QEMU multifd migration of a stopped VM over loopback; prints one JSON line.

The source VM (q35, TCG, stopped with -S, no devices) has the image loaded into guest memory at
0x100000 with the generic loader device; the destination waits with -incoming defer, with or
without -mem-prealloc. Both get multifd with the same channels, compression and level, and
max-bandwidth set high so nothing throttles. The result is query-migrate's total-time on the
source and the RAM it moved. With --check, the destination's memory is dumped once with pmemsave
and compared with the image.

Standard library only. Used by bench/compare-qemu.sh.
"""
import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time


class Qmp:
    def __init__(self, path, wait=30.0):
        deadline = time.time() + wait
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.s.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.s.settimeout(600)
        self.buf = b""
        self.read()
        self.cmd("qmp_capabilities")

    def read(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise RuntimeError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line) if line.strip() else self.read()

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self.read()
            if "event" in r:
                continue
            if "error" in r:
                raise RuntimeError("%s: %s" % (name, r["error"]))
            return r.get("return")


def cpu_seconds(pid):
    """utime + stime of a process, in seconds (Linux /proc)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--method", choices=["none", "zlib", "zstd"], required=True)
    ap.add_argument("--level", type=int, default=1)
    ap.add_argument("--channels", type=int, default=2)
    ap.add_argument("--prealloc", action="store_true")
    ap.add_argument("--check", action="store_true", help="pmemsave the destination and compare")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    a = ap.parse_args()

    size = os.path.getsize(a.image)
    mem_mib = (size >> 20) + 2          # the image at 0x100000, below the 1 MiB legacy hole's end
    machine = ["-machine", "q35", "-accel", "tcg", "-m", "%dM" % mem_mib, "-nographic", "-nodefaults"]
    tmp = tempfile.mkdtemp(prefix="mfd-qemu-")
    procs = []
    try:
        src_sock, dst_sock = os.path.join(tmp, "src.qmp"), os.path.join(tmp, "dst.qmp")
        dst_cmd = [a.qemu] + machine + (["-mem-prealloc"] if a.prealloc else []) + [
            "-incoming", "defer", "-qmp", "unix:%s,server=on,wait=off" % dst_sock]
        src_cmd = [a.qemu] + machine + ["-S", "-device", "loader,file=%s,addr=0x100000,force-raw=on"
                                        % os.path.abspath(a.image),
                                        "-qmp", "unix:%s,server=on,wait=off" % src_sock]
        for cmd in (dst_cmd, src_cmd):
            procs.append(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE))
        dst, src = Qmp(dst_sock, 120), Qmp(src_sock, 120)
        params = {"multifd-channels": a.channels, "multifd-compression": a.method}
        if a.method == "zstd":
            params["multifd-zstd-level"] = a.level
        elif a.method == "zlib":
            params["multifd-zlib-level"] = a.level
        for q in (src, dst):
            q.cmd("migrate-set-capabilities", capabilities=[{"capability": "multifd", "state": True}])
            q.cmd("migrate-set-parameters", **params)
        src.cmd("migrate-set-parameters", **{"max-bandwidth": 1 << 40})
        port = free_port()
        dst.cmd("migrate-incoming", uri="tcp:127.0.0.1:%d" % port)
        time.sleep(0.2)
        cpu0 = [cpu_seconds(p.pid) for p in procs]
        src.cmd("migrate", uri="tcp:127.0.0.1:%d" % port)
        while True:
            info = src.cmd("query-migrate")
            st = info.get("status")
            if st in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.05)
        if st != "completed":
            raise RuntimeError("migration %s: %s" % (st, info.get("error-desc", "")))
        while dst.cmd("query-status")["status"] in ("inmigrate",):
            time.sleep(0.05)
        cpu = [cpu_seconds(p.pid) - c for p, c in zip(procs, cpu0)]
        result = {"cpu_src": round(cpu[1], 3), "cpu_dst": round(cpu[0], 3),"method": a.method, "level": a.level, "channels": a.channels, "prealloc": a.prealloc,
                  "image_bytes": size, "ram_total": info["ram"]["total"],
                  "ram_transferred": info["ram"]["transferred"], "total_time_ms": info["total-time"],
                  "gibps": info["ram"]["total"] / (info["total-time"] / 1000.0) / (1 << 30)}
        if a.check:
            dump = os.path.join(tmp, "pmem.bin")
            dst.cmd("pmemsave", val=0x100000, size=size, filename=dump)
            h1, h2 = hashlib.sha256(), hashlib.sha256()
            with open(dump, "rb") as f1, open(a.image, "rb") as f2:
                for h, f in ((h1, f1), (h2, f2)):
                    while True:
                        b = f.read(1 << 20)
                        if not b:
                            break
                        h.update(b)
            result["pmemsave_matches"] = h1.hexdigest() == h2.hexdigest()
            if not result["pmemsave_matches"]:
                print(json.dumps(result))
                raise RuntimeError("the destination's memory differs from the image (pmemsave)")
        print(json.dumps(result))
    finally:
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
