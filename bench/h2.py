#!/usr/bin/env python3
"""HTTP/2 against HTTP/1.1 to an https upstream; run by `bash bench/run.sh h2`.

nginx serves https (h2 by ALPN) on 127.0.0.1 under a name that a hosts file gives the proxy, with a certificate
from a throw-away CA made here by openssl. Measured, each against the same nginx: the proxy with
--upstream-http auto (h2), the proxy with --upstream-http 1.1, and nginx as a plain reverse proxy (HTTP/1.1 to the
upstream: the yardstick). Small GETs at concurrency 1 then 16 (wrk, after a warm-up alike for all), and how many
upstream connections, so TLS handshakes, each took (nginx's access log: full ones and resumed ones)."""
import os
import shutil
import subprocess

import run

ROOT = run.ROOT
WORK = "/dev/shm/tcproxy-bench-h2"
HOST = "upstream.tc-bench.example"
UPSTREAM, NGINX, AUTO, ONE_ONE = 18191, 18192, 18193, 18194
SMALL = "/api/bench/v1/small"


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


def proxy(port, http):
    env = dict(os.environ, SSL_CERT_FILE=os.path.join(WORK, "ca.pem"),
               TASKCLUSTER_PROXY_JAVA_OPTS="-Djdk.net.hosts.file=" + os.path.join(WORK, "hosts"))
    return subprocess.Popen([run.JVM_LAUNCHER, "--port", str(port), "--ip-address", "127.0.0.1", "--root-url",
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


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    for directory in ("body", "proxy-body", "proxy-temp"):
        os.makedirs(os.path.join(WORK, directory))
    os.chmod(WORK, 0o777)
    certificates()
    with open(os.path.join(WORK, "hosts"), "w") as hosts:
        hosts.write("127.0.0.1 %s\n" % HOST)
    run.WORK = WORK
    ports = {"UPSTREAM_PORT": UPSTREAM, "NGINX_PORT": NGINX, "HOST": HOST}
    processes = []
    results = {"machine": {"cores": os.cpu_count(), "duration_s": run.DURATION, "warmup_s": run.WARMUP,
                           "uptime_before": open("/proc/loadavg").read().strip()}, "load": {}, "upstream": {}}
    try:
        processes.append(run.nginx("nginx-https-upstream.conf", ports))
        processes.append(run.nginx("nginx-https-proxy.conf", ports))
        processes.append(proxy(AUTO, "auto"))
        processes.append(proxy(ONE_ONE, "1.1"))
        targets = {"nginx": NGINX, "h2": AUTO, "http/1.1": ONE_ONE}
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
        results["machine"]["uptime_after"] = open("/proc/loadavg").read().strip()
    finally:
        run.stop(processes)
    report(results)
    run.save(results, "h2-")


def report(r):
    print("https upstream (nginx, h2 by ALPN); load average before: %s, after: %s"
          % (r["machine"]["uptime_before"], r["machine"]["uptime_after"]))
    print("%-22s %12s %12s %12s %10s %10s" % ("", "nginx", "proxy h2", "proxy 1.1", "h2/nginx", "1.1/nginx"))
    for c in ("1", "16"):
        for key, label in (("rps", "req/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms")):
            n, h, o = (r["load"][t][c][key] for t in ("nginx", "h2", "http/1.1"))
            print("%-22s %12.2f %12.2f %12.2f %9.2fx %9.2fx" % ("small GET c=%s %s" % (c, label), n, h, o, h / n, o / n))
    for name in ("nginx", "h2", "http/1.1"):
        u = r["upstream"][name]
        print("%-9s upstream connections (TLS handshakes): %d, of them full: %d; %d requests; %s"
              % (name, u["connections"], u["full_handshakes"], u["requests"], ", ".join(u["protocols"])))
    print("proxy measured: " + run.JVM_LAUNCHER)


if __name__ == "__main__":
    main()
