"""Exercise 9, an answer: both locks, always in one order.

A deadlock needs a circle: each thread holding a lock the other waits for.
Taking the two accounts' locks in one order, whichever way the money goes
(here, by the accounts' id()), breaks it: whichever thread takes the first
lock gets the second too, and the other waits at the first, holding
nothing.
"""

import threading
import time
from functools import partial

from common import run_in_threads


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()


def transfer(source, target, times):
    """Move 1 from source to target, `times` times."""
    first, second = sorted((source, target), key=id)  # one order for all
    for _ in range(times):
        with first.lock:
            with second.lock:
                balance = source.balance  # read, wait (as for a database)
                time.sleep(0.0001)
                source.balance = balance - 1  # and write back
                target.balance += 1


def run(times=100):
    """1 from a to b and 1 from b to a, `times` times each, at once."""
    a, b = Account(100), Account(100)
    run_in_threads([partial(transfer, a, b, times),
                    partial(transfer, b, a, times)])
    return a.balance, b.balance
