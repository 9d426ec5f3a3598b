package net.taskcluster.proxy.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A listener on 127.0.0.1 that never accepts, its backlog filled: a further connection attempt gets no answer at
 * all, which is what a connect timeout is for.
 */
public final class SilentListener implements AutoCloseable {
    private final ServerSocket silent;
    private final List<Socket> filling = new ArrayList<>();

    public SilentListener() throws IOException {
        silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        for (int i = 0; i < 4; i++) {
            Socket socket = new Socket();
            try {
                socket.connect(silent.getLocalSocketAddress(), 300);
                filling.add(socket);
            } catch (IOException full) {
                socket.close();
                break;
            }
        }
    }

    public int port() {
        return silent.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        for (Socket socket : filling) {
            socket.close();
        }
        silent.close();
    }
}
