package dev.ato.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs node and npm for the web tests: output to a log file under target/, a hard time limit, no leftovers. */
final class Node {
    private Node() { }

    /** What a finished command left: its exit code and everything it printed. */
    record Result(int exitCode, String output) { }

    /**
     * Runs {@code command} in {@code dir}, its output going to {@code log}; kills it and its children when
     * {@code limit} passes. The output is echoed to stdout so Maven's log keeps it.
     */
    static Result run(Path dir, Path log, Duration limit, List<String> command) {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            // Never let a browser tool fetch a browser of its own: the tests use Debian's chromium.
            pb.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            Process p = pb.start();
            boolean finished = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            System.out.println(out);
            assertThat(finished).as("%s finished within %s (log: %s)", command, limit, log).isTrue();
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException("running " + command + " in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    /**
     * Installs the npm packages locked in {@code dir}'s package-lock.json unless node_modules already holds
     * that lock (npm writes node_modules/.package-lock.json on every install), so a second run costs nothing.
     */
    static void ensurePackages(Path dir, Path log) {
        Path lock = dir.resolve("package-lock.json");
        Path installed = dir.resolve("node_modules/.package-lock.json");
        try {
            if (Files.isRegularFile(installed)
                    && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
                return;
            }
            Result r = run(dir, log, Duration.ofMinutes(5), List.of("npm", "ci", "--no-audit", "--no-fund"));
            assertThat(r.exitCode()).as("npm ci in %s failed:%n%s", dir, r.output()).isZero();
            Files.setLastModifiedTime(installed, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            throw new UncheckedIOException("checking the npm packages in " + dir, e);
        }
    }

    /**
     * What every browser test needs before it starts a server: Debian's chromium and node, and the npm packages
     * (playwright-core) locked in {@code dir}.
     */
    static void prepareBrowserTests(Path dir, Path target) {
        require(Path.of("/usr/bin/chromium"), "chromium");
        require(Path.of("/usr/bin/node"), "nodejs");
        ensurePackages(dir, target.resolve("web-test-logs/npm-ci-browser.log"));
    }

    /** Fails with the Debian package to install when {@code executable} is missing. */
    static void require(Path executable, String debianPackage) {
        assertThat(Files.isExecutable(executable))
                .as("%s is missing: apt-get install %s (listed in setup/packages)", executable, debianPackage)
                .isTrue();
    }
}
