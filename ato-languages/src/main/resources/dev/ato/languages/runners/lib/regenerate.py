# Regenerate, from its specification (github.com/dloscutoff/Esolangs, Regenerate/README.md): a program is a
# regular expression, and its output the strings it fully matches, in order (the first only, unless -l N or -a):
# quantifiers try the fewest repetitions first, alternatives left to right, and the leftmost choice varies slowest.
#
#   x  \x (a metacharacter ()[]{}*+?|\$#! taken literally; \n a newline)  [a-z] [^...] (printable ASCII)
#   (...) a capture group, numbered by its opening parenthesis; $N its latest match, $~N the N-th input;
#         #N and #~N their lengths. A reference to a group not matched yet fails.
#   * + ? {m} {m,n} {m,}  repetition; m and n are arithmetic: + - * / % (integer), unary -, ( ), numbers and
#         references (taken as integers: one that is not a number fails)
#   ${expr} the value of the expression as text;  a|b alternatives;  a!b b only if a has no match at all
#
# Usage: python3 regenerate.py [-l N | -a] [-s SEP] [-n] [-r REGEX | -f FILE | -i] [INPUT...]
#   Without -r, -f or -i, the first INPUT is the regex's file if it can be read, else the regex itself.
import argparse
import re
import sys

PRINTABLE = [chr(c) for c in range(32, 127)]
TOKEN = re.compile(r"[$#]~?\d+|\$\{|\\.|[^\\]", re.S)
REFERENCE = re.compile(r"[$#]~?\d+")
STOPS = set("(){}|!+*?")


class RegexError(Exception):
    pass


class Parser:
    """Parses the token list into nodes: ('lit', s), ('ref', token), ('num', expr), ('group', n, node),
    ('seq', [nodes]), ('alt', op, left, right), ('rep', lower, upper, node); numbers: ('int', n), ('ref', token),
    ('neg', e), (op, a, b), None for an empty bound."""

    def __init__(self, regex):
        self.tokens = TOKEN.findall(regex) + [")"]
        self.groups = 0

    def peek(self):
        return self.tokens[0] if self.tokens else ")"

    def pop(self):
        return self.tokens.pop(0) if self.tokens else ")"

    def expect(self, token):
        got = self.pop()
        if got != token:
            raise RegexError("expected " + token + ", found " + got)

    def alternation(self):
        left = self.sequence()
        if self.peek() in ("|", "!"):
            op = self.pop()
            return ("alt", op, left, self.alternation())
        return left

    def sequence(self):
        items = []
        while True:
            item = self.repetition()
            if item is None:
                return ("seq", items)
            items.append(item)

    def repetition(self):
        node = self.atom()
        if node is None:
            return None
        while self.peek() in ("*", "+", "?", "{"):
            op = self.pop()
            if op == "*":
                node = ("rep", ("int", 0), None, node)
            elif op == "+":
                node = ("rep", ("int", 1), None, node)
            elif op == "?":
                node = ("rep", ("int", 0), ("int", 1), node)
            else:
                lower = self.sum()
                upper = lower
                if self.peek() == ",":
                    self.pop()
                    upper = self.sum()
                self.expect("}")
                node = ("rep", lower if lower is not None else ("int", 0), upper, node)
        return node

    def atom(self):
        t = self.peek()
        if t == "[":
            return self.char_class()
        if t == "(":
            self.pop()
            self.groups += 1
            n = self.groups
            inner = self.alternation()
            self.expect(")")
            return ("group", n, inner)
        if t == "${":
            self.pop()
            e = self.sum()
            self.expect("}")
            return ("num", e)
        if t in STOPS:
            return None
        self.pop()
        if REFERENCE.fullmatch(t):
            return ("ref", t)
        if t.startswith("\\"):
            return ("lit", "\n" if t == "\\n" else t[1])
        return ("lit", t)

    def char_class(self):
        self.pop()
        negated = False
        if self.peek() == "^":
            self.pop()
            negated = True
        chars = set()
        first = True
        while self.tokens and (self.peek() != "]" or first):
            t = self.pop()
            first = False
            c = "\n" if t == "\\n" else t[-1]
            if self.peek() == "-" and len(self.tokens) > 1 and self.tokens[1] != "]":
                self.pop()
                end = self.pop()
                end = "\n" if end == "\\n" else end[-1]
                chars.update(chr(x) for x in range(ord(c), ord(end) + 1))
            else:
                chars.add(c)
        self.expect("]")
        return ("class", [c for c in PRINTABLE if (c in chars) != negated])

    def sum(self):
        e = self.product()
        while self.peek() in ("+", "-"):
            op = self.pop()
            e = (op, e, self.product())
        return e

    def product(self):
        e = self.negation()
        while self.peek() in ("*", "/", "%"):
            op = self.pop()
            e = (op, e, self.negation())
        return e

    def negation(self):
        if self.peek() == "-":
            self.pop()
            return ("neg", self.negation())
        return self.operand()

    def operand(self):
        t = self.peek()
        if t.isdigit():
            digits = ""
            while self.peek().isdigit():
                digits += self.pop()
            return ("int", int(digits))
        if REFERENCE.fullmatch(t):
            return ("ref", self.pop())
        if t == "(":
            self.pop()
            e = self.sum()
            self.expect(")")
            return e
        if t in (",", "}"):
            return None
        raise RegexError("expected an arithmetic expression, found " + t)


