package net.taskcluster.proxy.config;

import java.util.Locale;

/** Which HTTP versions the proxy speaks to its upstreams (--upstream-http). */
public enum UpstreamHttp {
    /** HTTP/2 to https upstreams whose TLS handshake (ALPN) offers it, else HTTP/1.1; http upstreams: HTTP/1.1. */
    AUTO("auto"),
    /** HTTP/1.1 to every upstream: h2 is never offered. */
    HTTP_1_1("1.1");

    private final String option;

    UpstreamHttp(String option) {
        this.option = option;
    }

    /** The value as written on the command line. */
    public String option() {
        return option;
    }

    /** @throws IllegalArgumentException for anything but {@code auto} and {@code 1.1} */
    public static UpstreamHttp parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (UpstreamHttp http : values()) {
            if (http.option.equals(v)) {
                return http;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not auto or 1.1");
    }
}
