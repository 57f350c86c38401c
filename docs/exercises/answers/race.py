"""Exercise 2, an answer: one lock held across the read and the write.

While a thread holds the lock, no other thread can read the balance, so
none can write back over a deposit it has not seen. The sleep is inside
the lock too: that is what makes the read and the write one step.
"""

import threading
import time
from functools import partial

from common import run_in_threads


class Account:
    def __init__(self):
        self.balance = 0
        self.lock = threading.Lock()  # one per account: deposits wait in turn


def deposit(account, amount, times):
    for _ in range(times):
        with account.lock:
            balance = account.balance
            time.sleep(0.0001)
            account.balance = balance + amount


def run(times=200):
    """Four threads each deposit 1, `times` times: the balance at the end."""
    account = Account()
    run_in_threads([partial(deposit, account, 1, times)] * 4)
    return account.balance
