package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentcenter.runner.execution.ShellCommand;
import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.support.ledger.RunEventWriter.Draft;
import dev.agentcenter.testing.StoppablePostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The run journal against a Postgres that goes away mid-run and comes back (a real server stopped with
 * {@code pg_ctl stop -m fast} and started again on the same port), fed by a real process: no line is lost, none is
 * stored twice, and the order is the order printed.
 */
class RunJournalOutageTest {

    private static StoppablePostgres postgres;
    private static HikariDataSource dataSource;
    private static JdbcClient db;

    @TempDir
    Path directory;

    @BeforeAll
    static void startPostgres() {
        postgres = StoppablePostgres.start();
        DatabaseSettings settings = postgres.settings();
        Flyway.configure()
                .dataSource(settings.jdbcUrl(), settings.username(), settings.password())
                .locations("classpath:db/migration")
                .load()
                .migrate();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(settings.jdbcUrl());
        config.setUsername(settings.username());
        config.setPassword(settings.password());
        config.setMaximumPoolSize(4);
        config.setMinimumIdle(1);
        dataSource = new HikariDataSource(config);
        db = JdbcClient.create(dataSource);
    }

    @AfterAll
    static void stopPostgres() {
        if (dataSource != null) {
            dataSource.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void postgresStoppedMidRunForTenSecondsLosesNoLineAndStoresNoneTwice() throws Exception {
        UUID lease = UUID.randomUUID();
        UUID run = newRun(lease);
        Path progress = directory.resolve("progress");
        int lines = 50;
        String script =
                "for i in $(seq 1 " + lines + "); do echo line-$i; echo $i > " + progress + "; sleep 0.25; done";
        try (RunJournal journal = new RunJournal(run, lease, dataSource, () -> {})) {
            ShellCommand.Running command = ShellCommand.start(
                    new ShellCommand.Spec(List.of("bash", "-c"), script, directory, null, null),
                    (stream, line) -> journal.log(line(line)));
            await().atMost(Duration.ofSeconds(60)).until(() -> storedLines(run).contains("line-5"));

            postgres.stop();
            // down for as long as the command takes to print 40 more lines (≥ 10 s at 4 lines a second)
            await().atMost(Duration.ofSeconds(120)).until(() -> printed(progress) >= 45);
            postgres.startAgain();

            assertThat(command.await().exitCode()).isZero();
        }

        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= lines; i++) {
            expected.add("line-" + i);
        }
        assertThat(storedLines(run)).as("every line once, in order").containsExactlyElementsOf(expected);
        assertThat(db.sql("SELECT sequence FROM run_events WHERE run_id = :id ORDER BY sequence")
                        .param("id", run)
                        .query(Long.class)
                        .list())
                .as("sequences without gap")
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, lines)
                        .boxed()
                        .toList());
    }

    @Test
    void whilePostgresIsDownTheProcessIsPausedInsteadOfFillingMemoryAndNothingIsDropped() throws Exception {
        UUID lease = UUID.randomUUID();
        UUID run = newRun(lease);
        long buffer = 64 * 1024;
        int lines = 100_000;
        postgres.stop();
        try (RunJournal journal =
                new RunJournal(run, lease, dataSource, buffer, Long.MAX_VALUE, () -> {}, limit -> {})) {
            ShellCommand.Running command = ShellCommand.start(
                    new ShellCommand.Spec(List.of("bash", "-c"), "seq 1 " + lines, directory, null, null),
                    (stream, line) -> journal.log(line(line)));
            long oneLine = RunJournal.size(line("100000"));
            await().atMost(Duration.ofSeconds(60)).until(() -> journal.queuedBytesHighWater() > buffer - oneLine);
            // ~10 MB of events cannot fit in 64 KiB of buffer and a 64 KiB pipe: seq is blocked on its pipe
            assertThat(ProcessHandle.of(command.pid()).map(ProcessHandle::isAlive))
                    .as("seq is paused while nothing can be written")
                    .contains(true);

            postgres.startAgain();
            assertThat(command.await().exitCode()).isZero();
            assertThat(journal.queuedBytesHighWater()).isLessThanOrEqualTo(buffer);
        }
        List<String> stored = storedLines(run);
        assertThat(stored).hasSize(lines);
        for (int i = 0; i < lines; i++) {
            if (!stored.get(i).equals(Integer.toString(i + 1))) {
                throw new AssertionError("line " + (i + 1) + " is " + stored.get(i));
            }
        }
    }

    @Test
    void aBatchWhoseCommitAnswerIsLostIsWrittenAgainAndFoundNotDuplicated() throws Exception {
        UUID lease = UUID.randomUUID();
        UUID run = newRun(lease);
        DatabaseSettings settings = postgres.settings();
        String direct = settings.jdbcUrl();
        int port = Integer.parseInt(direct.replaceAll(".*://[^:]+:(\\d+)/.*", "$1"));
        try (AnswerDroppingProxy proxy = new AnswerDroppingProxy(port);
                HikariDataSource viaProxy = pool(direct.replace(":" + port + "/", ":" + proxy.port() + "/"));
                RunJournal journal = new RunJournal(run, lease, viaProxy, () -> {})) {
            journal.log(line("one"));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedLines(run).contains("one"));

            // Postgres commits the next batch, but its answer never reaches the runner: the connection breaks
            proxy.dropTheAnswerToTheNextCommit();
            journal.log(line("two"));
            await().atMost(Duration.ofSeconds(30)).until(proxy::dropped);
            journal.log(line("three"));

            // the same for a status change: its events and the row change were committed together
            proxy.dropTheAnswerToTheNextCommit();
            boolean recorded = journal.commit(List.of(line("finished")), connection -> {
                try (var statement = connection.prepareStatement(
                        "UPDATE runs SET exit_code = COALESCE(exit_code, 0) + 1 WHERE id = ?")) {
                    statement.setObject(1, run);
                    return statement.executeUpdate() == 1;
                }
            });
            assertThat(recorded).isTrue();
            assertThat(proxy.drops()).isEqualTo(2);
        }
        assertThat(storedLines(run)).containsExactly("one", "two", "three", "finished");
        assertThat(db.sql("SELECT exit_code FROM runs WHERE id = :id")
                        .param("id", run)
                        .query(Integer.class)
                        .single())
                .as("the row change was applied once")
                .isEqualTo(1);
    }

    private static HikariDataSource pool(String url) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(postgres.settings().username());
        config.setPassword(postgres.settings().password());
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(0);
        return new HikariDataSource(config);
    }

    /**
     * A TCP proxy in front of Postgres that, when asked, lets the next COMMIT through and then breaks the connection
     * instead of passing the answer back: the commit happened, the client cannot know.
     */
    static final class AnswerDroppingProxy implements AutoCloseable {
        private final java.net.ServerSocket server;
        private final int target;
        private final java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        private final java.util.concurrent.atomic.AtomicInteger drops = new java.util.concurrent.atomic.AtomicInteger();
        private volatile int dropsWhenArmed;

        AnswerDroppingProxy(int target) throws java.io.IOException {
            this.target = target;
            this.server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        void dropTheAnswerToTheNextCommit() {
            dropsWhenArmed = drops.get();
            armed.set(true);
        }

        boolean dropped() {
            return drops.get() > dropsWhenArmed;
        }

        int drops() {
            return drops.get();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    java.net.Socket client = server.accept();
                    java.net.Socket upstream = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), target);
                    java.util.concurrent.atomic.AtomicBoolean dropAnswer =
                            new java.util.concurrent.atomic.AtomicBoolean();
                    Thread.ofVirtual().start(() -> pump(client, upstream, dropAnswer, true));
                    Thread.ofVirtual().start(() -> pump(upstream, client, dropAnswer, false));
                } catch (java.io.IOException e) {
                    return;
                }
            }
        }

        /**
         * Copies one direction. Towards the server it recognises a COMMIT: the query text, or (pgjdbc prepares
         * {@code COMMIT} once per connection as a named statement) a Bind of that statement.
         */
        private void pump(
                java.net.Socket from,
                java.net.Socket to,
                java.util.concurrent.atomic.AtomicBoolean dropAnswer,
                boolean toServer) {
            byte[] buffer = new byte[65536];
            java.util.Set<String> commitStatements = new java.util.HashSet<>();
            java.util.regex.Pattern named = java.util.regex.Pattern.compile("(S_\\d+)\u0000COMMIT\u0000");
            try (from;
                    to) {
                var in = from.getInputStream();
                var out = to.getOutputStream();
                int read;
                while ((read = in.read(buffer)) != -1) {
                    if (toServer) {
                        String text = new String(buffer, 0, read, java.nio.charset.StandardCharsets.ISO_8859_1);
                        var matcher = named.matcher(text);
                        while (matcher.find()) {
                            commitStatements.add(matcher.group(1));
                        }
                        boolean commit = text.contains("COMMIT")
                                || (text.startsWith("B")
                                        && commitStatements.stream()
                                                .anyMatch(name -> text.contains("\u0000" + name + "\u0000")));
                        if (commit && armed.compareAndSet(true, false)) {
                            dropAnswer.set(true); // before the COMMIT goes out, so its answer cannot slip through
                        }
                    } else if (dropAnswer.get()) {
                        drops.incrementAndGet();
                        return; // closes both sockets: the answer to the COMMIT is lost
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (java.io.IOException e) {
                // the other side closed
            }
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
        }
    }

    static Draft line(String text) {
        return new Draft("run.log", "info", text, "{\"stream\":\"stdout\",\"commandIndex\":0}");
    }

    static UUID newRun(UUID lease) {
        UUID workspace = db.sql("INSERT INTO workspaces (slug, name) VALUES (:slug, 'w') RETURNING id")
                .param("slug", "w-" + UUID.randomUUID().toString().substring(0, 8))
                .query(UUID.class)
                .single();
        UUID task = db.sql("INSERT INTO tasks (workspace_id, title) VALUES (:w, 't') RETURNING id")
                .param("w", workspace)
                .query(UUID.class)
                .single();
        return db.sql("""
                        INSERT INTO runs (task_id, attempt, status, permission_mode, lease_token, lease_expires_at)
                        VALUES (:task, 1, 'running', 'safe', :lease, now() + interval '1 hour') RETURNING id""")
                .param("task", task)
                .param("lease", lease)
                .query(UUID.class)
                .single();
    }

    static List<String> storedLines(UUID run) {
        return db.sql("SELECT message FROM run_events WHERE run_id = :id AND event_type = 'run.log' ORDER BY sequence")
                .param("id", run)
                .query(String.class)
                .list();
    }

    private static int printed(Path progress) {
        try {
            return Integer.parseInt(Files.readString(progress).strip());
        } catch (Exception e) {
            return 0;
        }
    }
}
