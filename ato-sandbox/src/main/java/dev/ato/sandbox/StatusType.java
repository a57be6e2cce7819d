package dev.ato.sandbox;

/** How a run's main process ended, as ATO's {@code status_type} reports it. */
public enum StatusType {
    /** Exited normally; the value is the exit code. */
    EXITED("exited"),
    /** Killed by a signal; the value is the signal number. */
    KILLED("killed"),
    /** Killed by a signal that dumped core; the value is the signal number. */
    CORE_DUMPED("core_dumped"),
    /** Anything else (the status could not be collected). */
    UNKNOWN("unknown");

    private final String wireName;

    StatusType(String wireName) {
        this.wireName = wireName;
    }

    /** The name ATO puts on the wire: {@code exited}, {@code killed}, {@code core_dumped} or {@code unknown}. */
    public String wireName() {
        return wireName;
    }
}
