# Knight (2.0), from its specification (github.com/knight-lang/knight-lang, specs): a program is one expression
# in prefix notation. Values are integers, strings, booleans, null, lists and blocks; functions are a symbol
# or an upper-case word (only its first letter counts), variables lower-case words, all global.
#
# Usage: python3 knight.py CODE_FILE
import random
import sys

sys.setrecursionlimit(100000)


class Quit(Exception):
    def __init__(self, status):
        super().__init__(status)
        self.status = status


class KnightError(Exception):
    pass


class Var:
    def __init__(self, name):
        self.name = name


class Call:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args


class Block:
    def __init__(self, body):
        self.body = body


ARITY = {"T": 0, "F": 0, "N": 0, "@": 0, "P": 0, "R": 0,
         "B": 1, "C": 1, "Q": 1, "D": 1, "O": 1, "L": 1, "!": 1, "~": 1, "A": 1, ",": 1, "[": 1, "]": 1, ":": 1,
         "+": 2, "-": 2, "*": 2, "/": 2, "%": 2, "^": 2, "<": 2, ">": 2, "?": 2, "&": 2, "|": 2, ";": 2, "=": 2,
         "W": 2, "I": 3, "G": 3, "S": 4}


def parse(src, i):
    n = len(src)
    while i < n:
        c = src[i]
        if c in " \t\n\r\f\v()":
            i += 1
        elif c == "#":
            while i < n and src[i] != "\n":
                i += 1
        else:
            break
    if i >= n:
        raise KnightError("unexpected end of the program")
    c = src[i]
    if c.isdigit():
        j = i
        while j < n and src[j].isdigit():
            j += 1
        return int(src[i:j]), j
    if c in "'\"":
        j = src.find(c, i + 1)
        if j < 0:
            raise KnightError("unterminated string")
        return src[i + 1:j], j + 1
    if c.islower() or c == "_":
        j = i
        while j < n and (src[j].islower() or src[j].isdigit() or src[j] == "_"):
            j += 1
        return Var(src[i:j]), j
    if c.isupper():
        j = i
        while j < n and (src[j].isupper() or src[j] == "_"):
            j += 1
    else:
        j = i + 1
    if c not in ARITY:
        raise KnightError("unknown function %r" % c)
    args = []
    for _ in range(ARITY[c]):
        a, j = parse(src, j)
        args.append(a)
    if c == "T":
        return True, j
    if c == "F":
        return False, j
    if c == "N":
        return None, j
    if c == "@":
        return (), j
    return Call(c, args), j


