package net.taskcluster.proxy;

import net.taskcluster.proxy.server.ProxyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT: stop accepting, let requests in flight finish (within --shutdown-timeout), exit 0. Nothing
 * depends on this running: launchers may just SIGKILL the proxy.
 */
final class Shutdown {
    private static final Logger LOG = LoggerFactory.getLogger(Shutdown.class);

    private Shutdown() {}

    @SuppressWarnings("removal")
    /** @param portFile removed once stopped, or null */
    static void onSignals(ProxyServer server, PortFile portFile) {
        Runnable stop = () -> {
            int status = 0;
            try {
                int cut = server.stop();
                if (portFile != null) {
                    portFile.remove();
                }
                LOG.info(cut == 0 ? "stopped: every request in flight finished"
                        : "stopped: " + cut + " request(s) still in flight at the shutdown timeout were cut");
            } catch (Exception e) {
                LOG.warn("stopping failed: {}", e.toString());
                status = 1;
            }
            Runtime.getRuntime().halt(status);
        };
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                LOG.info("SIG{} received: draining requests in flight", name);
                Thread.ofPlatform().name("shutdown").start(stop);
            });
        }
    }
}
