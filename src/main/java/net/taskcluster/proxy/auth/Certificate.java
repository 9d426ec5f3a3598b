package net.taskcluster.proxy.auth;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import net.taskcluster.proxy.json.Json;
import net.taskcluster.proxy.json.JsonSyntaxException;

/**
 * The certificate of temporary Taskcluster credentials.
 *
 * @param scopes the scopes the certificate grants; {@code null} when the certificate says {@code "scopes": null}
 * @param start  validity start, milliseconds since the epoch
 * @param expiry validity end, milliseconds since the epoch
 * @param issuer the permanent client that issued named temporary credentials; {@code null} for unnamed ones
 */
public record Certificate(
        int version, List<String> scopes, long start, long expiry, String seed, String signature, String issuer) {

    public Certificate {
        scopes = scopes == null ? null : List.copyOf(scopes);
        issuer = issuer == null || issuer.isEmpty() ? null : issuer;
    }

    /** Parses the certificate JSON that Taskcluster hands out; unknown keys are ignored. */
    public static Certificate parse(String json) throws InvalidCredentialsException {
        try {
            return fromJson(Json.parseObject(json));
        } catch (JsonSyntaxException e) {
            throw new InvalidCredentialsException("certificate is " + e.getMessage());
        }
    }

    /** Builds a certificate from an already parsed JSON object. */
    public static Certificate fromJson(Map<?, ?> map) throws InvalidCredentialsException {
        long version = integer(map, "version");
        if (version != 1) {
            throw new InvalidCredentialsException("certificate field \"version\" must be 1, not " + version);
        }
        return new Certificate(
                1,
                scopes(map.get("scopes")),
                integer(map, "start"),
                integer(map, "expiry"),
                string(map, "seed", true),
                string(map, "signature", true),
                string(map, "issuer", false));
    }

    public Certificate withSignature(String newSignature) {
        return new Certificate(version, scopes, start, expiry, seed, newSignature, issuer);
    }

    public boolean isNamed() {
        return issuer != null;
    }

    public Instant expiresAt() {
        return Instant.ofEpochMilli(expiry);
    }

    /** The certificate as compact JSON, keys in the order Taskcluster's Go client writes them. */
    public String toJson() {
        return Json.write(this::writeTo);
    }

    void writeTo(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeNumberField("version", version);
        g.writeFieldName("scopes");
        Json.writeStringArray(g, scopes);
        g.writeNumberField("start", start);
        g.writeNumberField("expiry", expiry);
        g.writeStringField("seed", seed);
        g.writeStringField("signature", signature);
        if (issuer != null) {
            g.writeStringField("issuer", issuer);
        }
        g.writeEndObject();
    }

    private static long integer(Map<?, ?> map, String field) throws InvalidCredentialsException {
        Object value = map.get(field);
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger big && big.bitLength() < 64) {
            return big.longValue();
        }
        throw new InvalidCredentialsException(
                "certificate field \"" + field + "\" must be an integer" + (value == null ? " (missing)" : ""));
    }

    private static String string(Map<?, ?> map, String field, boolean required) throws InvalidCredentialsException {
        Object value = map.get(field);
        if (value instanceof String s && !(required && s.isEmpty())) {
            return s;
        }
        if (value == null && !required) {
            return null;
        }
        throw new InvalidCredentialsException("certificate field \"" + field + "\" must be a"
                + (required ? " non-empty" : "") + " string" + (value == null ? " (missing)" : ""));
    }

    private static List<String> scopes(Object value) throws InvalidCredentialsException {
        if (value == null) {
            return null;
        }
        if (!(value instanceof List<?> list)) {
            throw new InvalidCredentialsException("certificate field \"scopes\" must be an array of strings or null");
        }
        List<String> scopes = new ArrayList<>(list.size());
        for (Object scope : list) {
            if (!(scope instanceof String s)) {
                throw new InvalidCredentialsException("certificate field \"scopes\" must contain only strings");
            }
            scopes.add(s);
        }
        return Collections.unmodifiableList(scopes);
    }
}
