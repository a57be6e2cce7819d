# Quipu, from its specification (esolangs.org/wiki/Quipu, and the rules of the interpreter ATO runs,
# github.com/cgccuser/quipu): a program is a row of vertical threads of two-character knots. The first line that is
# neither empty nor a comment (a line starting with ") fixes the threads: each starts at a non-blank column and is
# two characters wide. Values are big integers and strings. Each thread runs with a stack holding its own value
# (0 at first); when it ends or jumps, its value becomes the top of its stack.
#
# Knots: 1& 2@ 3% 4# digits of a number (units, tens, hundreds, thousands; the digits of consecutive lines add up),
# 'c a character of a string (\n \t too), a blank ends a literal, ;; too; [] replaces the top by the value of the
# thread it names; ^^ pushes the thread's own value, ## the top again; ++ -- ** // %% push the second's and the
# top's sum, difference, product, quotient, remainder (integers only; the operands stay); == << <= >> >= pop a
# thread number and jump there if the new top is =0, <0, <=0, >0, >=0; ?? pops a thread number and jumps; \/ reads
# a line (a number if it is one); /\ prints the top; :: halts. After the last knot of the last thread the program
# ends.
#
# Usage: python3 quipu.py [--] CODE_FILE [ARGUMENT...]   (there are no options; a program cannot read arguments:
# they are ignored, as on ATO)
import re
import sys

INTEGER = re.compile(r"[+-]?[0-9]+")


class QuipuError(Exception):
    pass


def parse(source):
    """The threads, each a list of knots: ('num', n), ('str', s) or (kind,) for the others; knot 0 is the
    thread's own value."""
    columns = None
    threads, ints, strs = [], [], []

    def dump(i):
        if ints[i] != -1:
            threads[i].append(("num", ints[i]))
        if strs[i] != "":
            threads[i].append(("str", strs[i]))
        ints[i], strs[i] = -1, ""

    for line in source.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        if columns is None:
            if line == "" or line[0] == '"':
                continue
            columns, index = [], 0
            while index < len(line):
                while index < len(line) and line[index].isspace():
                    index += 1
                if index != len(line):
                    columns.append(index)
                    index += 2
            if not columns:
                columns = None
                continue
            threads = [[("num", 0)] for _ in columns]
            ints, strs = [-1] * len(columns), [""] * len(columns)
        for i, index in enumerate(columns):
            if len(line) <= index + 1:
                continue  # a short line leaves the thread (and an unfinished literal) alone
            a, b = line[index], line[index + 1]
            plain = {"[": "ref", "^": "self", "+": "add", "-": "sub", "*": "mul", "%": "mod", "=": "jz",
                     "?": "jump", ":": "halt", "#": "copy"}
            if "0" <= a <= "9" and b in "&@%#":
                if ints[i] == -1:
                    ints[i] = 0
                d = int(a)
                if b == "&":
                    ints[i] += d
                elif b == "@":
                    ints[i] += d * 10
                elif b == "%":
                    ints[i] += d * 100
                else:
                    if ints[i] != 0:
                        ints[i] *= 10
                    ints[i] += d * 1000
            elif a == "'":
                strs[i] += b
            elif a == "\\" and b in "nt":
                strs[i] += "\n" if b == "n" else "\t"
            elif a == " " or a == ";":
                dump(i)
            else:
                two = {"\\/": "in", "/\\": "out", "//": "div", "<<": "jlt", "<=": "jle", ">>": "jgt", ">=": "jge"}
                kind = plain.get(a) or two.get(a + b)
                if kind is None:
                    raise QuipuError("unknown knot " + repr(a + b) + " in thread " + str(i))
                dump(i)
                threads[i].append((kind,))
    for i in range(len(threads)):
        dump(i)
    return threads


def tdiv(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def tmod(a, b):
    return a - b * tdiv(a, b)


OPS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "div": tdiv, "mod": tmod}
JUMPS = {"jz": lambda x: x == 0, "jlt": lambda x: x < 0, "jle": lambda x: x <= 0, "jgt": lambda x: x > 0,
         "jge": lambda x: x >= 0}


def is_int(v):
    return isinstance(v, int)


def run(threads, out):
    def thread_number(v):
        if not is_int(v) or v < 0 or v >= len(threads):
            raise QuipuError('no such thread: "' + str(v) + '"')
        return v

    pointer = 0
    halted = len(threads) == 0
    while not halted:
        thread = threads[pointer]
        stack = [thread[0][1]]  # the top is the end of the list
        jumped = False
        current = pointer
        for knot in thread[1:]:
            kind = knot[0]
            if kind in ("num", "str"):
                stack.append(knot[1])
            elif kind == "ref":
                stack[-1] = threads[thread_number(stack[-1])][0][1]
            elif kind == "self":
                stack.append(stack[0])
            elif kind == "copy":
                stack.append(stack[-1])
            elif kind in OPS:
                if len(stack) < 2:
                    raise QuipuError("not enough arguments for operation")
                a, b = stack[-2], stack[-1]
                if not (is_int(a) and is_int(b)):
                    raise QuipuError("type mismatch")
                if kind in ("div", "mod") and b == 0:
                    raise QuipuError("division by zero")
                stack.append(OPS[kind](a, b))
            elif kind in JUMPS:
                target = stack.pop()
                if not stack:
                    raise QuipuError("nothing to test for the jump")
                if not is_int(stack[-1]):
                    raise QuipuError("can't apply jump predicate to: " + str(stack[-1]))
                if JUMPS[kind](stack[-1]):
                    pointer, jumped = thread_number(target), True
                    break
            elif kind == "jump":
                target = stack.pop()
                pointer, jumped = thread_number(target), True
                break
            elif kind == "in":
                line = sys.stdin.readline()
                if line == "":
                    raise QuipuError("no more input")
                line = line[:-1] if line.endswith("\n") else line
                stack.append(int(line) if INTEGER.fullmatch(line) else line)
            elif kind == "out":
                out.write(str(stack[-1]))
                out.flush()
            elif kind == "halt":
                halted = True
                break
        if not jumped and not halted:
            if pointer + 1 == len(threads):
                halted = True
            else:
                pointer += 1
        if not halted:
            value = stack[-1]
            threads[current][0] = ("num", value) if is_int(value) else ("str", value)


def main(argv):
    if "--" in argv:
        options, argv = argv[:argv.index("--")], argv[argv.index("--") + 1:]
        if options:
            print("quipu: the interpreter has no options: " + " ".join(options), file=sys.stderr)
            return 2
    if not argv:
        print("usage: quipu.py [--] CODE_FILE [ARGUMENT...]", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        source = f.read()
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # big integers print whole
    try:
        run(parse(source), sys.stdout)
    except QuipuError as e:
        sys.stdout.flush()
        print("quipu: " + str(e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
