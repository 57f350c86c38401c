"""Exercise 2, an answer: one lock held across the read, the wait and the
write.

Every deposit takes the account's lock before it reads the balance and
lets go of it after it has written the new one: while one thread holds it,
every other deposit waits to take it, so none reads a balance that is about
to change. Holding it across all three steps is what makes them one step.
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
