"""Exercise 9: a deadlock.

Two threads move money between two accounts at once, each holding both
accounts' locks for a transfer: one takes a's lock, then b's; the other
b's, then a's. Soon each holds one lock and waits for the other's, for
ever. Make every transfer take the locks in one order, whichever way the
money goes, so that run() always returns.

Check it:  python docs/exercises/check.py deadlock
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
    for _ in range(times):
        with source.lock:
            with target.lock:
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
