package dev.agentcenter.api.webui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The web UI as a browser gets it from the real server: {@code index.html} for client-side routes, hashed assets
 * cached for good, and the server's own routes untouched by the fallback. The asset is a test fixture under
 * {@code src/test/resources/static/assets/}; {@code index.html} is whatever the {@code web-ui} jar carries.
 */
class WebUiServingTest {

    private static final String ASSET = "/assets/fixture-Bx3k9Qa1.js";

    @Nested
    class Open extends ApiTestBase {

        @Test
        void clientRoutesAndDeepLinksGetIndexHtmlThatIsRevalidatedOnEveryLoad() {
            Answer index = get("/index.html").expect(200);
            assertThat(index.header("Content-Type")).startsWith("text/html");
            assertThat(index.raw().body()).contains("<html").contains("Agent Center");

            for (String route : List.of(
                    "/",
                    "/tasks",
                    "/tasks/123",
                    "/tasks/" + UUID.randomUUID() + "?run=" + UUID.randomUUID(),
                    "/automations/" + UUID.randomUUID(),
                    "/repositories",
                    "/runners",
                    "/settings")) {
                Answer page = get(route).expect(200);
                assertThat(page.header("Content-Type")).as(route).startsWith("text/html");
                assertThat(page.header("Cache-Control")).as(route).isEqualTo("no-cache");
                assertThat(page.raw().body()).as(route).isEqualTo(index.raw().body());
            }
        }

        @Test
        void serverRoutesKeepTheirOwnAnswersAndUnknownOnesAreProblemNotFound() {
            get("/api/nope").expectProblem(404, "not_found");
            get("/api/tasks/" + UUID.randomUUID() + "/nope").expectProblem(404, "not_found");
            get("/api").expectProblem(404, "not_found");
            get("/v3/nope").expectProblem(404, "not_found");
            get("/actuator/env").expectProblem(404, "not_found");
            get("/health/nope").expectProblem(404, "not_found");

            Answer health = get("/health").expect(200);
            assertThat(health.header("Content-Type")).startsWith("application/json");
            assertThat(health.body().get("status").asString()).isEqualTo("ok");
            assertThat(get("/api/workspaces").expect(200).body().has("items")).isTrue();
            assertThat(get("/v3/api-docs").expect(200).body().has("openapi")).isTrue();
            assertThat(get("/swagger-ui/index.html").expect(200).raw().body()).contains("Swagger UI");
        }

        @Test
        void hashedAssetsAreCachedForAYearAndAMissingOneIs404NotHtml() throws IOException {
            Answer asset = get(ASSET).expect(200);
            assertThat(asset.header("Content-Type")).startsWith("text/javascript");
            assertThat(asset.header("Cache-Control"))
                    .contains("max-age=31536000")
                    .contains("public")
                    .contains("immutable");
            assertThat(asset.raw().body()).isEqualTo(Files.readString(Path.of("src/test/resources/static" + ASSET)));

            for (String missing : List.of("/assets/missing.js", "/assets/nested/missing.css", "/favicon-missing.ico")) {
                Answer answer = get(missing).expectProblem(404, "not_found");
                assertThat(answer.raw().body()).as(missing).doesNotContain("<html");
            }
        }

        @Test
        void textIsGzippedWhenTheClientAcceptsIt() throws Exception {
            HttpResponse<byte[]> gzipped = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + ASSET))
                                    .header("Accept-Encoding", "gzip")
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray());
            assertThat(gzipped.statusCode()).isEqualTo(200);
            assertThat(gzipped.headers().firstValue("Content-Encoding")).contains("gzip");
            String plain = new String(
                    new GZIPInputStream(new ByteArrayInputStream(gzipped.body())).readAllBytes(),
                    StandardCharsets.UTF_8);
            assertThat(plain).isEqualTo(Files.readString(Path.of("src/test/resources/static" + ASSET)));
            assertThat(gzipped.body().length).isLessThan(plain.length() / 4);
        }

        @Test
        void onlyGetAndHeadReachTheUi() {
            send("POST", "/tasks/123", "{}").expectProblem(405, "method_not_allowed");
            assertThat(send("HEAD", "/tasks/123", null).expect(200).header("Content-Type"))
                    .startsWith("text/html");
        }
    }

    /** The token is typed into the UI, so the UI itself must load without it. */
    @Nested
    @TestPropertySource(properties = "agent-center.api.token=s3cret-token")
    class WhenATokenIsConfigured extends ApiTestBase {

        @Test
        void theUiLoadsWithoutTheTokenAndTheApiStillNeedsIt() {
            for (String path : List.of("/", "/tasks/123", "/settings", "/index.html", ASSET)) {
                get(path).expect(200);
            }
            get("/api/workspaces").expectProblem(401, "unauthorized");
            get("/api/nope").expectProblem(401, "unauthorized");
            get("/health").expect(200);
        }
    }
}
