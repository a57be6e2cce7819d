package dev.ato.protocol;

import java.util.Arrays;
import java.util.Optional;

/** How a run ended, ATO's {@code status_type}: one of four names on the wire. */
public enum StatusType {
    /** Exited by itself; the value is the exit code. */
    EXITED("exited"),
    /** Killed by a signal; the value is the signal. */
    KILLED("killed"),
    /** Killed by a signal that dumped core; the value is the signal. */
    CORE_DUMPED("core_dumped"),
    /** The status could not be collected; the value is -1. */
    UNKNOWN("unknown");

    private final String wireName;

    StatusType(String wireName) {
        this.wireName = wireName;
    }

    /**
     * The name on the wire.
     *
     * @return {@code exited}, {@code killed}, {@code core_dumped} or {@code unknown}
     */
    public String wireName() {
        return wireName;
    }

    /**
     * The status type of a wire name.
     *
     * @param name the name as sent
     * @return the status type, or empty for any other name
     */
    public static Optional<StatusType> fromWire(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
    }

    /**
     * The wire name, so that messages read as ATO's.
     *
     * @return {@link #wireName()}
     */
    @Override
    public String toString() {
        return wireName;
    }
}
