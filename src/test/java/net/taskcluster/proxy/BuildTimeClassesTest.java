package net.taskcluster.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The list of classes the native image initializes while it is built (src/main/native/build-time-classes.txt).
 * The builder itself does not complain about a name that matches nothing, so a class that an upgrade renames
 * would quietly go back to run time.
 */
class BuildTimeClassesTest {
    private static final Path LIST = Path.of("src/main/native/build-time-classes.txt");

    /** Classes whose initializers read the host or the run-time configuration, or make a seed: run at every start. */
    private static final List<String> RUN_TIME = List.of(
            "net.taskcluster.proxy.server.ProxyServer", // the kernel's somaxconn
            "net.taskcluster.proxy.auth.RequestSigner", // SecureRandom
            "net.taskcluster.proxy.json.Json", // its JsonFactory's hash seed
            "org.slf4j.LoggerFactory",
            "org.eclipse.jetty.logging.JettyLoggerFactory");

    @Test
    void everyNameIsAClassOrAPackageOnTheClassPath() throws IOException {
        List<String> names = names();
        assertFalse(names.isEmpty());
        ClassLoader loader = getClass().getClassLoader();
        List<String> unknown = new ArrayList<>();
        for (String name : names) {
            if (!isClassOrPackage(name, loader)) {
                unknown.add(name);
            }
        }
        assertEquals(List.of(), unknown, "names in " + LIST + " that are no class or package");
    }

    @Test
    void noNameCoversAClassThatMustBeInitializedAtRunTime() throws IOException {
        for (String name : names()) {
            for (String runTime : RUN_TIME) {
                assertFalse(runTime.equals(name) || runTime.startsWith(name + "."), name + " would cover " + runTime);
            }
        }
    }

    @Test
    void theCheckOfNamesCanTellAClassOrPackageFromNothing() {
        ClassLoader loader = getClass().getClassLoader();
        assertTrue(isClassOrPackage("org.eclipse.jetty.http.HttpField", loader));
        assertTrue(isClassOrPackage("org.eclipse.jetty.http.HttpTokens$Token", loader), "a nested class");
        assertFalse(isClassOrPackage("org.eclipse.jetty.http.NoSuchField", loader));
        assertTrue(isClassOrPackage("com.fasterxml.jackson.core", loader), "a package in a jar");
        assertFalse(isClassOrPackage("com.fasterxml.jackson.nosuch", loader));
    }

    private static boolean isClassOrPackage(String name, ClassLoader loader) {
        try {
            Class.forName(name, false, loader);
            return true;
        } catch (ClassNotFoundException e) {
            return loader.getResource(name.replace('.', '/') + "/") != null;
        }
    }

    private static List<String> names() throws IOException {
        return Files.readAllLines(LIST).stream().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    }
}
