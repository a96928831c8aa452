package dev.agentcenter.runner.execution;

import dev.agentcenter.model.PermissionMode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides whether a configured command may start. <strong>A blocklist, not a sandbox:</strong> it stops the obvious
 * and the accidental ({@code sudo …}, {@code rm -rf /}), not a determined author, who can hide a program behind a
 * variable ({@code $X}), a script file, an alias, an interpreter ({@code python -c}) or arguments read from stdin
 * ({@code echo / | xargs rm -rf}). Isolation, if needed, has to come from the machine the runner runs on (a container,
 * a VM, an unprivileged user).
 *
 * <h2>How a command is matched</h2>
 *
 * The original compared rules to the start of the whole line, so {@code echo x && sudo y} and {@code /usr/bin/sudo}
 * passed, while {@code rm -rf /tmp/x} was blocked by substring. Here the line is first split into simple commands
 * ({@link ShellSegments}): on {@code && || ; | &} and newlines, and inside {@code $( … )}, backticks, {@code ( … )}
 * subshells and {@code { … }} groups. In each simple command, leading variable assignments ({@code A=b}), shell
 * keywords ({@code if}, {@code then}, {@code do}, {@code !}, …) and wrappers ({@code command}, {@code exec},
 * {@code env}, {@code nohup}, {@code time}, {@code nice}, {@code xargs}, {@code builtin}, {@code timeout},
 * {@code setsid}, {@code stdbuf}, {@code sudo}, {@code doas}, with their options) are skipped to find the program; the
 * wrappers themselves are checked too. The script of {@code sh|bash|zsh|dash|ksh -c '…'} and the arguments of
 * {@code eval} are checked as command lines of their own. Comparison is case-insensitive. Then, by the shape of the
 * rule:
 *
 * <ul>
 *   <li><b>One word</b> ({@code sudo}, {@code mkfs}): matches a program whose base name is the word or starts with the
 *       word and a dot: {@code /usr/bin/sudo} → {@code sudo}, {@code mkfs.ext4} → {@code mkfs}. An argument is never a
 *       program: {@code echo sudo} is allowed.
 *   <li><b>Several words</b> ({@code rm -rf /}, {@code dd if=}): the first word is the program, as above; every other
 *       word must be present in the command's arguments, in any order: short option letters in any grouping
 *       ({@code -rf} = {@code -fr} = {@code -r -f} = {@code -Rf} = {@code --recursive --force}), long options, a
 *       {@code key=} prefix ({@code dd if=/dev/zero}), and operands compared as paths, where {@code /}, {@code //},
 *       {@code /*} and {@code /.} are all {@code /}, and {@code ~}, {@code ~/}, {@code ~/*}, {@code $HOME} and
 *       {@code ${HOME}} are all {@code ~}. So {@code rm -rf /}, {@code rm -fr /*} and {@code rm -r -f ~/} are
 *       blocked, while {@code rm -rf /tmp/x} and {@code rm -rf ~/project/build} are allowed: deleting a path below
 *       the root or home is an ordinary thing for a build to do, and the workspace itself may be under either.
 *   <li><b>Shell syntax</b> (a rule containing {@code ; & | ( ) { } < >}, such as the fork bomb {@code :(){:|:&};:}):
 *       matches as a substring of the whole line, with whitespace around those characters ignored, so {@code :(){ :|:&
 *       };:} is caught. A renamed fork bomb is not.
 * </ul>
 */
public final class PermissionPolicy {

    /** The {@code safe} mode's rules: the original's list, unchanged. */
    public static final List<String> SAFE_BLOCKLIST = List.of(
            "sudo",
            "shutdown",
            "reboot",
            "halt",
            "poweroff",
            "mkfs",
            "fdisk",
            "diskutil",
            "launchctl",
            "rm -rf /",
            "rm -rf ~",
            "dd if=",
            ":(){:|:&};:");

    private static final Pattern SHELL_SYNTAX = Pattern.compile("[;&|(){}<>`\\n]");
    private static final Pattern AROUND_SYNTAX = Pattern.compile("\\s*([;&|(){}<>`])\\s*");
    private static final Pattern ASSIGNMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\[[^]]*])?\\+?=.*");
    private static final Pattern SHORT_OPTIONS = Pattern.compile("-[a-z]+");

    private static final Set<String> KEYWORDS =
            Set.of("if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "esac", "coproc");

    /** Keywords after which the rest of the simple command is not a command ({@code for x in a b}). */
    private static final Set<String> NOT_A_COMMAND = Set.of("for", "select", "case", "function");

    private static final Set<String> SHELLS = Set.of("sh", "bash", "zsh", "dash", "ksh", "ash", "mksh");

    /** Programs that run another program given as their arguments, with their options that take a value. */
    private static final Map<String, Set<String>> WRAPPERS = Map.ofEntries(
            Map.entry("command", Set.of()),
            Map.entry("exec", Set.of("-a")),
            Map.entry("env", Set.of("-u", "-C", "--unset", "--chdir")),
            Map.entry("nohup", Set.of()),
            Map.entry("time", Set.of("-f", "-o", "--format", "--output")),
            Map.entry("nice", Set.of("-n", "--adjustment")),
            Map.entry("xargs", Set.of("-I", "-n", "-L", "-P", "-s", "-d", "-E", "-a", "--arg-file", "--delimiter")),
            Map.entry("builtin", Set.of()),
            Map.entry("timeout", Set.of("-s", "-k", "--signal", "--kill-after")),
            Map.entry("setsid", Set.of()),
            Map.entry("stdbuf", Set.of("-i", "-o", "-e")),
            Map.entry("sudo", Set.of("-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-T", "-U")),
            Map.entry("doas", Set.of("-u", "-C")));

    /** Long options that mean a short one, so {@code rm --recursive --force /} is {@code rm -rf /}. */
    private static final Map<String, Character> LONG_TO_SHORT = Map.of("recursive", 'r', "force", 'f');

    private final PermissionMode mode;
    private final List<Rule> rules;

    private PermissionPolicy(PermissionMode mode, List<Rule> rules) {
        this.mode = mode;
        this.rules = rules;
    }

    /**
     * The policy of a run.
     *
     * @param mode {@code safe} (also when {@code null}), {@code yolo} or {@code custom}
     * @param blockedCommands the rules of {@code custom} mode; blank entries are ignored, and an empty or missing list
     *     blocks nothing. Ignored by the other modes, as in the original.
     */
    public static PermissionPolicy of(PermissionMode mode, List<String> blockedCommands) {
        PermissionMode effective = mode == null ? PermissionMode.SAFE : mode;
        List<String> sources = switch (effective) {
            case SAFE -> SAFE_BLOCKLIST;
            case YOLO -> List.of();
            case CUSTOM -> blockedCommands == null ? List.of() : blockedCommands;
        };
        List<Rule> rules = new ArrayList<>();
        for (String source : sources) {
            if (source != null && !source.isBlank()) {
                rules.add(Rule.parse(source.strip()));
            }
        }
        return new PermissionPolicy(effective, List.copyOf(rules));
    }

    /** The mode this policy enforces. */
    public PermissionMode mode() {
        return mode;
    }

    /** The rules, as given. */
    public List<String> rules() {
        return rules.stream().map(Rule::source).toList();
    }

    /** The first rule that blocks {@code command}, or empty if it may run. */
    public Optional<String> violation(String command) {
        if (rules.isEmpty() || command == null || command.isBlank()) {
            return Optional.empty();
        }
        // Parsed in its original case: options are case-sensitive (bash -c runs a script, bash -C does not).
        List<Invocation> invocations = new ArrayList<>();
        collect(command, invocations, 0);
        String compact = compact(command.toLowerCase(Locale.ROOT));
        for (Rule rule : rules) {
            if (rule.matches(invocations, compact)) {
                return Optional.of(rule.source());
            }
        }
        return Optional.empty();
    }

    /** A program as it would be started: its lower-case base name, and its arguments as written. */
    private record Invocation(String program, List<String> args) {}

    private static void collect(String commandLine, List<Invocation> out, int depth) {
        if (depth > 8) {
            return;
        }
        for (List<String> segment : ShellSegments.parse(commandLine)) {
            collectSegment(segment, out, depth);
        }
    }

    private static void collectSegment(List<String> words, List<Invocation> out, int depth) {
        int i = 0;
        while (i < words.size()) {
            String word = words.get(i);
            if (KEYWORDS.contains(word) || ASSIGNMENT.matcher(word).matches()) {
                i++;
                continue;
            }
            if (NOT_A_COMMAND.contains(word)) {
                return;
            }
            String program = baseName(word).toLowerCase(Locale.ROOT);
            List<String> args = words.subList(i + 1, words.size());
            out.add(new Invocation(program, args));
            if (SHELLS.contains(program)) {
                shellScript(args).ifPresent(script -> collect(script, out, depth + 1));
                return;
            }
            if (program.equals("eval")) {
                collect(String.join(" ", args), out, depth + 1);
                return;
            }
            if (program.equals("command") && args.stream().anyMatch(a -> a.equals("-v") || a.equals("-V"))) {
                return; // "command -v sudo" only asks where sudo is
            }
            if (!WRAPPERS.containsKey(program)) {
                return;
            }
            i = skipWrapperOptions(program, words, i + 1, out, depth);
        }
    }

    /** The index of the wrapped program's word. */
    private static int skipWrapperOptions(String wrapper, List<String> words, int i, List<Invocation> out, int depth) {
        Set<String> withValue = WRAPPERS.get(wrapper);
        while (i < words.size() && words.get(i).startsWith("-")) {
            String option = words.get(i);
            i++;
            if (option.equals("--")) {
                break;
            }
            if (wrapper.equals("env") && (option.equals("-S") || option.equals("--split-string"))) {
                // env -S 'prog args' splits its value into the command to run.
                if (i < words.size()) {
                    collect(words.get(i), out, depth + 1);
                }
                return words.size();
            }
            if (withValue.contains(option) && i < words.size()) {
                i++;
            }
        }
        if (wrapper.equals("timeout") && i < words.size()) {
            i++; // the duration
        }
        return i;
    }

    /** The script of {@code sh -c 'script'} (also {@code -lc}, {@code -ec}, {@code -o pipefail -c}, …). */
    private static Optional<String> shellScript(List<String> args) {
        boolean dashC = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-o") || arg.equals("+o") || arg.equals("-O") || arg.equals("+O")) {
                i++; // takes an option name
            } else if (arg.startsWith("-") || arg.startsWith("+")) {
                if (!arg.startsWith("--") && arg.indexOf('c') > 0) {
                    dashC = true;
                }
            } else {
                return dashC ? Optional.of(arg) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static String baseName(String program) {
        String trimmed =
                program.endsWith("/") && program.length() > 1 ? program.substring(0, program.length() - 1) : program;
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    private static String compact(String text) {
        return AROUND_SYNTAX.matcher(text.strip()).replaceAll("$1").replaceAll("\\s+", " ");
    }

    private static boolean programMatches(String ruleProgram, String program) {
        return program.equals(ruleProgram) || program.startsWith(ruleProgram + ".");
    }

    /** Operands compared as paths: {@code /*}, {@code //}, {@code /.} are {@code /}; {@code $HOME/}, {@code ~/*} are {@code ~}. */
    static String canonicalPath(String operand) {
        String path = operand;
        if (path.startsWith("${home}")) {
            path = "~" + path.substring("${home}".length());
        } else if (path.startsWith("$home")) {
            path = "~" + path.substring("$home".length());
        }
        try {
            if (path.startsWith("/")) {
                path = Path.of(path.replaceAll("/+", "/")).normalize().toString();
            } else if (path.startsWith("~/")) {
                path = "~/" + Path.of(path.substring(2).replaceAll("/+", "/")).normalize();
            }
        } catch (InvalidPathException e) {
            return operand; // not a path the OS could use either
        }
        String previous;
        do {
            previous = path;
            for (String suffix : List.of("/*", "/.", "/")) {
                if (path.endsWith(suffix) && path.length() > suffix.length() - 1) {
                    path = path.substring(0, path.length() - suffix.length());
                }
            }
        } while (!path.equals(previous));
        return path.isEmpty() ? "/" : path;
    }

    private sealed interface Rule {
        String source();

        boolean matches(List<Invocation> invocations, String compactCommand);

        static Rule parse(String source) {
            String lower = source.toLowerCase(Locale.ROOT);
            if (SHELL_SYNTAX.matcher(lower).find()) {
                return new SyntaxRule(source, compact(lower));
            }
            String[] words = lower.split("\\s+");
            if (words.length == 1) {
                return new ProgramRule(source, baseName(words[0]));
            }
            return ArgumentsRule.of(source, words);
        }
    }

    private record ProgramRule(String source, String program) implements Rule {
        @Override
        public boolean matches(List<Invocation> invocations, String compactCommand) {
            return invocations.stream().anyMatch(invocation -> programMatches(program, invocation.program()));
        }
    }

    private record SyntaxRule(String source, String compact) implements Rule {
        @Override
        public boolean matches(List<Invocation> invocations, String compactCommand) {
            return compactCommand.contains(compact);
        }
    }

    private record ArgumentsRule(
            String source,
            String program,
            Set<Character> letters,
            Set<String> longOptions,
            List<String> prefixes,
            Set<String> operands)
            implements Rule {

        static ArgumentsRule of(String source, String[] words) {
            Arguments parsed = Arguments.of(List.of(words).subList(1, words.length));
            // A long option that stands for a letter is required as the letter, which either spelling provides.
            Set<String> longOptions = new HashSet<>(parsed.longOptions());
            longOptions.removeAll(LONG_TO_SHORT.keySet());
            List<String> prefixes = new ArrayList<>();
            Set<String> operands = new HashSet<>();
            for (String operand : parsed.operands()) {
                if (operand.endsWith("=")) {
                    prefixes.add(operand);
                } else {
                    operands.add(canonicalPath(operand));
                }
            }
            return new ArgumentsRule(source, baseName(words[0]), parsed.letters(), longOptions, prefixes, operands);
        }

        @Override
        public boolean matches(List<Invocation> invocations, String compactCommand) {
            for (Invocation invocation : invocations) {
                if (programMatches(program, invocation.program()) && argumentsMatch(invocation.args())) {
                    return true;
                }
            }
            return false;
        }

        private boolean argumentsMatch(List<String> args) {
            Arguments actual = Arguments.of(args);
            Set<String> actualOperands = new HashSet<>();
            actual.operands().forEach(operand -> actualOperands.add(canonicalPath(operand)));
            return actual.letters().containsAll(letters)
                    && actual.longOptions().containsAll(longOptions)
                    && actualOperands.containsAll(operands)
                    && prefixes.stream()
                            .allMatch(prefix -> args.stream()
                                    .anyMatch(
                                            arg -> arg.toLowerCase(Locale.ROOT).startsWith(prefix)));
        }
    }

    /** Arguments sorted into short option letters, long option names and operands. */
    private record Arguments(Set<Character> letters, Set<String> longOptions, List<String> operands) {
        static Arguments of(List<String> arguments) {
            List<String> args =
                    arguments.stream().map(arg -> arg.toLowerCase(Locale.ROOT)).toList();
            Set<Character> letters = new HashSet<>();
            Set<String> longOptions = new HashSet<>();
            List<String> operands = new ArrayList<>();
            boolean optionsEnded = false;
            for (String arg : args) {
                if (optionsEnded) {
                    operands.add(arg);
                } else if (arg.equals("--")) {
                    optionsEnded = true;
                } else if (arg.startsWith("--")) {
                    String name = arg.substring(2).split("=", 2)[0];
                    longOptions.add(name);
                    Character letter = LONG_TO_SHORT.get(name);
                    if (letter != null) {
                        letters.add(letter);
                    }
                } else if (SHORT_OPTIONS.matcher(arg).matches()) {
                    arg.substring(1).chars().forEach(c -> letters.add((char) c));
                } else {
                    operands.add(arg);
                }
            }
            return new Arguments(letters, longOptions, operands);
        }
    }
}
