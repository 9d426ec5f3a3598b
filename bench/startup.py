#!/usr/bin/env python3
"""Times a proxy from exec to its first proxied 200, and reads its idle RSS.

Usage: startup.py RUNS PORT PATH -- COMMAND...
Starts COMMAND RUNS times; each time polls http://127.0.0.1:PORT/PATH until it answers 200, then waits a second,
reads VmRSS of the process and its private dirty memory (smaps_rollup: what another copy could not share), summed
with its children's (nginx's workers), and kills them all. Prints JSON: {"runs_ms": [...], "median_ms", "idle_rss_kib", "idle_private_dirty_kib"}.
"""
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time


def first_200(port, path, deadline):
    request = ("GET %s HTTP/1.1\r\nHost: taskcluster\r\nConnection: close\r\n\r\n" % path).encode()
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(request)
                head = s.recv(64)
                if head.startswith(b"HTTP/1.1 200"):
                    return True
        except OSError:
            time.sleep(0.001)
    return False


def kib(path, field):
    """The value of a "Field:   N kB" line of a /proc file."""
    with open(path) as lines:
        for line in lines:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def tree(pid):
    """The process and its children (nginx's workers)."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as children:
            return [pid] + [int(c) for c in children.read().split()]
    except OSError:
        return [pid]


def main():
    runs, port, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    command = sys.argv[sys.argv.index("--") + 1:]
    times, rss, dirty = [], [], []
    for _ in range(runs):
        start = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ok = first_200(port, path, start + 60)
        elapsed = (time.monotonic() - start) * 1000
        if not ok:
            process.kill()
            sys.exit("no 200 within 60 s from: " + " ".join(command))
        times.append(elapsed)
        time.sleep(1)
        pids = tree(process.pid)
        rss.append(sum(kib("/proc/%d/status" % p, "VmRSS") for p in pids))
        dirty.append(sum(kib("/proc/%d/smaps_rollup" % p, "Private_Dirty") for p in pids))
        for p in pids:
            os.kill(p, signal.SIGKILL)
        process.wait()
    print(json.dumps({"runs_ms": [round(t, 1) for t in times], "median_ms": round(statistics.median(times), 1),
                      "idle_rss_kib": int(statistics.median(rss)),
                      "idle_private_dirty_kib": int(statistics.median(dirty))}))


if __name__ == "__main__":
    main()
