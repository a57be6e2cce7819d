package dev.ato.protocol;

import dev.ato.protocol.internal.MsgReader;
import dev.ato.protocol.internal.RustText;
import dev.ato.protocol.internal.Token;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;

/**
 * ATO's wire format in msgpack, both directions, byte for byte as ATO's Rust server (rmp-serde) writes it.
 *
 * <p>Decoding follows ATO's rules: a request is a map with {@code language} (str), {@code code}, {@code input}
 * (bin), {@code arguments}, {@code options} (array of bin), optional {@code timeout} (int, default 60) and
 * optional {@code custom_runner} (bin or nil). Where ATO is lax, so is this codec: a str or an array of ints
 * 0..255 is taken for a bin, a bin holding UTF-8 for a str, unknown keys are skipped, a key may be a bin or
 * serde's field index. Everything else is refused with a {@link ProtocolException} whose message is the one
 * ATO's server sends (serde's and rmp-serde's words), and bytes after the request are refused with
 * {@code found extra data}.
 *
 * <p>Encoding writes what ATO writes: maps with str keys in ATO's field order, every integer in its smallest
 * msgpack format (positive values as uint), strings as fixstr/str8/16/32, byte strings as bin8/16/32.
 *
 * <p>Its size (about 1,000 lines) is the wire format itself: every message of ATO's protocol, read and written,
 * with ATO's error words; one file, so that the byte-level rules the oracle tests pin (RmpSerdeOracleTest) sit
 * side by side.
 */
