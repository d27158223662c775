"""Known call counts, for instrumented mode: main calls middle 50 times,
each middle calls leaf 20 times (1000 in all) and the builtin abs once
(a builtin function is a C call on every Python version; range, a type,
is one on 3.12+ only)."""


def leaf(x):
    return x + 1


def middle(n):
    total = 0
    for i in range(n):
        total += leaf(i)
    return abs(total)


def main():
    for _ in range(50):
        middle(20)


if __name__ == "__main__":
    main()
