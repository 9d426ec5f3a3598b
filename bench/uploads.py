#!/usr/bin/env python3
"""Peak memory under many honest callers at once (a benchmark, not a test): 1,000 concurrent uploads to an
upstream that reads each body and answers 2 s later, through this proxy and through nginx (bench/nginx-proxy.conf)
in the same run. Prints each one's outcome counts and peak RSS (VmHWM; for nginx, master and workers summed).

    bash bench/uploads.sh            CALLERS=1000 SIZES=65536,262144,1048576,chunked
"""
import asyncio
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CALLERS = int(os.environ.get("CALLERS", "1000"))
SIZES = os.environ.get("SIZES", "65536,262144,1048576,chunked").split(",")
DELAY = 2.0


async def upstream_handler(reader, writer):
    """HTTP/1.1, keep-alive: reads a request and its body (Content-Length or chunked), answers after DELAY."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            headers = head.decode("latin-1").lower()
            length = re.search(r"content-length: *(\d+)", headers)
            received = 0
            if length:
                received = len(await reader.readexactly(int(length.group(1))))
            elif "chunked" in headers:
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    received += len(await reader.readexactly(size + 2)) - 2
                    if size == 0:
                        break
            await asyncio.sleep(DELAY)
            body = b'{"length":%d}' % received
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def upload(port, size):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        chunked = size == "chunked"
        n = 262144 if chunked else int(size)
        framing = "Transfer-Encoding: chunked" if chunked else "Content-Length: %d" % n
        writer.write(("POST /api/test/v1/upload HTTP/1.1\r\nHost: taskcluster\r\n%s\r\nConnection: close\r\n\r\n" % framing).encode())
        piece = b"x" * 16384
        for start in range(0, n, len(piece)):
            part = piece[: min(len(piece), n - start)]
            writer.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
            await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 120)
        writer.close()
        status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/1.1 ") else "none"
        return status if status != "200" or (b'"length":%d' % n) in answer else "wrong"
    except (ConnectionError, asyncio.TimeoutError, OSError) as e:
        return type(e).__name__


def peak_rss_kib(pids):
    total = 0
    for pid in pids:
        for line in pathlib.Path("/proc/%d/status" % pid).read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total


def wait_listening(port):
    import socket
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("nothing listens on %d" % port)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def load(port, size):
    results = await asyncio.gather(*(upload(port, size) for _ in range(CALLERS)))
    counts = {}
    for r in results:
        counts[r] = counts.get(r, 0) + 1
    return counts


def start_nginx(work, upstream_port):
    port = free_port()
    conf = (ROOT / "bench" / "nginx-proxy.conf").read_text()
    conf = conf.replace("@WORK@", str(work)).replace("@UPSTREAM_PORT@", str(upstream_port)).replace("@NGINX_PORT@", str(port)) \
        .replace("@NAME@", "nginx-proxy")
    (work / "nginx.conf").write_text(conf)
    process = subprocess.Popen(["nginx", "-c", str(work / "nginx.conf"), "-p", str(work)], stderr=subprocess.DEVNULL)
    wait_listening(port)
    workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    return process, port, [process.pid] + [int(w) for w in workers]


def start_proxy(upstream_port):
    port = free_port()
    env = dict(os.environ, TASKCLUSTER_CLIENT_ID="bench", TASKCLUSTER_ACCESS_TOKEN="bench-token-not-secret")
    process = subprocess.Popen([str(ROOT / "bin" / "taskcluster-proxy"), "--port", str(port), "--ip-address", "127.0.0.1",
                                "--root-url", "http://127.0.0.1:%d" % upstream_port], env=env,
                               stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    wait_listening(port)
    return process, port, [process.pid]


async def main():
    server = await asyncio.start_server(upstream_handler, "127.0.0.1", 0, backlog=4096)
    upstream_port = server.sockets[0].getsockname()[1]
    work = pathlib.Path(tempfile.mkdtemp(prefix="bench-uploads-"))
    print("%d concurrent callers; the upstream answers each %.0f s after its body" % (CALLERS, DELAY))
    print("| body | target | outcomes | peak RSS (MiB) |")
    print("|---|---|---|---|")
    try:
        for size in SIZES:
            for name, start in (("nginx", lambda: start_nginx(work, upstream_port)), ("taskcluster-proxy", lambda: start_proxy(upstream_port))):
                process, port, pids = start()
                try:
                    counts = await load(port, size)
                    peak = peak_rss_kib(pids)
                finally:
                    process.send_signal(signal.SIGTERM if name == "taskcluster-proxy" else signal.SIGQUIT)
                    process.wait(30)
                print("| %s | %s | %s | %.1f |" % (size, name, counts, peak / 1024), flush=True)
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
