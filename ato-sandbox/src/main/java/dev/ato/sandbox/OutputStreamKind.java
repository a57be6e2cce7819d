package dev.ato.sandbox;

/** Which of the program's output streams a chunk came from. */
public enum OutputStreamKind {
    /** The program's standard output (fd 1). */
    STDOUT,
    /** The program's standard error (fd 2). */
    STDERR
}
