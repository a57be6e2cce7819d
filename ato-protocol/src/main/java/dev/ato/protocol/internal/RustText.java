package dev.ato.protocol.internal;

import java.math.BigDecimal;

/**
 * Renders values the way ATO's error messages show them. ATO is written in Rust and passes serde's and
 * rmp-serde's error texts to the client, so a string appears in Rust's {@code Debug} form, a float in Rust's
 * {@code Display} form with a decimal point, and a UTF-8 error in the words of Rust's {@code Utf8Error}.
 */
public final class RustText {
    private RustText() {
    }

    /**
     * A string as Rust's {@code {:?}} prints it: quoted, with {@code \0 \t \r \n \\ \"} escaped and
     * unprintable characters as {@code \}{@code u{hex}}. Rust's printability table is approximated by the
     * Unicode general categories it is derived from (control, format, surrogate, private use, unassigned, and
     * separators other than the space).
     *
     * @param s the string
     * @return the quoted, escaped form
     */
    public static String debugString(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            switch (cp) {
                case 0 -> sb.append("\\0");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                default -> {
                    if (printable(cp)) {
                        sb.appendCodePoint(cp);
                    } else {
                        sb.append("\\u{").append(Integer.toHexString(cp)).append('}');
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static boolean printable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                    Character.UNASSIGNED, Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR,
                    Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }

    /**
     * A float as serde's {@code Unexpected::Float} prints it in serde 1.0.152 (the version ATO's server is built
     * with): Rust's {@code Display} for f64, the shortest text that reads back to the same value, never with an
     * exponent and without a decimal point for integral values. (Later serde versions add {@code .0}.)
     *
     * @param d the value
     * @return the text, e.g. {@code 60}, {@code 1.5}, {@code -0}, {@code NaN}, {@code -inf}
     */
    public static String float64(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0" : "0";
        }
        // Double.toString gives the shortest round-trip digits (JDK 19+), as Rust does; only the layout differs.
        return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
    }

    /**
     * Checks UTF-8 as Rust's {@code str::from_utf8} does and describes the first error in the words of
     * {@code Utf8Error}'s {@code Display}.
     *
     * @param b the bytes
     * @return null when the bytes are valid UTF-8, else e.g.
     *     {@code invalid utf-8 sequence of 1 bytes from index 0} or
     *     {@code incomplete utf-8 byte sequence from index 3}
     */
    public static String utf8Error(byte[] b) {
        int i = 0;
        int n = b.length;
        while (i < n) {
            int first = b[i] & 0xff;
            if (first < 0x80) {
                i++;
                continue;
            }
            int width = first >= 0xC2 && first <= 0xDF ? 2
                    : first >= 0xE0 && first <= 0xEF ? 3
                    : first >= 0xF0 && first <= 0xF4 ? 4 : 0;
            if (width == 0) {
                return invalid(1, i);
            }
            if (i + 1 >= n) {
                return incomplete(i);
            }
            int second = b[i + 1] & 0xff;
            boolean secondOk = switch (width) {
                case 2 -> cont(second);
                case 3 -> first == 0xE0 ? second >= 0xA0 && second <= 0xBF
                        : first == 0xED ? second >= 0x80 && second <= 0x9F : cont(second);
                default -> first == 0xF0 ? second >= 0x90 && second <= 0xBF
                        : first == 0xF4 ? second >= 0x80 && second <= 0x8F : cont(second);
            };
            if (!secondOk) {
                return invalid(1, i);
            }
            for (int k = 2; k < width; k++) {
                if (i + k >= n) {
                    return incomplete(i);
                }
                if (!cont(b[i + k] & 0xff)) {
                    return invalid(k, i);
                }
            }
            i += width;
        }
        return null;
    }

    private static boolean cont(int x) {
        return x >= 0x80 && x <= 0xBF;
    }

    private static String invalid(int len, int index) {
        return "invalid utf-8 sequence of " + len + " bytes from index " + index;
    }

    private static String incomplete(int index) {
        return "incomplete utf-8 byte sequence from index " + index;
    }
}
