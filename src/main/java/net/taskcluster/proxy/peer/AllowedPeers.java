package net.taskcluster.proxy.peer;

/**
 * Who may connect, as --allowed-user and --allowed-network say.
 *
 * @param user    the allowed user's name
 * @param uid     the allowed user's uid
 * @param network peers in this network are admitted when their socket cannot be seen, or null
 */
public record AllowedPeers(String user, int uid, Cidr network) {}
