# Brain-Flak, from its specification (github.com/DJMcMayhem/Brain-Flak wiki): two stacks, the left one active
# at the start and holding the input. Nilads: () is 1, [] the active stack's height, {} pops the active stack
# (0 when empty), <> swaps the stacks and is 0. Monads: (X) pushes X's value and is that value, [X] is -X,
# {X} repeats X while the active stack's top is not 0 and is the sum of all those values, <X> runs X and is 0.
# At the end the active stack is printed from the top: one number a line, or (-A, -c) as characters.
#
# Options: -a / -c read the input as characters (else as whitespace-separated integers), -A / -c print
# characters; -f FILE reads the input from FILE. Arguments are further integers (or characters) of input.
# Usage: python3 brainflak.py [OPTIONS] CODE_FILE [ARGUMENTS]
import sys

PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}


class FlakError(Exception):
    pass


def parse(code):
    """A tree: each node is (bracket, children) with children None for a nilad."""
    stack = [("", [])]
    for i, c in enumerate(code):
        if c in PAIRS:
            stack.append((c, []))
        elif c in PAIRS.values():
            kind, children = stack.pop() if len(stack) > 1 else (None, None)
            if kind is None or PAIRS[kind] != c:
                raise FlakError("unmatched '%s' at character %d" % (c, i + 1))
            stack[-1][1].append((kind, children if children else None))
    if len(stack) > 1:
        raise FlakError("unclosed '%s'" % stack[-1][0])
    return stack[0][1]


def run(nodes, stacks):
    state = {"active": 0}

    def ev(seq):
        total = 0
        for kind, children in seq:
            total += one(kind, children)
        return total

    def one(kind, children):
        active = stacks[state["active"]]
        if children is None:
            if kind == "(":
                return 1
            if kind == "[":
                return len(active)
            if kind == "{":
                return active.pop() if active else 0
            state["active"] ^= 1
            return 0
        if kind == "(":
            v = ev(children)
            stacks[state["active"]].append(v)
            return v
        if kind == "[":
            return -ev(children)
        if kind == "{":
            total = 0
            while stacks[state["active"]] and stacks[state["active"]][-1] != 0:
                total += ev(children)
            return total
        ev(children)
        return 0

    sys.setrecursionlimit(100000)
    ev(nodes)
    return stacks[state["active"]]


def main(argv):
    ascii_in = ascii_out = False
    input_file = None
    args = argv[1:]
    while args and args[0].startswith("-") and len(args) > 1:
        o = args.pop(0)
        if o == "-f":
            input_file = args.pop(0)
            continue
        for flag in o[1:]:
            if flag == "a":
                ascii_in = True
            elif flag == "A":
                ascii_out = True
            elif flag == "c":
                ascii_in = ascii_out = True
            else:
                sys.exit("brainflak: unknown option -%s" % flag)
    code_file, extra = args[0], args[1:]
    with open(code_file, encoding="utf-8", errors="surrogateescape") as f:
        code = f.read()
    text = ""
    if input_file:
        with open(input_file, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
    try:
        if ascii_in:
            values = [ord(c) for c in text + "".join(extra)]
        else:
            values = [int(w) for w in text.split() + extra]
    except ValueError as e:
        sys.exit("brainflak: input is not integers (use -a for characters): %s" % e)
    try:
        result = run(parse(code), [list(reversed(values)), []])
    except FlakError as e:
        sys.exit("brainflak: %s" % e)
    out = sys.stdout
    if ascii_out:
        out.write("".join(chr(v % 0x110000) for v in reversed(result)))
        out.write("\n")
    else:
        out.write("".join("%d\n" % v for v in reversed(result)))
    out.flush()


if __name__ == "__main__":
    main(sys.argv)
