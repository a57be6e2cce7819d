package dev.ato.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Random, truncated and mutated inputs, and headers claiming 4 GiB: every decoder either decodes or throws
 * {@link ProtocolException}, never anything else, and never allocates in proportion to a claimed length.
 */
class CodecFuzzTest {
    private static final List<Consumer<byte[]>> DECODERS = List.of(
            ProtocolCodec::decodeRequest,
            ProtocolCodec::decodeServerMessage,
            ProtocolCodec::decodeV0Response,
            ProtocolCodec::decodeMetadata,
            ProtocolCodec::checkKill,
            b -> ProtocolCodec.isKill(b));

    private static final byte[][] SEEDS = {
        ProtocolCodec.encodeRequest(ExecuteRequest.builder("python").code("print(input())").input("x")
                .arguments("a", "b").options("-O").timeout(5).customRunner(Bytes.utf8("r")).build()),
        ProtocolCodec.encode(new ServerMessage.Stdout(Bytes.utf8("hello"))),
        ProtocolCodec.encode(new ServerMessage.Finished(Done.builder(StatusType.EXITED, 0).real(1).kernel(2).user(3)
                .maxMem(4).waits(5).preemptions(6).majorPageFaults(7).minorPageFaults(8).inputOps(9).outputOps(10)
                .build().withOomKilled(false))),
        ProtocolCodec.encodeV0Response(Done.builder(StatusType.KILLED, 9).timedOut(true).stdoutTruncated(true)
                .stderrTruncated(true).real(1L << 40).kernel(2).user(3).maxMem(4).waits(5).preemptions(6)
                .majorPageFaults(7).minorPageFaults(8).inputOps(9).outputOps(10).build(),
                Bytes.utf8("out"), Bytes.utf8("err")),
        ProtocolCodec.encodeMetadata(java.util.Map.of("python", java.util.Map.of("name", "Python"))),
        ProtocolCodec.encodeKill(),
    };

    private static void feed(byte[] input) {
        for (Consumer<byte[]> d : DECODERS) {
            try {
                d.accept(input);
            } catch (ProtocolException e) {
                assertThat(e.getMessage()).isNotBlank();
            } catch (Throwable t) {
                fail("decoder threw " + t + " for " + Bytes.hex(Arrays.copyOf(input, Math.min(input.length, 64))),
                        t);
            }
        }
    }

    @Test
    void randomBytesOnlyEverGiveProtocolException() {
        Random rnd = new Random(1);
        for (int i = 0; i < 20000; i++) {
            byte[] b = new byte[rnd.nextInt(64)];
            rnd.nextBytes(b);
            feed(b);
        }
    }

    @Test
    void everyTruncationOfValidMessagesOnlyGivesProtocolException() {
        for (byte[] seed : SEEDS) {
            for (int len = 0; len < seed.length; len++) {
                feed(Arrays.copyOf(seed, len));
            }
        }
    }

    @Test
    void mutatedValidMessagesOnlyGiveProtocolException() {
        Random rnd = new Random(2);
        for (int i = 0; i < 20000; i++) {
            byte[] b = SEEDS[i % SEEDS.length].clone();
            for (int m = 1 + rnd.nextInt(4); m > 0; m--) {
                int at = rnd.nextInt(b.length);
                b[at] = switch (rnd.nextInt(4)) {
                    case 0 -> (byte) rnd.nextInt(256);
                    case 1 -> (byte) 0xff;
                    case 2 -> (byte) (0xc4 + rnd.nextInt(0x1c));
                    default -> (byte) (b[at] ^ (1 << rnd.nextInt(8)));
                };
            }
            feed(b);
        }
    }

    /** Every header that carries a 32-bit length, claiming 0xffffffff, at the top and inside a request. */
    @Test
    void headersClaimingFourGibibytesCostNoAllocation() {
        List<byte[]> inputs = new ArrayList<>();
        String[] headers = {"db", "c6", "dd", "df", "c9"};
        for (String h : headers) {
            String claim = h + " ff ff ff ff 01 02 03";
            inputs.add(Bytes.of(claim));
            inputs.add(Bytes.of("81 a8 \"language\" " + claim));
            inputs.add(Bytes.of("81 a4 \"code\" " + claim));
            inputs.add(Bytes.of("81 a9 \"arguments\" " + claim));
            inputs.add(Bytes.of("81 a9 \"arguments\" 91 " + claim));
            inputs.add(Bytes.of("81 a1 \"x\" " + claim));
            inputs.add(Bytes.of("81 a4 \"Done\" " + claim));
            inputs.add(Bytes.of("81 a6 \"Stdout\" " + claim));
            inputs.add(Bytes.of("81 a6 \"python\" " + claim));
        }
        for (byte[] in : inputs) {
            feed(in);
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int round = 0; round < 10; round++) {
            for (byte[] in : inputs) {
                feed(in);
            }
        }
        long perInput = (mx.getThreadAllocatedBytes(tid) - before) / (10L * inputs.size());
        // A few KiB of exceptions and readers per input; a claimed length honoured would be 4 GiB.
        assertThat(perInput).isLessThan(256 * 1024);
    }
}
