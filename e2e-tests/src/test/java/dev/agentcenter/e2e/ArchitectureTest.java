package dev.agentcenter.e2e;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.agentcenter.model.RunEventTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The architecture every module keeps: no package cycles (each package is a slice, so {@code runner} ↔
 * {@code runner.run} counts too), and only the run ledger ({@code service-support}'s
 * {@code dev.agentcenter.support.ledger}) writes {@code runs} and {@code run_events}. The classes are imported from
 * each module's {@code target/classes}, which the reactor built before this module.
 */
class ArchitectureTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** Every module with main code whose classes are built before this one (this module depends on them). */
    private static final List<String> BUILT_BEFORE = List.of(
            "common-model",
            "service-support",
            "api-service",
            "worker-service",
            "runner-service",
            "sdk-java",
            "local-stack");

    /** Every module with main code ({@code benchmarks} is one package: it cannot have a package cycle). */
    private static final List<String> MODULES =
            Stream.concat(BUILT_BEFORE.stream(), Stream.of("benchmarks")).toList();

    /** Each package is a slice: a cycle between any two packages (a root and its subpackage too) fails. */
    private static final ArchRule NO_CYCLES =
            slices().matching("dev.agentcenter.(**)").should().beFreeOfCycles();

    private static final Path LEDGER = ROOT.resolve("service-support/src/main/java/dev/agentcenter/support/ledger");

    /** A statement that writes one of the ledger's tables, as SQL text in Java source. */
    private static final Pattern WRITE = Pattern.compile(
            "\\b(INSERT\\s+INTO|UPDATE|DELETE\\s+FROM)\\s+(runs|run_events)\\b", Pattern.CASE_INSENSITIVE);

    @Test
    void noModuleHasPackageCycles() {
        List<Path> classDirectories = new ArrayList<>();
        for (String module : BUILT_BEFORE) {
            Path classes = ROOT.resolve(module).resolve("target/classes");
            assertThat(classes).as("%s is built", module).isDirectory();
            classDirectories.add(classes);
        }
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPaths(classDirectories);
        assertThat(classes).as("classes imported").hasSizeGreaterThan(100);
        NO_CYCLES.check(classes);
    }

    @Test
    void theCycleRuleSeesACycle() {
        JavaClasses cycle = new ClassFileImporter().importPackages("dev.agentcenter.e2e.cycle");
        assertThat(cycle).hasSize(2);
        assertThatThrownBy(() -> NO_CYCLES.check(cycle))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Cycle detected");
    }

    @Test
    void onlyTheLedgerWritesRunsAndRunEvents() throws IOException {
        List<String> offenders = new ArrayList<>();
        int scanned = 0;
        for (String module : MODULES) {
            Path sources = ROOT.resolve(module).resolve("src/main/java");
            try (Stream<Path> files = Files.walk(sources)) {
                for (Path file :
                        files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    scanned++;
                    if (file.startsWith(LEDGER)) {
                        continue;
                    }
                    Matcher write = WRITE.matcher(read(file));
                    while (write.find()) {
                        offenders.add(ROOT.relativize(file) + ": " + write.group());
                    }
                }
            }
        }
        assertThat(scanned).as("Java sources scanned").isGreaterThan(100);
        assertThat(offenders)
                .as("SQL writing runs or run_events outside the ledger")
                .isEmpty();
    }

    @Test
    void everyEventTypeTheServicesNameIsInTheCatalogue() throws IOException {
        Pattern literal = Pattern.compile("\"((?:run|repo|git|agent|automation)\\.[a-z_.]+)\"");
        List<String> unknown = new ArrayList<>();
        int found = 0;
        for (String module : MODULES) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
                for (Path file :
                        files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    Matcher type = literal.matcher(read(file));
                    while (type.find()) {
                        found++;
                        if (!RunEventTypes.ALL.contains(type.group(1))) {
                            unknown.add(ROOT.relativize(file) + ": " + type.group(1));
                        }
                    }
                }
            }
        }
        assertThat(found).as("event type literals found").isGreaterThan(30);
        assertThat(unknown).as("event types missing from RunEventTypes").isEmpty();
    }

    @Test
    void theScanRecognisesWritesTheWayTheyAreWritten() {
        assertThat(WRITE.matcher("db.sql(\"UPDATE runs SET status = 'queued'").find())
                .isTrue();
        assertThat(WRITE.matcher("\"\"\"\n    INSERT INTO run_events (run_id").find())
                .isTrue();
        assertThat(WRITE.matcher("delete from runs where").find()).isTrue();
        assertThat(WRITE.matcher("UPDATE runners SET status").find()).isFalse();
        assertThat(WRITE.matcher("SELECT id FROM runs FOR UPDATE").find()).isFalse();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
