package dev.ato.server.languages;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.protocol.AtoClient;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.Result;
import dev.ato.protocol.StatusType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * ATO's runner contract, per family of languages (interpreted, compiled, JVM), through the real server:
 * the input arrives on stdin, the arguments reach the program and the options the compiler or interpreter,
 * byte for byte (spaces, quotes, newlines, non-UTF-8); the program's exit status is the run's; a compile error
 * shows on stderr and ends the run with the compiler's status; {@code custom_runner} replaces the runner.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("kernel")
class RunnerContractTest {
    private LanguageServer server;

    @BeforeAll
    void start() {
        server = LanguageServer.start();
    }

    @AfterAll
    void stop() {
        if (server != null) server.close();
    }

    private static final byte[] INPUT = "first line\nsecond line, no newline at the end".getBytes(StandardCharsets.UTF_8);

    /** Arguments every language must pass on exactly. */
    private static final List<byte[]> TEXT_ARGUMENTS = LanguageServer.bytes(
            "two words", "double \" and single ' quotes", "a\nnewline", "", "  spaces  ", "$HOME `x` \\ *", "é✓");

    /** The same plus bytes that are not UTF-8, for languages whose argv is bytes (the JVM's is decoded text). */
    private static final List<byte[]> BYTE_ARGUMENTS;

    static {
        List<byte[]> a = new ArrayList<>(TEXT_ARGUMENTS);
        a.add(new byte[] {(byte) 0xff, (byte) 0xfe, 'x', (byte) 0x80});
        BYTE_ARGUMENTS = List.copyOf(a);
    }

