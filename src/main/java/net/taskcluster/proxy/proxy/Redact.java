package net.taskcluster.proxy.proxy;

import java.util.regex.Pattern;

/** Makes URLs and request targets safe to log: a bewit in a query is a credential, so its value is hidden. */
public final class Redact {
    private static final Pattern BEWIT = Pattern.compile("([?&]bewit=)[^&#]*", Pattern.CASE_INSENSITIVE);

    private Redact() {}

    public static String bewits(String urlOrTarget) {
        return urlOrTarget.indexOf('=') < 0 ? urlOrTarget : BEWIT.matcher(urlOrTarget).replaceAll("$1REDACTED");
    }
}
