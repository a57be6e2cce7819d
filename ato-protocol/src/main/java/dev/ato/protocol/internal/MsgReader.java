package dev.ato.protocol.internal;

import dev.ato.protocol.ProtocolException;
import dev.ato.protocol.ProtocolLimits;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.MessageBuffer;

/**
 * A cautious reader of one msgpack message held in memory, over msgpack-java's {@link MessageUnpacker}.
 *
 * <p>It looks at the next format before every read, checks every length against the bytes that are left
 * before allocating anything (so a header that claims 4 GiB costs nothing), counts container depth the way
 * rmp-serde does, and reports every problem as a {@link ProtocolException} worded as ATO's Rust server words
 * it (rmp-serde's I/O errors, serde's type errors). It never calls {@code unpackValue()}.
 */
public final class MsgReader {
    /** rmp-serde's words when the input ends where a marker byte should be. */
    public static final String EOF_MARKER = "IO error while reading marker: failed to fill whole buffer";
    /** rmp-serde's words when the input ends inside a fixed-size field (a length, a number). */
    public static final String EOF_DATA = "IO error while reading data: failed to fill whole buffer";
    /** rmp-serde's words when the input ends inside the payload of a str, bin or ext. */
    public static final String EOF_PAYLOAD = "IO error while reading data: unexpected end of file";

    private final byte[] data;
    private final MessageUnpacker unpacker;
    private int depthLeft = ProtocolLimits.MAX_DEPTH;

    /**
     * A reader over the whole array.
     *
     * @param data the message
     */
    public MsgReader(byte[] data) {
        this.data = data;
        this.unpacker = MessagePack.newDefaultUnpacker(data);
    }

    /**
     * Bytes not read yet.
     *
     * @return the count
     */
    public long remaining() {
        return data.length - unpacker.getTotalReadBytes();
    }

    /**
     * Refuses bytes after the message, as rmp-serde's {@code from_slice} does.
     *
     * @throws ProtocolException {@code found extra data} when bytes are left
     */
    public void requireEnd() {
        if (remaining() != 0) {
            throw new ProtocolException("found extra data");
        }
    }

    /**
     * The next raw byte (a marker), without consuming it.
     *
     * @return the byte, 0..255
     * @throws ProtocolException with rmp-serde's words when the input has ended
     */
    public int peekMarker() {
        if (remaining() <= 0) {
            throw new ProtocolException(EOF_MARKER);
        }
        return data[(int) unpacker.getTotalReadBytes()] & 0xFF;
    }

    /**
     * A marker byte as rmp's {@code Marker} enum prints itself with {@code Debug}, e.g. {@code FixArray(0)},
     * {@code Str8}, {@code Reserved}; rmp-serde shows it in {@code wrong msgpack marker ...}.
     *
     * @param m the marker byte
     * @return the name
     */
    public static String markerName(int m) {
        if (m <= 0x7f) {
            return "FixPos(" + m + ")";
        }
        if (m <= 0x8f) {
            return "FixMap(" + (m & 0x0f) + ")";
        }
        if (m <= 0x9f) {
            return "FixArray(" + (m & 0x0f) + ")";
        }
        if (m <= 0xbf) {
            return "FixStr(" + (m & 0x1f) + ")";
        }
        if (m >= 0xe0) {
            return "FixNeg(" + (byte) m + ")";
        }
        return switch (m) {
            case 0xc0 -> "Null";
            case 0xc1 -> "Reserved";
            case 0xc2 -> "False";
            case 0xc3 -> "True";
            case 0xc4 -> "Bin8";
            case 0xc5 -> "Bin16";
            case 0xc6 -> "Bin32";
            case 0xc7 -> "Ext8";
            case 0xc8 -> "Ext16";
            case 0xc9 -> "Ext32";
            case 0xca -> "F32";
            case 0xcb -> "F64";
            case 0xcc -> "U8";
            case 0xcd -> "U16";
            case 0xce -> "U32";
            case 0xcf -> "U64";
            case 0xd0 -> "I8";
            case 0xd1 -> "I16";
            case 0xd2 -> "I32";
            case 0xd3 -> "I64";
            case 0xd4 -> "FixExt1";
            case 0xd5 -> "FixExt2";
            case 0xd6 -> "FixExt4";
            case 0xd7 -> "FixExt8";
            case 0xd8 -> "FixExt16";
            case 0xd9 -> "Str8";
            case 0xda -> "Str16";
            case 0xdb -> "Str32";
            case 0xdc -> "Array16";
            case 0xdd -> "Array32";
            case 0xde -> "Map16";
            default -> "Map32";
        };
    }

