# Labyrinth, from its specification (github.com/m-ender/labyrinth, README): the source is a maze walked by the
# instruction pointer, starting at the first command in reading order, facing east. Each step runs the command
# under the pointer, picks the new direction from the number of neighbouring commands (walls are spaces and
# unknown characters), then moves one cell. Two stacks, main and auxiliary, with endless zeros below.
#
# Usage: python3 labyrinth.py CODE_FILE
import random
import sys

COMMANDS = set('"@_0123456789)(+-*/%~&|$`:;}{=#,?.!\\<>^v')
EAST, SOUTH, WEST, NORTH = (0, 1), (1, 0), (0, -1), (-1, 0)


def left(d):
    return (-d[1], d[0])


def right(d):
    return (d[1], -d[0])


def back(d):
    return (-d[0], -d[1])


class Machine:
    def __init__(self, source, stdin, stdout):
        lines = source.split("\n")
        width = max((len(line) for line in lines), default=0)
        self.grid = [list(line.ljust(width)) for line in lines]
        self.main, self.aux = [], []
        self.stdin, self.stdout = stdin, stdout
        self.pos, self.dir = None, EAST
        for r, row in enumerate(self.grid):
            for c, ch in enumerate(row):
                if ch in COMMANDS:
                    self.pos = (r, c)
                    break
            if self.pos:
                break

    def pop(self, stack=None):
        s = self.main if stack is None else stack
        return s.pop() if s else 0

    def push(self, v):
        self.main.append(v)

    def top(self):
        return self.main[-1] if self.main else 0

    def is_command(self, r, c):
        return 0 <= r < len(self.grid) and 0 <= c < len(self.grid[r]) and self.grid[r][c] in COMMANDS

    def open(self, d):
        return self.is_command(self.pos[0] + d[0], self.pos[1] + d[1])

    def read_integer(self):
        # As many characters as form a signed decimal integer; characters before it are skipped.
        sign, digits = 1, ""
        while True:
            b = self.stdin.peek(1)[:1]
            if not b:
                return 0
            ch = chr(b[0])
            if ch.isdigit():
                break
            self.stdin.read(1)
            if ch in "+-" and self.stdin.peek(1)[:1].isdigit():
                sign = -1 if ch == "-" else 1
                break
        while True:
            b = self.stdin.peek(1)[:1]
            if not b or not chr(b[0]).isdigit():
                break
            digits += chr(self.stdin.read(1)[0])
        return sign * int(digits)

    def shift(self, command):
        offset = self.pop()
        rows, cols = len(self.grid), len(self.grid[0])
        r0, c0 = self.pos
        if command in "<>":
            r = (r0 + offset) % rows
            row = self.grid[r]
            self.grid[r] = row[1:] + row[:1] if command == "<" else row[-1:] + row[:-1]
            if r == r0:
                self.pos = (r0, (c0 + (-1 if command == "<" else 1)) % cols)
        else:
            c = (c0 + offset) % cols
            column = [self.grid[k][c] for k in range(rows)]
            column = column[1:] + column[:1] if command == "^" else column[-1:] + column[:-1]
            for k in range(rows):
                self.grid[k][c] = column[k]
            if c == c0:
                self.pos = ((r0 + (-1 if command == "^" else 1)) % rows, c0)

    def execute(self, ch):
        """Runs one command; False when the program ends."""
        if ch == "@":
            return False
        if ch == "_":
            self.push(0)
        elif ch.isdigit():
            v = self.pop()
            self.push(v * 10 + int(ch) if v >= 0 else v * 10 - int(ch))
        elif ch == ")":
            self.push(self.pop() + 1)
        elif ch == "(":
            self.push(self.pop() - 1)
        elif ch in "+-*/%&|$":
            y, x = self.pop(), self.pop()
            if ch in "/%" and y == 0:
                raise ZeroDivisionError("division by zero")
            if ch == "%":
                r = abs(x) % abs(y)
                self.push(-r if x < 0 else r)  # the sign of x
            else:
                self.push({"+": x + y, "-": x - y, "*": x * y, "/": x // y, "&": x & y, "|": x | y, "$": x ^ y}[ch])
        elif ch == "`":
            self.push(-self.pop())  # as the specification's own examples use it (abs.lab)
        elif ch == "~":
            self.push(~self.pop())
        elif ch == ":":
            self.push(self.top())
        elif ch == ";":
            self.pop()
        elif ch == "}":
            self.aux.append(self.pop())
        elif ch == "{":
            self.push(self.pop(self.aux))
        elif ch == "=":
            a, b = self.pop(), self.pop(self.aux)
            self.push(b)
            self.aux.append(a)
        elif ch == "#":
            self.push(len(self.main))
        elif ch == ",":
            b = self.stdin.read(1)
            self.push(b[0] if b else -1)
        elif ch == "?":
            self.push(self.read_integer())
        elif ch == ".":
            self.stdout.write(bytes([self.pop() % 256]))
        elif ch == "!":
            self.stdout.write(str(self.pop()).encode())
        elif ch == "\\":
            self.stdout.write(b"\n")
        elif ch in "<>^v":
            self.shift(ch)
        return True

    def turn(self):
        d = self.dir
        exits = [x for x in (EAST, SOUTH, WEST, NORTH) if self.open(x)]
        n = len(exits)
        if n == 0:
            return
        if n == 1:
            self.dir = exits[0]
        elif n == 2:
            if back(d) in exits:
                self.dir = exits[0] if exits[1] == back(d) else exits[1]
            elif d in exits:
                pass
            else:  # facing a wall with a wall behind: the neighbours are left and right
                t = self.top()
                self.dir = left(d) if t < 0 else right(d) if t > 0 else random.choice(exits)
        else:
            t = self.top()
            want = left(d) if t < 0 else right(d) if t > 0 else d
            self.dir = want if want in exits else back(want)

    def run(self):
        if self.pos is None:
            return
        while True:
            r, c = self.pos
            if not self.execute(self.grid[r][c]):
                return
            self.turn()
            if self.open(self.dir):
                self.pos = (self.pos[0] + self.dir[0], self.pos[1] + self.dir[1])


def main():
    if len(sys.argv) != 2:
        sys.exit("labyrinth: takes no options")
    with open(sys.argv[1], encoding="latin-1") as f:
        source = f.read()
    # Unbuffered: a program cut short by its timeout has still printed what it printed.
    out = open(sys.stdout.fileno(), "wb", buffering=0, closefd=False)
    try:
        Machine(source, sys.stdin.buffer, out).run()
    except ZeroDivisionError as e:
        out.flush()
        sys.exit("labyrinth: %s" % e)
    finally:
        out.flush()


if __name__ == "__main__":
    main()
