package dev.agentcenter.api.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The allowlists fail at start with a message naming the variable, never silently at the first request. */
class ApiPropertiesTest {

    private static ApiProperties with(List<String> hosts, List<String> origins) {
        return new ApiProperties(null, 1024, hosts, origins, "127.0.0.1");
    }

    @Test
    void entriesAreTrimmedAndAnEmptyVariableIsAnEmptyList() {
        ApiProperties properties = with(
                Arrays.asList("", " agents.example.com ", null, "ci.internal:8443"),
                List.of(" http://localhost:5173 "));
        assertThat(properties.allowedHosts()).containsExactly("agents.example.com", "ci.internal:8443");
        assertThat(properties.allowedOrigins()).containsExactly("http://localhost:5173");
        assertThat(with(null, null).allowedHosts()).isEmpty();
    }

    @Test
    void aWildcardOrAMalformedHostIsRefused() {
        for (String host : List.of("*", "*.example.com", "http://agents.example.com", "agents.example.com:99999")) {
            assertThatThrownBy(() -> with(List.of(host), List.of()))
                    .as(host)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("API_ALLOWED_HOSTS")
                    .hasMessageContaining(host);
        }
    }

    @Test
    void aWildcardOrSomethingOtherThanAnOriginIsRefused() {
        for (String origin : List.of("*", "null", "agents.example.com", "https://agents.example.com/", "ftp://x")) {
            assertThatThrownBy(() -> with(List.of(), List.of(origin)))
                    .as(origin)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("API_ALLOWED_ORIGINS");
        }
    }
}