    // Programs that print each argument as [arg]\n, copy stdin to stdout, and exit with status 3.
    static Stream<Arguments> echoPrograms() {
        return Stream.of(
                Arguments.of("interpreted", "python", true, """
                        import sys, os
                        for a in sys.argv[1:]:
                            sys.stdout.buffer.write(b'[' + os.fsencode(a) + b']\\n')
                        sys.stdout.buffer.write(sys.stdin.buffer.read())
                        sys.exit(3)
                        """),
                Arguments.of("interpreted", "perl", true, """
                        binmode STDOUT; binmode STDIN;
                        print "[$_]\\n" for @ARGV;
                        print while <STDIN>;
                        exit 3;
                        """),
                Arguments.of("interpreted", "ruby", true, """
                        STDOUT.binmode; STDIN.binmode
                        ARGV.each { |a| STDOUT.write('[', a.b, "]\\n") }
                        STDOUT.write(STDIN.read)
                        exit 3
                        """),
                Arguments.of("interpreted", "bash", true, """
                        for a in "$@"; do printf '[%s]\\n' "$a"; done
                        cat
                        exit 3
                        """),
                Arguments.of("compiled", "c_gcc", true, """
                        #include <stdio.h>
                        int main(int argc, char **argv) {
                          for (int i = 1; i < argc; i++) printf("[%s]\\n", argv[i]);
                          int c; while ((c = getchar()) != EOF) putchar(c);
                          return 3;
                        }
                        """),
                Arguments.of("compiled", "cplusplus_gcc", true, """
                        #include <iostream>
                        int main(int argc, char **argv) {
                          for (int i = 1; i < argc; i++) std::cout << '[' << argv[i] << "]\\n";
                          std::cout << std::cin.rdbuf();
                          return 3;
                        }
                        """),
                Arguments.of("compiled", "rust", true, """
                        use std::io::{Read, Write};
                        use std::os::unix::ffi::OsStrExt;
                        fn main() {
                            let mut out = std::io::stdout();
                            for a in std::env::args_os().skip(1) {
                                out.write_all(b"[").unwrap(); out.write_all(a.as_bytes()).unwrap(); out.write_all(b"]\\n").unwrap();
                            }
                            let mut buf = Vec::new();
                            std::io::stdin().read_to_end(&mut buf).unwrap();
                            out.write_all(&buf).unwrap();
                            out.flush().unwrap();
                            std::process::exit(3);
                        }
                        """),
                Arguments.of("compiled", "go", true, """
                        package main

                        import (
                        \t"io"
                        \t"os"
                        )

                        func main() {
                        \tfor _, a := range os.Args[1:] {
                        \t\tos.Stdout.WriteString("[" + a + "]\\n")
                        \t}
                        \tio.Copy(os.Stdout, os.Stdin)
                        \tos.Exit(3)
                        }
                        """),
                Arguments.of("JVM", "java", false, """
                        class Main {
                            public static void main(String[] args) throws java.io.IOException {
                                for (String a : args) System.out.print("[" + a + "]\\n");
                                System.out.flush();
                                System.in.transferTo(System.out);
                                System.out.flush();
                                System.exit(3);
                            }
                        }
                        """),
                // Kotlin and Scala 2 run the code as a script, as ATO does: statements at the top, `args` given.
                Arguments.of("JVM", "kotlin", false, """
                        for (a in args) print("[" + a + "]\\n")
                        System.out.flush()
                        System.`in`.copyTo(System.out)
                        System.out.flush()
                        kotlin.system.exitProcess(3)
                        """),
                Arguments.of("JVM", "scala2", false, """
                        for (a <- args) print("[" + a + "]\\n")
                        Console.out.flush()
                        val buf = new Array[Byte](4096)
                        var n = System.in.read(buf)
                        while (n > 0) { System.out.write(buf, 0, n); n = System.in.read(buf) }
                        System.out.flush()
                        sys.exit(3)
                        """),
                // Scala 3 runs the file's @main method, as `scala code.scala` does on ATO.
                Arguments.of("JVM", "scala3", false, """
                        @main def echo(args: String*): Unit =
                          for a <- args do print("[" + a + "]\\n")
                          Console.out.flush()
                          val buf = new Array[Byte](4096)
                          var n = System.in.read(buf)
                          while n > 0 do
                            System.out.write(buf, 0, n)
                            n = System.in.read(buf)
                          System.out.flush()
                          sys.exit(3)
                        """));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("echoPrograms")
    void inputArgumentsAndExitStatusSurviveByteForByte(String family, String id, boolean byteArgv, String code) {
        LanguageServer.installed(id);
        List<byte[]> args = byteArgv ? BYTE_ARGUMENTS : TEXT_ARGUMENTS;
        Result r = server.run(ExecuteRequest.builder(id).code(code).input(INPUT).arguments(args).build());

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (byte[] a : args) {
            expected.write('[');
            expected.writeBytes(a);
            expected.writeBytes("]\n".getBytes(StandardCharsets.UTF_8));
        }
        expected.writeBytes(INPUT);
        assertThat(r.stdout()).as(LanguageServer.describe(r)).isEqualTo(expected.toByteArray());
        assertThat(r.done().statusType()).as(LanguageServer.describe(r)).isEqualTo(StatusType.EXITED);
        assertThat(r.done().statusValue()).as(LanguageServer.describe(r)).isEqualTo(3);
    }

    static Stream<Arguments> compileErrors() {
        return Stream.of(
                Arguments.of("compiled", "c_gcc", "int main(void) { return undeclared_name; }\n", "undeclared_name"),
                Arguments.of("compiled", "cplusplus_gcc", "int main() { return undeclared_name; }\n", "undeclared_name"),
                Arguments.of("compiled", "rust", "fn main() { let x: i32 = \"no\"; }\n", "mismatched types"),
                Arguments.of("compiled", "go", "package main\n\nfunc main() { undeclaredName() }\n", "undefined: undeclaredName"),
                Arguments.of("compiled", "haskell", "main = putStrLn (1 + True)\n", "error"),
                Arguments.of("compiled", "typescript", "const x: number = \"no\";\n", "TS2322"),
                Arguments.of("compiled", "pascal_fpc", "begin\n  writeln(undeclared)\nend.\n", "Identifier not found"),
                Arguments.of("JVM", "java", "class Main { public static void main(String[] a) { int x = \"no\"; } }\n",
                        "incompatible types"),
                Arguments.of("JVM", "kotlin", "val x: Int = \"no\"\n", "type mismatch"),
                Arguments.of("JVM", "scala2", "val x: Int = \"no\"\n", "type mismatch"),
                Arguments.of("JVM", "scala3", "val x: Int = \"no\"\n@main def m = println(x)\n", "Type Mismatch Error"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("compileErrors")
    void compileErrorShowsOnStderrAndEndsTheRunWithTheCompilersStatus(String family, String id, String code,
            String diagnostic) {
        LanguageServer.installed(id);
        Result r = server.run(ExecuteRequest.builder(id).code(code).input("input nobody reads").build());
        assertThat(r.stdout()).as(LanguageServer.describe(r)).isEmpty();
        assertThat(r.stderrText()).as(LanguageServer.describe(r)).contains(diagnostic);
        assertThat(r.done().statusType()).as(LanguageServer.describe(r)).isEqualTo(StatusType.EXITED);
        assertThat(r.done().statusValue()).as(LanguageServer.describe(r)).isNotZero();
        assertThat(r.done().timedOut()).isFalse();
    }

    static Stream<Arguments> optionPrograms() {
        return Stream.of(
                Arguments.of("interpreted", "python", List.of("-O"), "print(__debug__)\n", "False\n"),
                Arguments.of("interpreted", "perl", List.of("-Mconstant=X,42"), "print X, \"\\n\";\n", "42\n"),
                Arguments.of("compiled", "c_gcc", List.of("-DX=42"),
                        "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", X); return 0; }\n", "42\n"),
                Arguments.of("compiled", "cplusplus_gcc", List.of("-DX=42", "-std=c++17"),
                        "#include <cstdio>\nint main() { if constexpr (X == 42) std::printf(\"%d\\n\", X); }\n", "42\n"),
                Arguments.of("compiled", "rust", List.of("--cfg", "ato_option"),
                        "#[cfg(ato_option)] const X: i32 = 42;\n#[cfg(not(ato_option))] const X: i32 = 0;\n"
                                + "fn main() { println!(\"{}\", X); }\n", "42\n"),
                Arguments.of("compiled", "go", List.of("-ldflags=-X main.X=42"),
                        "package main\n\nimport \"fmt\"\n\nvar X string\n\nfunc main() { fmt.Println(X) }\n", "42\n"),
                Arguments.of("JVM", "java", List.of("-Dato.x=42 with spaces"),
                        "class Main { public static void main(String[] a) { System.out.println(System.getProperty(\"ato.x\")); } }\n",
                        "42 with spaces\n"));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("optionPrograms")
    void optionsReachTheCompilerOrInterpreter(String family, String id, List<String> options, String code,
            String expected) {
        LanguageServer.installed(id);
        Result r = server.run(ExecuteRequest.builder(id).code(code)
                .options(LanguageServer.bytes(options.toArray(String[]::new))).build());
        assertThat(r.stdoutText()).as(LanguageServer.describe(r)).isEqualTo(expected);
        assertThat(r.done().statusValue()).as(LanguageServer.describe(r)).isZero();
    }

    @Test
    void compileAndRunShareOneTimeout() {
        LanguageServer.installed("c_gcc");
        long t0 = System.nanoTime();
        Result r = server.run(ExecuteRequest.builder("c_gcc").timeout(3)
                .code("#include <unistd.h>\nint main(void) { sleep(30); return 0; }\n").build());
        assertThat(r.done().timedOut()).as(LanguageServer.describe(r)).isTrue();
        assertThat((System.nanoTime() - t0) / 1_000_000_000L).isLessThan(20);
    }

    @Test
    void twoCompilationsOfOneLanguageAtOnceKeepTheirOwnBuildDirectories() throws Exception {
        LanguageServer.installed("c_gcc");
        String program = "#include <stdio.h>\n#include <unistd.h>\n"
                + "int main(void) { usleep(300000); puts(\"%s\"); return 0; }\n";
        try (AtoClient other = server.newClient()) {
            CompletableFuture<Result> first = CompletableFuture.supplyAsync(
                    () -> server.run(ExecuteRequest.builder("c_gcc").code(program.formatted("first")).build()));
            Result second = other.run(ExecuteRequest.builder("c_gcc").code(program.formatted("second")).build());
            assertThat(second.stdoutText()).as(LanguageServer.describe(second)).isEqualTo("second\n");
            Result r1 = first.get(60, TimeUnit.SECONDS);
            assertThat(r1.stdoutText()).as(LanguageServer.describe(r1)).isEqualTo("first\n");
        }
    }

    @Test
    void jvmHeapIsSizedForTheSandboxNotForTheHost() {
        LanguageServer.installed("java");
        // 200 MiB fits the heap the runner gives (60% of a 512 MiB budget) and the cgroup's 512 MiB; a JVM sized
        // for the host's RAM would either let the heap outgrow the cgroup or not know it has to stop.
        Result r = server.run(ExecuteRequest.builder("java").code("""
                class Main {
                    public static void main(String[] a) {
                        byte[][] keep = new byte[200][];
                        for (int i = 0; i < keep.length; i++) keep[i] = new byte[1 << 20];
                        long max = Runtime.getRuntime().maxMemory() >> 20;
                        System.out.println(keep.length + " MiB held; heap limit below 512 MiB: " + (max < 512));
                    }
                }
                """).build());
        assertThat(r.stdoutText()).as(LanguageServer.describe(r)).isEqualTo("200 MiB held; heap limit below 512 MiB: true\n");
        assertThat(r.done().statusValue()).isZero();
    }

    @Test
    void languageWithoutACommandLineRefusesArgumentsClearly() {
        LanguageServer.installed("brainfuck");
        Result r = server.run(ExecuteRequest.builder("brainfuck").code(",.").input("x")
                .arguments(LanguageServer.bytes("surplus")).build());
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderrText()).contains("brainfuck: programs take no arguments");
        assertThat(r.done().statusValue()).isEqualTo(2);
        Result ok = server.run(ExecuteRequest.builder("brainfuck").code(",.").input("x").build());
        assertThat(ok.stdoutText()).as(LanguageServer.describe(ok)).isEqualTo("x");
    }

    @Test
    void customRunnerReplacesTheLanguagesRunner() {
        LanguageServer.installed("python");
        String runner = """
                #!/ATO/bash
                cd /ATO/context || exit 9
                printf 'custom runner; code: %s\\n' "$(cat /ATO/code)"
                /ATO/yargs %1 /ATO/arguments /ATO/bash -c 'printf "<%s>" "$@"; echo' argv0 %1
                exec /ATO/bash -c 'read -r line; echo "stdin: $line"; exit 5' < /ATO/input
                """;
        Result r = server.run(ExecuteRequest.builder("python").code("print('python never runs')")
                .input("in put\n").arguments(LanguageServer.bytes("a b", "c"))
                .customRunner(runner.getBytes(StandardCharsets.UTF_8)).build());
        assertThat(r.stdoutText()).as(LanguageServer.describe(r)).isEqualTo(
                "custom runner; code: print('python never runs')\n<a b><c>\nstdin: in put\n");
        assertThat(r.done().statusValue()).as(LanguageServer.describe(r)).isEqualTo(5);
    }
}
