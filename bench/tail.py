#!/usr/bin/env python3
"""What the c=1 tail is: each build's GC pauses set against its latency distribution at concurrency 1.

Usage (after ./build.sh, and scripts/native.sh for the native rows): bash bench/run.sh tail

For nginx (no GC at all) and each build, with the GC logging on: a warm-up, then wrk at c=1 for DURATION seconds
with a Lua script that prints the latency at p50, p99, p99.9, p99.99 and the maximum. The proxy's log gives the
pauses inside the measured window: how many, and how long. At c=1 a pause can delay at most the one request in
flight (and the next, if it is long), so when pauses are fewer than 1 % of the requests they cannot be what sets
p99, only the rarer percentiles; nginx's own p99 on the same cores is the part the machine adds.
"""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the benchmark's nginx, ports and launchers)

LUA = """
done = function(summary, latency, requests)
  io.write(string.format("requests %d\\n", summary.requests))
  for _, p in ipairs({50, 99, 99.9, 99.99}) do
    io.write(string.format("p%g %.3f\\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("max %.3f\\n", latency.max / 1000))
end
"""
# HotSpot's unified log (-Xlog:gc) and the native executable's -XX:+PrintGC: a pause and its milliseconds.
PAUSE = re.compile(r"\[(\d+\.\d+)s\].*Pause.* (\d+\.\d+)ms")


def wrk_c1(port, seconds):
    script = os.path.join(run.WORK, "tail.lua")
    with open(script, "w") as out:
        out.write(LUA)
    text = run.sh("wrk", "-t1", "-c1", "-d%ds" % seconds, "-s", script, "http://127.0.0.1:%d/api/bench/v1/small" % port)
    values = dict(re.findall(r"^(requests|p[\d.]+|max) ([\d.]+)$", text, re.M))
    return {k: float(v) for k, v in values.items()}


def gc_logging(native):
    """The build's option that logs every GC pause with its time since start."""
    return "-XX:+PrintGC" if native else "-Xlog:gc:stderr:uptime"


def pauses(log, start, end):
    """The pauses logged between start and end (seconds since the process started)."""
    found = []
    with open(log, errors="replace") as lines:
        for line in lines:
            m = PAUSE.search(line)
            if m and start <= float(m.group(1)) <= end:
                found.append(float(m.group(2)))
    return found


def main():
    os.makedirs(os.path.join(run.WORK, "body"), exist_ok=True)
    upstream = run.nginx("nginx-upstream.conf", {"UPSTREAM_PORT": run.UPSTREAM})
    reverse = run.nginx("nginx-proxy.conf", {"UPSTREAM_PORT": run.UPSTREAM, "NGINX_PORT": run.NGINX, "NAME": "nginx-proxy"})
    processes = [upstream, reverse]
    try:
        for port in (run.UPSTREAM, run.NGINX):
            run.wait_for("http://127.0.0.1:%d/api/bench/v1/small" % port)
        run.wrk("http://127.0.0.1:%d/api/bench/v1/small" % run.NGINX, 64, run.WARMUP)
        n = wrk_c1(run.NGINX, run.DURATION)
        print("%-7s %8s %7s %7s %8s %8s %8s   %s" % ("", "requests", "p50", "p99", "p99.9", "p99.99", "max", "GC pauses in the window"))
        print("%-7s %8d %7.3f %7.3f %8.3f %8.3f %8.3f   none (no GC)" % ("nginx", n["requests"], n["p50"], n["p99"], n["p99.9"],
                                                                     n["p99.99"], n["max"]))
        builds = [("jvm", run.JVM_LAUNCHER, False, run.JVM)]
        if os.access(run.NATIVE_LAUNCHER, os.X_OK):
            builds.append(("native", run.NATIVE_LAUNCHER, True, run.NATIVE))
        for name, launcher, native, port in builds:
            log = os.path.join(run.WORK, "%s-gc.log" % name)
            started = time.monotonic()
            with open(log, "w") as stderr:
                proxy = run.proxy(launcher, port, gc_logging(native), stderr)
            processes.append(proxy)
            run.wait_for("http://127.0.0.1:%d/api/bench/v1/small" % port)
            run.wrk("http://127.0.0.1:%d/api/bench/v1/small" % port, 64, run.WARMUP)
            window_start = time.monotonic() - started
            r = wrk_c1(port, run.DURATION)
            window_end = time.monotonic() - started
            proxy.send_signal(signal.SIGTERM)
            proxy.wait()
            p = sorted(pauses(log, window_start, window_end))
            summary = ("%d, %.2f %% of the requests; median %.2f ms, longest %.2f ms, %.1f ms in all"
                       % (len(p), 100.0 * len(p) / r["requests"], p[len(p) // 2], p[-1], sum(p)) if p else "0")
            print("%-7s %8d %7.3f %7.3f %8.3f %8.3f %8.3f   %s" % (name, r["requests"], r["p50"], r["p99"], r["p99.9"],
                                                                r["p99.99"], r["max"], summary))
        print("latencies in ms; c=1 for %d s after a %d s warm-up at c=64" % (run.DURATION, run.WARMUP))
    finally:
        run.stop(processes)


if __name__ == "__main__":
    main()
