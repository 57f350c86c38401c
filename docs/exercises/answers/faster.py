"""Exercise 1, an answer: the sums in a pool of processes, a GIL each.

A pool starts one process per CPU (or as many as max_workers says) and
hands them the jobs; map() gives the results back in the jobs' order.
compute comes from a module, common.py, so each child can import it.
"""

from concurrent.futures import ProcessPoolExecutor

from common import compute


def crunch_all(steps, times=4):
    """compute(steps), `times` times over, at once: the results in order."""
    with ProcessPoolExecutor() as pool:
        return list(pool.map(compute, [steps] * times))
