package dev.ato.protocol;

import static dev.ato.protocol.Bytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestValidatorTest {
    private static final Predicate<String> CATALOG = Set.of("python", "bash")::contains;

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 30, 59, 60})
    void timeoutsFromOneToSixtyAreAccepted(int timeout) {
        assertThatCode(() -> RequestValidator.validate(ExecuteRequest.of("python", "").withTimeout(timeout), CATALOG))
                .doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 61, 1000, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void timeoutsOutsideOneToSixtyAreRefusedWithTheValue(int timeout) {
        assertThatThrownBy(() -> RequestValidator.validate(ExecuteRequest.of("python", "").withTimeout(timeout),
                CATALOG))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("timeout not in range 1-60: " + timeout)
                .satisfies(e -> assertThat(((ProtocolException) e).closeReason())
                        .isEqualTo("invalid request: timeout not in range 1-60: " + timeout));
    }

    @Test
    void nullByteInAnArgumentOrAnOptionIsRefused() {
        ExecuteRequest arg = ExecuteRequest.of("python", "").withArguments(List.of(utf8("ok"), new byte[] {'a', 0}));
        ExecuteRequest opt = ExecuteRequest.of("python", "").withOptions(List.of(new byte[] {0}));
        assertThatThrownBy(() -> RequestValidator.validate(arg, CATALOG)).hasMessage("argument contains null byte");
        assertThatThrownBy(() -> RequestValidator.validate(opt, CATALOG)).hasMessage("argument contains null byte");
    }

    @Test
    void nullBytesInCodeAndInputAreFine() {
        ExecuteRequest r = ExecuteRequest.of("python", new byte[] {0, 1}).withInput(new byte[] {0});
        assertThatCode(() -> RequestValidator.validate(r, CATALOG)).doesNotThrowAnyException();
    }

    @Test
    void unknownLanguageIsNamed() {
        assertThatThrownBy(() -> RequestValidator.validate(ExecuteRequest.of("cobol", ""), CATALOG))
                .isInstanceOf(ProtocolException.class).hasMessage("no such language: cobol");
    }

    @Test
    void theFirstProblemReportedIsTheOneAtoChecksFirst() {
        ExecuteRequest r = ExecuteRequest.builder("cobol").arguments(List.of(new byte[] {0})).timeout(99).build();
        assertThatThrownBy(() -> RequestValidator.validate(r, CATALOG)).hasMessage("timeout not in range 1-60: 99");
        assertThat(RequestValidator.violations(r))
                .containsExactly("timeout not in range 1-60: 99", "argument contains null byte");
        ExecuteRequest r2 = ExecuteRequest.builder("cobol").arguments(List.of(new byte[] {0})).build();
        assertThatThrownBy(() -> RequestValidator.validate(r2, CATALOG)).hasMessage("argument contains null byte");
    }

    @Test
    void aDecodedRequestIsValidatedEndToEnd() {
        byte[] wire = Bytes.of("86 a8 \"language\" a6 \"python\" a4 \"code\" c4 00 a5 \"input\" c4 00"
                + " a9 \"arguments\" 90 a7 \"options\" 90 a7 \"timeout\" 3d");
        ExecuteRequest r = ProtocolCodec.decodeRequest(wire);
        assertThatThrownBy(() -> RequestValidator.validate(r, CATALOG)).hasMessage("timeout not in range 1-60: 61");
    }

    @Test
    void closeReasonsAreCutToWhatAWebSocketCloseFrameHolds() {
        String lang = "é".repeat(100);
        ProtocolException e = new ProtocolException("no such language: " + lang);
        assertThat(e.closeReason().getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(123);
        assertThat(e.closeReason()).startsWith("invalid request: no such language: éé");
    }
}
