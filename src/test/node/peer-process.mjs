// Which proxy process a connection to this server comes from, so that the tests can hold every request the
// fake deployment sees to the scopes of the proxy that sent it. The client's socket is found in the socket
// tables (by its port and ours), and its inode among the open files of the running proxies (found by their
// main class on the command line, or for the native executable by its name; other processes are not searched,
// so a connection from anything else is attributed to no proxy).
import fs from 'node:fs';
import path from 'node:path';

const PROXY_MAIN = 'net.taskcluster.proxy.Main';
const NATIVE_EXECUTABLE = 'taskcluster-proxy';

const isProxy = (argv) => argv.includes(PROXY_MAIN) || path.basename(argv[0]) === NATIVE_EXECUTABLE;

const hexPort = (port) => port.toString(16).toUpperCase().padStart(4, '0');

const socketInode = (clientPort, serverPort) => {
  const local = ':' + hexPort(clientPort);
  const remote = ':' + hexPort(serverPort);
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines;
    try {
      lines = fs.readFileSync(table, 'latin1').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && fields[1].endsWith(local) && fields[2].endsWith(remote)) return fields[9];
    }
  }
  return null;
};

const proxyPids = () => fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).filter((pid) => {
  try {
    return isProxy(fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0'));
  } catch {
    return false; // gone, or not ours to read
  }
});

/** The pid of the proxy on the other end of this accepted socket, or null. */
export const peerProcess = (socket) => {
  const inode = socketInode(socket.remotePort, socket.localPort);
  if (!inode) return null;
  const wanted = `socket:[${inode}]`;
  for (const pid of proxyPids()) {
    let fds;
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === wanted) return Number(pid);
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
};
