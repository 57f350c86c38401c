"""Exercise 6, an answer: a lock around the read and the write.

Without the GIL nothing makes += one step: a lock does. Each add takes the
counter's lock for its update, so no other thread's write falls between
its read and its write. Taking it once per update costs time: a thread
could add up its own part and take the lock once, at the end.
"""

import threading
from functools import partial

from common import run_in_threads


class Counter:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()


def add(counter, times):
    for _ in range(times):
        with counter.lock:
            counter.count += 1


def run(times=100_000):
    """Four threads each add 1, `times` times: the count at the end."""
    counter = Counter()
    run_in_threads([partial(add, counter, times)] * 4)
    return counter.count
