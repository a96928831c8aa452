package dev.agentcenter.api.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.support.ledger.RunEventWriter;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

// a small buffer, so that the fast client lags at times (and catches up), and a short stuck timeout
@TestPropertySource(
        properties = {
            "agent-center.realtime.client-buffer-bytes=1048576",
            "agent-center.realtime.page-size=100",
            "agent-center.realtime.stuck-client-timeout=3s"
        })
class RealtimeSlowClientTest extends RealtimeTestSupport {

    private static final Duration LONG = Duration.ofSeconds(120);

    /**
     * A WebSocket client on a raw socket that reads nothing until told to, so the server's writes to it back up in
     * the TCP buffers and then in its outbox (the JDK client keeps reading from the socket even without demand).
     */
    static final class StalledClient implements AutoCloseable {

        private final Socket socket;
        private final DataInputStream in;
        private final List<Long> sequences = new ArrayList<>();

        StalledClient(int port, String subscribe) throws IOException {
            socket = new Socket("127.0.0.1", port);
            String key = Base64.getEncoder().encodeToString(new byte[16]);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                            + "Connection: Upgrade\r\nSec-WebSocket-Key: " + key
                            + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101");
            byte[] payload = subscribe.getBytes(StandardCharsets.UTF_8);
            assertThat(payload.length).isLessThan(126);
            // a client frame: FIN + text, masked (with a zero mask, which leaves the payload as it is)
            out.write(new byte[] {(byte) 0x81, (byte) (0x80 | payload.length), 0, 0, 0, 0});
            out.write(payload);
            out.flush();
        }

        /** Reads every frame up to the server's close frame; returns its close code. */
        int readUntilClosed() throws IOException {
            java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
            while (true) {
                int first = in.readUnsignedByte();
                boolean fin = (first & 0x80) != 0;
                int opcode = first & 0x0f;
                long length = in.readUnsignedByte() & 0x7f;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                byte[] payload = in.readNBytes((int) length);
                if (opcode == 0x8) {
                    return ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
                }
                if (opcode == 0x1 || opcode == 0x0) {
                    text.write(payload);
                }
                if ((opcode == 0x1 || opcode == 0x0) && fin) {
                    JsonNode message = JSON.readTree(text.toString(StandardCharsets.UTF_8));
                    text.reset();
                    if (message.get("type").asString().equals("run_event")) {
                        sequences.add(message.get("event").get("sequence").asLong());
                    }
                }
            }
        }

        List<Long> sequences() {
            return sequences;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void aClientThatFallsBehindIsClosedWithAReasonWithoutHoldingUpOthersAndResumes() throws Exception {
        UUID run = newRun();
        StalledClient slow = new StalledClient(port, "{\"type\":\"subscribe_run\",\"runId\":\"" + run + "\"}");
        WsClient fast = connect();
        fast.subscribe(run, null);
        assertThat(fast.next().get("type").asString()).isEqualTo("subscribed");
        await().atMost(LONG).until(() -> subscriptions() == 2);

        // far more than the socket buffers and the 1 MiB outbox hold
        String big = "x".repeat(2_000);
        long last = 0;
        for (int batch = 0; batch < 8; batch++) {
            List<RunEventWriter.Draft> drafts = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                drafts.add(new RunEventWriter.Draft("run.log", "info", big, null));
            }
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                last = RunEventWriter.append(connection, run, null, drafts).orElseThrow();
                connection.commit();
            }
        }
        long expected = last;
        await().atMost(LONG).until(() -> fast.lastSequence() >= expected || fast.closed.isDone());
        assertThat(fast.closed).as("the fast client stays connected").isNotDone();
        assertThat(fast.sequences()).isEqualTo(range(1, expected));
        await().atMost(LONG).until(() -> subscriptions() == 1);

        assertThat(slow.readUntilClosed()).isEqualTo(4008);
        slow.close();
        List<Long> seen = slow.sequences();
        long resumeFrom = seen.isEmpty() ? 0 : seen.getLast();
        assertThat(seen).isEqualTo(range(1, resumeFrom));

        WsClient resumed = connect();
        resumed.subscribe(run, resumeFrom);
        await().atMost(LONG).until(() -> resumeFrom == expected || resumed.lastSequence() >= expected);
        assertThat(resumed.sequences()).isEqualTo(range(resumeFrom + 1, expected));
    }

    private int subscriptions() {
        return get("/api/realtime/stats")
                .expect(200)
                .body()
                .get("runSubscriptions")
                .asInt();
    }
}