public final class ProtocolCodec {
    private static final String[] REQUEST_FIELDS = {
        "language", "code", "custom_runner", "input", "arguments", "options", "timeout"
    };
    /** The field names as a key's bytes are compared with them. */
    private static final byte[][] REQUEST_FIELD_BYTES = Arrays.stream(REQUEST_FIELDS)
            .map(name -> name.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
    private static final String REQUEST_STRUCT = "struct Request with 7 elements";
    /**
     * Beyond ATO: request keys ATO's server skips as unknown and this one honours. Matched by name only (never by
     * serde's field index, which ATO maps to its seven fields), in a map request only.
     */
    private static final List<String> EXTENSION_FIELDS = List.of("interactive", "cases", "output_limit",
            "want_quota");
    private static final byte[] KILL = {(byte) 0xa4, 'K', 'i', 'l', 'l'};
    private static final byte[] EOF = {(byte) 0xa3, 'E', 'o', 'f'};

    private ProtocolCodec() {
    }

    // ---------------------------------------------------------------- requests

    /**
     * Decodes a run request (a v1 WebSocket message or a v0 POST body).
     *
     * @param message the whole message
     * @return the request; its values are not yet checked against ATO's rules (see {@link RequestValidator})
     * @throws ProtocolException with ATO's message when the bytes are not a request; with close code 1009 when
     *     the message is larger than {@link ProtocolLimits#MAX_REQUEST_BYTES}
     */
    public static ExecuteRequest decodeRequest(byte[] message) {
        Objects.requireNonNull(message, "message");
        if (message.length > ProtocolLimits.MAX_REQUEST_BYTES) {
            throw ProtocolException.tooLarge(message.length, ProtocolLimits.MAX_REQUEST_BYTES);
        }
        MsgReader r = new MsgReader(message);
        ExecuteRequest request = readRequest(r);
        r.requireEnd();
        return request;
    }

    @SuppressWarnings("unchecked")
    private static ExecuteRequest readRequest(MsgReader r) {
        Token t = r.next();
        Object[] f = new Object[REQUEST_FIELDS.length];
        boolean[] seen = new boolean[REQUEST_FIELDS.length];
        Object[] ext = new Object[EXTENSION_FIELDS.size()];
        if (t.kind() == Token.Kind.MAP) {
            r.enter();
            for (long i = 0; i < t.length(); i++) {
                Token key = r.next();
                int field = fieldIndex(r, key);
                if (field < 0) {
                    int e = extensionIndex(key);
                    if (e < 0) {
                        r.skip(r.next());
                    } else if (ext[e] != null) {
                        throw new ProtocolException("duplicate field `" + EXTENSION_FIELDS.get(e) + "`");
                    } else {
                        ext[e] = readExtension(r, e);
                    }
                    continue;
                }
                if (seen[field]) {
                    throw new ProtocolException("duplicate field `" + REQUEST_FIELDS[field] + "`");
                }
                seen[field] = true;
                f[field] = readField(r, field);
            }
            r.exit();
            for (int i = 0; i < REQUEST_FIELDS.length; i++) {
                // custom_runner (2) and timeout (6) have defaults in ATO's Request struct.
                if (!seen[i] && i != 2 && i != 6) {
                    throw new ProtocolException("missing field `" + REQUEST_FIELDS[i] + "`");
                }
            }
        } else if (t.kind() == Token.Kind.ARRAY) {
            // serde also accepts a struct as an array of its fields in declaration order.
            r.enter();
            long n = t.length();
            for (int i = 0; i < REQUEST_FIELDS.length; i++) {
                if (i < n) {
                    f[i] = readField(r, i);
                    seen[i] = true;
                } else if (i != 2 && i != 6) {
                    throw new ProtocolException("invalid length " + i + ", expected " + REQUEST_STRUCT);
                }
            }
            r.exit();
            if (n > REQUEST_FIELDS.length) {
                throw new ProtocolException("array had incorrect length, expected " + REQUEST_FIELDS.length);
            }
        } else {
            throw r.invalidType(t, "struct Request");
        }
        ExecuteRequest.Builder b = ExecuteRequest.builder((String) f[0])
                .code((byte[]) f[1])
                .input((byte[]) f[3])
                .arguments((List<byte[]>) f[4])
                .options((List<byte[]>) f[5])
                .timeout(seen[6] ? (Integer) f[6] : ProtocolLimits.DEFAULT_TIMEOUT);
        if (f[2] != null) {
            b.customRunner((byte[]) f[2]);
        }
        if (ext[0] != null) {
            b.interactive((Boolean) ext[0]);
        }
        if (ext[1] != null) {
            List<TestCase> cases = new ArrayList<>();
            for (Object[] c : (List<Object[]>) ext[1]) {
                cases.add(new TestCase(c[0] != null ? (byte[]) c[0] : (byte[]) f[3],
                        c[1] != null ? (List<byte[]>) c[1] : (List<byte[]>) f[4]));
            }
            b.cases(cases);
        }
        if (ext[2] != null) {
            b.outputLimit((Integer) ext[2]);
        }
        if (ext[3] != null) {
            b.wantQuota((Boolean) ext[3]);
        }
        return b.build();
    }

    private static int extensionIndex(Token key) {
        return key.kind() == Token.Kind.STR || key.kind() == Token.Kind.BIN
                ? EXTENSION_FIELDS.indexOf(MsgReader.text(key)) : -1;
    }

    /** An extension field's value; a wrong one is refused naming the field (ATO would have skipped it). */
    private static Object readExtension(MsgReader r, int field) {
        String name = EXTENSION_FIELDS.get(field);
        try {
            return switch (field) {
                case 0, 3 -> {
                    Token t = r.next();
                    if (t.kind() != Token.Kind.BOOL) {
                        throw r.invalidType(t, "a boolean");
                    }
                    yield t.boolValue();
                }
                case 1 -> readCases(r);
                case 2 -> readI32(r);
                default -> throw new IllegalStateException("extension " + field);
            };
        } catch (ProtocolException e) {
            if (e.closeCode() != CloseCodes.POLICY_VIOLATION) {
                throw e;
            }
            throw new ProtocolException("`" + name + "`: " + e.getMessage());
        }
    }

    /** {@code cases}: an array of maps of {@code input} (bin) and {@code arguments} (array of bin), both optional. */
    private static List<Object[]> readCases(MsgReader r) {
        Token t = r.next();
        if (t.kind() != Token.Kind.ARRAY) {
            throw r.invalidType(t, "a sequence");
        }
        if (t.length() > ProtocolLimits.MAX_CASES) {
            throw new ProtocolException("at most " + ProtocolLimits.MAX_CASES + " cases, got " + t.length());
        }
        r.enter();
        List<Object[]> out = new ArrayList<>();
        for (long i = 0; i < t.length(); i++) {
            Token c = r.next();
            if (c.kind() != Token.Kind.MAP) {
                throw r.invalidType(c, "a map of input and arguments");
            }
            r.enter();
            Object[] fields = new Object[2];
            for (long j = 0; j < c.length(); j++) {
                Token key = r.next();
                String name = key.kind() == Token.Kind.STR || key.kind() == Token.Kind.BIN ? MsgReader.text(key) : "";
                int k = name.equals("input") ? 0 : name.equals("arguments") ? 1 : -1;
                if (k < 0) {
                    r.skip(r.next());
                } else if (fields[k] != null) {
                    throw new ProtocolException("duplicate field `" + name + "` in case " + i);
                } else {
                    fields[k] = k == 0 ? readBytes(r, r.next()) : readBytesList(r);
                }
            }
            r.exit();
            out.add(fields);
        }
        r.exit();
        return out;
    }

    /** serde's field identifier: a str or bin naming the field, or a uint giving its index; -1 to skip. */
    private static int fieldIndex(MsgReader r, Token key) {
        switch (key.kind()) {
            case STR, BIN -> {
                for (int i = 0; i < REQUEST_FIELD_BYTES.length; i++) {
                    if (Arrays.equals(key.bytes(), REQUEST_FIELD_BYTES[i])) {
                        return i;
                    }
                }
                return -1;
            }
            case INT -> {
                if (!key.signedMarker()) {
                    return key.isLong() && key.longValue() < REQUEST_FIELDS.length ? (int) key.longValue() : -1;
                }
                throw r.invalidType(key, "field identifier");
            }
            default -> throw r.invalidType(key, "field identifier");
        }
    }

    private static Object readField(MsgReader r, int field) {
        return switch (field) {
            case 0 -> readString(r);
            case 1, 3 -> readBytes(r, r.next());
            case 2 -> {
                Token t = r.next();
                yield t.kind() == Token.Kind.NIL ? null : readBytes(r, t);
            }
            case 4, 5 -> readBytesList(r);
            case 6 -> readI32(r);
            default -> throw new IllegalStateException("field " + field);
        };
    }

    private static String readString(MsgReader r) {
        Token t = r.next();
        if (t.kind() == Token.Kind.STR) {
            MsgReader.requireUtf8(t);
            return MsgReader.text(t);
        }
        if (t.kind() == Token.Kind.BIN) {
            if (RustText.utf8Error(t.bytes()) != null) {
                throw new ProtocolException("invalid value: byte array, expected a string");
            }
            return MsgReader.text(t);
        }
        throw r.invalidType(t, "a string");
    }

    /** serde_bytes' ByteBuf: a bin, a str (any bytes), or an array of u8. */
    private static byte[] readBytes(MsgReader r, Token t) {
        switch (t.kind()) {
            case STR, BIN -> {
                return t.bytes();
            }
            case ARRAY -> {
                r.enter();
                // Never trust the claimed count for the allocation: each element takes at least one byte.
                ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(t.length(), 4096));
                for (long i = 0; i < t.length(); i++) {
                    Token e = r.next();
                    if (e.kind() != Token.Kind.INT) {
                        throw r.invalidType(e, "u8");
                    }
                    if (!e.isLong() || e.longValue() < 0 || e.longValue() > 255) {
                        throw new ProtocolException("invalid value: integer `" + e.intText() + "`, expected u8");
                    }
                    out.write((int) e.longValue());
                }
                r.exit();
                return out.toByteArray();
            }
            default -> throw r.invalidType(t, "byte array");
        }
    }