    /**
     * Reads the next item: a scalar with its value, or the header of a container or ext.
     *
     * @return the token
     */
    public Token next() {
        if (remaining() <= 0) {
            throw new ProtocolException(EOF_MARKER);
        }
        try {
            MessageFormat f = unpacker.getNextFormat();
            return switch (f) {
                case NIL -> {
                    unpacker.unpackNil();
                    yield Token.NIL;
                }
                case BOOLEAN -> unpacker.unpackBoolean() ? Token.TRUE : Token.FALSE;
                case POSFIXINT, UINT8, UINT16, UINT32 -> Token.ofInt(unpacker.unpackLong(), false);
                case NEGFIXINT, INT8, INT16, INT32, INT64 -> Token.ofInt(unpacker.unpackLong(), true);
                case UINT64 -> {
                    BigInteger big = unpacker.unpackBigInteger();
                    yield big.bitLength() < 64 ? Token.ofInt(big.longValue(), false) : Token.ofBigInt(big);
                }
                case FLOAT32, FLOAT64 -> Token.ofFloat(unpacker.unpackDouble());
                case FIXSTR, STR8, STR16, STR32 -> Token.ofStr(payload(length(f)));
                case BIN8, BIN16, BIN32 -> Token.ofBin(payload(length(f)));
                case FIXARRAY, ARRAY16, ARRAY32 -> Token.ofArray(length(f));
                case FIXMAP, MAP16, MAP32 -> Token.ofMap(length(f));
                case FIXEXT1, FIXEXT2, FIXEXT4, FIXEXT8, FIXEXT16, EXT8, EXT16, EXT32 -> Token.ofExt(extLength(f));
                // 0xc1 is never used by the spec; rmp-serde refuses it with these words.
                case NEVER_USED -> throw new ProtocolException("wrong msgpack marker Reserved");
            };
        } catch (MessageInsufficientBufferException e) {
            throw new ProtocolException(EOF_DATA);
        } catch (IOException | MessagePackException e) {
            // Not reachable for an in-memory buffer with checked lengths; kept so nothing else escapes.
            throw new ProtocolException("malformed msgpack: " + e.getMessage());
        }
    }

    /**
     * Reads a container or str/bin length. 8- and 16-bit lengths go through the unpacker; 32-bit ones are
     * read here because msgpack-java refuses lengths of 2^31 and more, which rmp-serde reads as u32.
     */
    private long length(MessageFormat f) throws IOException {
        return switch (f) {
            case STR32, BIN32, ARRAY32, MAP32 -> raw32(1);
            case FIXSTR, STR8, STR16 -> unpacker.unpackRawStringHeader();
            case BIN8, BIN16 -> unpacker.unpackBinaryHeader();
            case FIXARRAY, ARRAY16 -> unpacker.unpackArrayHeader();
            case FIXMAP, MAP16 -> unpacker.unpackMapHeader();
            default -> throw new IllegalStateException(f.name());
        };
    }

    /** Consumes a marker byte plus a big-endian u32, returning the u32. */
    private long raw32(int markerBytes) throws IOException {
        if (remaining() < markerBytes + 4) {
            throw new ProtocolException(EOF_DATA);
        }
        MessageBuffer b = unpacker.readPayloadAsReference(markerBytes + 4);
        return b.getInt(markerBytes) & 0xFFFF_FFFFL;
    }

