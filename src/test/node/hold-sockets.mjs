// Accepts TCP connections on 127.0.0.1 and keeps them open (the other ends of the test's extra sockets, which
// make the kernel's socket tables large). Prints {"port": N}; exits when stdin closes.
import net from 'node:net';

const held = [];
const server = net.createServer((socket) => {
  socket.on('error', () => {});
  held.push(socket);
});
server.maxConnections = 100000;
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