    private static List<byte[]> readBytesList(MsgReader r) {
        Token t = r.next();
        if (t.kind() != Token.Kind.ARRAY) {
            throw r.invalidType(t, "a sequence");
        }
        r.enter();
        List<byte[]> out = new ArrayList<>();
        for (long i = 0; i < t.length(); i++) {
            out.add(readBytes(r, r.next()));
        }
        r.exit();
        return out;
    }

    private static int readI32(MsgReader r) {
        Token t = r.next();
        if (t.kind() != Token.Kind.INT) {
            throw r.invalidType(t, "i32");
        }
        if (!t.isLong() || t.longValue() < Integer.MIN_VALUE || t.longValue() > Integer.MAX_VALUE) {
            throw new ProtocolException("invalid value: integer `" + t.intText() + "`, expected i32");
        }
        return (int) t.longValue();
    }

    /**
     * Encodes a run request as ATO's web page does: a map of {@code language}, {@code code}, {@code input},
     * {@code arguments}, {@code options}, {@code timeout}, and {@code custom_runner} when present; then the
     * fields beyond ATO's that are set ({@code interactive}, {@code cases}, {@code output_limit},
     * {@code want_quota}), so a plain request is the same bytes as before they existed.
     *
     * @param request the request
     * @return the msgpack bytes
     */
    public static byte[] encodeRequest(ExecuteRequest request) {
        Optional<byte[]> runner = request.customRunner();
        int extensions = (request.interactive() ? 1 : 0) + (request.cases().isEmpty() ? 0 : 1)
                + (request.outputLimit().isPresent() ? 1 : 0) + (request.wantQuota() ? 1 : 0);
        return pack(p -> {
            p.packMapHeader((runner.isPresent() ? 7 : 6) + extensions);
            str(p, "language");
            str(p, request.language());
            str(p, "code");
            bin(p, request.code());
            str(p, "input");
            bin(p, request.input());
            str(p, "arguments");
            binList(p, request.arguments());
            str(p, "options");
            binList(p, request.options());
            str(p, "timeout");
            p.packLong(request.timeout());
            if (runner.isPresent()) {
                str(p, "custom_runner");
                bin(p, runner.get());
            }
            if (request.interactive()) {
                str(p, "interactive");
                p.packBoolean(true);
            }
            if (!request.cases().isEmpty()) {
                str(p, "cases");
                p.packArrayHeader(request.cases().size());
                for (TestCase c : request.cases()) {
                    p.packMapHeader(2);
                    str(p, "input");
                    bin(p, c.input());
                    str(p, "arguments");
                    binList(p, c.arguments());
                }
            }
            if (request.outputLimit().isPresent()) {
                str(p, "output_limit");
                p.packLong(request.outputLimit().getAsInt());
            }
            if (request.wantQuota()) {
                str(p, "want_quota");
                p.packBoolean(true);
            }
        });
    }

    // ---------------------------------------------------------------- server messages

