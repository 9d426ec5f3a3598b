package net.taskcluster.proxy.testing;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** Test data on the class path. */
public final class Resources {
    private Resources() {}

    public static Map<String, Object> jsonObject(String name) {
        try (InputStream in = open(name)) {
            return JSON.std.mapFrom(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> jsonArray(String name) {
        try (InputStream in = open(name)) {
            return (List<Map<String, Object>>) (List<?>) JSON.std.listFrom(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream open(String name) {
        InputStream in = Resources.class.getResourceAsStream("/" + name);
        if (in == null) {
            throw new IllegalArgumentException("no test resource " + name);
        }
        return in;
    }
}
