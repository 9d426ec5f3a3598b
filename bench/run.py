#!/usr/bin/env python3
"""Runs the benchmark; see run.sh. Every figure is also given as a ratio to nginx's, measured in the same run."""
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = "/dev/shm/tcproxy-bench"
UPSTREAM, NGINX, PROXY, STARTUP = 18181, 18182, 18183, 18184
DURATION = int(os.environ.get("DURATION", "10"))
RUNS = int(os.environ.get("RUNS", "20"))
WARMUP = int(os.environ.get("WARMUP", "20"))
GIB = 1 << 30
# PROXY_LAUNCHER: another build's launcher, e.g. target/native/taskcluster-proxy/bin/taskcluster-proxy (native.sh).
LAUNCHER = os.path.abspath(os.environ.get("PROXY_LAUNCHER", os.path.join(ROOT, "bin/taskcluster-proxy")))
JAVA = os.path.join(os.environ["JAVA_HOME"], "bin/java")
CREDENTIALS = ["--client-id", "bench/client", "--access-token", "bench-access-token-not-secret"]


def sh(*command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs).stdout


def nginx(conf_name, port_values):
    with open(os.path.join(ROOT, "bench", conf_name)) as template:
        text = template.read().replace("@WORK@", WORK)
    for key, value in port_values.items():
        text = text.replace("@%s@" % key, str(value))
    path = os.path.join(WORK, conf_name)
    with open(path, "w") as conf:
        conf.write(text)
    return subprocess.Popen(["nginx", "-c", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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
    with open("/proc/%d/clear_refs" % pid, "w") as clear:
        clear.write("5")


def status(pid, field):
    with open("/proc/%d/status" % pid) as lines:
        for line in lines:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def bulk(base, pid=None):
    results = {}
    if pid:
        reset_peak_rss(pid)
    speed = sh("curl", "-sf", "-o", "/dev/null", "-w", "%{speed_download}", base + "/api/bench/v1/big")
    results["get_mib_s"] = float(speed) / (1 << 20)
    if pid:
        results["get_peak_rss_mib"] = status(pid, "VmHWM") / 1024
        reset_peak_rss(pid)
    speed = sh("curl", "-sf", "-o", "/dev/null", "-w", "%{speed_upload}", "-T", os.path.join(WORK, "big.bin"),
               base + "/api/bench/v1/upload/big.bin")
    results["put_mib_s"] = float(speed) / (1 << 20)
    if pid:
        results["put_peak_rss_mib"] = status(pid, "VmHWM") / 1024
    return results


def startup(command):
    out = sh(sys.executable, os.path.join(ROOT, "bench/startup.py"), str(RUNS), str(STARTUP), "/api/bench/v1/small", "--",
             *command)
    return json.loads(out)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    for directory in ("body", "put/api/bench/v1/upload", "proxy-body", "proxy-temp"):
        os.makedirs(os.path.join(WORK, directory))
    for parent, directories, _ in os.walk(WORK):  # nginx's workers run as another user
        for directory in directories:
            os.chmod(os.path.join(parent, directory), 0o777)
    with open(os.path.join(WORK, "big.bin"), "wb") as big:
        block = bytes(range(256)) * 4096
        for _ in range(GIB // len(block)):
            big.write(block)
    processes = []
    try:
        processes.append(nginx("nginx-upstream.conf", {"UPSTREAM_PORT": UPSTREAM}))
        processes.append(nginx("nginx-proxy.conf", {"UPSTREAM_PORT": UPSTREAM, "NGINX_PORT": NGINX}))
        proxy = subprocess.Popen([LAUNCHER, "--port", str(PROXY), "--ip-address", "127.0.0.1", "--root-url",
                                  "http://127.0.0.1:%d" % UPSTREAM, *CREDENTIALS, "queue:get-artifact:*"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(proxy)
        targets = {"direct": UPSTREAM, "nginx": NGINX, "proxy": PROXY}
        for port in targets.values():
            wait_for("http://127.0.0.1:%d/api/bench/v1/small" % port)

        results = {"machine": {"cores": os.cpu_count(), "duration_s": DURATION, "warmup_s": WARMUP}, "load": {}, "bulk": {}}
        for name, port in targets.items():  # warm-up, not measured: the JVM's JIT compilers need it (alike for all)
            wrk("http://127.0.0.1:%d/api/bench/v1/small" % port, 64, WARMUP)
        for connections in (1, 16, 64):
            for name, port in targets.items():
                results["load"].setdefault(name, {})[str(connections)] = wrk(
                    "http://127.0.0.1:%d/api/bench/v1/small" % port, connections, DURATION)
        for name, port in targets.items():
            results["bulk"][name] = bulk("http://127.0.0.1:%d" % port, proxy.pid if name == "proxy" else None)
        proxy.send_signal(signal.SIGTERM)
        proxy.wait()

        common = ["--port", str(STARTUP), "--ip-address", "127.0.0.1", "--root-url", "http://127.0.0.1:%d" % UPSTREAM,
                  *CREDENTIALS]
        results["startup"] = {
            "proxy": startup([LAUNCHER, *common]),
            "plain_java_jar": startup([JAVA, "-jar", os.path.join(ROOT, "target/taskcluster-proxy.jar"), *common]),
        }
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
    rows = []
    def row(what, direct, nginx_value, proxy_value, unit, target=None):
        ratio = proxy_value / nginx_value if nginx_value else float("nan")
        rows.append((what, direct, nginx_value, proxy_value, unit, ratio, target))
    for c in ("1", "16", "64"):
        d, n, p = (r["load"][t][c] for t in ("direct", "nginx", "proxy"))
        row("small GET c=%s req/s" % c, d["rps"], n["rps"], p["rps"], "req/s", ">= 0.3" if c == "64" else None)
        row("small GET c=%s p50" % c, d["p50_ms"], n["p50_ms"], p["p50_ms"], "ms")
        row("small GET c=%s p99" % c, d["p99_ms"], n["p99_ms"], p["p99_ms"], "ms", "<= 3" if c == "16" else None)
    d, n, p = (r["bulk"][t] for t in ("direct", "nginx", "proxy"))
    row("1 GiB GET", d["get_mib_s"], n["get_mib_s"], p["get_mib_s"], "MiB/s", ">= 0.6")
    row("1 GiB PUT", d["put_mib_s"], n["put_mib_s"], p["put_mib_s"], "MiB/s", ">= 0.6")
    print("%-24s %12s %12s %12s %7s %9s %s" % ("", "direct", "nginx", "proxy", "", "proxy/nginx", "target"))
    for what, direct, nginx_value, proxy_value, unit, ratio, target in rows:
        print("%-24s %12.2f %12.2f %12.2f %7s %9.2fx   %s" % (what, direct, nginx_value, proxy_value, unit, ratio, target or ""))
    s = r["startup"]
    print("\nproxy peak RSS (VmHWM): 1 GiB GET %.1f MiB, 1 GiB PUT %.1f MiB (target <= 96)" % (p["get_peak_rss_mib"], p["put_peak_rss_mib"]))
    print("start-up, exec to first proxied 200, median of %d: proxy %.0f ms, plain java -jar %.0f ms: %.2fx (target <= 0.5)"
          % (len(s["proxy"]["runs_ms"]), s["proxy"]["median_ms"], s["plain_java_jar"]["median_ms"],
             s["proxy"]["median_ms"] / s["plain_java_jar"]["median_ms"]))
    print("idle RSS after start: proxy %.1f MiB (target <= 48; private dirty %.1f MiB), plain java -jar %.1f MiB"
          % (s["proxy"]["idle_rss_kib"] / 1024, s["proxy"]["idle_private_dirty_kib"] / 1024,
             s["plain_java_jar"]["idle_rss_kib"] / 1024))
    print("proxy measured: " + LAUNCHER)


if __name__ == "__main__":
    main()