    /**
     * Encodes a server message as ATO does: {@code {"Stdout": bin}}, {@code {"Stderr": bin}} or
     * {@code {"Done": {...}}} with the fields in ATO's order, then the optional fields that are present.
     *
     * @param message the message
     * @return the msgpack bytes
     */
    public static byte[] encode(ServerMessage message) {
        return pack(p -> {
            p.packMapHeader(1);
            switch (message) {
                case ServerMessage.Stdout s -> {
                    str(p, "Stdout");
                    bin(p, s.data());
                }
                case ServerMessage.Stderr s -> {
                    str(p, "Stderr");
                    bin(p, s.data());
                }
                case ServerMessage.Finished f -> {
                    str(p, "Done");
                    Done d = f.done();
                    p.packMapHeader(doneFieldCount(d));
                    doneFields(p, d);
                }
            }
        });
    }

    private static int doneFieldCount(Done d) {
        return 15 + extraFields(d).size();
    }

    /** Done's optional fields present, as name and value (Boolean, Integer, Quota or Long), in their order. */
    private static List<Map.Entry<String, Object>> extraFields(Done e) {
        List<Map.Entry<String, Object>> out = new ArrayList<>(4);
        e.oomKilled().ifPresent(v -> out.add(Map.entry("oom_killed", v)));
        e.caseIndex().ifPresent(v -> out.add(Map.entry("case", v)));
        e.quota().ifPresent(v -> out.add(Map.entry("quota", v)));
        e.cgroupMaxMem().ifPresent(v -> out.add(Map.entry("cgroup_max_mem", v)));
        return out;
    }

    private static void doneFields(MessagePacker p, Done d) throws IOException {
        str(p, "timed_out");
        p.packBoolean(d.timedOut());
        str(p, "stdout_truncated");
        p.packBoolean(d.stdoutTruncated());
        str(p, "stderr_truncated");
        p.packBoolean(d.stderrTruncated());
        str(p, "status_type");
        str(p, d.statusType().wireName());
        str(p, "status_value");
        p.packLong(d.statusValue());
        long[] values = {d.real(), d.kernel(), d.user(), d.maxMem(), d.waits(), d.preemptions(),
            d.majorPageFaults(), d.minorPageFaults(), d.inputOps(), d.outputOps()};
        for (int i = 0; i < values.length; i++) {
            str(p, DONE_LONGS[i]);
            p.packLong(values[i]);
        }
        for (Map.Entry<String, Object> extra : extraFields(d)) {
            str(p, extra.getKey());
            switch (extra.getValue()) {
                case Boolean b -> p.packBoolean(b);
                case Integer n -> p.packLong(n);
                case Long n -> p.packLong(n);
                case Quota q -> {
                    p.packMapHeader(2);
                    str(p, "limit");
                    p.packLong(q.limit());
                    str(p, "remaining");
                    p.packLong(q.remaining());
                }
                default -> throw new IllegalStateException("extra " + extra);
            }
        }
    }

    private static final String[] DONE_LONGS = {"real", "kernel", "user", "max_mem", "waits", "preemptions",
        "major_page_faults", "minor_page_faults", "input_ops", "output_ops"};
    /** Every field a Done must have, in the order a missing one is reported. */
    private static final List<String> DONE_REQUIRED = Stream.concat(
            Stream.of("timed_out", "stdout_truncated", "stderr_truncated", "status_type", "status_value"),
            Arrays.stream(DONE_LONGS)).toList();
    /** Those of them that older servers' v0 replies have too; the rest read as 0 when missing. */
    private static final Set<String> V0_REQUIRED = Set.of("status_type", "status_value", "timed_out");

    /**
     * Decodes a message from an ATO server (what a client receives on the v1 WebSocket).
     *
     * @param message the whole message
     * @return the decoded message
     * @throws ProtocolException when the bytes are not one of ATO's server messages
     */
    public static ServerMessage decodeServerMessage(byte[] message) {
        Objects.requireNonNull(message, "message");
        MsgReader r = new MsgReader(message);
        Token t = r.next();
        if (t.kind() != Token.Kind.MAP || t.length() != 1) {
            throw new ProtocolException("expected a map with one key (Stdout, Stderr or Done), found "
                    + t.unexpected());
        }
        r.enter();
        Token key = r.next();
        String name = key.kind() == Token.Kind.STR ? MsgReader.text(key) : null;
        ServerMessage result;
        if ("Stdout".equals(name) || "Stderr".equals(name)) {
            Token v = r.next();
            if (v.kind() != Token.Kind.BIN && v.kind() != Token.Kind.STR) {
                throw r.invalidType(v, "byte array");
            }
            result = name.equals("Stdout") ? new ServerMessage.Stdout(v.bytes()) : new ServerMessage.Stderr(v.bytes());
        } else if ("Done".equals(name)) {
            Token v = r.next();
            if (v.kind() != Token.Kind.MAP) {
                throw r.invalidType(v, "struct variant StreamResponse::Done");
            }
            result = new ServerMessage.Finished(readDone(r, v, null, true));
        } else {
            throw new ProtocolException("unknown variant " + (name == null ? key.unexpected() : "`" + name + "`")
                    + ", expected one of `Stdout`, `Stderr`, `Done`");
        }
        r.exit();
        r.requireEnd();
        return result;
    }

