# Aheui, from its specification (aheui.github.io/specification): the program is a grid of Hangul syllables;
# each one's initial consonant is the command, its vowel sets the cursor's direction and speed, its final
# consonant is the argument. The cursor starts at the top left going down; it wraps round each line and the
# grid. 28 storages named by final consonants: stacks, except that ㅇ is a queue. A command that finds too
# few values does nothing and the cursor turns back.
#
# Usage: python3 aheui.py CODE_FILE
import sys

# Strokes of each final consonant (index 0 is none), the value ㅂ pushes; ㅇ (21) and ㅎ (27) read input.
STROKES = [0, 2, 4, 4, 2, 5, 5, 3, 5, 7, 9, 9, 7, 9, 9, 8, 4, 4, 6, 2, 4, None, 3, 4, 3, 4, 4, None]
QUEUE, CHANNEL = 21, 27
# Initial consonants by index: ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ
DIV, ADD, MUL, MOD, POP, PUSH, DUP, SELECT, MOVE, COMPARE, BRANCH, SUB, SWAP, END = 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 17, 18
NEEDS = {DIV: 2, ADD: 2, MUL: 2, MOD: 2, POP: 1, DUP: 1, MOVE: 1, COMPARE: 2, BRANCH: 1, SUB: 2, SWAP: 2}


def decompose(ch):
    o = ord(ch) - 0xAC00
    if 0 <= o < 11172:
        return o // 588, (o // 28) % 21, o % 28
    return None


class Storage:
    def __init__(self, queue):
        self.queue, self.items = queue, []

    def push(self, v):
        self.items.append(v)

    def pop(self):
        return self.items.pop(0) if self.queue else self.items.pop()

    def dup(self):
        if self.queue:
            self.items.insert(0, self.items[0])
        else:
            self.items.append(self.items[-1])

    def swap(self):
        it = self.items
        if self.queue:
            it[0], it[1] = it[1], it[0]
        else:
            it[-1], it[-2] = it[-2], it[-1]


def read_number(stdin):
    line = stdin.readline()
    try:
        return int(line.strip())
    except ValueError:
        return -1


def run(source, stdin, out):
    grid = [[decompose(c) for c in line] for line in source.split("\n")]
    if not any(grid):
        return 0
    store = [Storage(i == QUEUE) for i in range(28)]
    cur = store[0]
    x = y = 0
    dx, dy = 0, 1
    while True:
        cell = grid[y][x] if x < len(grid[y]) else None
        if cell is not None:
            cho, jung, jong = cell
            # The vowel: ㅏㅑㅓㅕ right/left 1 or 2, ㅗㅛㅜㅠ up/down 1 or 2, ㅡ ㅣ ㅢ reflect, the rest keep going.
            moves = {0: (1, 0), 2: (2, 0), 4: (-1, 0), 6: (-2, 0), 8: (0, -1), 12: (0, -2), 13: (0, 1), 17: (0, 2)}
            if jung in moves:
                dx, dy = moves[jung]
            elif jung == 18:
                dy = -dy
            elif jung == 20:
                dx = -dx
            elif jung == 19:
                dx, dy = -dx, -dy
            if cho == END:
                return cur.pop() if cur.items else 0
            if len(cur.items) < NEEDS.get(cho, 0):
                dx, dy = -dx, -dy
            elif cho in (DIV, ADD, MUL, MOD, SUB, COMPARE):
                b, a = cur.pop(), cur.pop()
                if cho in (DIV, MOD) and b == 0:
                    raise ZeroDivisionError("division by zero")
                q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1) if cho in (DIV, MOD) else 0
                cur.push({ADD: a + b, MUL: a * b, SUB: a - b, DIV: q, MOD: a - q * b, COMPARE: int(a >= b)}[cho])
            elif cho == POP:
                v = cur.pop()
                if jong == QUEUE:
                    out.write(str(v).encode())
                elif jong == CHANNEL:
                    out.write(chr(v).encode("utf-8", "surrogatepass"))
            elif cho == PUSH:
                if jong == QUEUE:
                    cur.push(read_number(stdin))
                elif jong == CHANNEL:
                    c = stdin.read(1)
                    cur.push(ord(c) if c else -1)
                else:
                    cur.push(STROKES[jong])
            elif cho == DUP:
                cur.dup()
            elif cho == SWAP:
                cur.swap()
            elif cho == SELECT:
                cur = store[jong]
            elif cho == MOVE:
                store[jong].push(cur.pop())
            elif cho == BRANCH:
                if cur.pop() == 0:
                    dx, dy = -dx, -dy
        # Move, wrapping round the line (horizontally) or the grid (vertically), one cell at a time.
        for _ in range(abs(dx)):
            width = max(len(grid[y]), 1)
            x = (x + (1 if dx > 0 else -1)) % width
        for _ in range(abs(dy)):
            y = (y + (1 if dy > 0 else -1)) % len(grid)


def main():
    if len(sys.argv) != 2:
        sys.exit("aheui: takes no options")
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        source = f.read()
    # Unbuffered: a program cut short by its timeout has still printed what it printed.
    out = open(sys.stdout.fileno(), "wb", buffering=0, closefd=False)
    try:
        status = run(source, sys.stdin, out)
    except ZeroDivisionError as e:
        sys.exit("aheui: %s" % e)
    sys.exit(status % 256)


if __name__ == "__main__":
    main()