class Generator:
    def __init__(self, inputs):
        self.inputs = inputs

    def reference(self, token, groups):
        """The text of $N/$~N (or the length of #N/#~N); None when it does not exist (yet)."""
        n = int(token.lstrip("$#~"))
        if "~" in token:
            text = self.inputs[n - 1] if 1 <= n <= len(self.inputs) else None
        else:
            text = groups.get(n)
        if text is None:
            return None
        return text if token[0] == "$" else str(len(text))

    def number(self, e, groups):
        if e is None:
            return 0
        kind = e[0]
        if kind == "int":
            return e[1]
        if kind == "ref":
            text = self.reference(e[1], groups)
            if text is None:
                return None
            try:
                return int(text)
            except ValueError:
                return None
        if kind == "neg":
            v = self.number(e[1], groups)
            return None if v is None else -v
        a, b = self.number(e[1], groups), self.number(e[2], groups)
        if a is None or b is None:
            return None
        if kind == "+":
            return a + b
        if kind == "-":
            return a - b
        if kind == "*":
            return a * b
        if b == 0:
            return None
        return a // b if kind == "/" else a % b

    def gen(self, node, text, groups):
        """Yields (text, groups) for each way the node extends text."""
        kind = node[0]
        if kind == "lit":
            yield text + node[1], groups
        elif kind == "class":
            for c in node[1]:
                yield text + c, groups
        elif kind == "ref":
            s = self.reference(node[1], groups)
            if s is not None:
                yield text + s, groups
        elif kind == "num":
            v = self.number(node[1], groups)
            if v is not None:
                yield text + str(v), groups
        elif kind == "group":
            for t, g in self.gen(node[2], text, groups):
                g = dict(g)
                g[node[1]] = t[len(text):]
                yield t, g
        elif kind == "seq":
            yield from self.seq(node[1], 0, text, groups)
        elif kind == "alt":
            found = False
            for result in self.gen(node[2], text, groups):
                found = True
                yield result
            if not (found and node[1] == "!"):
                yield from self.gen(node[3], text, groups)
        elif kind == "rep":
            lower = self.number(node[1], groups)
            upper = None if node[2] is None else self.number(node[2], groups)
            if lower is None or (node[2] is not None and upper is None):
                return
            lower = max(lower, 0)
            reps = lower
            while upper is None or reps <= upper:
                yield from self.times(node[3], reps, text, groups)
                reps += 1

    def seq(self, items, i, text, groups):
        if i == len(items):
            yield text, groups
            return
        for t, g in self.gen(items[i], text, groups):
            yield from self.seq(items, i + 1, t, g)

    def times(self, node, n, text, groups):
        if n == 0:
            yield text, groups
            return
        for t, g in self.gen(node, text, groups):
            yield from self.times(node, n - 1, t, g)


def main(argv):
    ap = argparse.ArgumentParser(prog="regenerate", description="Outputs the strings a regex fully matches.")
    source = ap.add_mutually_exclusive_group()
    source.add_argument("-r", "--regex", help="the regex")
    source.add_argument("-f", "--file", help="read the regex from this file")
    source.add_argument("-i", "--stdin", action="store_true", help="read the regex from standard input")
    limit = ap.add_mutually_exclusive_group()
    limit.add_argument("-l", "--limit", type=int, default=1, help="most matches to output (default 1)")
    limit.add_argument("-a", "--all", action="store_true", help="output every match (may never end)")
    ap.add_argument("-s", "--sep", default="\n", help="separator between matches (default a newline)")
    ap.add_argument("-n", "--no-newline", action="store_true", help="no newline after the last match")
    ap.add_argument("inputs", nargs="*", help="inputs: $~1, $~2, ...")
    options = ap.parse_args(argv)
    inputs = list(options.inputs)
    if options.regex is not None:
        regex = options.regex
    elif options.file is not None:
        try:
            with open(options.file, encoding="utf-8") as f:
                regex = f.read()
        except OSError as e:
            print("regenerate: cannot read " + options.file + ": " + e.strerror, file=sys.stderr)
            return 1
    elif options.stdin:
        regex = sys.stdin.read()
        regex = regex[:-1] if regex.endswith("\n") else regex
    elif inputs:
        first = inputs.pop(0)
        try:
            with open(first, encoding="utf-8") as f:
                regex = f.read()
        except OSError:
            regex = first
    else:
        print("regenerate: no regex (-r, -f, -i or a first argument)", file=sys.stderr)
        return 1
    sys.setrecursionlimit(100000)
    try:
        tree = Parser(regex).alternation()
    except RegexError as e:
        print("regenerate: " + str(e), file=sys.stderr)
        return 1
    limit = None if options.all else options.limit
    count = 0
    if limit is None or limit > 0:
        for text, _ in Generator(inputs).gen(tree, "", {}):
            if count:
                sys.stdout.write(options.sep)
            sys.stdout.write(text)
            sys.stdout.flush()
            count += 1
            if limit is not None and count >= limit:
                break
    if not options.no_newline:
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
