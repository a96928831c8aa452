package dev.agentcenter.runner.execution;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which keys of a workspace's {@code .git/config} the runner's git calls can live with.
 *
 * <p>An allowlist, not a list of known-bad keys: git grows new keys that run programs or move traffic every few
 * releases ({@code core.fsmonitor} in 2.16, {@code core.alternateRefsCommand} in 2.20, {@code
 * gpg.ssh.defaultKeyCommand} in 2.34), and a list of bad keys would silently miss them. Allowed are:
 *
 * <ul>
 *   <li>what {@code git clone}/{@code init} write and settings that only change how content or refs are handled
 *       ({@code core.autocrlf}, {@code core.ignorecase}, …), identities, colours and advice;
 *   <li>{@code remote.<name>.url|pushurl|fetch|…} and {@code branch.<name>.*} tracking: the runner never uses a remote
 *       by name, it fetches from and pushes to the pinned URL, so these change nothing for it;
 *   <li>the keys {@link GitRunner#SAFE_OVERRIDES} overrides on every call (hooks, fsmonitor, ssh, credential helper,
 *       pager, editor, gpg, submodule recursion, auto gc), and {@code protocol.*.allow}, which {@code
 *       GIT_ALLOW_PROTOCOL} overrides: set or not, they do nothing.
 * </ul>
 *
 * Everything else is unsafe, among them what {@code -c} cannot neutralize because part of the key is free-form:
 * {@code filter.<driver>.clean|smudge|process}, {@code diff.<driver>.textconv|command}, {@code merge.<driver>.driver},
 * {@code url.<base>.insteadOf}, {@code http.<url>.*}, {@code credential.<url>.*}, {@code include.path}, {@code
 * includeIf.*}, {@code core.worktree}, {@code extensions.*} (a partial clone's lazy fetches from a remote by name),
 * {@code remote.<name>.uploadpack|receivepack|proxy|vcs|promisor}, {@code core.alternateRefsCommand}, {@code
 * core.gitProxy}.
 */
final class RepositoryConfig {

    /** Keys without a subsection (lower case, as {@code git config --list} prints them). */
    private static final Set<String> HARMLESS = Set.of(
            "core.repositoryformatversion",
            "core.filemode",
            "core.bare",
            "core.logallrefupdates",
            "core.ignorecase",
            "core.precomposeunicode",
            "core.symlinks",
            "core.autocrlf",
            "core.eol",
            "core.safecrlf",
            "core.quotepath",
            "core.checkstat",
            "core.trustctime",
            "core.abbrev",
            "core.untrackedcache",
            "core.commentchar",
            "core.fsmonitorhookversion",
            "user.name",
            "user.email",
            "user.signingkey",
            "author.name",
            "author.email",
            "committer.name",
            "committer.email",
            "init.defaultbranch",
            "pull.rebase",
            "pull.ff",
            "push.default",
            "push.autosetupremote",
            "fetch.prune",
            "merge.conflictstyle",
            "rerere.enabled",
            "gpg.format");

    private static final Set<String> REMOTE_KEYS = Set.of(
            "url",
            "pushurl",
            "fetch",
            "push",
            "tagopt",
            "prune",
            "prunetags",
            "mirror",
            "skipdefaultupdate",
            "skipfetchall");

    private static final Set<String> BRANCH_KEYS = Set.of("remote", "merge", "rebase", "description", "pushremote");

    private RepositoryConfig() {}

    /** True if the runner's git calls are unaffected by this key, whatever its value. */
    static boolean harmless(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        if (GitRunner.OVERRIDDEN_KEYS.contains(lower)) {
            return true;
        }
        int first = lower.indexOf('.');
        int last = lower.lastIndexOf('.');
        if (first < 0) {
            return false;
        }
        String section = lower.substring(0, first);
        String name = lower.substring(last + 1);
        if (section.equals("color") || section.equals("advice")) {
            return true;
        }
        if (section.equals("protocol") && name.equals("allow")) {
            return true; // GIT_ALLOW_PROTOCOL, set on every call, overrides protocol.allow and protocol.<name>.allow
        }
        if (first == last) {
            return HARMLESS.contains(lower);
        }
        return switch (section) {
            case "remote" -> REMOTE_KEYS.contains(name);
            case "branch" -> BRANCH_KEYS.contains(name);
            default -> false;
        };
    }

    /**
     * The distinct unsafe keys of {@code git config --list --null} output ({@code key\nvalue\0}, or {@code key\0} for a
     * key without a value), in order of appearance.
     */
    static List<String> unsafeKeys(byte[] listing) {
        Set<String> unsafe = new LinkedHashSet<>();
        for (String entry : new String(listing, StandardCharsets.UTF_8).split("\0")) {
            if (entry.isEmpty()) {
                continue;
            }
            int newline = entry.indexOf('\n');
            String key = newline < 0 ? entry : entry.substring(0, newline);
            if (!harmless(key)) {
                unsafe.add(key);
            }
        }
        return new ArrayList<>(unsafe);
    }
}
