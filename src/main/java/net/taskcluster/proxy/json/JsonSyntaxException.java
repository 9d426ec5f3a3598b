package net.taskcluster.proxy.json;

/** Text that is not one well-formed JSON value. The message describes the problem, never the text itself. */
public final class JsonSyntaxException extends Exception {
    public JsonSyntaxException(String message) {
        super(message);
    }
}
