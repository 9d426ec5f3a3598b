package net.taskcluster.proxy.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A throw-away certificate authority made by keytool for one test: its certificate as PEM (what a host's CA bundle
 * holds), and server keystores whose certificates it signed, for {@link TlsUpstream}.
 */
public final class TestCa {
    private final Path directory;
    private final Path keystore;
    private final Path pem;

    private TestCa(Path directory, Path keystore, Path pem) {
        this.directory = directory;
        this.keystore = keystore;
        this.pem = pem;
    }

    public static TestCa create(Path directory) throws Exception {
        Path keystore = directory.resolve("ca.p12");
        Path pem = directory.resolve("ca.pem");
        TlsUpstream.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=taskcluster-proxy test CA", "-ext", "bc:c", "-validity", "2", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", TlsUpstream.PASSWORD);
        TlsUpstream.keytool("-exportcert", "-alias", "ca", "-keystore", keystore.toString(), "-storepass",
                TlsUpstream.PASSWORD, "-rfc", "-file", pem.toString());
        return new TestCa(directory, keystore, pem);
    }

    /** The CA's certificate, PEM-encoded. */
    public Path pem() {
        return pem;
    }

    /** A keystore for {@link TlsUpstream#start} with a key and a certificate for {@code san} (such as dns:x.y). */
    public Path serverKeystore(String name, String san) throws Exception {
        Path server = directory.resolve(name + ".p12");
        Path request = directory.resolve(name + ".csr");
        Path certificate = directory.resolve(name + ".crt");
        String store = server.toString();
        TlsUpstream.keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-validity", "2", "-keystore", store, "-storetype", "PKCS12", "-storepass", TlsUpstream.PASSWORD);
        TlsUpstream.keytool("-certreq", "-alias", name, "-keystore", store, "-storepass", TlsUpstream.PASSWORD,
                "-file", request.toString());
        TlsUpstream.keytool("-gencert", "-alias", "ca", "-keystore", keystore.toString(), "-storepass", TlsUpstream.PASSWORD,
                "-infile", request.toString(), "-outfile", certificate.toString(), "-rfc", "-validity", "2", "-ext", "SAN=" + san);
        TlsUpstream.keytool("-importcert", "-noprompt", "-alias", "ca", "-file", pem.toString(), "-keystore", store,
                "-storepass", TlsUpstream.PASSWORD);
        TlsUpstream.keytool("-importcert", "-alias", name, "-file", certificate.toString(), "-keystore", store,
                "-storepass", TlsUpstream.PASSWORD);
        Files.delete(request);
        return server;
    }
}
