package net.taskcluster.proxy.testing;

import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The bytes of the fake deployment's bytes/ route: a 1 MiB block, byte i = (31 i + 7) mod 251, repeated. */
public final class Pattern {
    public static final int BLOCK = 1 << 20;
    private static final byte[] BYTES = new byte[BLOCK];

    static {
        for (int i = 0; i < BLOCK; i++) {
            BYTES[i] = (byte) ((i * 31L + 7) % 251);
        }
    }

    private Pattern() {}

    /** The SHA-256 (hex) of the first {@code length} bytes of the pattern. */
    public static String sha256(long length) {
        MessageDigest digest = sha256();
        for (long left = length; left > 0; left -= BLOCK) {
            digest.update(BYTES, 0, (int) Math.min(BLOCK, left));
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads the stream to its end: whether it held exactly the first {@code length} bytes of the pattern. */
    public static boolean isPattern(InputStream in, long length) throws java.io.IOException {
        MessageDigest digest = sha256();
        long read = 0;
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
            read += n;
        }
        return read == length && HexFormat.of().formatHex(digest.digest()).equals(sha256(length));
    }

    /** A stream of the first {@code length} bytes of the pattern. */
    public static InputStream stream(long length) {
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                return position < length ? BYTES[(int) (position++ % BLOCK)] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (position >= length) {
                    return -1;
                }
                int offset = (int) (position % BLOCK);
                int n = (int) Math.min(Math.min(len, BLOCK - offset), length - position);
                System.arraycopy(BYTES, offset, b, off, n);
                position += n;
                return n;
            }
        };
    }
}
