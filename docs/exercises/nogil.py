"""Exercise 6: the race without the GIL.

Four threads each add 1 to a count, 100,000 times, with count += 1. With
the GIL that hardly ever loses an update; on a free-threaded Python (3.13t
and later), threads run Python code at once, and += is a read and a write
that another thread's write can fall between. Make every update count
there, still in four threads.

Check it:  python docs/exercises/check.py nogil   (it finds a
free-threaded Python to run it in, or says how to get one)
"""

from functools import partial

from common import run_in_threads


class Counter:
    def __init__(self):
        self.count = 0


def add(counter, times):
    for _ in range(times):
        counter.count += 1


def run(times=100_000):
    """Four threads each add 1, `times` times: the count at the end."""
    counter = Counter()
    run_in_threads([partial(add, counter, times)] * 4)
    return counter.count
