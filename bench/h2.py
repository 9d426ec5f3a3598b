#!/usr/bin/env python3
"""HTTP/2 against HTTP/1.1 to an https upstream; run by `bash bench/run.sh h2`.

nginx serves https (h2 by ALPN) on 127.0.0.1 under a name that a hosts file gives the proxy, with a certificate
from a throw-away CA made here by openssl. Measured, each against the same nginx: each build of the proxy (the JVM
distribution, and the native one once scripts/native.sh has built it) with --upstream-http auto (h2) and with
--upstream-http 1.1, and nginx as a plain reverse proxy (HTTP/1.1 to the upstream: the yardstick). Small GETs at
concurrency 1 then 16 (wrk, after a warm-up alike for all); how many upstream connections, so TLS handshakes, each
took (nginx's access log: full ones and resumed ones); and 100 MiB each way, where TLS's ciphers are the cost (the
median of three transfers)."""
import os
import shutil
import subprocess

import run

ROOT = run.ROOT
WORK = "/dev/shm/tcproxy-bench-h2"
HOST = "upstream.tc-bench.example"
UPSTREAM, NGINX = 18191, 18192
# Each build's two proxies: (target name, launcher, --upstream-http, port).
BUILDS = [("jvm", run.JVM_LAUNCHER, 18193, 18194), ("native", run.NATIVE_LAUNCHER, 18195, 18196)]
SMALL = "/api/bench/v1/small"
BIG = 100 * run.MIB


def certificates():
    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=WORK)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-subj", "/CN=bench CA", "-days", "2")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "upstream.key",
            "-out", "upstream.csr", "-subj", "/CN=" + HOST)
    with open(os.path.join(WORK, "san.ext"), "w") as ext:
        ext.write("subjectAltName=DNS:%s\n" % HOST)
    openssl("x509", "-req", "-in", "upstream.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", "san.ext", "-out", "upstream.crt")
    with open(os.path.join(WORK, "upstream.pem"), "w") as chain:
        for name in ("upstream.crt", "ca.pem"):
            with open(os.path.join(WORK, name)) as part:
                chain.write(part.read())


def proxy(launcher, port, http):
    env = dict(os.environ, SSL_CERT_FILE=os.path.join(WORK, "ca.pem"),
               TASKCLUSTER_PROXY_JAVA_OPTS="-Djdk.net.hosts.file=" + os.path.join(WORK, "hosts"))
    return subprocess.Popen([launcher, "--port", str(port), "--ip-address", "127.0.0.1", "--root-url",
                             "https://%s:%d" % (HOST, UPSTREAM), "--upstream-http", http, *run.CREDENTIALS,
                             "queue:get-artifact:*"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def connections():
    """The upstream connections logged since the last call: (connections, full handshakes, protocols)."""
    path = os.path.join(WORK, "access.log")
    if not os.path.exists(path):
        return None
    with open(path) as log:
        lines = [line.split() for line in log if line.strip()]
    open(path, "w").close()  # nginx appends (O_APPEND): it goes on at the new end
    first = {}
    for connection, reused, protocol in lines:
        first.setdefault(connection, (reused, protocol))
    return {"connections": len(first), "full_handshakes": sum(1 for r, _ in first.values() if r == "."),
            "protocols": sorted({p for _, p in first.values()}), "requests": len(lines)}


def bulk(base):
    """100 MiB down and up, MiB/s: the median of three transfers each way."""
    def median(way, *args):
        return sorted(float(run.sh("curl", "-sf", "-o", "/dev/null", "-w", "%{speed_" + way + "}", *args)) / run.MIB
                      for _ in range(3))[1]
    return {"get_mib_s": median("download", base + "/api/bench/v1/big"),
            "put_mib_s": median("upload", "-T", os.path.join(WORK, "big.bin"), base + "/api/bench/v1/upload/big.bin")}


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    for directory in ("body", "proxy-body", "proxy-temp", "put/api/bench/v1/upload"):
        os.makedirs(os.path.join(WORK, directory))
    for parent, directories, _ in os.walk(WORK):  # nginx's workers run as another user
        for directory in [parent, *(os.path.join(parent, d) for d in directories)]:
            os.chmod(directory, 0o777)
    block = bytes(range(256)) * 4096
    with open(os.path.join(WORK, "big.bin"), "wb") as big:
        for _ in range(BIG // len(block)):
            big.write(block)
    certificates()
    with open(os.path.join(WORK, "hosts"), "w") as hosts:
        hosts.write("127.0.0.1 %s\n" % HOST)
    run.WORK = WORK
    ports = {"UPSTREAM_PORT": UPSTREAM, "NGINX_PORT": NGINX, "HOST": HOST}
    processes = []
    builds = [b for b in BUILDS if os.access(b[1], os.X_OK)]
    results = {"machine": {"cores": os.cpu_count(), "duration_s": run.DURATION, "warmup_s": run.WARMUP,
                           "uptime_before": open("/proc/loadavg").read().strip()},
               "launchers": {name: launcher for name, launcher, _, _ in builds}, "load": {}, "upstream": {}, "bulk": {}}
    try:
        processes.append(run.nginx("nginx-https-upstream.conf", ports))
        processes.append(run.nginx("nginx-https-proxy.conf", ports))
        targets = {"nginx": NGINX}
        for name, launcher, auto, one_one in builds:
            processes.append(proxy(launcher, auto, "auto"))
            processes.append(proxy(launcher, one_one, "1.1"))
            targets.update({name + " h2": auto, name + " 1.1": one_one})
        # One after another, from their first request on, so that each one's upstream connections are its own in
        # the log.
        for name, port in targets.items():
            url = "http://127.0.0.1:%d%s" % (port, SMALL)
            connections()
            run.wait_for(url)
            run.wrk(url, 16, run.WARMUP)  # not measured: the JVM's JIT compilers need it (alike for all)
            for c in (1, 16):
                results["load"].setdefault(name, {})[str(c)] = run.wrk(url, c, run.DURATION)
            results["upstream"][name] = connections()
            results["bulk"][name] = bulk("http://127.0.0.1:%d" % port)
        results["machine"]["uptime_after"] = open("/proc/loadavg").read().strip()
    finally:
        run.stop(processes)
    report(results)
    run.save(results, "h2-")


def report(r):
    print("https upstream (nginx, h2 by ALPN); load average before: %s, after: %s"
          % (r["machine"]["uptime_before"], r["machine"]["uptime_after"]))
    proxies = [t for t in r["load"] if t != "nginx"]
    print("%-20s %10s " % ("", "nginx") + " ".join("%11s %7s" % (t, "/nginx") for t in proxies))

    def row(what, values, fmt):
        n = values["nginx"]
        print("%-20s " % what + fmt % n + " " + " ".join(fmt % values[t] + " %6.2fx" % (values[t] / n) for t in proxies))
    for c in ("1", "16"):
        for key, label in (("rps", "req/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms")):
            row("small GET c=%s %s" % (c, label), {t: r["load"][t][c][key] for t in r["load"]}, "%11.2f")
    for key, label in (("get_mib_s", "100 MiB GET MiB/s"), ("put_mib_s", "100 MiB PUT MiB/s")):
        row(label, {t: r["bulk"][t][key] for t in r["bulk"]}, "%11.0f")
    for name, u in r["upstream"].items():
        print("%-11s upstream connections (TLS handshakes): %d, of them full: %d; %d requests; %s"
              % (name, u["connections"], u["full_handshakes"], u["requests"], ", ".join(u["protocols"])))
    for name, launcher in r["launchers"].items():
        print("%-6s measured: %s" % (name, launcher))


if __name__ == "__main__":
    main()
