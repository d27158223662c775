"""Known call counts, for instrumented mode: main calls middle 50 times,
each middle calls leaf 20 times (1000 in all) and the builtin abs once
(built-in functions and methods are C calls; calling a type such as range
is not one, on every version, as with the profile callback that
python-etwtrace uses)."""


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