    /** Collects the v0 reply's output fields while the Done fields are read. */
    private static final class Output {
        byte[] stdout;
        byte[] stderr;
    }

    private static Done readDone(MsgReader r, Token map, Output output, boolean strict) {
        r.enter();
        Map<String, Object> v = new LinkedHashMap<>();
        for (long i = 0; i < map.length(); i++) {
            Token key = r.next();
            if (key.kind() != Token.Kind.STR) {
                throw r.invalidType(key, "field identifier");
            }
            String name = MsgReader.text(key);
            Token value = r.next();
            if (v.containsKey(name)) {
                throw new ProtocolException("duplicate field `" + name + "`");
            }
            switch (name) {
                case "timed_out", "stdout_truncated", "stderr_truncated" -> {
                    if (value.kind() != Token.Kind.BOOL) {
                        throw r.invalidType(value, "a boolean");
                    }
                    v.put(name, value.boolValue());
                }
                case "oom_killed" -> {
                    if (value.kind() == Token.Kind.BOOL) {
                        v.put(name, value.boolValue());
                    } else if (value.kind() != Token.Kind.NIL) {
                        throw r.invalidType(value, "a boolean");
                    }
                }
                case "status_type" -> {
                    if (value.kind() != Token.Kind.STR) {
                        throw r.invalidType(value, "a string");
                    }
                    String type = MsgReader.text(value);
                    v.put(name, StatusType.fromWire(type).orElseThrow(() -> new ProtocolException(
                            "invalid value: string " + RustText.debugString(type)
                                    + ", expected one of exited, killed, core_dumped, unknown")));
                }
                case "case" -> {
                    if (value.kind() != Token.Kind.NIL) {
                        v.put(name, (int) longValue(r, value, name, 0, Integer.MAX_VALUE));
                    }
                }
                case "quota" -> {
                    if (value.kind() != Token.Kind.NIL) {
                        v.put(name, readQuota(r, value));
                    }
                }
                case "cgroup_max_mem" -> {
                    if (value.kind() != Token.Kind.NIL) {
                        v.put(name, longValue(r, value, name, Long.MIN_VALUE, Long.MAX_VALUE));
                    }
                }
                case "status_value" -> v.put(name, longValue(r, value, name, Integer.MIN_VALUE, Integer.MAX_VALUE));
                case "real", "kernel", "user", "max_mem", "waits", "preemptions", "major_page_faults",
                        "minor_page_faults", "input_ops", "output_ops" ->
                        v.put(name, longValue(r, value, name, Long.MIN_VALUE, Long.MAX_VALUE));
                case "stdout", "stderr" -> {
                    if (output == null) {
                        r.skip(value);
                    } else if (value.kind() == Token.Kind.BIN || value.kind() == Token.Kind.STR) {
                        if (name.equals("stdout")) {
                            output.stdout = value.bytes();
                        } else {
                            output.stderr = value.bytes();
                        }
                        v.put(name, Boolean.TRUE);
                    } else {
                        throw r.invalidType(value, "byte array");
                    }
                }
                default -> r.skip(value);
            }
        }
        r.exit();
        for (String name : DONE_REQUIRED) {
            if (!v.containsKey(name) && (strict || V0_REQUIRED.contains(name))) {
                throw new ProtocolException("missing field `" + name + "`");
            }
        }
        Done.Builder b = Done.builder((StatusType) v.get("status_type"), (int) num(v, "status_value"))
                .timedOut(bool(v, "timed_out")).stdoutTruncated(bool(v, "stdout_truncated"))
                .stderrTruncated(bool(v, "stderr_truncated")).real(num(v, "real")).kernel(num(v, "kernel"))
                .user(num(v, "user")).maxMem(num(v, "max_mem")).waits(num(v, "waits"))
                .preemptions(num(v, "preemptions")).majorPageFaults(num(v, "major_page_faults"))
                .minorPageFaults(num(v, "minor_page_faults")).inputOps(num(v, "input_ops"))
                .outputOps(num(v, "output_ops"));
        if (v.get("oom_killed") instanceof Boolean oom) {
            b.oomKilled(oom);
        }
        if (v.get("case") instanceof Integer index) {
            b.caseIndex(index);
        }
        if (v.get("quota") instanceof Quota q) {
            b.quota(q);
        }
        if (v.get("cgroup_max_mem") instanceof Long kib) {
            b.cgroupMaxMem(kib);
        }
        return b.build();
    }

    private static Quota readQuota(MsgReader r, Token map) {
        if (map.kind() != Token.Kind.MAP) {
            throw r.invalidType(map, "a map of limit and remaining");
        }
        r.enter();
        long limit = -1;
        long remaining = -1;
        for (long i = 0; i < map.length(); i++) {
            Token key = r.next();
            String name = key.kind() == Token.Kind.STR ? MsgReader.text(key) : "";
            Token value = r.next();
            switch (name) {
                case "limit" -> limit = longValue(r, value, "quota.limit", 0, Integer.MAX_VALUE);
                case "remaining" -> remaining = longValue(r, value, "quota.remaining", 0, Integer.MAX_VALUE);
                default -> r.skip(value);
            }
        }
        r.exit();
        if (limit < 0 || remaining < 0) {
            throw new ProtocolException("missing field `" + (limit < 0 ? "limit" : "remaining") + "` in quota");
        }
        return new Quota((int) limit, (int) remaining);
    }

