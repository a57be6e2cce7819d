#!/usr/bin/env python3
"""Writes the inputs of the rmp-serde oracle: hand-made requests (valid, lax, broken) and seeded random
mutations of them, one hex line each. See ../README.md."""
import random
import sys

def s(text):
    b = text.encode()
    assert len(b) < 32
    return bytes([0xa0 | len(b)]) + b

def binb(b):
    return bytes([0xc4, len(b)]) + b

def req(extra=b"", n=6, timeout=b"\x3c"):
    body = (s("language") + s("python") + s("code") + binb(b"print(1)") + s("input") + binb(b"")
            + s("arguments") + b"\x90" + s("options") + b"\x90")
    if timeout is not None:
        body += s("timeout") + timeout
    return bytes([0x80 | n]) + body + extra

SEEDS = [
    req(),
    req(n=5, timeout=None),
    req(s("custom_runner") + binb(b"run"), n=7),
    req(s("custom_runner") + b"\xc0", n=7),
    req(s("extra") + b"\x82\xa1a\x93\xc0\xc3\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00\xa1b\xd4\x01\x02", n=7),
    bytes.fromhex("8500a2736801c4017803c40004900590"),
    bytes.fromhex("96a27368c40178c0c4009090"),
    bytes.fromhex("97a27368c40178c40172c40090900a"),
    bytes.fromhex("86") + b"\xc4\x08language" + s("py") + s("code") + s("x") + s("input") + b"\x92\x68\x69"
        + s("arguments") + b"\x91\xa3\xc3\xa9t" + s("options") + b"\x90" + s("timeout") + b"\xd0\x3c",
    req(timeout=b"\xa260"), req(timeout=b"\xcb\x40\x4e\x00\x00\x00\x00\x00\x00"), req(timeout=b"\xc0"),
    req(timeout=b"\x91\x3c"), req(timeout=b"\xcf\x00\x00\x00\x01\x00\x00\x00\x00"), req(timeout=b"\xca\x3f\xc0\x00\x00"),
    req(timeout=b"\xa3\x22\x0a\x5c"), req(timeout=b"\xa1\xff"), req(timeout=b"\xd4\x01\x3c"), req(timeout=b"\xc3"),
    req(timeout=b"\xa4\x00\x01\x7f\xe2"), req(timeout=b"\xa2\xc2\xa0"), req(timeout=b"\xa3\xe2\x80\x8b"),
    req(timeout=b"\xcb\x44\x16\xaf\x1d\x78\xb5\x8c\x40"), req(timeout=b"\xcb\x3e\x7a\xd7\xf2\x9a\xbc\xaf\x48"),
    req(timeout=b"\xcb\x80\x00\x00\x00\x00\x00\x00\x00"), req(timeout=b"\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00"),
    req(timeout=b"\xcb\xff\xf0\x00\x00\x00\x00\x00\x00"), req(timeout=b"\xd3\x80\x00\x00\x00\x00\x00\x00\x00"),
    req(timeout=b"\xce\x80\x00\x00\x00"), req(timeout=b"\xd2\x80\x00\x00\x00"), req(timeout=b"\xa1\x00"),
    req(s("language") + s("b"), n=7),
    req(b"\xc0\xc0", n=7), req(b"\xff\xc0", n=7), req(b"\xd0\x01\xc0", n=7), req(b"\x90\xc0", n=7),
    req(b"\x80\xc0", n=7), req(b"\xa1z\xc1", n=7), req(b"\x0a\xc0", n=7), req(b"\xcc\xff\xc0", n=7),
    req(b"\xc3\xc0", n=7), req(b"\xca\x00\x00\x00\x00\xc0", n=7), req(b"\xd4\x00\x00\xc0", n=7),
    bytes.fromhex("81a86c616e677561676505"), bytes.fromhex("81a86c616e6775616765a2c328"),
    bytes.fromhex("81a86c616e6775616765a261e2"), bytes.fromhex("81a86c616e6775616765c401ff"),
    bytes.fromhex("81a4636f646501"), bytes.fromhex("81a4636f646580"), bytes.fromhex("81a4636f64659201cd0100"),
    bytes.fromhex("81a4636f646591ff"), bytes.fromhex("81a4636f646591a161"), bytes.fromhex("81a4636f646591ca3f800000"),
    bytes.fromhex("81a4636f646592d1007fd300000000000000ff"),
    bytes.fromhex("81a9617267756d656e7473a178"), bytes.fromhex("81a9617267756d656e7473c40178"),
    bytes.fromhex("81a9617267756d656e747391c0"), bytes.fromhex("a26869"), bytes.fromhex("2a"), bytes.fromhex("c0"),
    bytes.fromhex("91a161"), bytes.fromhex("98a161c400c0c40090903cc0"), b"", bytes.fromhex("82a86c616e6775616765a161"),
    bytes.fromhex("81a86c616e6775616765a5" + "6162"), bytes.fromhex("81a86c616e6775616765da00"),
    bytes.fromhex("81a774696d656f7574cd00"), bytes.fromhex("81a86c616e6775616765dbffffffff61"),
    bytes.fromhex("81a4636f6465c6ffffffff61"), bytes.fromhex("81a4636f6465ddffffffff61"),
    bytes.fromhex("81a4636f6465ddffffffff61c0"), bytes.fromhex("dfffffffffa178c0"),
    bytes.fromhex("81a178c9ffffffff0100"), bytes.fromhex("81a178c7"), bytes.fromhex("81a178c702"),
    bytes.fromhex("81a178c70201"), bytes.fromhex("81a178d5"), bytes.fromhex("81a178d501"),
    req() + b"\xc0", bytes.fromhex("80"), bytes.fromhex("90"), bytes.fromhex("c1"),
    bytes.fromhex("81a4636f6465c0"), bytes.fromhex("81ad637573746f6d5f72756e6e657205"),
    bytes.fromhex("82a86c616e6775616765a161a86c616e6775616765a162"),
    bytes.fromhex("82ad637573746f6d5f72756e6e6572c0ad637573746f6d5f72756e6e6572c0"),
    req(b"\x07\x05", n=7), req(b"\x06\x05", n=7),
]

