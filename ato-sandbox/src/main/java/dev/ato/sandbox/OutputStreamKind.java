package dev.ato.sandbox;

/** Which of the program's output streams a chunk came from. */
public enum OutputStreamKind {
    STDOUT,
    STDERR
}
