package net.taskcluster.proxy.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * One TCP connection to 127.0.0.1 on which a test writes raw bytes and reads HTTP/1.1 responses one at a time
 * (interim 100 Continue answers included), at its own pace: for pipelining, Expect: 100-continue, and callers that
 * misbehave. A read that waits longer than {@link #READ_TIMEOUT_MS} fails the test rather than hanging it.
 */
public final class RawConnection implements AutoCloseable {
    public static final int READ_TIMEOUT_MS = 60_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static RawConnection open(int port) {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            return new RawConnection(socket);
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException(e);
        }
    }

    public RawConnection write(String text) {
        return write(text.getBytes(StandardCharsets.UTF_8));
    }

    public RawConnection write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes in a virtual thread, so that the test can read an answer the server gives before it has read
     * everything (a 413, a 431); the future fails if the server stops reading and closes the connection.
     */
    public CompletableFuture<Void> writeInBackground(byte[] bytes) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        Thread.ofVirtual().name("raw-writer").start(() -> {
            try {
                out.write(bytes);
                out.flush();
                written.complete(null);
            } catch (IOException e) {
                written.completeExceptionally(e);
            }
        });
        return written;
    }

    /** Reads the next response (a 1xx one too) off the connection. */
    public RawResponse read() {
        try {
            RawResponse response = RawResponse.read(in);
            if (response == null) {
                throw new AssertionError("the server closed the connection instead of answering");
            }
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the head of the next response only, for a test that acts while its body is still in flight. */
    public String readHead() {
        try {
            String head = RawResponse.readHead(in);
            if (head == null) {
                throw new AssertionError("the server closed the connection instead of answering");
            }
            return head;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads everything left on the connection, until the server closes it. */
    public byte[] readToEnd() {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the server closed (or reset) the connection: waits for that, at most {@link #READ_TIMEOUT_MS}. */
    public boolean isClosedByServer() {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    /**
     * Whether the connection is still open and the server has sent nothing on it: a short read must time out (a
     * connection the server closed gives end-of-stream at once, and one it reset an error).
     */
    public boolean isOpenAndSilent() {
        try {
            socket.setSoTimeout(1);
            in.read();
            return false; // a byte, or the end of the stream
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            try {
                socket.setSoTimeout(READ_TIMEOUT_MS);
            } catch (IOException e) {
                // closed: the answer above says so already
            }
        }
    }

    /** Ends the sending side only (a FIN): the caller can still read the answer. */
    public RawConnection halfClose() {
        try {
            socket.shutdownOutput();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes with a reset (an RST, not a FIN), as a caller that is killed does. */
    public void reset() {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // closed already: close() below is all there is to do
        }
        close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