MARKERS = [0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
           0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
           0xff, 0xe0, 0x00, 0x7f, 0x80, 0x81, 0x8f, 0x90, 0x91, 0x9f, 0xa0, 0xa1, 0xbf]

def mutate(rnd, b):
    b = bytearray(b)
    for _ in range(rnd.randint(1, 3)):
        op = rnd.randrange(6)
        if op == 0 and b:
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        elif op == 1 and b:
            b[rnd.randrange(len(b))] = rnd.choice(MARKERS)
        elif op == 2:
            b.insert(rnd.randrange(len(b) + 1), rnd.choice(MARKERS + [rnd.randrange(256)]))
        elif op == 3 and b:
            del b[rnd.randrange(len(b))]
        elif op == 4 and b:
            del b[rnd.randrange(len(b)):]
        elif b:
            b[rnd.randrange(len(b))] ^= 1 << rnd.randrange(8)
    return bytes(b)

def main():
    rnd = random.Random(20261128)
    out = [x for x in SEEDS]
    depth = lambda k: req(s("z") + b"\x91" * k + b"\xc0", n=7)
    out += [depth(1022), depth(1023), depth(1500)]
    for _ in range(2500):
        out.append(mutate(rnd, rnd.choice(SEEDS[:10])))
    for _ in range(1000):
        out.append(mutate(rnd, rnd.choice(SEEDS)))
    for _ in range(300):
        out.append(bytes(rnd.randrange(256) for _ in range(rnd.randrange(12))))
    seen = set()
    for b in out:
        if b not in seen:
            seen.add(b)
            sys.stdout.write(b.hex() + "\n")

main()
