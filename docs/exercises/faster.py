"""Exercise 1: make CPU work faster.

crunch_all() computes the same sum four times, in four threads. With the
GIL only one thread at a time runs Python code, so the four take as long as
four sums one after another. Change crunch_all() so that the sums are
computed at once, on the CPUs this machine has; keep the results in order,
and keep calling compute (by the name this file imports it as) for each
sum: the check watches it.

Check it:  python docs/exercises/check.py faster
"""

import threading

from common import compute


def crunch_all(steps, times=4):
    """compute(steps), `times` times over, at once: the results in order."""
    results = [None] * times

    def crunch(i):
        results[i] = compute(steps)

    threads = [threading.Thread(target=crunch, args=(i,))
               for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
