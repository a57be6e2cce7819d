package dev.ato.protocol.internal;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * One item read by {@link MsgReader}: a scalar with its value, or the header of a container or ext.
 *
 * @param kind what the item is
 * @param longValue the value of an int (when {@code bigValue} is null) or a bool (1/0)
 * @param bigValue a uint64 of 2^63 or more, else null
 * @param doubleValue the value of a float
 * @param bytes the payload of a str or bin
 * @param length the element count of an array, the entry count of a map, the payload length of an ext
 * @param signedMarker the int was written with a signed format (negative fixint, int8 ... int64); serde tells
 *     them apart from unsigned ones when reading a field identifier
 */
public record Token(Kind kind, long longValue, BigInteger bigValue, double doubleValue, byte[] bytes, long length,
        boolean signedMarker) {
    /** The kinds of msgpack item, as far as ATO's decoding tells them apart. */
    public enum Kind {
        /** nil. */
        NIL,
        /** true or false. */
        BOOL,
        /** any integer format. */
        INT,
        /** float32 or float64. */
        FLOAT,
        /** a str. */
        STR,
        /** a bin. */
        BIN,
        /** an array header. */
        ARRAY,
        /** a map header. */
        MAP,
        /** an ext header. */
        EXT
    }

    static final Token NIL = new Token(Kind.NIL, 0, null, 0, null, 0, false);
    static final Token TRUE = new Token(Kind.BOOL, 1, null, 0, null, 0, false);
    static final Token FALSE = new Token(Kind.BOOL, 0, null, 0, null, 0, false);

    static Token ofInt(long v, boolean signed) {
        return new Token(Kind.INT, v, null, 0, null, 0, signed);
    }

    static Token ofBigInt(BigInteger v) {
        return new Token(Kind.INT, 0, v, 0, null, 0, false);
    }

    static Token ofFloat(double v) {
        return new Token(Kind.FLOAT, 0, null, v, null, 0, false);
    }

    static Token ofStr(byte[] b) {
        return new Token(Kind.STR, 0, null, 0, b, 0, false);
    }

    static Token ofBin(byte[] b) {
        return new Token(Kind.BIN, 0, null, 0, b, 0, false);
    }

    static Token ofArray(long n) {
        return new Token(Kind.ARRAY, 0, null, 0, null, n, false);
    }

    static Token ofMap(long n) {
        return new Token(Kind.MAP, 0, null, 0, null, n, false);
    }

    static Token ofExt(long n) {
        return new Token(Kind.EXT, 0, null, 0, null, n, false);
    }

    /**
     * Whether this is an int that fits in a Java long.
     *
     * @return true for such an int
     */
    public boolean isLong() {
        return kind == Kind.INT && bigValue == null;
    }

    /**
     * Whether this is a bool with value true.
     *
     * @return the bool's value (false for any other kind)
     */
    public boolean boolValue() {
        return kind == Kind.BOOL && longValue == 1;
    }

    /**
     * The integer value as decimal text.
     *
     * @return the digits
     */
    public String intText() {
        return bigValue != null ? bigValue.toString() : Long.toString(longValue);
    }

    /**
     * serde's {@code Unexpected} description of this value, as in {@code invalid type: <this>, expected ...}.
     *
     * @return the description
     */
    public String unexpected() {
        return switch (kind) {
            case NIL -> "unit value";
            case BOOL -> "boolean `" + boolValue() + "`";
            case INT -> "integer `" + intText() + "`";
            case FLOAT -> "floating point `" + RustText.float64(doubleValue) + "`";
            case STR -> "string " + RustText.debugString(new String(bytes, StandardCharsets.UTF_8));
            case BIN -> "byte array";
            case ARRAY -> "sequence";
            case MAP -> "map";
            case EXT -> "newtype struct";
        };
    }
}
