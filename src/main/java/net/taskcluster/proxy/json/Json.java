package net.taskcluster.proxy.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.jr.ob.JSON;
import com.fasterxml.jackson.jr.ob.JSONObjectException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * JSON in and out, written the way Taskcluster's Go tools write it (compact; {@code <}, {@code >}, {@code &},
 * U+2028 and U+2029 escaped as {@code \}{@code u003c} and so on), so that the Hawk ext and the proxy's JSON
 * headers are byte-for-byte what the original proxy produces.
 */
public final class Json {
    /**
     * How deep objects and arrays may nest. Credentials, certificates and task definitions need a handful of
     * levels; jackson-jr reads nested values by recursion, and on the proxy's small thread stacks (-Xss512k) about a
     * thousand levels of objects overflowed the stack before the parser's own default limit (1000) was reached.
     * The parser checks this as each object or array opens, so a deeper document is refused before the recursion
     * gets anywhere near the end of the stack, however deep it goes.
     */
    static final int MAX_NESTING_DEPTH = 100;
    private static final JsonFactory FACTORY = new JsonFactoryBuilder()
            .characterEscapes(new GoEscapes())
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
            .build();
    private static final JSON READER = JSON.builder(FACTORY).build()
            .with(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS)
            .with(JSON.Feature.PRESERVE_FIELD_ORDERING);

    private Json() {}

    /** Something that writes one JSON value. */
    @FunctionalInterface
    public interface Writing {
        void write(JsonGenerator generator) throws IOException;
    }

    /** Parses exactly one JSON value: maps, lists, strings, numbers, booleans or null. Trailing content is an error. */
    public static Object parse(String text) throws JsonSyntaxException {
        try (JsonParser parser = FACTORY.createParser(text)) {
            if (parser.nextToken() == null) {
                throw new JsonSyntaxException("not valid JSON (empty)");
            }
            Object value = READER.anyFrom(parser);
            if (parser.nextToken() != null) {
                throw new JsonSyntaxException("not valid JSON (content after the value)");
            }
            return value;
        } catch (JsonSyntaxException e) {
            throw e;
        } catch (IOException e) {
            throw new JsonSyntaxException(describe(e));
        }
    }

    /** Parses exactly one JSON object. */
    public static Map<?, ?> parseObject(String text) throws JsonSyntaxException {
        if (parse(text) instanceof Map<?, ?> map) {
            return map;
        }
        throw new JsonSyntaxException("not a JSON object");
    }

    /** Writes one compact JSON value into a string. */
    public static String write(Writing writing) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            writing.write(generator);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /** A JSON array of strings, e.g. {@code ["a:b","c"]}. */
    public static String stringArray(List<String> values) {
        return write(g -> writeStringArray(g, values));
    }

    /** Writes an array of strings, or {@code null} when the list is null. */
    public static void writeStringArray(JsonGenerator generator, List<String> values) throws IOException {
        if (values == null) {
            generator.writeNull();
            return;
        }
        generator.writeStartArray();
        for (String value : values) {
            generator.writeString(value);
        }
        generator.writeEndArray();
    }

    // Jackson's own messages quote the offending input, which may be a secret: report only where it broke.
    private static String describe(IOException e) {
        if (e instanceof StreamConstraintsException) { // valid JSON, but more than any credentials need
            return "JSON beyond the parser's limits (numbers up to 1000 digits, nesting up to " + MAX_NESTING_DEPTH + " deep)";
        }
        if (e instanceof JsonProcessingException jpe && jpe.getLocation() != null) {
            JsonLocation at = jpe.getLocation();
            String where = " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            // Valid JSON too, but which of the two values would count is anybody's guess (Go's decoder takes the last).
            boolean duplicateKey = e instanceof JSONObjectException
                    && String.valueOf(jpe.getOriginalMessage()).startsWith("Duplicate key");
            return (duplicateKey ? "JSON with a duplicate key" : "not valid JSON") + where;
        }
        return "not valid JSON";
    }

    /** The escapes of Go's encoding/json (HTML-safe mode, its default). */
    private static final class GoEscapes extends CharacterEscapes {
        private static final SerializableString LT = new SerializedString("\\u003c");
        private static final SerializableString GT = new SerializedString("\\u003e");
        private static final SerializableString AMP = new SerializedString("\\u0026");
        private static final SerializableString LINE_SEPARATOR = new SerializedString("\\u2028");
        private static final SerializableString PARAGRAPH_SEPARATOR = new SerializedString("\\u2029");

        private final int[] asciiEscapes;

        GoEscapes() {
            asciiEscapes = standardAsciiEscapesForJSON();
            asciiEscapes['<'] = ESCAPE_CUSTOM;
            asciiEscapes['>'] = ESCAPE_CUSTOM;
            asciiEscapes['&'] = ESCAPE_CUSTOM;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return asciiEscapes;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return switch (ch) {
                case '<' -> LT;
                case '>' -> GT;
                case '&' -> AMP;
                case 0x2028 -> LINE_SEPARATOR;
                case 0x2029 -> PARAGRAPH_SEPARATOR;
                default -> null;
            };
        }
    }
}
