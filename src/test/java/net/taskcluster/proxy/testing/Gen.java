package net.taskcluster.proxy.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * A generator of random inputs for {@link PropertyCheck}: a function of a random source, so that one seed always
 * gives the same input.
 */
@FunctionalInterface
public interface Gen<T> {
    T next(RandomGenerator random);

    default <R> Gen<R> map(Function<? super T, ? extends R> f) {
        return random -> f.apply(next(random));
    }

    default <R> Gen<R> flatMap(Function<? super T, ? extends Gen<? extends R>> f) {
        return random -> f.apply(next(random)).next(random);
    }

    /** Values of this generator that {@code keep} accepts (drawn again until one is). */
    default Gen<T> filter(Predicate<? super T> keep) {
        return random -> {
            for (int attempt = 0; attempt < 10_000; attempt++) {
                T value = next(random);
                if (keep.test(value)) {
                    return value;
                }
            }
            throw new IllegalStateException("the filter rejects nearly everything");
        };
    }

    /** This generator, or null once in {@code oneIn} draws. */
    default Gen<T> orNull(int oneIn) {
        return random -> random.nextInt(oneIn) == 0 ? null : next(random);
    }

    static <T> Gen<T> constant(T value) {
        return random -> value;
    }

    @SafeVarargs
    static <T> Gen<T> element(T... values) {
        List<T> list = List.of(values);
        return random -> list.get(random.nextInt(list.size()));
    }

    static <T> Gen<T> element(List<T> values) {
        return random -> values.get(random.nextInt(values.size()));
    }

    /** One of the generators, each as likely. */
    @SafeVarargs
    static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
        return random -> gens[random.nextInt(gens.length)].next(random);
    }

    /** A generator with its weight, for {@link #frequency}. */
    record Weighted<T>(int weight, Gen<? extends T> gen) {}

    static <T> Weighted<T> weight(int weight, Gen<? extends T> gen) {
        return new Weighted<>(weight, gen);
    }

    /** One of the generators, chosen in proportion to their weights. */
    @SafeVarargs
    static <T> Gen<T> frequency(Weighted<? extends T>... choices) {
        int total = 0;
        for (Weighted<? extends T> choice : choices) {
            total += choice.weight();
        }
        int sum = total;
        return random -> {
            int pick = random.nextInt(sum);
            for (Weighted<? extends T> choice : choices) {
                pick -= choice.weight();
                if (pick < 0) {
                    return choice.gen().next(random);
                }
            }
            throw new IllegalStateException("unreachable");
        };
    }

    static Gen<Integer> ints(int min, int maxInclusive) {
        return random -> random.nextInt(min, maxInclusive + 1);
    }

    static Gen<Long> longs(long min, long maxInclusive) {
        return random -> maxInclusive == Long.MAX_VALUE && min == Long.MIN_VALUE
                ? random.nextLong() : random.nextLong(min, maxInclusive + 1);
    }

    static Gen<Boolean> booleans() {
        return RandomGenerator::nextBoolean;
    }

    static <T> Gen<List<T>> listOf(Gen<? extends T> element, int min, int max) {
        return random -> {
            int size = random.nextInt(min, max + 1);
            List<T> list = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                list.add(element.next(random));
            }
            return list;
        };
    }

    /** min to max pieces, concatenated. */
    static Gen<String> concat(Gen<String> piece, int min, int max) {
        return listOf(piece, min, max).map(pieces -> String.join("", pieces));
    }

    /** min to max characters of the alphabet. */
    static Gen<String> chars(String alphabet, int min, int max) {
        return random -> {
            int length = random.nextInt(min, max + 1);
            StringBuilder s = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                s.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            return s.toString();
        };
    }

    /**
     * min to max arbitrary UTF-16 units: mostly ASCII, then Latin-1, control characters, the BMP, and both halves
     * of surrogate pairs, paired or not.
     */
    static Gen<String> anyChars(int min, int max) {
        Gen<Character> unit = frequency(
                weight(6, random -> (char) random.nextInt(0x20, 0x7f)),
                weight(2, random -> (char) random.nextInt(0, 0x20)),
                weight(1, random -> (char) random.nextInt(0x7f, 0x100)),
                weight(2, random -> (char) random.nextInt(0x100, 0x10000)),
                weight(1, random -> (char) random.nextInt(0xd800, 0xe000)));
        return random -> {
            int length = random.nextInt(min, max + 1);
            StringBuilder s = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                s.append(unit.next(random));
            }
            return s.toString();
        };
    }
}
