package dev.agentcenter.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AotCacheTest {

    private static final List<String> OPTIONS = List.of("-XX:+UseSerialGC", "-Xmx256m");

    @TempDir
    Path root;

    private Path jar;
    private Path cacheRoot;

    @BeforeEach
    void aJar() throws Exception {
        jar = root.resolve("worker-service/target/worker-service.jar");
        Files.createDirectories(jar.getParent());
        Files.writeString(jar, "not really a jar");
        cacheRoot = root.resolve(".agent-center/cache");
    }

    /** What a successful training leaves behind. */
    private void trained(AotCache cache) throws Exception {
        Path dir = cacheRoot.resolve("worker");
        Files.createDirectories(dir.resolve("app"));
        Files.writeString(dir.resolve("worker.aot"), "cache");
        Files.writeString(dir.resolve("app/worker-service.jar"), "extracted");
        Files.writeString(dir.resolve("stamp"), cache.fingerprint());
    }

    @Test
    void withoutACacheTheServiceStartsFromItsJar() {
        AotCache cache = new AotCache(Service.WORKER, jar, cacheRoot, OPTIONS);

        assertThat(cache.usable()).isFalse();
        assertThat(cache.launchArguments()).containsExactly("-jar", jar.toString());
    }

    @Test
    void aTrainedCacheIsUsedWithTheExtractedJar() throws Exception {
        AotCache cache = new AotCache(Service.WORKER, jar, cacheRoot, OPTIONS);
        trained(cache);

        assertThat(cache.usable()).isTrue();
        assertThat(cache.launchArguments())
                .containsExactly(
                        "-XX:AOTCache=" + cacheRoot.resolve("worker/worker.aot"),
                        "-jar",
                        cacheRoot.resolve("worker/app/worker-service.jar").toString());
    }

    @Test
    void aRebuiltJarOrOtherJvmOptionsMakeTheCacheStale() throws Exception {
        trained(new AotCache(Service.WORKER, jar, cacheRoot, OPTIONS));

        assertThat(new AotCache(Service.WORKER, jar, cacheRoot, List.of("-Xmx1g")).usable())
                .isFalse();

        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(5)));
        AotCache afterRebuild = new AotCache(Service.WORKER, jar, cacheRoot, OPTIONS);
        assertThat(afterRebuild.usable()).isFalse();
        assertThat(afterRebuild.launchArguments()).containsExactly("-jar", jar.toString());
    }
}
