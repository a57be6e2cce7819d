# LOLCODE 1.2, from its specification (github.com/justinmeza/lolcode-spec, v1.2): HAI ... KTHXBYE; statements end
# at a line break or a comma; types NOOB, TROOF (WIN/FAIL), NUMBR, NUMBAR and YARN; IT holds the value of the
# last bare expression. Variables, arithmetic, comparison, boolean and SMOOSH expressions, casts (MAEK, IS NOW A),
# VISIBLE and GIMMEH, O RLY?/MEBBE/NO WAI, WTF?/OMG/OMGWTF, IM IN YR loops and HOW IZ I functions.
#
# Usage: python3 lolcode.py CODE_FILE
import re
import sys

sys.setrecursionlimit(20000)


class LolError(Exception):
    pass


class Noob:
    def __repr__(self):
        return "NOOB"


NOOB = Noob()
TOKEN = re.compile(r'"(?:[^":]|:.)*"|[^\s,"!]+\??|!|,|\n')


def unescape(s, scope):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c != ":":
            out.append(c)
            i += 1
            continue
        n = s[i + 1] if i + 1 < len(s) else ""
        if n == ")":
            out.append("\n")
        elif n == ">":
            out.append("\t")
        elif n == "o":
            out.append("\a")
        elif n in "\":":
            out.append(n)
        elif n == "(":
            j = s.index(")", i)
            out.append(chr(int(s[i + 2:j], 16)))
            i = j + 1
            continue
        elif n == "{":
            j = s.index("}", i)
            out.append(to_yarn(scope.get(s[i + 2:j])))
            i = j + 1
            continue
        else:
            raise LolError("unknown escape :%s" % n)
        i += 2
    return "".join(out)


def lex(src):
    src = re.sub(r"(^|\s)OBTW\b.*?\bTLDR\b", " ", src, flags=re.S)
    src = re.sub(r"(^|[\s,])BTW\b[^\n]*", r"\1", src)
    src = re.sub(r"(\.\.\.|…)[ \t]*\n", " ", src)
    lines, cur = [], []
    for t in TOKEN.findall(src):
        if t in ("\n", ","):
            if cur:
                lines.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        lines.append(cur)
    return lines


def to_troof(v):
    if v is NOOB:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    return v != ""


def to_yarn(v):
    if v is NOOB:
        raise LolError("cannot cast NOOB to YARN")
    if isinstance(v, bool):
        return "WIN" if v else "FAIL"
    if isinstance(v, float):
        return "%.2f" % v
    return str(v)


