package net.taskcluster.proxy.testing;

import java.nio.file.Path;
import java.util.List;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * HTTPS upstreams on port 443 of loopback addresses (what the hostname form reaches: https://<host>/), with
 * self-signed certificates made by keytool, and a trust store for the proxy that trusts some of them.
 */
public final class TlsUpstream implements AutoCloseable {
    public static final String PASSWORD = "not-a-secret";
    private final JettyUpstream server;

    private TlsUpstream(JettyUpstream server) {
        this.server = server;
    }

    /** A keystore with a self-signed certificate for the given IP address (its only subject alternative name). */
    public static Path keystore(Path directory, String name, String ip) throws Exception {
        Path keystore = directory.resolve(name + ".p12");
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + ip,
                "-ext", "SAN=ip:" + ip, "-validity", "2", "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD);
        return keystore;
    }

    /** A trust store holding the certificates of these keystores. */
    public static Path trustStore(Path directory, List<Path> keystores) throws Exception {
        Path trustStore = directory.resolve("trust.p12");
        for (Path keystore : keystores) {
            String alias = keystore.getFileName().toString().replace(".p12", "");
            Path certificate = directory.resolve(alias + ".crt");
            keytool("-exportcert", "-alias", alias, "-keystore", keystore.toString(), "-storepass", PASSWORD, "-rfc",
                    "-file", certificate.toString());
            keytool("-importcert", "-noprompt", "-alias", alias, "-file", certificate.toString(), "-keystore",
                    trustStore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        }
        return trustStore;
    }

    /** An HTTPS server on ip:443 answering 200 {"tls":true} to anything. */
    public static TlsUpstream start(String ip, Path keystore) throws Exception {
        return new TlsUpstream(JettyUpstream.start(ip, 443, keystore, PASSWORD, new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put("Content-Type", "application/json");
                Content.Sink.write(response, true, "{\"tls\":true}", callback);
                return true;
            }
        }));
    }

    static void keytool(String... arguments) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
