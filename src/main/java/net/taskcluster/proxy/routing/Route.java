package net.taskcluster.proxy.routing;

/** What a request target asks the proxy for. */
public sealed interface Route {
    /** {@code /bewit}: sign the URL in the body. */
    record SignUrl() implements Route {}

    /** {@code /credentials}: replace the credentials. */
    record UpdateCredentials() implements Route {}

    /** A request to forward, signed, to {@code target}. */
    record Proxied(Target target) implements Route {}

    /** No such route: answered 404 with the message. */
    record NotFound(String message) implements Route {}

    /** A target the proxy cannot forward safely: answered 400 with the message. */
    record BadRequest(String message) implements Route {}
}
