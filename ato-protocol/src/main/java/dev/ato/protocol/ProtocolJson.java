package dev.ato.protocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

/**
 * Beyond ATO: JSON for the HTTP API {@code POST /api/v1/execute}, as a translation to and from the msgpack this
 * package already reads and writes, so that a JSON request is decoded and validated by the same code, with the
 * same messages, as a msgpack one.
 *
 * <p>JSON to msgpack: strings become str (which a request takes for a bin: UTF-8 text), integers int, other
 * numbers float64, {@code null} nil. Msgpack to JSON: bin becomes a base64 string (output is bytes, not text),
 * everything else its JSON counterpart.
 */
public final class ProtocolJson {
    /** Nesting deeper than this is refused; a request nests four levels. */
    public static final int MAX_DEPTH = 64;

    private ProtocolJson() {
    }

    /**
     * Translates a JSON document to msgpack.
     *
     * @param json the document, UTF-8
     * @return the msgpack bytes
     * @throws ProtocolException {@code invalid JSON at byte N: ...} when it is not JSON; with 1009 when it is
     *     larger than {@link ProtocolLimits#MAX_REQUEST_BYTES}
     */
    public static byte[] toMsgpack(byte[] json) {
        Objects.requireNonNull(json, "json");
        if (json.length > ProtocolLimits.MAX_REQUEST_BYTES) {
            throw ProtocolException.tooLarge(json.length, ProtocolLimits.MAX_REQUEST_BYTES);
        }
        Parser p = new Parser(new String(json, StandardCharsets.UTF_8));
        Object tree = p.value(0);
        p.space();
        if (p.pos < p.text.length()) {
            throw p.error("found extra data");
        }
        try (MessageBufferPacker out = MessagePack.newDefaultBufferPacker()) {
            pack(out, tree);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Translates msgpack written by this package (a Done, a v0 reply, a request) to JSON.
     *
     * @param msgpack one msgpack value
     * @return the JSON text
     */
    public static String fromMsgpack(byte[] msgpack) {
        try (MessageUnpacker in = MessagePack.newDefaultUnpacker(msgpack)) {
            StringBuilder out = new StringBuilder();
            write(out, in.unpackValue());
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(StringBuilder out, Value v) {
        switch (v.getValueType()) {
            case NIL -> out.append("null");
            case BOOLEAN -> out.append(v.asBooleanValue().getBoolean());
            case INTEGER -> out.append(v.asIntegerValue().toBigInteger());
            case FLOAT -> {
                double d = v.asFloatValue().toDouble();
                out.append(Double.isFinite(d) ? Double.toString(d) : "null");
            }
            case STRING -> quote(out, v.asStringValue().toString());
            case BINARY -> quote(out, Base64.getEncoder().encodeToString(v.asBinaryValue().asByteArray()));
            case ARRAY -> {
                out.append('[');
                String sep = "";
                for (Value e : v.asArrayValue()) {
                    out.append(sep);
                    write(out, e);
                    sep = ",";
                }
                out.append(']');
            }
            case MAP -> {
                out.append('{');
                String sep = "";
                for (Map.Entry<Value, Value> e : v.asMapValue().entrySet()) {
                    out.append(sep);
                    quote(out, e.getKey().isStringValue() ? e.getKey().asStringValue().toString() : e.getKey().toJson());
                    out.append(':');
                    write(out, e.getValue());
                    sep = ",";
                }
                out.append('}');
            }
            case EXTENSION -> out.append("null");
        }
    }

    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static void pack(MessagePacker out, Object v) throws IOException {
        switch (v) {
            case null -> out.packNil();
            case Boolean b -> out.packBoolean(b);
            case Long n -> out.packLong(n);
            case BigInteger n -> out.packBigInteger(n);
            case Double d -> out.packDouble(d);
            case String s -> {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                out.packRawStringHeader(b.length);
                out.writePayload(b);
            }
            case List<?> list -> {
                out.packArrayHeader(list.size());
                for (Object e : list) {
                    pack(out, e);
                }
            }
            case Map<?, ?> map -> {
                out.packMapHeader(map.size());
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    pack(out, e.getKey());
                    pack(out, e.getValue());
                }
            }
            default -> throw new IllegalStateException("json value " + v.getClass());
        }
    }

    /** A strict RFC 8259 parser into lists, maps, strings, numbers, booleans and null. */
    private static final class Parser {
        final String text;
        int pos;

        Parser(String text) {
            this.text = text;
        }

        ProtocolException error(String what) {
            return new ProtocolException("invalid JSON at character " + pos + ": " + what);
        }

        void space() {
            while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
                pos++;
            }
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nested deeper than " + MAX_DEPTH);
            }
            space();
            if (pos >= text.length()) {
                throw error("unexpected end");
            }
            char c = text.charAt(pos);
            switch (c) {
                case '{' -> {
                    pos++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    space();
                    if (peek('}')) {
                        return m;
                    }
                    do {
                        space();
                        if (pos >= text.length() || text.charAt(pos) != '"') {
                            throw error("expected a string key");
                        }
                        String key = string();
                        space();
                        expect(':');
                        if (m.containsKey(key)) {
                            throw error("duplicate key " + key);
                        }
                        m.put(key, value(depth + 1));
                        space();
                    } while (peek(','));
                    expect('}');
                    return m;
                }
                case '[' -> {
                    pos++;
                    List<Object> l = new ArrayList<>();
                    space();
                    if (peek(']')) {
                        return l;
                    }
                    do {
                        l.add(value(depth + 1));
                        space();
                    } while (peek(','));
                    expect(']');
                    return l;
                }
                case '"' -> {
                    return string();
                }
                case 't' -> {
                    return literal("true", Boolean.TRUE);
                }
                case 'f' -> {
                    return literal("false", Boolean.FALSE);
                }
                case 'n' -> {
                    return literal("null", null);
                }
                default -> {
                    return number();
                }
            }
        }

        boolean peek(char c) {
            if (pos < text.length() && text.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        void expect(char c) {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
        }

        Object literal(String word, Object value) {
            if (!text.startsWith(word, pos)) {
                throw error("unexpected character");
            }
            pos += word.length();
            return value;
        }

        Object number() {
            int start = pos;
            peek('-');
            int digits = pos;
            while (pos < text.length() && Character.isDigit(text.charAt(pos)) && text.charAt(pos) < 128) {
                pos++;
            }
            if (pos == digits || text.charAt(digits) == '0' && pos - digits > 1) {
                pos = start;
                throw error("unexpected character");
            }
            boolean integer = true;
            if (peek('.')) {
                integer = false;
                int frac = pos;
                while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
                    pos++;
                }
                if (pos == frac) {
                    throw error("expected a digit");
                }
            }
            if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
                integer = false;
                pos++;
                if (!peek('+')) {
                    peek('-');
                }
                int exp = pos;
                while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
                    pos++;
                }
                if (pos == exp) {
                    throw error("expected a digit");
                }
            }
            String n = text.substring(start, pos);
            if (!integer) {
                return Double.parseDouble(n);
            }
            BigInteger big = new BigInteger(n);
            return big.bitLength() < 64 ? (Object) big.longValue() : big.bitLength() <= 64 && big.signum() > 0
                    ? big : Double.parseDouble(n);
        }

        String string() {
            pos++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= text.length()) {
                    throw error("unterminated string");
                }
                char c = text.charAt(pos++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw error("control character in a string");
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (pos >= text.length()) {
                    throw error("unterminated string");
                }
                char e = text.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (pos + 4 > text.length()) {
                            throw error("short \\u escape");
                        }
                        try {
                            sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException x) {
                            throw error("bad \\u escape");
                        }
                        pos += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
        }
    }
}
