package dev.agentcenter.runner.run;

import dev.agentcenter.runner.execution.LineRedactor;
import dev.agentcenter.runner.execution.SecretRedactor;
import dev.agentcenter.runner.execution.ShellCommand;
import dev.agentcenter.support.ledger.RunEventWriter.Draft;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;

/**
 * Turns a process's output into {@code run.log} events in the run's journal, redacted, counted against the run's
 * output cap. An over-long line becomes one event holding its first {@link ShellCommand#MAX_LINE_BYTES} bytes, with
 * {@code truncated: true} and {@code originalLength} (its length in bytes) in the payload; the part not stored still
 * counts against the cap.
 */
final class OutputLines implements ShellCommand.OutputSink {

    private final RunJournal journal;
    private final LineRedactor redactor;
    private final ObjectMapper json;
    private final Map<String, Object> stdout;
    private final Map<String, Object> stderr;

    /** @param payload what each line's payload holds besides {@code stream} (command index, or git's phase) */
    OutputLines(RunJournal journal, SecretRedactor redactor, ObjectMapper json, Map<String, Object> payload) {
        this.journal = journal;
        this.redactor = new LineRedactor(redactor);
        this.json = json;
        this.stdout = withStream("stdout", payload);
        this.stderr = withStream("stderr", payload);
    }

    @Override
    public void line(ShellCommand.Stream stream, String line) {
        journal.output(new Draft("run.log", "info", redactor.line(line), json.writeValueAsString(base(stream))));
    }

    @Override
    public void longLine(ShellCommand.Stream stream, String head, long length) {
        Map<String, Object> payload = new LinkedHashMap<>(base(stream));
        payload.put("truncated", true);
        payload.put("originalLength", length);
        journal.output(new Draft(
                "run.log", "info", redactor.head(head, ShellCommand.MAX_LINE_BYTES), json.writeValueAsString(payload)));
    }

    @Override
    public void skipped(ShellCommand.Stream stream, int bytes) {
        journal.skipped(bytes);
    }

    private Map<String, Object> base(ShellCommand.Stream stream) {
        return stream == ShellCommand.Stream.STDOUT ? stdout : stderr;
    }

    private static Map<String, Object> withStream(String stream, Map<String, Object> payload) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("stream", stream);
        map.putAll(payload);
        return map;
    }
}
