package dev.ato.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.protocol.AtoClient;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.Result;
import dev.ato.protocol.StatusType;
import dev.ato.server.AtoServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

@AtoServerTest
@Tag("kernel")
class AtoServerExtensionTest {
    private static AtoServer fromBeforeAll;

    @BeforeAll
    static void remember(AtoServer server) {
        fromBeforeAll = server;
    }

    @Test
    void injectsARunningServerItsUriAndAConnectedClient(AtoServer server, URI uri, AtoClient client) throws Exception {
        assertThat(uri).isEqualTo(server.uri());
        assertThat(uri.getHost()).isEqualTo("127.0.0.1");
        assertThat(server.config().cgroupName()).startsWith("ato-testkit-");

        Result r = client.run(ExecuteRequest.builder("bash").code("echo \"hello $1\"").arguments("client").build());
        assertThat(r.stdoutText()).isEqualTo("hello client\n");
        assertThat(r.done().statusType()).isEqualTo(StatusType.EXITED);

        HttpResponse<String> languages = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(uri.resolve("/api/v1/languages")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(languages.statusCode()).isEqualTo(200);
        assertThat(languages.body()).contains("\"bash\"");
    }

    @Test
    void oneServerForTheWholeClass(AtoServer server) {
        assertThat(server).isSameAs(fromBeforeAll);
    }

    @Test
    void eachTestGetsItsOwnClient(AtoClient a, AtoClient b) {
        // Within one method the same client; the lifecycle test shows another method gets another one.
        assertThat(a).isSameAs(b);
    }

    @Test
    void hostThatCannotRunSandboxesSkipsWithTheReason() {
        ConditionEvaluationResult r = AtoServerExtension.condition(Optional.of("this host cannot run ATO sandboxes: not root"));
        assertThat(r.isDisabled()).isTrue();
        assertThat(r.getReason()).contains("this host cannot run ATO sandboxes: not root");
        assertThat(AtoServerExtension.condition(Optional.empty()).isDisabled()).isFalse();
    }
}
