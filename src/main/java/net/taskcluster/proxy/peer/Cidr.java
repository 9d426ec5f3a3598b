package net.taskcluster.proxy.peer;

import java.net.InetAddress;

/** An IP network in CIDR notation, such as {@code 172.18.0.0/16}. */
public record Cidr(InetAddress network, int prefixLength) {

    /**
     * Parses {@code address/prefix}; a prefix of length 0 is refused as too broad (it would admit every address).
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("invalid --allowed-network CIDR \"" + text + "\": expected <address>/<prefix>");
        }
        InetAddress address;
        int prefix;
        try {
            address = IpLiteral.parse(text.substring(0, slash));
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid --allowed-network CIDR \"" + text + "\": expected <address>/<prefix>");
        }
        int bits = address.getAddress().length * 8;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException(
                    "invalid --allowed-network CIDR \"" + text + "\": prefix must be between 1 and " + bits);
        }
        if (prefix == 0) {
            throw new IllegalArgumentException(
                    "--allowed-network CIDR \"" + text + "\" is too broad (0/" + bits + " allows all addresses)");
        }
        return of(address, prefix);
    }

    /** The network of {@code address} with this prefix length (the host bits cleared), any length allowed. */
    public static Cidr of(InetAddress address, int prefixLength) {
        return new Cidr(mask(address.getAddress(), prefixLength), prefixLength);
    }

    /** Whether the address lies inside this network; IPv4-mapped IPv6 addresses count as IPv4. */
    public boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        byte[] net = network.getAddress();
        if (candidate.length == 16 && net.length == 4 && isIpv4Mapped(candidate)) {
            candidate = java.util.Arrays.copyOfRange(candidate, 12, 16);
        }
        if (candidate.length != net.length) {
            return false;
        }
        return java.util.Arrays.equals(mask(candidate, prefixLength).getAddress(), net);
    }

    private static boolean isIpv4Mapped(byte[] address) {
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return address[10] == (byte) 0xff && address[11] == (byte) 0xff;
    }

    private static InetAddress mask(byte[] address, int prefix) {
        byte[] masked = address.clone();
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            masked[i] &= (byte) (0xff << (8 - keep));
        }
        try {
            return InetAddress.getByAddress(masked);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // a 4- or 16-byte array is always valid
        }
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }
}