    private static boolean bool(Map<String, Object> v, String name) {
        return Boolean.TRUE.equals(v.get(name));
    }

    private static long num(Map<String, Object> v, String name) {
        Object o = v.get(name);
        return o == null ? 0 : (Long) o;
    }

    private static long longValue(MsgReader r, Token t, String field, long min, long max) {
        if (t.kind() != Token.Kind.INT) {
            throw r.invalidType(t, min == Integer.MIN_VALUE ? "i32" : "i64");
        }
        if (!t.isLong() || t.longValue() < min || t.longValue() > max) {
            throw new ProtocolException("invalid value: integer `" + t.intText() + "`, expected "
                    + (min == Integer.MIN_VALUE ? "i32" : "i64") + " for " + field);
        }
        return t.longValue();
    }

    // ---------------------------------------------------------------- control

    /**
     * The client's control message that stops the current run: the msgpack str {@code "Kill"}.
     *
     * @return the five bytes {@code a4 4b 69 6c 6c}
     */
    public static byte[] encodeKill() {
        return KILL.clone();
    }

    /**
     * Whether a client message received during a run is ATO's {@code Kill} control message, judged as ATO's
     * server (rmp-serde) judges it: the variant as a str or bin {@code "Kill"} or as its index 0, bare or as a
     * one-entry map {@code {"Kill": nil}}, with nothing after it.
     *
     * @param message the whole message
     * @return true for a Kill message, false for anything else (including malformed bytes)
     */
    public static boolean isKill(byte[] message) {
        try {
            checkKill(message);
            return true;
        } catch (ProtocolException e) {
            return false;
        }
    }

    /**
     * Checks that a client message received during a run is {@code Kill}, the only control message ATO knows,
     * and says what is wrong otherwise in ATO's words; a server closes with {@link ProtocolException#closeCode()}
     * and {@link ProtocolException#closeReason()}.
     *
     * @param message the whole message
     * @throws ProtocolException when it is anything else
     */
    public static void checkKill(byte[] message) {
        Objects.requireNonNull(message, "message");
        if (message.length > ProtocolLimits.MAX_REQUEST_BYTES) {
            throw ProtocolException.tooLarge(message.length, ProtocolLimits.MAX_REQUEST_BYTES);
        }
        MsgReader r = new MsgReader(message);
        int first = r.peekMarker();
        // rmp-serde reads an enum from a map of one entry (variant -> value), and from anything else as a bare
        // variant identifier.
        if ((first & 0xf0) == 0x80 || first == 0xde || first == 0xdf) {
            Token map = r.next();
            if (map.length() != 1) {
                throw new ProtocolException("array had incorrect length, expected " + map.length());
            }
            checkVariant(r, r.next());
            int unit = r.peekMarker();
            if (unit != 0xc0) {
                throw new ProtocolException("wrong msgpack marker " + MsgReader.markerName(unit));
            }
            r.next();
        } else {
            checkVariant(r, r.next());
        }
        r.requireEnd();
    }

    /** serde's variant identifier for {@code enum ControlMessage { Kill }}: its name, or its index 0. */
    private static void checkVariant(MsgReader r, Token t) {
        switch (t.kind()) {
            case STR, BIN -> {
                if (t.kind() == Token.Kind.STR) {
                    MsgReader.requireUtf8(t);
                }
                String name = MsgReader.text(t);
                if (!name.equals("Kill")) {
                    throw new ProtocolException("unknown variant `" + name + "`, expected `Kill`");
                }
            }
            case INT -> {
                if (t.signedMarker()) {
                    throw r.invalidType(t, "variant identifier");
                }
                if (!t.isLong() || t.longValue() != 0) {
                    throw new ProtocolException("invalid value: integer `" + t.intText()
                            + "`, expected variant index 0 <= i < 1");
                }
            }
            default -> throw r.invalidType(t, "variant identifier");
        }
    }

    /**
     * Beyond ATO: the client's message that feeds an interactive run's standard input, {@code {"Stdin": bin}}.
     *
     * @param data the bytes (the whole message is at most {@link ProtocolLimits#MAX_REQUEST_BYTES})
     * @return the msgpack bytes
     */
    public static byte[] encodeStdin(byte[] data) {
        return pack(p -> {
            p.packMapHeader(1);
            str(p, "Stdin");
            bin(p, data);
        });
    }

    /**
     * Beyond ATO: the client's message that closes an interactive run's standard input, the msgpack str
     * {@code "Eof"}.
     *
     * @return the four bytes {@code a3 45 6f 66}
     */
    public static byte[] encodeEof() {
        return EOF.clone();
    }

