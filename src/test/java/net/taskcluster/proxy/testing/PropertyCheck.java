package net.taskcluster.proxy.testing;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Property-based testing in a few lines: run a property on many generated inputs, and on the first failure report
 * the input (shrunk, for strings) and the seed that replays the run.
 *
 * <p>Each run draws a new seed, so that every run explores new inputs; {@code -Dproperties.seed=<seed>} replays a
 * reported failure exactly (try {@code i} uses its own random source, derived from the seed and {@code i}).
 */
public final class PropertyCheck {
    private static final String SEED_PROPERTY = "properties.seed";

    private PropertyCheck() {}

    /** A property of one input; returns a label classifying the input (for coverage checks), or null. */
    @FunctionalInterface
    public interface Property<T> {
        String check(T input) throws Exception;
    }

    /** Candidates for a smaller failing input, smallest first. */
    @FunctionalInterface
    public interface Shrinker<T> extends Function<T, Stream<T>> {}

    /**
     * Runs {@code property} on {@code tries} inputs of {@code gen}.
     *
     * @return how many inputs got each label
     * @throws AssertionError for the first input on which the property throws anything
     */
    public static <T> Map<String, Integer> forAll(int tries, Gen<T> gen, Property<T> property) {
        return forAll(tries, gen, null, property);
    }

    public static <T> Map<String, Integer> forAll(int tries, Gen<T> gen, Shrinker<T> shrinker, Property<T> property) {
        long seed = seed();
        Map<String, Integer> labels = new TreeMap<>();
        for (int i = 0; i < tries; i++) {
            T input = gen.next(new SplittableRandom(mix(seed, i)));
            Throwable failure = failure(property, input, labels);
            if (failure != null) {
                T smallest = shrinker == null ? input : shrink(input, failure, shrinker, property);
                Throwable smallestFailure = smallest == input ? failure : failure(property, smallest, new TreeMap<>());
                throw new AssertionError("property falsified at try " + (i + 1) + " of " + tries + " (seed " + seed
                        + ", replay with -D" + SEED_PROPERTY + "=" + seed + ")\n  input:    " + show(input)
                        + (smallest == input ? "" : "\n  shrunk:   " + show(smallest))
                        + "\n  failure:  " + smallestFailure, smallestFailure);
            }
        }
        System.out.printf("%s: %d tries passed (seed %d) %s%n", caller(), tries, seed, labels);
        return labels;
    }

    private static String caller() {
        return StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !f.getClassName().equals(PropertyCheck.class.getName()))
                .findFirst().map(f -> f.getClassName().replaceAll(".*\\.", "") + "." + f.getMethodName()).orElse("?"));
    }

    /** Smaller strings: without each half, quarter, ..., then without each single character. */
    public static Shrinker<String> strings() {
        return s -> {
            Stream.Builder<String> candidates = Stream.builder();
            for (int chunk = s.length() / 2; chunk >= 1; chunk /= 2) {
                for (int start = 0; start + chunk <= s.length(); start += chunk) {
                    candidates.add(s.substring(0, start) + s.substring(start + chunk));
                }
            }
            return candidates.build();
        };
    }

    /** A string as a Java literal, so that control characters, surrogates and spaces can be seen and copied. */
    public static String show(Object value) {
        if (value == null) {
            return "null";
        }
        String s = value.toString();
        StringBuilder out = new StringBuilder(s.length() + 2);
        if (value instanceof String) {
            out.append('"');
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' && value instanceof String) {
                out.append("\\\"");
            } else if (c == '\\') {
                out.append("\\\\");
            } else if (c < 0x20 || c > 0x7e) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (value instanceof String) {
            out.append('"');
        }
        if (out.length() > 4000) {
            return out.substring(0, 4000) + "... (" + s.length() + " characters)";
        }
        return out.toString();
    }

    private static long seed() {
        String given = System.getProperty(SEED_PROPERTY);
        if (given != null && !given.isBlank()) {
            return Long.parseLong(given.strip());
        }
        return new SplittableRandom().nextLong();
    }

    private static long mix(long seed, int i) {
        return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (i + 1))).nextLong();
    }

    private static <T> Throwable failure(Property<T> property, T input, Map<String, Integer> labels) {
        try {
            String label = property.check(input);
            if (label != null) {
                labels.merge(label, 1, Integer::sum);
            }
            return null;
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
                throw (VirtualMachineError) t; // out of memory is no finding about the input
            }
            return t;
        }
    }

    // Greedy: take the first smaller candidate that fails the same way, until none does (bounded).
    private static <T> T shrink(T input, Throwable failure, Shrinker<T> shrinker, Property<T> property) {
        T smallest = input;
        int budget = 5_000;
        boolean smaller = true;
        while (smaller && budget > 0) {
            smaller = false;
            for (T candidate : (Iterable<T>) shrinker.apply(smallest)::iterator) {
                if (--budget < 0) {
                    break;
                }
                Throwable f = failure(property, candidate, new TreeMap<>());
                if (f != null && f.getClass() == failure.getClass()) {
                    smallest = candidate;
                    smaller = true;
                    break;
                }
            }
        }
        return smallest;
    }
}
