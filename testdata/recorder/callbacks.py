"""A Python function called from a C function: main calls sorted 3 times
(line 14), sorted calls key 3 times each. python-etwtrace's Caller is the
calling frame's function, so key's caller is main, at line 14 too."""


def key(x):
    return -x


def main():
    for _ in range(3):
        # the line PythonFunctionPush's CallerLine must give, for sorted
        # and for key
        sorted([3, 1, 2], key=key)


main()
