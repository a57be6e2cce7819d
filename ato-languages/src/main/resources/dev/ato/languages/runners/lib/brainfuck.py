# The brainfuck family, as ATO runs it (TIO's semantics): a tape of 65,536 cells of 8 bits that wraps at both
# ends, cells that wrap, and 0 read at end of input. Each dialect is read into brainfuck's operations (plus
# its own few), which are written out as C and compiled with cc, so loops run at native speed.
#
# Usage: python3 brainfuck.py DIALECT [OPTIONS] CODE_FILE   (stdin and stdout are the program's)
import os
import re
import subprocess
import sys

# Operations: C statements. 'open'/'close' are loops; the rest are single statements.
C = {
    "right": "++p;", "left": "--p;", "inc": "++t[p];", "dec": "--t[p];",
    "out": "putchar(t[p]);", "in": "i=getchar(),t[p]=i<0?0:i;",
    "open": "while(t[p]){", "close": "}",
    # Brainlove
    "open_zero": "while(!t[p]){", "break": "break;", "store": "s=t[p];", "load": "t[p]=s;",
    # Extended Brainfuck Type I
    "end": "goto done;", "shr": "t[p]>>=1;", "shl": "t[p]<<=1;", "not": "t[p]=~t[p];",
    "xor": "t[p]^=s;", "and": "t[p]&=s;", "or": "t[p]|=s;",
    # Random Brainfuck
    "random": "t[p]=(uint8_t)random_byte();",
    # brainbool
    "flip": "t[p]=!t[p];", "bit_in": "t[p]=BIT_IN();", "bit_out": "BIT_OUT(t[p]);",
    # TinyBF's input while going backwards: TIO closes the loop and opens a block that never runs
    "close_dead": "} if(0){",
}

BRAINFUCK = {">": "right", "<": "left", "+": "inc", "-": "dec", ".": "out", ",": "in", "[": "open", "]": "close"}


def brainfuck(code):
    return [BRAINFUCK[c] for c in code if c in BRAINFUCK]


def alphuck(code):
    table = dict(zip("aceijops", "><+-.,[]"))
    return brainfuck("".join(table.get(c, "") for c in code))


def brainlove(code):
    ops = dict(BRAINFUCK, **{"(": "open_zero", ")": "close", "~": "break", "$": "store", "!": "load"})
    return [ops[c] for c in code if c in ops]


def extended_type_1(code):
    ops = dict(BRAINFUCK, **{"@": "end", "$": "store", "!": "load", "}": "shr", "{": "shl", "~": "not",
                             "^": "xor", "&": "and", "|": "or"})
    return [ops[c] for c in code if c in ops]


def random_brainfuck(code):
    ops = dict(BRAINFUCK, **{"?": "random"})
    return [ops[c] for c in code if c in ops]


def brainbool(code):
    ops = {">": "right", "<": "left", "+": "flip", ".": "bit_out", ",": "bit_in", "[": "open", "]": "close"}
    return [ops[c] for c in code if c in ops]


def ooocode(code):
    # Letters only, three at a time; the case pattern (lower 0, upper 1) picks the command.
    letters = "".join(c for c in code if ("a" <= c <= "z") or ("A" <= c <= "Z"))
    by_case = ["left", "right", "open", "close", "dec", "inc", "out", "in"]
    ops = []
    for k in range(0, len(letters) - 2, 3):
        n = 0
        for c in letters[k:k + 3]:
            n = n * 2 + (1 if c.isupper() else 0)
        ops.append(by_case[n])
    return ops


def tinybf(code):
    # '=' reverses the direction; '==' prints; '|=|' reads; '+', '>', '|' mean inc/right/open forwards and
    # dec/left/close backwards.
    words = re.findall(r"==|\|=\||.", "".join(c for c in code if c in "=+>|"))
    ops, backwards = [], False
    for w in words:
        if w == "=":
            backwards = not backwards
        elif w == "==":
            ops.append("out")
        elif w == "|=|":
            if backwards:
                ops.append("close_dead")
                backwards = False
            else:
                ops.append("in")
        else:
            ops.append({"+": ("inc", "dec"), ">": ("right", "left"), "|": ("open", "close")}[w][backwards])
    return ops


DIALECTS = {
    "brainfuck": brainfuck, "alphuck": alphuck, "brainlove": brainlove, "extended_brainfuck_type_I": extended_type_1,
    "random_brainfuck": random_brainfuck, "brainbool": brainbool, "ooocode": ooocode, "tinybf": tinybf,
}

PRELUDE = r"""
#include <stdint.h>
#include <stdio.h>
static FILE *rnd;
static int random_byte(void) { if (!rnd) rnd = fopen("/dev/urandom", "rb"); return rnd ? fgetc(rnd) : 0; }
static uint8_t bit_char_in(void) { return getchar() == '1'; }
static uint8_t bit_byte_in(void) {
    static int byte = 0, mask = 0;
    mask >>= 1;
    if (mask == 0) { byte = getchar(); mask = 128; }
    return (byte & mask) != 0;
}
static void bit_char_out(uint8_t bit) { putchar('0' | bit); }
static void bit_byte_out(uint8_t bit) {
    static uint8_t byte = 0; static int shift = 7;
    byte |= (uint8_t)(bit << shift--);
    if (shift < 0) { putchar(byte); byte = 0; shift = 7; }
}
static uint8_t t[65536];
int main(void) {
    uint16_t p = 0; uint8_t s = 0; int i; (void) s; (void) i;
"""


def to_c(ops, bit_in, bit_out):
    out = [PRELUDE, "#define BIT_IN %s\n#define BIT_OUT %s\n" % (bit_in, bit_out)]
    depth = 0
    for op in ops:
        if op in ("close", "close_dead"):
            if depth == 0:
                continue  # an unmatched close: nothing to close (TIO's C would not compile)
            if op == "close":
                depth -= 1
        if op == "break" and depth == 0:
            continue  # break outside a loop: nothing to leave
        out.append(C[op])
        out.append("\n")
        if op in ("open", "open_zero"):
            depth += 1
    out.append("}" * depth)
    out.append("\ndone: fflush(stdout); return 0;\n}\n")
    return "".join(out)


def main(argv):
    dialect, rest = argv[1], argv[2:]
    if not rest:
        sys.exit("usage: brainfuck.py DIALECT [OPTIONS] CODE_FILE")
    options, code_file = rest[:-1], rest[-1]
    bit_in, bit_out = "bit_char_in", "bit_char_out"
    for o in options:
        # brainbool: -b reads input bytes bit by bit (highest first), -B writes output bits as bytes.
        for flag in o.lstrip("-"):
            if dialect == "brainbool" and flag == "b":
                bit_in = "bit_byte_in"
            elif dialect == "brainbool" and flag == "B":
                bit_out = "bit_byte_out"
            else:
                sys.exit("%s: unknown option %r" % (dialect, o))
    with open(code_file, encoding="utf-8", errors="surrogateescape") as f:
        ops = DIALECTS[dialect](f.read())
    build = os.environ.get("TMPDIR", "/tmp") + "/ato-brainfuck"
    os.makedirs(build, exist_ok=True)
    with open(build + "/program.c", "w") as f:
        f.write(to_c(ops, bit_in, bit_out))
    cc = subprocess.run(["cc", "-O1", "-w", "-o", build + "/program", build + "/program.c"], stdout=sys.stderr)
    if cc.returncode != 0:
        sys.exit(cc.returncode)
    os.execv(build + "/program", [build + "/program"])


if __name__ == "__main__":
    main(sys.argv)
