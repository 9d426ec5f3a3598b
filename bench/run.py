#!/usr/bin/env python3
"""Runs the benchmark; see run.sh. Every figure is also given as a ratio to nginx's, measured in the same run."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from startup import kib, tree  # the same /proc readings as the start-up timer's

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = "/dev/shm/tcproxy-bench"
UPSTREAM, NGINX, JVM, STARTUP, NATIVE = 18181, 18182, 18183, 18184, 18185
DURATION = int(os.environ.get("DURATION", "10"))
RUNS = int(os.environ.get("RUNS", "20"))
WARMUP = int(os.environ.get("WARMUP", "20"))
MIB, GIB = 1 << 20, 1 << 30
# The two builds: the JVM distribution (./build.sh) and the native one (scripts/native.sh), when it is built.
JVM_LAUNCHER = os.path.abspath(os.environ.get("JVM_LAUNCHER",
                                              os.path.join(ROOT, "target/dist/taskcluster-proxy/bin/taskcluster-proxy")))
NATIVE_LAUNCHER = os.path.abspath(os.environ.get("NATIVE_LAUNCHER",
                                                 os.path.join(ROOT, "target/native/taskcluster-proxy/bin/taskcluster-proxy")))
JAVA = os.path.join(os.environ["JAVA_HOME"], "bin/java")
CREDENTIALS = ["--client-id", "bench/client", "--access-token", "bench-access-token-not-secret"]
# The Go original (v106) on this kind of machine, as ratios to nginx in the same run (issue 12's table): it cannot
# be built here (no Go modules can be fetched), so its figures are quoted, not measured.
ORIGINAL = {"c1_p99": 3.1, "c16_p99": 4.7, "c64_rps": 0.16, "get": 0.83, "put": 0.38}


def sh(*command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs).stdout


def render(conf_name, values, out_name=None):
    """bench/<conf_name> with its @KEY@ placeholders filled in, written to the work directory: its path."""
    with open(os.path.join(ROOT, "bench", conf_name)) as template:
        text = template.read().replace("@WORK@", WORK)
    for key, value in values.items():
        text = text.replace("@%s@" % key, str(value))
    path = os.path.join(WORK, out_name or conf_name)
    with open(path, "w") as conf:
        conf.write(text)
    return path


def nginx(conf_name, values):
    return subprocess.Popen(["nginx", "-c", render(conf_name, values)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(url):
    for _ in range(600):
        if subprocess.run(["curl", "-sf", "-o", "/dev/null", url]).returncode == 0:
            return
        time.sleep(0.05)
    sys.exit("not answering: " + url)


def wrk(url, connections, seconds):
    threads = min(connections, 2)
    out = sh("wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds, "--latency", url)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    def latency(p):
        value, unit = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)\b" % p, out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors or "Socket errors" in out:
        sys.exit("errors during the load run against %s:\n%s" % (url, out))
    return {"rps": rps, "p50_ms": latency(50), "p99_ms": latency(99)}


def reset_peak_rss(pid):
    for p in tree(pid):
        with open("/proc/%d/clear_refs" % p, "w") as clear:
            clear.write("5")


def peak_rss_mib(pid):
    """VmHWM since the last reset, summed over the process tree."""
    return sum(kib("/proc/%d/status" % p, "VmHWM") for p in tree(pid)) / 1024


def bulk(base, pid):
    """1 GiB and 100 MiB each way: MiB/s, and the peak RSS of each transfer."""
    results = {}
    for name, size in (("100m", 100 * MIB), ("1g", GIB)):
        reset_peak_rss(pid)
        speed = sh("curl", "-sf", "-o", "/dev/null", "-w", "%{speed_download}", base + "/api/bench/v1/big-" + name)
        results["get_%s_mib_s" % name] = float(speed) / MIB
        results["get_%s_peak_rss_mib" % name] = peak_rss_mib(pid)
        reset_peak_rss(pid)
        speed = sh("curl", "-sf", "-o", "/dev/null", "-w", "%{speed_upload}", "-T", os.path.join(WORK, "big-%s.bin" % name),
                   base + "/api/bench/v1/upload/big-%s.bin" % name)
        results["put_%s_mib_s" % name] = float(speed) / MIB
        results["put_%s_peak_rss_mib" % name] = peak_rss_mib(pid)
    return results


def startup(command):
    out = sh(sys.executable, os.path.join(ROOT, "bench/startup.py"), str(RUNS), str(STARTUP), "/api/bench/v1/small", "--",
             *command)
    return json.loads(out)


def proxy(launcher, port, java_opts=None, stderr=subprocess.DEVNULL):
    """A proxy of this build on 127.0.0.1:port in front of the upstream; java_opts: its TASKCLUSTER_PROXY_JAVA_OPTS."""
    env = dict(os.environ, TASKCLUSTER_PROXY_JAVA_OPTS=java_opts) if java_opts else None
    return subprocess.Popen([launcher, "--port", str(port), "--ip-address", "127.0.0.1", "--root-url",
                             "http://127.0.0.1:%d" % UPSTREAM, *CREDENTIALS, "queue:get-artifact:*"],
                            env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    for directory in ("body", "put/api/bench/v1/upload", "nginx-proxy-body", "nginx-proxy-temp", "startup-body", "startup-temp"):
        os.makedirs(os.path.join(WORK, directory))
    for parent, directories, _ in os.walk(WORK):  # nginx's workers run as another user
        for directory in directories:
            os.chmod(os.path.join(parent, directory), 0o777)
    block = bytes(range(256)) * 4096
    for name, size in (("100m", 100 * MIB), ("1g", GIB)):
        with open(os.path.join(WORK, "big-%s.bin" % name), "wb") as big:
            for _ in range(size // len(block)):
                big.write(block)
    native = os.access(NATIVE_LAUNCHER, os.X_OK)
    processes = []
    try:
        processes.append(nginx("nginx-upstream.conf", {"UPSTREAM_PORT": UPSTREAM}))
        reverse = nginx("nginx-proxy.conf", {"UPSTREAM_PORT": UPSTREAM, "NGINX_PORT": NGINX, "NAME": "nginx-proxy"})
        processes.append(reverse)
        targets = {"direct": (UPSTREAM, processes[0]), "nginx": (NGINX, reverse), "jvm": (JVM, proxy(JVM_LAUNCHER, JVM))}
        if native:
            targets["native"] = (NATIVE, proxy(NATIVE_LAUNCHER, NATIVE))
        processes += [process for name, (port, process) in targets.items() if name in ("jvm", "native")]
        for port, _ in targets.values():
            wait_for("http://127.0.0.1:%d/api/bench/v1/small" % port)

        results = {"machine": {"cores": os.cpu_count(), "duration_s": DURATION, "warmup_s": WARMUP},
                   "launchers": {"jvm": JVM_LAUNCHER, "native": NATIVE_LAUNCHER if native else None},
                   "load": {}, "bulk": {}}
        for name, (port, _) in targets.items():  # warm-up, not measured: the JVM's JIT compilers need it (alike for all)
            wrk("http://127.0.0.1:%d/api/bench/v1/small" % port, 64, WARMUP)
        for connections in (1, 16, 64):
            for name, (port, _) in targets.items():
                results["load"].setdefault(name, {})[str(connections)] = wrk(
                    "http://127.0.0.1:%d/api/bench/v1/small" % port, connections, DURATION)
        for name, (port, process) in targets.items():
            results["bulk"][name] = bulk("http://127.0.0.1:%d" % port, process.pid)
        for name in ("jvm", "native"):
            if name in targets:
                targets[name][1].send_signal(signal.SIGTERM)
                targets[name][1].wait()

        common = ["--port", str(STARTUP), "--ip-address", "127.0.0.1", "--root-url", "http://127.0.0.1:%d" % UPSTREAM,
                  *CREDENTIALS]
        startup_conf = render("nginx-proxy.conf", {"UPSTREAM_PORT": UPSTREAM, "NGINX_PORT": STARTUP, "NAME": "startup"},
                              "startup-proxy.conf")
        results["startup"] = {
            "nginx": startup(["nginx", "-c", startup_conf]),
            "jvm": startup([JVM_LAUNCHER, *common]),
            "plain_java_jar": startup([JAVA, "-jar", os.path.join(ROOT, "target/taskcluster-proxy.jar"), *common]),
        }
        if native:
            results["startup"]["native"] = startup([NATIVE_LAUNCHER, *common])
            executable = os.path.join(os.path.dirname(os.path.dirname(NATIVE_LAUNCHER)), "lib/taskcluster-proxy")
            if os.access(executable, os.X_OK):  # NATIVE_LAUNCHER may name another JVM build, to compare two
                results["startup"]["native_executable"] = startup([executable, *common])
    finally:
        stop(processes)

    report(results)
    save(results)


def stop(processes):
    """SIGTERM to those still running, waiting for each; then the work directory goes."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait()
    shutil.rmtree(WORK, ignore_errors=True)


