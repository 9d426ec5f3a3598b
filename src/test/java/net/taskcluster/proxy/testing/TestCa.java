package net.taskcluster.proxy.testing;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;

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

    /** A PEM certificate chain (the server's certificate, then the CA's) and its PEM private key, as nginx reads them. */
    public record Pem(Path chain, Path key) {}

    /** As {@link #serverKeystore}, for servers that read PEM files (nginx). */
    public Pem serverPem(String name, String san) throws Exception {
        Path store = serverKeystore(name, san);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, TlsUpstream.PASSWORD.toCharArray());
        }
        StringBuilder chain = new StringBuilder();
        for (Certificate certificate : keys.getCertificateChain(name)) {
            chain.append(pem("CERTIFICATE", certificate.getEncoded()));
        }
        PrivateKey key = (PrivateKey) keys.getKey(name, TlsUpstream.PASSWORD.toCharArray());
        Path chainFile = Files.writeString(directory.resolve(name + "-chain.pem"), chain);
        Path keyFile = Files.writeString(directory.resolve(name + "-key.pem"), pem("PRIVATE KEY", key.getEncoded()));
        return new Pem(chainFile, keyFile);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
