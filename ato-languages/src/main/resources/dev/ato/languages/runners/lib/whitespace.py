# Whitespace, from its specification (the 0.3 tutorial): only space (S), tab (T) and line feed (L) count.
# Numbers are a sign (S +, T -) then binary digits (S 0, T 1) ended by L; labels are S/T strings ended by L.
# Instruction groups: S stack, TS arithmetic, TT heap, L flow, TL I/O. Division and modulo round towards
# minus infinity (the reference interpreter's Haskell div and mod). Characters are read as bytes and written
# as code points in UTF-8.
#
# Usage: python3 whitespace.py CODE_FILE
import sys

S, T, L = " ", "\t", "\n"

COMMANDS = {  # prefix -> (name, argument kind)
    S + S: ("push", "number"), S + L + S: ("dup", None), S + T + S: ("copy", "number"),
    S + L + T: ("swap", None), S + L + L: ("drop", None), S + T + L: ("slide", "number"),
    T + S + S + S: ("add", None), T + S + S + T: ("sub", None), T + S + S + L: ("mul", None),
    T + S + T + S: ("div", None), T + S + T + T: ("mod", None),
    T + T + S: ("store", None), T + T + T: ("load", None),
    L + S + S: ("mark", "label"), L + S + T: ("call", "label"), L + S + L: ("jump", "label"),
    L + T + S: ("jz", "label"), L + T + T: ("jn", "label"), L + T + L: ("ret", None), L + L + L: ("end", None),
    T + L + S + S: ("putc", None), T + L + S + T: ("putn", None), T + L + T + S: ("getc", None),
    T + L + T + T: ("getn", None),
}


class WsError(Exception):
    pass


def parse(code):
    src = "".join(c for c in code if c in (S, T, L))
    prog, i = [], 0
    while i < len(src):
        for prefix, (name, kind) in COMMANDS.items():
            if src.startswith(prefix, i):
                i += len(prefix)
                arg = None
                if kind:
                    end = src.find(L, i)
                    if end < 0:
                        raise WsError("unterminated %s argument" % kind)
                    text = src[i:end]
                    i = end + 1
                    if kind == "number":
                        digits = "".join("1" if c == T else "0" for c in text[1:])
                        arg = int(digits or "0", 2) * (-1 if text[:1] == T else 1)
                    else:
                        arg = text
                prog.append((name, arg))
                break
        else:
            raise WsError("unknown instruction at character %d" % i)
    return prog


def read_char(stdin):
    b = stdin.read(1)
    if not b:
        raise WsError("end of input")
    return b[0]


def run(prog, stdin, stdout):
    labels = {arg: k for k, (name, arg) in enumerate(prog) if name == "mark"}
    stack, heap, calls, pc = [], {}, [], 0
    while pc < len(prog):
        name, arg = prog[pc]
        pc += 1
        try:
            if name == "push":
                stack.append(arg)
            elif name == "dup":
                stack.append(stack[-1])
            elif name == "copy":
                if arg < 0:
                    raise WsError("copy of a negative index")
                stack.append(stack[-1 - arg])
            elif name == "swap":
                stack[-1], stack[-2] = stack[-2], stack[-1]
            elif name == "drop":
                stack.pop()
            elif name == "slide":
                top = stack.pop()
                del stack[len(stack) - arg if arg < len(stack) else 0:]
                stack.append(top)
            elif name in ("add", "sub", "mul", "div", "mod"):
                b, a = stack.pop(), stack.pop()
                if name in ("div", "mod") and b == 0:
                    raise WsError("division by zero")
                stack.append({"add": a + b, "sub": a - b, "mul": a * b}[name] if name in ("add", "sub", "mul")
                             else (a // b if name == "div" else a % b))
            elif name == "store":
                value, address = stack.pop(), stack.pop()
                heap[address] = value
            elif name == "load":
                stack.append(heap.get(stack.pop(), 0))
            elif name == "mark":
                pass
            elif name in ("call", "jump", "jz", "jn"):
                if arg not in labels:
                    raise WsError("no such label")
                if name == "call":
                    calls.append(pc)
                    pc = labels[arg]
                elif name == "jump":
                    pc = labels[arg]
                else:
                    v = stack.pop()
                    if (v == 0) if name == "jz" else (v < 0):
                        pc = labels[arg]
            elif name == "ret":
                pc = calls.pop()
            elif name == "end":
                return
            elif name == "putc":
                stdout.write(chr(stack.pop()).encode("utf-8", "surrogateescape"))  # a code point, as UTF-8
            elif name == "putn":
                stdout.write(str(stack.pop()).encode())
            elif name == "getc":
                heap[stack.pop()] = read_char(stdin)
            elif name == "getn":
                line = stdin.readline()
                if not line:
                    raise WsError("end of input")
                heap[stack.pop()] = int(line.strip() or b"0")
        except IndexError:
            raise WsError("%s on a stack too short" % name) from None
    raise WsError("the program ran off its end without ending")


def main():
    if len(sys.argv) != 2:
        sys.exit("whitespace: takes no options")
    with open(sys.argv[1], encoding="utf-8", errors="surrogateescape") as f:
        code = f.read()
    # Unbuffered: a program cut short by its timeout has still printed what it printed.
    out = open(sys.stdout.fileno(), "wb", buffering=0, closefd=False)
    try:
        run(parse(code), sys.stdin.buffer, out)
    except WsError as e:
        out.flush()
        sys.stderr.write("whitespace: %s\n" % e)
        sys.exit(1)
    finally:
        out.flush()


if __name__ == "__main__":
    main()