    /**
     * Decodes a message a client sent during a run: {@code "Kill"} (as {@link #isKill} judges it), and beyond
     * ATO {@code "Eof"} (bare or {@code {"Eof": nil}}) and {@code {"Stdin": bin}} (a str or array of u8 is taken
     * for the bin, as in a request).
     *
     * @param message the whole message
     * @return the message
     * @throws ProtocolException when it is none of these (1009 when over 64 KiB)
     */
    public static ClientMessage decodeClientMessage(byte[] message) {
        Objects.requireNonNull(message, "message");
        if (message.length > ProtocolLimits.MAX_REQUEST_BYTES) {
            throw ProtocolException.tooLarge(message.length, ProtocolLimits.MAX_REQUEST_BYTES);
        }
        if (isKill(message)) {
            return new ClientMessage.Kill();
        }
        MsgReader r = new MsgReader(message);
        Token t = r.next();
        ClientMessage result;
        if (t.kind() == Token.Kind.STR && "Eof".equals(MsgReader.text(t))) {
            result = new ClientMessage.Eof();
        } else if (t.kind() == Token.Kind.MAP && t.length() == 1) {
            r.enter();
            Token key = r.next();
            String name = key.kind() == Token.Kind.STR ? MsgReader.text(key) : "";
            if (name.equals("Stdin")) {
                try {
                    result = new ClientMessage.Stdin(readBytes(r, r.next()));
                } catch (ProtocolException e) {
                    throw new ProtocolException("`Stdin`: " + e.getMessage());
                }
            } else if (name.equals("Eof") && r.next().kind() == Token.Kind.NIL) {
                result = new ClientMessage.Eof();
            } else {
                throw new ProtocolException("expected `Kill`, `Eof` or {\"Stdin\": bin} during a run");
            }
            r.exit();
        } else {
            throw new ProtocolException("expected `Kill`, `Eof` or {\"Stdin\": bin} during a run, found "
                    + t.unexpected());
        }
        r.requireEnd();
        return result;
    }

    // ---------------------------------------------------------------- v0

    /**
     * Encodes the reply of the v0 API: one map with {@code stdout}, {@code stderr} and every field of
     * {@code Done}.
     *
     * @param done the status and figures
     * @param stdout the whole standard output
     * @param stderr the whole standard error
     * @return the msgpack bytes
     */
    public static byte[] encodeV0Response(Done done, byte[] stdout, byte[] stderr) {
        return pack(p -> {
            p.packMapHeader(doneFieldCount(done) + 2);
            str(p, "stdout");
            bin(p, stdout);
            str(p, "stderr");
            bin(p, stderr);
            doneFields(p, done);
        });
    }

    /**
     * Decodes the reply of the v0 API. Older ATO servers sent fewer figures; a missing figure reads as 0, but
     * {@code stdout}, {@code stderr}, {@code status_type}, {@code status_value} and {@code timed_out} are
     * required. Unknown keys (older servers' {@code swaps}, {@code shared} ...) are skipped.
     *
     * @param body the response body
     * @return the decoded reply
     * @throws ProtocolException when the body is not a v0 reply
     */
    public static V0Response decodeV0Response(byte[] body) {
        Objects.requireNonNull(body, "body");
        MsgReader r = new MsgReader(body);
        Token t = r.next();
        if (t.kind() != Token.Kind.MAP) {
            throw r.invalidType(t, "a map");
        }
        Output out = new Output();
        Done done = readDone(r, t, out, false);
        if (out.stdout == null) {
            throw new ProtocolException("missing field `stdout`");
        }
        if (out.stderr == null) {
            throw new ProtocolException("missing field `stderr`");
        }
        r.requireEnd();
        return new V0Response(done, out.stdout, out.stderr);
    }

    /**
     * Beyond ATO: the one-shot answer of {@code POST /api/v1/execute}: v0's map for a run, or an array of v0's
     * maps, one per case, for a test-case batch.
     *
     * @param results the runs' output and Done
     * @param batch whether the request had {@code cases} (then an array even of one)
     * @return the msgpack bytes
     */
    public static byte[] encodeV1Response(List<Result> results, boolean batch) {
        if (!batch) {
            Result r = results.getFirst();
            return encodeV0Response(r.done(), r.stdout(), r.stderr());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(pack(p -> p.packArrayHeader(results.size())));
        for (Result r : results) {
            out.writeBytes(encodeV0Response(r.done(), r.stdout(), r.stderr()));
        }
        return out.toByteArray();
    }

    /**
     * Beyond ATO: decodes what {@link #encodeV1Response} wrote.
     *
     * @param body the response body
     * @return one result, or one per case
     * @throws ProtocolException when the body is neither
     */
    public static List<Result> decodeV1Response(byte[] body) {
        Objects.requireNonNull(body, "body");
        MsgReader r = new MsgReader(body);
        int first = r.peekMarker();
        boolean array = (first & 0xf0) == 0x90 || first == 0xdc || first == 0xdd;
        long n = 1;
        if (array) {
            Token t = r.next();
            n = Math.min(t.length(), ProtocolLimits.MAX_CASES + 1L);
            if (t.length() > ProtocolLimits.MAX_CASES) {
                throw new ProtocolException("more than " + ProtocolLimits.MAX_CASES + " results");
            }
            r.enter();
        }
        List<Result> out = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            Token t = r.next();
            if (t.kind() != Token.Kind.MAP) {
                throw r.invalidType(t, "a map");
            }
            Output o = new Output();
            Done done = readDone(r, t, o, false);
            if (o.stdout == null || o.stderr == null) {
                throw new ProtocolException("missing field `" + (o.stdout == null ? "stdout" : "stderr") + "`");
            }
            out.add(new Result(o.stdout, o.stderr, done));
        }
        if (array) {
            r.exit();
        }
        r.requireEnd();
        return out;
    }

