"""Exercise 2: fix a race.

deposit() adds to a balance from four threads at once. Each reads the
balance, waits a moment (as it might for a database), then writes back its
sum: where another thread writes between a thread's read and its write,
this thread's write overwrites it, and that deposit is lost. Make every
deposit count, still from four threads, and keep the wait.

Check it:  python docs/exercises/check.py race
"""

import time
from functools import partial

from common import run_in_threads


class Account:
    def __init__(self):
        self.balance = 0


def deposit(account, amount, times):
    for _ in range(times):
        balance = account.balance  # read ...
        time.sleep(0.0001)  # ... a moment, in which another thread runs ...
        account.balance = balance + amount  # ... and write back


def run(times=200):
    """Four threads each deposit 1, `times` times: the balance at the end."""
    account = Account()
    run_in_threads([partial(deposit, account, 1, times)] * 4)
    return account.balance
