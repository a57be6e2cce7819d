# Exceptionally (0.5), from its specification (github.com/dloscutoff/Esolangs, Exceptionally: README.md and
# commands.md): exceptions are the only control flow. A program is a series of lines, each one or more commands
# joined by operators: `a ; b` runs a then b, stopping at the first exception; `a ? b` runs b only if a raised.
# The lines run in a loop (the instruction pointer wraps); a line whose last alternative raises ends the program,
# with the exception's traceback unless -q. Values are Python's (the reference implementation is Whython, a
# Python 3), the register `reg` starts at 0, variables are runs of lower-case letters, `ip` is the instruction
# pointer. Whitespace separates nothing: a command that does not follow an operator starts a new line.
#
# Usage: python3 exceptionally.py [-V|--version] [-q|--quiet] [CODE_FILE]   (the code from stdin without a file)
import re
import sys
import traceback

VERSION = "0.5 (the specification)"


def _down(x):
    try:
        return x - 1
    except TypeError:
        return x.lower()


def _up(x):
    try:
        return x + 1
    except TypeError:
        return x.upper()


def _flip(x):
    try:
        return x[::-1]
    except TypeError:
        return -x


def _order(x):
    return "".join(sorted(x)) if isinstance(x, str) else sorted(x)


def _assert(ok):
    if not ok:
        raise AssertionError("comparison failed")


BINARY = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / y,
    "%": lambda x, y: x % y,
    "^": lambda x, y: x ** y,
    ",": lambda x, y: list(range(x, y)),
    ":": lambda x, y: x[y],
    "[": lambda x, y: x[y:],
    "]": lambda x, y: x[:y],
    "@": lambda x, y: x.index(y),
    "#": lambda x, y: x.count(y),
    "|": lambda x, y: x.split(y),
    "$": lambda x, y: y.join(x),
    "&": lambda x, y: [x, y],
    "~": lambda x, y: x + [y],
}
COMPARISON = {
    "=": lambda x, y: x == y,
    "<": lambda x, y: x < y,
    ">": lambda x, y: x > y,
}
UNARY = {
    "U": _up,
    "D": _down,
    "R": lambda x: list(range(x)),
    "A": ord,
    "C": chr,
    "I": int,
    "S": str,
    "L": len,
    "F": _flip,
    "O": _order,
    "E": list,
    "W": lambda x: [x],
    "G": lambda x: input(),
}
SPECIAL = "{}!P"
NUMBER = re.compile(r"_?(?:\d*\.)?\d+")
NAME = re.compile(r"[a-z]+")
STRING = re.compile(r'"[^"\\]*"')
COMMENT = re.compile(r"'.*")


class Arg:
    """A command's argument: a literal (kind 'lit') or a variable (kind 'var'; 'reg' when none is given)."""

    def __init__(self, kind, value):
        self.kind, self.value = kind, value


class Command:
    def __init__(self, op, arg):
        self.op, self.arg = op, arg


def parse(code):
    """The program's lines: each a list of alternatives (split at ?), each a list of commands (split at ;)."""
    lines = []
    code = code.lstrip()
    if code[:1] in ("?", ";"):
        raise SyntaxError("a program cannot begin with " + code[0])
    while code:
        m = COMMENT.match(code)
        if m:
            code = code[m.end():].lstrip()
            continue
        if code[0] in "?;":
            operator = code[0]
            code = code[1:].lstrip()
            if not code:
                raise SyntaxError("a program cannot end with " + operator)
            if operator == "?":
                lines[-1].append([])
        else:
            lines.append([[]])
        op = code[0]
        if op not in BINARY and op not in COMPARISON and op not in UNARY and op not in SPECIAL:
            raise SyntaxError("expected a command, found: " + op)
        code = code[1:].lstrip()
        if m := NUMBER.match(code):
            text = m.group().replace("_", "-")
            arg = Arg("lit", float(text) if "." in text else int(text))
        elif m := NAME.match(code):
            arg = Arg("var", m.group())
        elif m := STRING.match(code):
            arg = Arg("lit", m.group()[1:-1])
        else:
            arg = Arg("var", "reg")
        if m:
            code = code[m.end():].lstrip()
        lines[-1][-1].append(Command(op, arg))
    return lines


class Machine:
    def __init__(self, lines):
        self.lines = lines
        self.vars = {"reg": 0, "ip": 0}

    def value(self, arg):
        if arg.kind == "lit":
            return arg.value
        if arg.value not in self.vars:
            raise NameError("name '" + arg.value + "' is not defined")
        return self.vars[arg.value]

    def assign(self, arg, value):
        if arg.kind == "lit":
            raise SyntaxError("cannot assign to the literal " + repr(arg.value))
        self.vars[arg.value] = value

    def execute(self, c):
        v = self.vars
        if c.op in BINARY:
            v["reg"] = BINARY[c.op](v["reg"], self.value(c.arg))
        elif c.op in COMPARISON:
            _assert(COMPARISON[c.op](v["reg"], self.value(c.arg)))
        elif c.op in UNARY:
            # The argument is read first (an undefined variable raises), except by G, which only writes it.
            x = None if c.op == "G" else self.value(c.arg)
            self.assign(c.arg, UNARY[c.op](x))
        elif c.op == "{":
            v["reg"] = self.value(c.arg)
        elif c.op == "}":
            self.assign(c.arg, v["reg"])
        elif c.op == "!":
            v["ip"] = v["ip"] + self.value(c.arg)
        elif c.op == "P":
            print(self.value(c.arg))

    def run_line(self, alternatives):
        for n, commands in enumerate(alternatives):
            try:
                for c in commands:
                    self.execute(c)
                return
            except Exception:
                if n == len(alternatives) - 1:
                    raise

    def run(self):
        if not self.lines:
            raise IndexError("the program has no lines")
        while True:
            self.run_line(self.lines[self.vars["ip"]])
            self.vars["ip"] = (self.vars["ip"] + 1) % len(self.lines)


def main(argv):
    args = list(argv)
    if args and args[0] in ("-V", "--version"):
        print("Exceptionally " + VERSION)
        return 0
    quiet = False
    if args and args[0] in ("-q", "--quiet"):
        quiet = True
        args.pop(0)
    if args:
        with open(args[0], encoding="utf-8") as f:
            code = f.read()
    else:
        code = sys.stdin.read()
    try:
        Machine(parse(code)).run()
    except Exception:
        if quiet:
            return 0
        sys.stdout.flush()
        traceback.print_exc(limit=0)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
