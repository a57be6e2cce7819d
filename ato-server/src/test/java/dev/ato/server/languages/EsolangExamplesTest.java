package dev.ato.server.languages;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.Result;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The esoteric languages this project implements itself (runners/lib: the brainfuck family, ///, Whitespace,
 * Brain-Flak), beyond their hello worlds: the rules of each specification, one program each, through the real
 * server and sandbox. (Each hello world is HelloWorldTest's.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EsolangExamplesTest {
    private LanguageServer server;

    @BeforeAll
    void start() {
        server = LanguageServer.start();
    }

    @AfterAll
    void stop() {
        if (server != null) server.close();
    }

    /** The Labyrinth specification's example abs.lab: prints the absolute value of the integer it reads. */
    static final String ABS = "\" \":\"\n\" ` `\n?\"\":\";!\\@\n  \" \"\n  \":\"";

    /** Whitespace source from S (space), T (tab) and L (line feed); anything else is left out. */
    static String ws(String letters) {
        StringBuilder b = new StringBuilder();
        for (char c : letters.toCharArray()) {
            if (c == 'S') b.append(' ');
            else if (c == 'T') b.append('\t');
            else if (c == 'L') b.append('\n');
        }
        return b.toString();
    }

    static Arguments ex(String what, String id, String code, String input, List<String> options, List<String> arguments,
            String output) {
        return Arguments.of(what, id, code, input, options, arguments, output);
    }

    static Arguments ex(String what, String id, String code, String input, String output) {
        return ex(what, id, code, input, List.of(), List.of(), output);
    }

    static Stream<Arguments> examples() {
        String a65 = "+".repeat(65);
        return Stream.of(
                // brainfuck, as TIO and ATO run it: 8-bit cells that wrap, a tape of 65,536 that wraps, EOF reads 0
                ex("brainfuck cat stops at end of input", "brainfuck", ",[.,]", "abc", "abc"),
                ex("brainfuck cells wrap below 0", "brainfuck", "-.", "", "\u00ff"),
                ex("brainfuck tape wraps left of cell 0", "brainfuck", "<" + a65 + ".>.", "", "A\0"),
                ex("alphuck: e is +, j is ., other letters are nothing", "alphuck", "e".repeat(65) + "xyz+j", "", "A"),
                ex("brainbool prints bits as 0 and 1", "brainbool", ".+.", "", "01"),
                ex("brainbool reads and writes bytes bit by bit with -b -B", "brainbool", ",.".repeat(16), "Hi", List.of("-b", "-B"),
                        List.of(), "Hi"),
                ex("brainlove ( ) loops while the cell is 0", "brainlove", "(+)" + "+".repeat(64) + ".", "", "A"),
                ex("brainlove $ stores, ! loads, ~ breaks", "brainlove", a65 + "$>!.[~]>.", "", "A\0"),
                ex("extended type I: @ ends the program", "extended_brainfuck_type_I", a65 + ".@.", "", "A"),
                ex("extended type I: } halves, { doubles, ~ inverts", "extended_brainfuck_type_I",
                        "+".repeat(130) + "}." + ">" + "+".repeat(32) + "{+." + ">" + "+".repeat(190) + "~.", "", "AAA"),
                ex("extended type I: | ^ & with the storage", "extended_brainfuck_type_I",
                        "+".repeat(64) + "$>+|.>+^.>" + "+".repeat(67) + "&.", "", "AA@"),
                ex("random brainfuck: ? sets a random value", "random_brainfuck", "?[-]" + a65 + ".", "", "A"),
                ex("tinybf: = turns round, + then counts down", "tinybf", "+".repeat(66) + "=+===", "", "A"),
                ex("tinybf: |=| reads, | loops", "tinybf", "|=|==", "A", "A"),
                ex("oOo CODE: the case of three letters is the command", "ooocode", "AbC ".repeat(65) + "ABc!", "", "A"),
                // ///
                ex("/// replaces, then prints the rest", "slashes", "/World/Universe/Hello, World!", "", "Hello, Universe!"),
                ex("/// replaces again until no match is left", "slashes", "/aa/a/aaaaaaaa", "", "a"),
                ex("/// backslash escapes", "slashes", "\\/\\\\/a\\/b/c/xa/b", "", "/\\xc"),
                ex("/// an unfinished substitution ends the program", "slashes", "x/a/b", "", "x"),
                // Whitespace
                ex("whitespace push, add, print number", "whitespace", ws("SSSTTL SSSTSSL TSSS TLST LLL"), "", "7"),
                ex("whitespace division rounds down", "whitespace", ws("SSTTTTL SSSTSL TSTS TLST LLL"), "", "-4"),
                ex("whitespace modulo takes the divisor's sign", "whitespace", ws("SSTTTTL SSSTSL TSTT TLST LLL"), "", "1"),
                ex("whitespace read a character to the heap, print it", "whitespace",
                        ws("SSSL TLTS SSSL TTT TLSS LLL"), "x", "x"),
                ex("whitespace call, return, jump if zero", "whitespace",
                        ws("LSTSL SSSL LTSTL SSSTTL TLST LSSTL LLL LSSSL SSSTSSSSSTL TLSS LTL"), "", "A"),
                ex("whitespace dup, swap, copy, slide", "whitespace",
                        ws("SSSTL SSSTSL SLS TSSS SLT TLST TLST SSSTTL SSSTSSL STSSTL TLST STLSTL TLST LLL"), "", "1434"),
                // Labyrinth: the specification's own examples (cat.lab, abs.lab) and a few commands
                ex("labyrinth cat.lab copies its input", "labyrinth", ",\"\"\n. \"\n\"\"\"@\n\" \"\n\"\"\"", "hello", "hello"),
                ex("labyrinth abs.lab of -5", "labyrinth", ABS, "-5", "5\n"),
                ex("labyrinth abs.lab of 7", "labyrinth", ABS, "7", "7\n"),
                ex("labyrinth digits, _, +, : and the auxiliary stack", "labyrinth", "_3_4+:}!{!@", "", "77"),
                ex("labyrinth a dead end turns the pointer round, a corner turns it", "labyrinth", "))\"\n!\n@", "", "4"),
                // Knight
                ex("knight prefix arithmetic", "knight", "O + 1 * 2 3", "", "7\n"),
                ex("knight variables and WHILE", "knight", "; = a 3 W a ; O a = a - a 1", "", "3\n2\n1\n"),
                ex("knight OUTPUT of a string ending in a backslash prints no newline", "knight", "O \"hi\\\"", "", "hi"),
                ex("knight strings: + concatenates, * repeats, GET takes a substring", "knight",
                        "; O + \"n=\" 4 ; O * \"ab\" 3 O G \"hello\" 1 3", "", "n=4\nababab\nell\n"),
                ex("knight lists: + @ 123 is its digits, ^ joins", "knight", "O ^ + @ 123 \", \"", "", "1, 2, 3\n"),
                ex("knight / truncates towards zero", "knight", "O / ~7 2", "", "-3\n"),
                ex("knight BLOCK and CALL, PROMPT reads a line", "knight", "; = f B O + \"got \" PROMPT C f", "line\n", "got line\n"),
                // Aheui: initial consonant the command, vowel the direction, final consonant the argument
                ex("aheui reads a character, prints it as a number", "aheui_rpaheui", "밯망희", "A", "65"),
                ex("aheui pushes strokes of the final consonant and adds", "aheui_rpaheui", "반반다망희", "", "4"),
                ex("aheui too few values: the cursor turns back", "aheui_rpaheui", "반다망희", "", "4"),
                ex("aheui storage ㅇ is a queue", "aheui_rpaheui", "상반받망망희", "", "23"),
                ex("aheui other storages are stacks", "aheui_rpaheui", "반받망망희", "", "32"),
                ex("aheui ㅈ compares", "aheui_rpaheui", "반받자망희", "", "0"),
                // LOLCODE 1.2
                ex("lolcode variables and arithmetic, VISIBLE with ! and :)", "lolcode",
                        "HAI 1.2\nI HAS A x ITZ 3\nx R SUM OF x AN PRODUKT OF 2 AN 4\nVISIBLE x\nVISIBLE \"a\" AN \"b:)c\"!\nKTHXBYE",
                        "", "11\nab\nc"),
                ex("lolcode IM IN YR with UPPIN and TIL", "lolcode",
                        "HAI 1.2\nIM IN YR loop UPPIN YR i TIL BOTH SAEM i AN 3\n  VISIBLE i\nIM OUTTA YR loop\nKTHXBYE", "", "0\n1\n2\n"),
                ex("lolcode GIMMEH, O RLY? on IT", "lolcode",
                        "HAI 1.2\nI HAS A n\nGIMMEH n\nBOTH SAEM n AN \"yes\", O RLY?\n  YA RLY, VISIBLE \"said yes\"\n"
                                + "  NO WAI, VISIBLE \"said \" n\nOIC\nKTHXBYE", "no\n", "said no\n"),
                ex("lolcode a recursive HOW IZ I", "lolcode",
                        "HAI 1.2\nHOW IZ I fact YR n\n  BOTH SAEM n AN 0, O RLY?\n    YA RLY, FOUND YR 1\n  OIC\n"
                                + "  FOUND YR PRODUKT OF n AN I IZ fact YR DIFF OF n AN 1 MKAY\nIF U SAY SO\n"
                                + "VISIBLE I IZ fact YR 5 MKAY\nKTHXBYE", "", "120\n"),
                ex("lolcode WTF? falls through to GTFO; SMOOSH, MAEK, QUOSHUNT, comments", "lolcode",
                        "HAI 1.2\nI HAS A c ITZ \"b\"\nc, WTF?\n  OMG \"a\", VISIBLE \"A\"\n  OMG \"b\", VISIBLE \"B\"\n"
                                + "  OMG \"c\", VISIBLE \"C\", GTFO\n  OMGWTF, VISIBLE \"?\"\nOIC\n"
                                + "VISIBLE SMOOSH \"x\" AN 1 AN WIN MKAY\nVISIBLE MAEK \"42\" A NUMBR\nVISIBLE QUOSHUNT OF 7 AN 2\n"
                                + "VISIBLE QUOSHUNT OF 7.0 AN 2 BTW a comment\nOBTW a\nlong one TLDR\nKTHXBYE", "",
                        "B\nC\nx1WIN\n42\n3\n3.50\n"),
                // Brain-Flak
                ex("brain-flak adds its input", "brainflak", "({}{})", "2 3", "5\n"),
                ex("brain-flak arguments are input too", "brainflak", "({}{})", "", List.of(), List.of("20", "22"), "42\n"),
                ex("brain-flak [] is the height, the stack prints from the top", "brainflak", "([])", "7 8 9", "3\n7\n8\n9\n"),
                ex("brain-flak <> swaps stacks, [x] negates, {x} loops", "brainflak", "(([{}]))<>{({}[()])}<>", "3",
                        List.of(), List.of(), "-3\n-3\n"),
                ex("brain-flak -c reads and prints characters", "brainflak", "", "abc", List.of("-c"), List.of(), "abc\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void theSpecificationsExamplesPrintWhatItSays(String what, String id, String code, String input, List<String> options,
            List<String> arguments, String output) {
        LanguageServer.installed(id);
        Result r = server.run(ExecuteRequest.builder(id).code(code).input(input)
                .options(options.toArray(String[]::new)).arguments(arguments.toArray(String[]::new)).build());
        byte[] expected = output.chars().allMatch(c -> c < 256) && output.chars().anyMatch(c -> c >= 128)
                ? output.getBytes(StandardCharsets.ISO_8859_1) : output.getBytes(StandardCharsets.UTF_8);
        assertThat(r.stdout()).as(LanguageServer.describe(r)).isEqualTo(expected);
        assertThat(r.done().statusValue()).as(LanguageServer.describe(r)).isZero();
    }
}