def to_int(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if v is None:
        return 0
    if isinstance(v, str):
        s = v.lstrip(" \t\n\r\f\v")
        k = 1 if s[:1] in ("+", "-") else 0
        while k < len(s) and s[k].isdigit():
            k += 1
        digits = s[:k]
        return int(digits) if digits not in ("", "+", "-") else 0
    if isinstance(v, tuple):
        return len(v)
    raise KnightError("a block is not an integer")


def to_str(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, tuple):
        return "\n".join(to_str(x) for x in v)
    raise KnightError("a block is not a string")


def to_bool(v):
    if isinstance(v, (bool, int, str, tuple)):
        return bool(v)
    if v is None:
        return False
    raise KnightError("a block is not a boolean")


def to_list(v):
    if isinstance(v, bool):
        return (True,) if v else ()
    if isinstance(v, int):
        sign = -1 if v < 0 else 1
        return tuple(sign * int(d) for d in str(abs(v)))
    if v is None:
        return ()
    if isinstance(v, str):
        return tuple(v)
    if isinstance(v, tuple):
        return v
    raise KnightError("a block is not a list")


def dump(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if v is None:
        return "null"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") \
            .replace("\t", "\\t") + '"'
    if isinstance(v, tuple):
        return "[" + ", ".join(dump(x) for x in v) + "]"
    return "<block>"


def compare(a, b):
    if isinstance(a, bool):
        return (a > to_bool(b)) - (a < to_bool(b))
    if isinstance(a, int):
        b = to_int(b)
        return (a > b) - (a < b)
    if isinstance(a, str):
        b = to_str(b)
        return (a > b) - (a < b)
    if isinstance(a, tuple):
        b = to_list(b)
        for x, y in zip(a, b):
            c = compare(x, y)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    raise KnightError("cannot compare %s" % dump(a))


def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


class Knight:
    def __init__(self, stdin, stdout):
        self.vars = {}
        self.stdin, self.stdout = stdin, stdout

    def run(self, node):
        if isinstance(node, Var):
            if node.name not in self.vars:
                raise KnightError("undefined variable %s" % node.name)
            return self.vars[node.name]
        if not isinstance(node, Call):
            return node
        f, a = node.fn, node.args
        ev = self.run
        if f == "B":
            return Block(a[0])
        if f == "P":
            line = self.stdin.readline()
            if not line:
                return None
            return line[:-1].rstrip("\r") if line.endswith("\n") else line
        if f == "R":
            return random.randint(0, 0x7FFFFFFF)
        if f == "C":
            b = ev(a[0])
            return ev(b.body) if isinstance(b, Block) else b
        if f == "Q":
            raise Quit(to_int(ev(a[0])))
        if f == "D":
            v = ev(a[0])
            self.stdout.write(dump(v).encode("utf-8", "surrogateescape"))
            return v
        if f == "O":
            s = to_str(ev(a[0]))
            self.stdout.write((s[:-1] if s.endswith("\\") else s + "\n").encode("utf-8", "surrogateescape"))
            return None
        if f == "L":
            return len(to_list(ev(a[0])))
        if f == "!":
            return not to_bool(ev(a[0]))
        if f == "~":
            return -to_int(ev(a[0]))
        if f == "A":
            v = ev(a[0])
            if isinstance(v, int) and not isinstance(v, bool):
                return chr(v)
            s = to_str(v)
            if not s:
                raise KnightError("ASCII of an empty string")
            return ord(s[0])
        if f == ",":
            return (ev(a[0]),)
        if f == "[":
            v = ev(a[0])
            return v[0] if v else self.fail("head of an empty value")
        if f == "]":
            v = ev(a[0])
            return v[1:] if v else self.fail("tail of an empty value")
        if f == ":":
            return ev(a[0])
        if f == "&":
            x = ev(a[0])
            return ev(a[1]) if to_bool(x) else x
        if f == "|":
            x = ev(a[0])
            return x if to_bool(x) else ev(a[1])
        if f == ";":
            ev(a[0])
            return ev(a[1])
        if f == "=":
            if not isinstance(a[0], Var):
                raise KnightError("= needs a variable")
            v = ev(a[1])
            self.vars[a[0].name] = v
            return v
        if f == "W":
            while to_bool(ev(a[0])):
                ev(a[1])
            return None
        if f == "I":
            return ev(a[1]) if to_bool(ev(a[0])) else ev(a[2])
        if f == "G":
            coll, start, length = ev(a[0]), to_int(ev(a[1])), to_int(ev(a[2]))
            if isinstance(coll, tuple):
                return coll[start:start + length]
            return to_str(coll)[start:start + length]
        if f == "S":
            coll, start, length, repl = ev(a[0]), to_int(ev(a[1])), to_int(ev(a[2])), ev(a[3])
            if isinstance(coll, tuple):
                return coll[:start] + to_list(repl) + coll[start + length:]
            s = to_str(coll)
            return s[:start] + to_str(repl) + s[start + length:]
        x, y = ev(a[0]), ev(a[1])
        if f == "?":
            return same(x, y)
        if f == "<":
            return compare(x, y) < 0
        if f == ">":
            return compare(x, y) > 0
        if isinstance(x, str):
            if f == "+":
                return x + to_str(y)
            if f == "*":
                return x * to_int(y)
        if isinstance(x, tuple):
            if f == "+":
                return x + to_list(y)
            if f == "*":
                return x * to_int(y)
            if f == "^":
                return to_str(y).join(to_str(e) for e in x)
        i, j = to_int(x), to_int(y)
        if f == "+":
            return i + j
        if f == "-":
            return i - j
        if f == "*":
            return i * j
        if f in "/%":
            if j == 0:
                raise KnightError("division by zero")
            q = abs(i) // abs(j) * (1 if (i < 0) == (j < 0) else -1)  # truncating, as C does
            return q if f == "/" else i - q * j
        if f == "^":
            if j < 0:
                return 0 if abs(i) != 1 else (1 if i == 1 or j % 2 == 0 else -1)
            return i ** j
        raise KnightError("unknown function %r" % f)

    def fail(self, message):
        raise KnightError(message)


def main():
    if len(sys.argv) != 2:
        sys.exit("knight: takes no options")
    with open(sys.argv[1], encoding="utf-8", errors="surrogateescape") as f:
        src = f.read()
    # Unbuffered: a program cut short by its timeout has still printed what it printed.
    out = open(sys.stdout.fileno(), "wb", buffering=0, closefd=False)
    try:
        program, _ = parse(src, 0)
        Knight(sys.stdin, out).run(program)
    except Quit as q:
        sys.exit(q.status)
    except (KnightError, RecursionError) as e:
        sys.exit("knight: %s" % e)


if __name__ == "__main__":
    main()