    /**
     * Beyond ATO: decodes a bare Done map (the {@code done} event of {@code POST /api/v1/execute}'s event stream,
     * after {@link ProtocolJson#toMsgpack}); every ATO field is required.
     *
     * @param map the msgpack map
     * @return the Done
     * @throws ProtocolException when it is not one
     */
    public static Done decodeDone(byte[] map) {
        MsgReader r = new MsgReader(Objects.requireNonNull(map, "map"));
        Token t = r.next();
        if (t.kind() != Token.Kind.MAP) {
            throw r.invalidType(t, "struct Done");
        }
        Done d = readDone(r, t, null, true);
        r.requireEnd();
        return d;
    }

    /**
     * Beyond ATO: encodes a bare Done map (its fields as in {@code {"Done": {...}}}).
     *
     * @param done the Done
     * @return the msgpack bytes
     */
    public static byte[] encodeDone(Done done) {
        return pack(p -> {
            p.packMapHeader(doneFieldCount(done));
            doneFields(p, done);
        });
    }

    /**
     * Encodes the v0 metadata: a map of language id to a map of its properties ({@code name}, {@code image}
     * ...), all strings, in the iteration order of the maps given.
     *
     * @param languages language id to properties
     * @return the msgpack bytes
     */
    public static byte[] encodeMetadata(Map<String, Map<String, String>> languages) {
        return pack(p -> {
            p.packMapHeader(languages.size());
            for (Map.Entry<String, Map<String, String>> e : languages.entrySet()) {
                str(p, e.getKey());
                p.packMapHeader(e.getValue().size());
                for (Map.Entry<String, String> prop : e.getValue().entrySet()) {
                    str(p, prop.getKey());
                    str(p, prop.getValue());
                }
            }
        });
    }

    /**
     * Decodes the v0 metadata. Property values that are not strings (ATO's own list has booleans and numbers
     * in places) are turned into their text; nil values are left out.
     *
     * @param body the response body
     * @return language id to properties, in the order received
     * @throws ProtocolException when the body is not a map of maps
     */
    public static Map<String, Map<String, String>> decodeMetadata(byte[] body) {
        Objects.requireNonNull(body, "body");
        MsgReader r = new MsgReader(body);
        Token t = r.next();
        if (t.kind() != Token.Kind.MAP) {
            throw r.invalidType(t, "a map");
        }
        r.enter();
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (long i = 0; i < t.length(); i++) {
            String id = metadataText(r, r.next(), "a language id");
            Token props = r.next();
            if (props.kind() != Token.Kind.MAP) {
                throw r.invalidType(props, "a map");
            }
            r.enter();
            Map<String, String> m = new LinkedHashMap<>();
            for (long j = 0; j < props.length(); j++) {
                String key = metadataText(r, r.next(), "a property name");
                Token value = r.next();
                if (value.kind() != Token.Kind.NIL) {
                    m.put(key, metadataText(r, value, "a property value"));
                }
            }
            r.exit();
            out.put(id, Collections.unmodifiableMap(m));
        }
        r.exit();
        r.requireEnd();
        return Collections.unmodifiableMap(out);
    }

    private static String metadataText(MsgReader r, Token t, String what) {
        return switch (t.kind()) {
            case STR, BIN -> MsgReader.text(t);
            case BOOL -> Boolean.toString(t.boolValue());
            case INT -> t.intText();
            case FLOAT -> RustText.float64(t.doubleValue());
            default -> throw r.invalidType(t, what);
        };
    }

    // ---------------------------------------------------------------- writing helpers

    /** Writes one msgpack message. */
    @FunctionalInterface
    private interface Writer {
        void write(MessagePacker p) throws IOException;
    }

    private static byte[] pack(Writer writer) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            writer.write(p);
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void str(MessagePacker p, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.packRawStringHeader(b.length);
        p.writePayload(b);
    }

    private static void bin(MessagePacker p, byte[] b) throws IOException {
        p.packBinaryHeader(b.length);
        p.writePayload(b);
    }

    private static void binList(MessagePacker p, List<byte[]> list) throws IOException {
        p.packArrayHeader(list.size());
        for (byte[] b : list) {
            bin(p, b);
        }
    }
}