def to_num(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        return v
    if v is NOOB:
        return 0
    s = v.strip()
    if re.fullmatch(r"-?\d+", s):
        return int(s)
    if re.fullmatch(r"-?\d*\.\d+|-?\d+\.\d*", s):
        return float(s)
    raise LolError("cannot cast %r to a number" % v)


def cast(v, t):
    if t == "TROOF":
        return to_troof(v)
    if t == "YARN":
        return "" if v is NOOB else to_yarn(v)
    if t == "NUMBR":
        return int(to_num(v))
    if t == "NUMBAR":
        return float(to_num(v))
    if t == "NOOB":
        return NOOB
    raise LolError("no type %s" % t)


class Return(Exception):
    def __init__(self, value):
        super().__init__()
        self.value = value


class Break(Exception):
    pass


class Scope:
    def __init__(self, parent=None):
        self.vars, self.parent = {}, parent

    def find(self, name):
        s = self
        while s is not None:
            if name in s.vars:
                return s
            s = s.parent
        return None

    def get(self, name):
        s = self.find(name)
        if s is None:
            raise LolError("variable %s is not declared" % name)
        return s.vars[name]

    def set(self, name, value):
        s = self.find(name)
        if s is None:
            raise LolError("variable %s is not declared" % name)
        s.vars[name] = value


BINARY = {"SUM": "OF", "DIFF": "OF", "PRODUKT": "OF", "QUOSHUNT": "OF", "MOD": "OF", "BIGGR": "OF", "SMALLR": "OF",
          "BOTH": None, "EITHER": "OF", "WON": "OF", "DIFFRINT": None}


class Interpreter:
    def __init__(self, stdin, stdout):
        self.stdin, self.stdout, self.funcs = stdin, stdout, {}

    # Expressions: parse and evaluate at once from a token list and a position.
    def expr(self, t, i, scope):
        w = t[i]
        if w.startswith('"'):
            return unescape(w[1:-1], scope), i + 1
        if re.fullmatch(r"-?\d+", w):
            return int(w), i + 1
        if re.fullmatch(r"-?\d*\.\d+", w):
            return float(w), i + 1
        if w == "WIN":
            return True, i + 1
        if w == "FAIL":
            return False, i + 1
        if w == "NOOB":
            return NOOB, i + 1
        if w == "NOT":
            v, i = self.expr(t, i + 1, scope)
            return not to_troof(v), i
        if w == "BOTH" and t[i + 1] == "SAEM" or w == "DIFFRINT":
            i += 2 if w == "BOTH" else 1
            a, i = self.expr(t, i, scope)
            i = self.an(t, i)
            b, i = self.expr(t, i, scope)
            same = self.equal(a, b)
            return same if w == "BOTH" else not same, i
        if w in BINARY and i + 1 < len(t) and t[i + 1] == "OF":
            a, j = self.expr(t, i + 2, scope)
            j = self.an(t, j)
            b, j = self.expr(t, j, scope)
            return self.binary(w, a, b), j
        if w in ("ALL", "ANY", "SMOOSH"):
            i += 2 if w != "SMOOSH" else 1
            values = []
            while i < len(t) and t[i] != "MKAY":
                v, i = self.expr(t, i, scope)
                values.append(v)
                i = self.an(t, i)
            i += 1 if i < len(t) else 0
            if w == "SMOOSH":
                return "".join(to_yarn(v) for v in values), i
            return (all if w == "ALL" else any)(to_troof(v) for v in values), i
        if w == "MAEK":
            v, i = self.expr(t, i + 1, scope)
            if t[i] == "A":
                i += 1
            return cast(v, t[i]), i + 1
        if w == "I" and t[i + 1] == "IZ":
            return self.call(t, i + 2, scope)
        if w == "IT" or re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", w):
            return scope.get(w), i + 1
        raise LolError("unexpected %s" % w)

    @staticmethod
    def an(t, i):
        return i + 1 if i < len(t) and t[i] == "AN" else i

    @staticmethod
    def equal(a, b):
        if isinstance(a, bool) or isinstance(b, bool) or a is NOOB or b is NOOB:
            return type(a) is type(b) and a == b
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a == b
        return type(a) is type(b) and a == b

    @staticmethod
    def binary(op, a, b):
        if op in ("BOTH", "EITHER", "WON"):
            x, y = to_troof(a), to_troof(b)
            return {"BOTH": x and y, "EITHER": x or y, "WON": x != y}[op]
        x, y = to_num(a), to_num(b)
        if op == "SUM":
            return x + y
        if op == "DIFF":
            return x - y
        if op == "PRODUKT":
            return x * y
        if op == "BIGGR":
            return max(x, y)
        if op == "SMALLR":
            return min(x, y)
        if y == 0:
            raise LolError("division by zero")
        if isinstance(x, float) or isinstance(y, float):
            return x / y if op == "QUOSHUNT" else __import__("math").fmod(x, y)
        q = abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1)
        return q if op == "QUOSHUNT" else x - q * y

    def call(self, t, i, scope):
        name = t[i]
        i += 1
        args = []
        while i < len(t) and t[i] != "MKAY":
            if t[i] in ("YR", "AN"):
                i += 1
                continue
            v, i = self.expr(t, i, scope)
            args.append(v)
        i += 1
        if name not in self.funcs:
            raise LolError("no function %s" % name)
        params, body, defscope = self.funcs[name]
        if len(params) != len(args):
            raise LolError("%s takes %d arguments" % (name, len(params)))
        local = Scope(self.globals)
        local.vars.update(zip(params, args))
        local.vars["IT"] = NOOB
        try:
            self.block(body, 0, len(body), local)
        except Return as r:
            return r.value, i
        except Break:
            return NOOB, i
        return local.vars["IT"], i

    # Statements: blocks are ranges of lines.
    def find_end(self, lines, k, opener, closer, also=()):
        depth = 0
        for j in range(k, len(lines)):
            head = " ".join(lines[j][:len(opener.split())])
            if lines[j] and self.opens(lines[j]):
                depth += 1
            if self.closes(lines[j]):
                depth -= 1
                if depth == 0:
                    return j
        raise LolError("%s without its %s" % (opener, closer))

    @staticmethod
    def opens(line):
        s = " ".join(line)
        return s in ("O RLY?", "WTF?") or line[-1:] == ["O", "RLY?"] or line[-1:] == ["WTF?"] \
            or s.startswith("IM IN YR ") or s.startswith("HOW IZ I ")

    @staticmethod
    def closes(line):
        s = " ".join(line)
        return s == "OIC" or s.startswith("IM OUTTA YR ") or s == "IF U SAY SO"

    def block(self, lines, k, end, scope):
        while k < end:
            k = self.statement(lines, k, scope)

    def sections(self, lines, k, end, markers):
        """Splits lines[k:end] at top-level lines whose first words are in markers."""
        parts, start, depth, head = [], k, 0, None
        for j in range(k, end):
            if depth == 0 and lines[j] and (lines[j][0] in markers or " ".join(lines[j][:2]) in markers):
                parts.append((head, start, j))
                head, start = lines[j], j + 1
            if self.opens(lines[j]):
                depth += 1
            if self.closes(lines[j]):
                depth -= 1
        parts.append((head, start, end))
        return parts

    def statement(self, lines, k, scope):
        t = lines[k]
        s = " ".join(t)
        if t[0] == "VISIBLE":
            i, parts, newline = 1, [], True
            while i < len(t):
                if t[i] == "!":
                    newline = False
                    i += 1
                    continue
                if t[i] == "AN":
                    i += 1
                    continue
                v, i = self.expr(t, i, scope)
                parts.append(to_yarn(v))
            self.stdout.write(("".join(parts) + ("\n" if newline else "")).encode("utf-8", "surrogateescape"))
            return k + 1
        if t[:3] == ["I", "HAS", "A"]:
            value = NOOB
            if len(t) > 4 and t[4] == "ITZ":
                value, _ = self.expr(t, 5, scope)
            scope.vars[t[3]] = value
            return k + 1
        if len(t) >= 3 and t[1] == "R":
            value, _ = self.expr(t, 2, scope)
            scope.set(t[0], value)
            return k + 1
        if len(t) >= 4 and t[1:3] == ["IS", "NOW"]:
            scope.set(t[0], cast(scope.get(t[0]), t[-1]))
            return k + 1
        if t[0] == "GIMMEH":
            line = self.stdin.readline()
            scope.set(t[1], line[:-1] if line.endswith("\n") else line)
            return k + 1
        if s in ("O RLY?",):
            end = self.find_end(lines, k, "O RLY?", "OIC")
            for head, a, b in self.sections(lines, k + 1, end, ("YA RLY", "MEBBE", "NO WAI")):
                if head is None:
                    continue
                h = " ".join(head)
                if h == "YA RLY" and to_troof(scope.get("IT")) or h == "NO WAI" or \
                        head[0] == "MEBBE" and to_troof(self.expr(head, 1, scope)[0]):
                    self.block(lines, a, b, scope)
                    break
            return end + 1
        if s == "WTF?":
            end = self.find_end(lines, k, "WTF?", "OIC")
            it, matched = scope.get("IT"), False
            try:
                for head, a, b in self.sections(lines, k + 1, end, ("OMG", "OMGWTF")):
                    if head is None:
                        continue
                    if not matched and (head[0] == "OMGWTF" or self.equal(it, self.expr(head, 1, scope)[0])):
                        matched = True
                    if matched:
                        self.block(lines, a, b, scope)
            except Break:
                pass
            return end + 1
        if t[:3] == ["IM", "IN", "YR"]:
            end = self.find_end(lines, k, "IM IN YR", "IM OUTTA YR")
            op = var = cond = None
            if len(t) > 4 and t[4] in ("UPPIN", "NERFIN"):
                op, var = t[4], t[6]
                if len(t) > 7:
                    cond = (t[7], t[8:])
            if var is not None and scope.find(var) is None:
                scope.vars[var] = 0
            try:
                while True:
                    if cond is not None:
                        c = to_troof(self.expr(cond[1], 0, scope)[0])
                        if (cond[0] == "TIL") == c:
                            break
                    self.block(lines, k + 1, end, scope)
                    if op:
                        scope.set(var, to_num(scope.get(var)) + (1 if op == "UPPIN" else -1))
            except Break:
                pass
            return end + 1
        if t[:3] == ["HOW", "IZ", "I"]:
            end = self.find_end(lines, k, "HOW IZ I", "IF U SAY SO")
            params = [w for w in t[4:] if w not in ("YR", "AN")]
            self.funcs[t[3]] = (params, lines[k + 1:end], scope)
            return end + 1
        if t[0] == "GTFO":
            raise Break()
        if t[:2] == ["FOUND", "YR"]:
            raise Return(self.expr(t, 2, scope)[0])
        if t[0] in ("HAI", "KTHXBYE", "CAN"):
            return k + 1
        value, _ = self.expr(t, 0, scope)
        scope.vars["IT"] = value
        return k + 1

    def run(self, src):
        lines = lex(src)
        self.globals = Scope()
        self.globals.vars["IT"] = NOOB
        self.block(lines, 0, len(lines), self.globals)


def main():
    if len(sys.argv) != 2:
        sys.exit("lolcode: takes no options")
    with open(sys.argv[1], encoding="utf-8", errors="surrogateescape") as f:
        src = f.read()
    # Unbuffered: a program cut short by its timeout has still printed what it printed.
    out = open(sys.stdout.fileno(), "wb", buffering=0, closefd=False)
    try:
        Interpreter(sys.stdin, out).run(src)
    except (LolError, IndexError, ValueError) as e:
        sys.exit("lolcode: %s" % (e or "unexpected end of a line"))


if __name__ == "__main__":
    main()
