"""Generators, a coroutine and an exception unwinding through frames:
every push must meet its pop (instrumented mode) whatever the path."""
import asyncio


def numbers(n):
    for i in range(n):
        yield i * i


def consume():
    return sum(numbers(2000))


def fails(depth):
    if depth == 0:
        raise ValueError("deep")
    return fails(depth - 1)


def catches():
    for _ in range(50):
        try:
            fails(5)
        except ValueError:
            pass


async def tick(n):
    total = 0
    for i in range(n):
        await asyncio.sleep(0)
        total += i
    return total


def main():
    for _ in range(20):
        consume()
    catches()
    asyncio.run(tick(50))


if __name__ == "__main__":
    main()
