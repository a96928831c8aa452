package dev.agentcenter.runner.sandbox;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Hands a directory tree to the sandbox's uid, so that a runner that is root can run commands as that uid in a
 * workspace the runner cloned. Links are changed themselves ({@code lchown}), never followed, so a symlink a run left
 * in its workspace cannot make the runner give away a host file. Only entries not already owned are touched.
 */
final class Ownership {

    private Ownership() {}

    /** Gives {@code root} and everything under it to {@code uid} (owner and group); nothing when it does not exist. */
    static void give(Path root, int uid) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                own(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                own(file);
                return FileVisitResult.CONTINUE;
            }

            private void own(Path path) throws IOException {
                // One stat per entry: a large checkout is walked at every run's start.
                java.util.Map<String, Object> owner =
                        Files.readAttributes(path, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
                if (!Integer.valueOf(uid).equals(owner.get("uid"))
                        || !Integer.valueOf(uid).equals(owner.get("gid"))) {
                    Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(path, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
                }
            }
        });
    }
}
