package dev.ato.server.languages;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.Result;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The esoteric languages this project implements itself (runners/lib: the brainfuck family, ///, Whitespace,
 * Brain-Flak, Labyrinth, Knight, Aheui, LOLCODE, Exceptionally, Quipu, J-uby, Regenerate), beyond their hello
 * worlds: the rules of each specification, one program each, through the real server and sandbox. (Each hello world
 * is HelloWorldTest's.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("kernel")
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

    /** Quipu source from its lines (some end in a blank, which a text block would drop). */
    static String quipu(String... lines) {
        return String.join("\n", lines);
    }

    /** Quipu's README: the factorial of the number read. */
    static final String QUIPU_FACTORIAL = quipu(
            "\"0  1  2  3  4  5  6\"",
            "",
            "\\/ 2& 1& 4& 1& 1& 1&",
            "6& [] -- [] ^^ [] /\\",
            "== ** 0& 4& -- /\\",
            "   1& [] == 1& ::",
            "   -- -- 2& >>",
            "   4& 4& []",
            "   [] [] 1&",
            "   ** ** >>",
            "   1& 0&",
            "   ++ []",
            "      ++");

    /** Quipu's README: the first N members of the Fibonacci sequence. */
    static final String QUIPU_FIBONACCI = quipu(
            "\"0  1  2  3  4  5  6  7  8\"",
            "",
            "\\/ 1& 3& 4& 3& 7& 3& 1& 7&",
            "   -- [] [] [] [] [] ^^ []",
            "   0&    1& 2& 6& /\\ -- 7&",
            "   []    -- [] == 7& 1& >>",
            "   --    7& ++ ', [] >> '.",
            "   7&    []    /\\ 1&    /\\",
            "   []    **    '  >>",
            "   **    1&    /\\",
            "   0&    ++",
            "   []",
            "   ++",
            "   8&",
            "   ==");

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
                // Exceptionally: the README's examples (-q: the ending exception is not reported, the status is 0)
                ex("exceptionally squares its input (README)", "exceptionally", "G\nI\n*\nP\n/0", "7", List.of("-q"), List.of(),
                        "49\n"),
                ex("exceptionally Collatz steps, golfed (README)", "exceptionally", "GI}n>1?Pi;L{i?{0U}i{n%2=0?!3{n/2!3{n*3U!1",
                        "6", List.of("-q"), List.of(), "8\n"),
                ex("exceptionally ? runs its right side when the left raises", "exceptionally",
                        "{0}x{1 /x ? P\"Division by zero\" /0", "", List.of("-q"), List.of(), "Division by zero\n"),
                ex("exceptionally ! skips lines, and the program wraps round", "exceptionally",
                        "P\"start\"\n{n?{3\nD\n}n\nPn\n>0?/0\n!1", "", List.of("-q"), List.of(), "start\n2\n1\n0\n"),
                ex("exceptionally ; stops at the first exception; | splits, $ joins, % formats", "exceptionally",
                        "{\"a,b,c\"|\",\"$\"-\"P ' a comment\n{\"%d!\"%5P{\"x\";/0;P\"not reached\"?P\"caught\"/0", "",
                        List.of("-q"), List.of(), "a-b-c\n5!\ncaught\n"),
                // Quipu: the README's examples and the knots of the specification
                ex("quipu hello world (README)", "quipu", quipu("'H", "'e", "'l", "'l", "'o", "' ", "'W", "'o", "'r", "'l", "'d",
                        "'!", "\\n", "/\\"), "", "Hello World!\n"),
                ex("quipu factorial of 5 (README)", "quipu", QUIPU_FACTORIAL, "5\n", "120"),
                ex("quipu factorial of 0 (README)", "quipu", QUIPU_FACTORIAL, "0\n", "1"),
                ex("quipu Fibonacci, 10 members (README)", "quipu", QUIPU_FIBONACCI, "10\n",
                        "1, 1, 2, 3, 5, 8, 13, 21, 34, 55."),
                ex("quipu digits add up across lines, ## copies, :: halts", "quipu", quipu("1@ 'x", "2& /\\", "## ", "** ", "/\\ ",
                        "::"), "", "144"),
                // J-uby: the README's examples and equalities (Ruby's own operators are its; these are J-uby's)
                ex("j-uby joins with commas: ~:*&?, (README)", "j_uby", "puts (~:*&?,).([1,2,3])", "", "1,2,3\n"),
                ex("j-uby average of an array: :/ % [:/ & :+, :size] (README)", "j_uby", "p (:/ % [:/ & :+, :size]).([2,4,6,8])",
                        "", "5\n"),
                ex("j-uby Haskell-style foldr from / (README)", "j_uby", "p (:~|:& &:/|:|&:reverse).(:-).([1,2,3,10])", "",
                        "-8\n"),
                ex("j-uby all even, with and without map (README)", "j_uby",
                        "p (:* &:even?|:all?).([2,4,6]), (:& &:all?|~:%&:even?).([1,4])", "", "true\nfalse\n"),
                ex("j-uby iteration: P + init, P ** n, P !~ x (README)", "j_uby",
                        "p (:+ + [0,1]).(8), ((:+ & 1) ** 5).(10), ->(x){x/2} !~ 100", "",
                        "[0, 1, 1, 2, 3, 5, 8, 13, 21, 34]\n15\n0\n"),
                ex("j-uby << >> / * =~ and P.-(x, y)", "j_uby",
                        "p (:+ << [1,2]), (:inspect.>>(1,2)), (:+ / [1,2,3]), (:succ * [1,2]), (:abs =~ 5), "
                                + "->(x){->(y){x*y}}.-(6,7)",
                        "", "3\n\"[1, 2]\"\n6\n[2, 3]\ntrue\n42\n"),
                ex("j-uby forks: P % [Q] and P % [Q, R]", "j_uby",
                        "p (:+ % [:abs]).(-3), (:+ % [:abs]).(10,-3), (:+ % [:abs, :succ]).(-3, 4), "
                                + "(:+ % [->(a,b){a*b}, ->(a,b){a-b}]).(5,2)", "", "0\n13\n8\n13\n"),
                ex("j-uby arguments reach the program, options reach ruby", "j_uby", "puts (:upcase * ARGV) * \",\"; p $VERBOSE", "",
                        List.of("-W0"), List.of("a", "b c"), "A,B C\nnil\n"),
                // Regenerate: the README's examples
                ex("regenerate -l 4: the fewest repetitions first (README)", "regenerate", "ab+c", "", List.of("-l", "4"), List.of(),
                        "abc\nabbc\nabbbc\nabbbbc\n"),
                ex("regenerate the leftmost choice varies slowest (README)", "regenerate", "a*(b{1,2}|[c-e])f?", "",
                        List.of("-l", "12"), List.of(), "b\nbf\nbb\nbbf\nc\ncf\nd\ndf\ne\nef\nab\nabf\n"),
                ex("regenerate escapes a metacharacter (README)", "regenerate", "\\(a\\)", "", "(a)\n"),
                ex("regenerate $N is the group's latest match (README)", "regenerate", "(a|b){2}_$1", "", List.of("-a"), List.of(),
                        "aa_a\nab_b\nba_a\nbb_b\n"),
                ex("regenerate a group not matched yet fails (README)", "regenerate",
                        "(Group 3: ($3|not matched yet) -- (Hello, world)\\n){2}", "",
                        "Group 3: not matched yet -- Hello, world\nGroup 3: Hello, world -- Hello, world\n\n"),
                ex("regenerate inputs are $~N, numbers in braces count (README)", "regenerate", "1 $~1 2 $~2{2} a{3*($~1+1)}", "",
                        List.of(), List.of("2", "xyz"), "1 2 2 xyzxyz aaaaaaaaa\n"),
                ex("regenerate ${...} prints a value, #~N is a length (README)", "regenerate",
                        "$~1 squared is ${$~1*$~1}, #~2 characters\\n(\\+-{#~2+2}\\+)\\n\\| $~2 \\|\\n$1", "",
                        List.of(), List.of("5", "Hello, world!"),
                        "5 squared is 25, 13 characters\n+---------------+\n| Hello, world! |\n+---------------+\n"),
                ex("regenerate | tries both sides, ! the second only when the first fails (README)", "regenerate",
                        "(x{1,2}|y{1,2})-(x{1,2}!y{1,2})-($9!z)", "", List.of("-a"), List.of(),
                        "x-x-z\nx-xx-z\nxx-x-z\nxx-xx-z\ny-x-z\ny-xx-z\nyy-x-z\nyy-xx-z\n"),
                // Brain-Flak
                ex("brain-flak adds its input", "brainflak", "({}{})", "2 3", "5\n"),
                ex("brain-flak arguments are input too", "brainflak", "({}{})", "", List.of(), List.of("20", "22"), "42\n"),
                ex("brain-flak [] is the height, the stack prints from the top", "brainflak", "([])", "7 8 9", "3\n7\n8\n9\n"),
                ex("brain-flak <> swaps stacks, [x] negates, {x} loops", "brainflak", "(([{}]))<>{({}[()])}<>", "3",
                        List.of(), List.of(), "-3\n-3\n"),
                ex("brain-flak -c reads and prints characters", "brainflak", "", "abc", List.of("-c"), List.of(), "abc\n"));
    }

    /** Every Exceptionally program ends with an exception: reported with status 1, unless -q. */
    @Test
    void exceptionallyReportsTheExceptionThatEndsTheProgram() {
        LanguageServer.installed("exceptionally");
        Result r = server.run(ExecuteRequest.builder("exceptionally").code("P\"hi\"/").build());
        assertThat(r.stdoutText()).as(LanguageServer.describe(r)).isEqualTo("hi\n");
        assertThat(r.stderrText()).as(LanguageServer.describe(r)).contains("ZeroDivisionError");
        assertThat(r.done().statusValue()).as(LanguageServer.describe(r)).isEqualTo(1);
    }

    /** Quipu's two exceptions: a jump to, or a reference of, a thread that does not exist. */
    @Test
    void quipuRefusesAThreadThatDoesNotExist() {
        LanguageServer.installed("quipu");
        for (String code : List.of("5&\n??", "5&\n[]")) {
            Result r = server.run(ExecuteRequest.builder("quipu").code(code).build());
            assertThat(r.stderrText()).as(LanguageServer.describe(r)).contains("no such thread: \"5\"");
            assertThat(r.done().statusValue()).as(LanguageServer.describe(r)).isEqualTo(1);
        }
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