    private long extLength(MessageFormat f) throws IOException {
        // The header is the marker and the length; the type byte belongs to the body, as rmp-serde reads it.
        int headerBytes = switch (f) {
            case EXT8 -> 2;
            case EXT16 -> 3;
            case EXT32 -> 5;
            default -> 1;
        };
        if (remaining() < headerBytes) {
            throw new ProtocolException(EOF_DATA);
        }
        MessageBuffer b = unpacker.readPayloadAsReference(headerBytes);
        return switch (f) {
            case FIXEXT1 -> 1;
            case FIXEXT2 -> 2;
            case FIXEXT4 -> 4;
            case FIXEXT8 -> 8;
            case FIXEXT16 -> 16;
            case EXT8 -> b.getByte(1) & 0xFF;
            case EXT16 -> b.getShort(1) & 0xFFFF;
            default -> b.getInt(1) & 0xFFFF_FFFFL;
        };
    }

    private byte[] payload(long len) throws IOException {
        if (len > remaining()) {
            throw new ProtocolException(EOF_PAYLOAD);
        }
        return unpacker.readPayload((int) len);
    }

    /**
     * Consumes the body of an ext item (its type byte and payload) without keeping it.
     *
     * @param ext the ext token
     */
    public void skipExtBody(Token ext) {
        try {
            if (remaining() < 1) {
                throw new ProtocolException(EOF_DATA);
            }
            unpacker.readPayloadAsReference(1);
            if (ext.length() > remaining()) {
                throw new ProtocolException(EOF_PAYLOAD);
            }
            unpacker.readPayloadAsReference((int) ext.length());
        } catch (IOException e) {
            throw new ProtocolException("malformed msgpack: " + e.getMessage());
        }
    }

    /**
     * Enters a container (or ext), refusing it beyond the depth limit as rmp-serde does.
     */
    public void enter() {
        if (--depthLeft == 0) {
            depthLeft++;
            throw new ProtocolException("depth limit exceeded");
        }
    }

    /**
     * Leaves a container entered with {@link #enter()}.
     */
    public void exit() {
        depthLeft++;
    }

    /**
     * Whether entering one more container would exceed the depth limit.
     *
     * @return true at the limit
     */
    public boolean atDepthLimit() {
        return depthLeft <= 1;
    }

    /**
     * Consumes the rest of a value whose token was read, whatever it holds (serde's {@code IgnoredAny}).
     *
     * @param t the token already read
     */
    public void skip(Token t) {
        switch (t.kind()) {
            case ARRAY -> {
                enter();
                for (long i = 0; i < t.length(); i++) {
                    skip(next());
                }
                exit();
            }
            case MAP -> {
                enter();
                for (long i = 0; i < t.length(); i++) {
                    skip(next());
                    skip(next());
                }
                exit();
            }
            case EXT -> {
                enter();
                skipExtBody(t);
                exit();
            }
            default -> {
                // scalars were consumed with their token
            }
        }
    }

    /**
     * Builds serde's {@code invalid type} error for a value of the wrong kind, or the error rmp-serde reports
     * first for it (depth for containers, UTF-8 for a str that is not valid UTF-8).
     *
     * @param t the token of the value
     * @param expecting serde's description of the expected type, e.g. {@code i32}, {@code byte array}
     * @return the exception to throw
     * @throws ProtocolException at once for a str that is not valid UTF-8 (see {@link #requireUtf8})
     */
    public ProtocolException invalidType(Token t, String expecting) {
        if ((t.kind() == Token.Kind.ARRAY || t.kind() == Token.Kind.MAP || t.kind() == Token.Kind.EXT)
                && atDepthLimit()) {
            return new ProtocolException("depth limit exceeded");
        }
        if (t.kind() == Token.Kind.STR) {
            requireUtf8(t);
        }
        return new ProtocolException("invalid type: " + t.unexpected() + ", expected " + expecting);
    }

    /**
     * Refuses a str whose bytes are not valid UTF-8, as rmp-serde does before looking at its value.
     *
     * @param t a str token
     * @throws ProtocolException with rmp-serde's words when the bytes are not UTF-8
     */
    public static void requireUtf8(Token t) {
        String err = RustText.utf8Error(t.bytes());
        if (err != null) {
            throw new ProtocolException("string found to be invalid utf8: " + err);
        }
    }

    /**
     * Decodes a str token's bytes as UTF-8 (the caller has checked the kind).
     *
     * @param t a str or bin token with valid UTF-8
     * @return the text
     */
    public static String text(Token t) {
        return new String(t.bytes(), StandardCharsets.UTF_8);
    }
}
