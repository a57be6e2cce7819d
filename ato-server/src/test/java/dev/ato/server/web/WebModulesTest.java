package dev.ato.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The page's pure modules under node's test runner, and the bundle the server serves from its class path. */
class WebModulesTest {
    private static final Path WEB = Path.of("src/main/web");

    @Test
    void pageModulesPassTheirUnitTests() {
        Node.require(Path.of("/usr/bin/node"), "nodejs");
        Node.ensurePackages(WEB, Path.of("target/web-test-logs/npm-ci-web.log"));
        Node.Result r = Node.run(WEB.toAbsolutePath(), Path.of("target/web-test-logs/modules.log").toAbsolutePath(),
                Duration.ofMinutes(3), List.of("node", "--test", "test/"));
        assertThat(r.output()).contains("# fail 0", "# skipped 0").containsPattern("# pass [1-9]");
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void bundleOnTheClassPathLoadsNothingFromOtherHosts() throws IOException {
        String html = resource("web/index.html");
        String js = resource("web/app.js");
        String css = resource("web/style.css");
        assertThat(html).contains("<script type=\"module\" src=\"app.js\"></script>", "href=\"style.css\"");
        // No CDN, font or script from elsewhere: links the page shows (a language's home page) come from the API.
        Pattern remote = Pattern.compile("(src|href)\\s*=\\s*\"(https?:)?//", Pattern.CASE_INSENSITIVE);
        assertThat(remote.matcher(html).find()).as("index.html references another host").isFalse();
        assertThat(css).doesNotContainPattern("@import|url\\((\"|')?(https?:)?//");
        // @msgpack/msgpack is bundled in, not imported at run time.
        assertThat(js).doesNotContainPattern("import\\s*[{*\\w][^;]*from\\s*\"");
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = WebModulesTest.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as("%s on the class path", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
