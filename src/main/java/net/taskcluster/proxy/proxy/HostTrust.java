package net.taskcluster.proxy.proxy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The certificate authorities the host trusts, found as Go's crypto/x509 finds them on Linux: the first readable
 * file of {@code SSL_CERT_FILE}, or else of the distributions' bundle paths; plus every file of each directory in
 * {@code SSL_CERT_DIR} (colon-separated), or else of {@code /etc/ssl/certs} and {@code /etc/pki/tls/certs}. When
 * none holds a certificate, the runtime's own {@code cacerts} is used instead.
 */
record HostTrust(KeyStore store, String source) {
    /** Go's certFiles for Linux, in its order. */
    static final List<Path> BUNDLES = paths("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/ca-bundle.pem", "/etc/pki/tls/cacert.pem", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
            "/etc/ssl/cert.pem");
    /** Go's certDirectories for Linux. */
    static final List<Path> DIRECTORIES = paths("/etc/ssl/certs", "/etc/pki/tls/certs");
    /**
     * For tests only: a colon-separated list that replaces both {@link #BUNDLES} and {@link #DIRECTORIES} (files are
     * bundles, directories are directories), so that a test can stand in for the host's own paths.
     */
    static final String TEST_PATHS_PROPERTY = "net.taskcluster.proxy.test.systemCertPaths";

    /** The host's trust, or null when it holds no certificate (then the runtime's cacerts applies). */
    static HostTrust find(Map<String, String> env) throws IOException, GeneralSecurityException {
        List<Path> bundles = BUNDLES;
        List<Path> directories = DIRECTORIES;
        String testPaths = System.getProperty(TEST_PATHS_PROPERTY);
        if (testPaths != null) {
            bundles = paths(testPaths.split(":")).stream().filter(Files::isRegularFile).toList();
            directories = paths(testPaths.split(":")).stream().filter(Files::isDirectory).toList();
        }
        String file = env.get("SSL_CERT_FILE");
        if (file != null && !file.isEmpty()) {
            bundles = paths(file);
        }
        String dirs = env.get("SSL_CERT_DIR");
        if (dirs != null && !dirs.isEmpty()) {
            directories = paths(dirs.split(":"));
        }
        Set<Certificate> certificates = new LinkedHashSet<>(); // a bundle and a directory often hold the same ones
        List<String> sources = new ArrayList<>();
        for (Path bundle : bundles) {
            if (Files.isReadable(bundle) && !Files.isDirectory(bundle)) {
                if (certificates.addAll(read(bundle))) {
                    sources.add(bundle.toString());
                }
                break; // the first one that can be read, as in Go
            }
        }
        for (Path directory : directories) {
            if (!Files.isDirectory(directory)) {
                continue;
            }
            boolean added = false;
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
                for (Path entry : files) {
                    if (Files.isRegularFile(entry)) {
                        added |= certificates.addAll(read(entry));
                    }
                }
            }
            if (added) {
                sources.add(directory + "/");
            }
        }
        if (certificates.isEmpty()) {
            return null;
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int n = 0;
        for (Certificate certificate : certificates) {
            store.setCertificateEntry("host-" + n++, certificate);
        }
        return new HostTrust(store, n + " CA certificates from " + String.join(", ", sources));
    }

    /** The PEM certificates of a file; none for a file that holds no certificate (a README, a key). */
    private static Collection<? extends Certificate> read(Path file) throws IOException, GeneralSecurityException {
        try {
            return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)));
        } catch (CertificateException e) {
            return List.of();
        }
    }

    private static List<Path> paths(String... names) {
        return Arrays.stream(names).filter(n -> !n.isEmpty()).map(Path::of).toList();
    }
}
