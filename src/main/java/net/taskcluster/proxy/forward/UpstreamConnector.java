package net.taskcluster.proxy.forward;

import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/**
 * The upstream client's connector, whose one selector thread never reads an h2 connection itself, so that one busy
 * connection cannot keep the others from being read.
 *
 * <p>Jetty's HTTP/2 connection asks for its reads as {@link InvocationType#EITHER}: when the thread pool has no
 * reserved thread free, the selector thread runs the read loop itself, and that loop returns only once the socket
 * has run dry. An upstream that sends faster than the proxy decrypts and parses never lets it run dry, and every
 * other upstream connection then waits, unread, for as long as that answer lasts: in StalledDownloadsIT over h2,
 * the native build on a busy machine cut all 32 answers of the second connection after 30 s of silence, with half
 * a megabyte waiting in its socket. Here such a read is handed to the pool (Jetty's {@link InvocationType#BLOCKING}
 * path): run on a reserved thread while the selector goes on, or queued for the next free thread. Nothing the
 * proxy runs blocks a thread, so a queued read waits for CPU, never for a deadlock. Reads of HTTP/1.1 connections
 * already take that path.
 */
final class UpstreamConnector extends ClientConnector {
    @Override
    protected EndPoint newEndPoint(SelectableChannel channel, ManagedSelector selector, SelectionKey key) {
        if (!(channel instanceof SocketChannel socket)) {
            return super.newEndPoint(channel, selector, key);
        }
        return new SocketChannelEndPoint(socket, selector, key, getScheduler()) {
            @Override
            public Runnable onSelected() {
                Runnable task = super.onSelected();
                if (task == null || Invocable.getInvocationType(task) != InvocationType.EITHER) {
                    return task;
                }
                return Invocable.from(InvocationType.BLOCKING, task);
            }
        };
    }
}
