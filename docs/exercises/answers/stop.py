"""Exercise 5, an answer: a worker that looks, and a pool that cancels.

watch() checks its Event before each reading: once it is set, the loop
ends, and the thread with it. (A loop that pauses between readings with
stop.wait(interval) wakes at once too.) On Ctrl-C, a pool's shutdown with
cancel_futures=True drops every job not yet started; the four running
finish their 50 ms, and the KeyboardInterrupt goes on.
"""

import time
from concurrent.futures import ThreadPoolExecutor


def check_sensor():
    time.sleep(0.01)  # as reading a device would


def watch(stop):
    """Check the sensor until `stop` (a threading.Event) is set."""
    while not stop.is_set():
        check_sensor()


def job(n):
    time.sleep(0.05)
    return n


def process_all(jobs=100):
    """Every job, in four threads: the results in order."""
    pool = ThreadPoolExecutor(max_workers=4)
    try:
        futures = [pool.submit(job, n) for n in range(jobs)]
        return [future.result() for future in futures]
    finally:  # after the last result, or on Ctrl-C: none is left waiting
        pool.shutdown(cancel_futures=True)
