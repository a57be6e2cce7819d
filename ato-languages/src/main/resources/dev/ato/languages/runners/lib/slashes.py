# /// (slashes), from its specification (esolangs.org/wiki////): the program is its own state. Read it from
# the left: '\' makes the next character plain, text outside a substitution is printed, and '/pattern/
# replacement/' replaces the first occurrence of pattern in the rest of the program, again and again, until
# none is left. '\' inside the pattern or replacement also escapes. An unfinished substitution ends the program.
#
# Usage: python3 slashes.py CODE_FILE
import sys


def run(program, write):
    i = 0
    while i < len(program):
        c = program[i]
        if c == "\\":
            if i + 1 < len(program):
                write(program[i + 1])
            i += 2
        elif c != "/":
            write(c)
            i += 1
        else:
            parts, j = [], i + 1
            for _ in range(2):
                part = []
                while j < len(program) and program[j] != "/":
                    if program[j] == "\\":
                        j += 1
                    if j < len(program):
                        part.append(program[j])
                    j += 1
                if j >= len(program):
                    return  # no closing slash: the program ends
                parts.append("".join(part))
                j += 1
            pattern, replacement = parts
            rest = program[j:]
            if pattern:
                while pattern in rest:
                    rest = rest.replace(pattern, replacement, 1)
            program, i = rest, 0
    return


def main():
    if len(sys.argv) != 2:
        sys.exit("slashes: takes no options")
    with open(sys.argv[1], encoding="utf-8", errors="surrogateescape") as f:
        program = f.read()
    # Unbuffered (a program cut short by its timeout has still printed what it printed), but in pieces.
    out = open(sys.stdout.fileno(), "wb", buffering=0, closefd=False)
    pending = []

    def write(text):
        pending.append(text)
        if len(pending) >= 256:
            flush()

    def flush():
        out.write("".join(pending).encode("utf-8", "surrogateescape"))
        pending.clear()

    try:
        run(program, write)
    finally:
        flush()


if __name__ == "__main__":
    main()