def save(results, prefix=""):
    """Writes bench/results/<prefix><time>.json and says where."""
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    path = os.path.join(ROOT, "bench/results", prefix + time.strftime("%Y%m%d-%H%M%S") + ".json")
    with open(path, "w") as out:
        json.dump(results, out, indent=2)
    print("\nraw results: " + os.path.relpath(path, ROOT))


def report(r):
    """The table: each build's figure, its ratio to nginx's, and issue 12's target for that row."""
    builds = [b for b in ("jvm", "native") if b in r["load"]]
    print("%-26s %10s %10s " % ("", "direct", "nginx") + " ".join("%10s %7s" % (b, "/nginx") for b in builds)
          + "   target (ratio to nginx)   Go original")

    def row(what, values, target="", original=None, fmt="%10.2f"):
        n = values["nginx"]
        cells = [fmt % values["direct"] if values.get("direct") is not None else "%10s" % "", fmt % n]
        for b in builds:
            cells.append(fmt % values[b] + " %6.2fx" % (values[b] / n if n else float("nan")))
        print("%-26s " % what + " ".join(cells) + "   %-25s %s" % (target, "%.2fx" % original if original else ""))

    load = r["load"]
    for c, p99_target in (("1", "<= 2"), ("16", "<= 2.5"), ("64", None)):
        row("small GET c=%s req/s" % c, {t: load[t][c]["rps"] for t in load}, ">= 0.5" if c == "64" else "",
            ORIGINAL["c64_rps"] if c == "64" else None)
        row("small GET c=%s p50 ms" % c, {t: load[t][c]["p50_ms"] for t in load}, fmt="%10.3f")
        row("small GET c=%s p99 ms" % c, {t: load[t][c]["p99_ms"] for t in load}, p99_target or "",
            ORIGINAL.get("c%s_p99" % c), fmt="%10.3f")
    bulk = r["bulk"]
    for size, label in (("100m", "100 MiB"), ("1g", "1 GiB")):
        row("%s GET MiB/s" % label, {t: bulk[t]["get_%s_mib_s" % size] for t in bulk}, ">= 0.9", ORIGINAL["get"], fmt="%10.0f")
        row("%s PUT MiB/s" % label, {t: bulk[t]["put_%s_mib_s" % size] for t in bulk}, ">= 0.6", ORIGINAL["put"], fmt="%10.0f")
    print("\npeak RSS (VmHWM, nginx: master and workers) during each transfer, MiB (target <= 64):")
    for t in ("nginx", *builds):
        print("  %-8s " % t + "  ".join("%s %s %.1f" % (way, size, bulk[t]["%s_%s_peak_rss_mib" % (way, size)])
                                       for size in ("100m", "1g") for way in ("get", "put")))
    s = r["startup"]
    print("\nstart-up, exec to first proxied 200, median of %d runs; idle RSS and private dirty memory 1 s later:" % RUNS)
    for name in ("nginx", *builds, "native_executable", "plain_java_jar"):
        if name in s:
            print("  %-18s %7.1f ms  %5.2fx nginx   RSS %5.1f MiB   private dirty %5.1f MiB" % (
                name, s[name]["median_ms"], s[name]["median_ms"] / s["nginx"]["median_ms"], s[name]["idle_rss_kib"] / 1024,
                s[name]["idle_private_dirty_kib"] / 1024))
    print("  targets (native): start-up <= 25 ms and <= 5x nginx; idle RSS <= 24 MiB, private dirty <= 10 MiB")
    print("Go original figures are issue 12's (v106, the same kind of machine), not measured in this run.")
    if "native" not in builds:
        print("no native build at %s: run scripts/native.sh for its rows" % NATIVE_LAUNCHER)


if __name__ == "__main__":
    main()
