"""Exercise 5: stop a worker.

watch() checks a sensor every 10 ms, for ever, in a thread of its own. A
thread cannot be killed from outside: it has to be asked, and it has to
look. Make watch() end within a moment of its Event being set.

Then process_all() hands 100 jobs to a pool of four threads. Ctrl-C
there waits for every job already handed over, about a second of them:
make it drop the jobs that have not started (the pool's shutdown can
cancel them) and let the Ctrl-C go on at once.

Check it:  python docs/exercises/check.py stop
"""

import time
from concurrent.futures import ThreadPoolExecutor


def check_sensor():
    time.sleep(0.01)  # as reading a device would


def watch(stop):
    """Check the sensor until `stop` (a threading.Event) is set."""
    while True:
        check_sensor()


def job(n):
    time.sleep(0.05)
    return n


def process_all(jobs=100):
    """Every job, in four threads: the results in order."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(job, n) for n in range(jobs)]
        return [future.result() for future in futures]
