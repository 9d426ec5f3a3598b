package net.taskcluster.proxy.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The proxies a test class keeps for all its tests: each started and listening when {@link #start} returns, all
 * closed after the class. WithFakeDeployment has one; other classes register their own:
 * {@code @RegisterExtension final ClassProxies proxies = new ClassProxies();}
 */
public final class ClassProxies implements AfterAllCallback {
    private final List<ProxyProcess> started = new CopyOnWriteArrayList<>();

    /** Starts a proxy and waits until it listens. */
    public ProxyProcess start(ProxyProcess.Options options) throws InterruptedException {
        ProxyProcess proxy = options.start();
        started.add(proxy);
        proxy.awaitListening();
        return proxy;
    }

    /** Closes every proxy started so far (each is stopped even if another fails to). */
    public void closeAll() throws InterruptedException {
        List<ProxyProcess> open = new ArrayList<>(started);
        started.clear();
        for (ProxyProcess proxy : open) {
            proxy.close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        closeAll();
    }
}
