package net.taskcluster.proxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

class ForwardedHeadersTest {
    private static HttpFields.Mutable fields(String... namesAndValues) {
        HttpFields.Mutable fields = HttpFields.build();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return fields;
    }

    private static List<String> lines(HttpFields fields) {
        return fields.stream().map(HttpField::toString).toList();
    }

    @Test
    void hopByHopHeadersStopAtTheProxyBothWays() {
        HttpFields.Mutable from = fields("Connection", "close", "Keep-Alive", "timeout=5", "Proxy-Connection", "keep-alive",
                "TE", "trailers", "Trailer", "X-Sum", "Transfer-Encoding", "chunked", "Upgrade", "h2c",
                "Proxy-Authorization", "Basic eA==", "Proxy-Authenticate", "Basic", "Proxy-Anything", "x",
                "X-Kept", "1");
        HttpFields.Mutable request = HttpFields.build();
        ForwardedHeaders.copyRequest(from, request);
        assertEquals(List.of("X-Kept: 1"), lines(request));
        HttpFields.Mutable response = HttpFields.build();
        ForwardedHeaders.copyResponse(from, response);
        assertEquals(List.of("X-Kept: 1"), lines(response));
    }

    @Test
    void headersNamedByConnectionAreHopByHopToo() {
        HttpFields.Mutable from = fields("Connection", "X-Private, x-other", "Connection", " X-Third ", "X-Private", "a",
                "X-Other", "b", "x-third", "c", "X-Public", "d");
        HttpFields.Mutable to = HttpFields.build();
        ForwardedHeaders.copyResponse(from, to);
        assertEquals(List.of("X-Public: d"), lines(to));
    }

    @Test
    void theProxyReplacesHostAuthorizationExpectAndContentLengthOnRequestsOnly() {
        HttpFields.Mutable from = fields("Host", "taskcluster", "Authorization", "Bearer caller", "Expect", "100-continue",
                "Content-Length", "12", "Content-Type", "application/json");
        HttpFields.Mutable request = HttpFields.build();
        ForwardedHeaders.copyRequest(from, request);
        assertEquals(List.of("Content-Type: application/json"), lines(request));
        HttpFields.Mutable response = HttpFields.build();
        ForwardedHeaders.copyResponse(from, response);
        assertEquals(5, response.size(), "on answers they are the upstream's own: " + lines(response));
    }

    @Test
    void repeatedHeadersKeepEveryValueInOrder() {
        HttpFields.Mutable from = fields("Set-Cookie", "a=1", "X-Multi", "one", "Set-Cookie", "b=2", "X-Multi", "two, three");
        HttpFields.Mutable to = HttpFields.build();
        ForwardedHeaders.copyResponse(from, to);
        assertEquals(List.of("Set-Cookie: a=1", "X-Multi: one", "Set-Cookie: b=2", "X-Multi: two, three"), lines(to));
    }
}
