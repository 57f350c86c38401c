"""Exercise 8, an answer: one multiprocessing.Value, locked to add to.

A Value lives in memory every process sees, so each child adds to the
same number. += on it is still a read and a write: the Value's own lock
makes them one step, or two children could add over each other. (A pool's
map, with add returning its part, would work as well.)
"""

from multiprocessing import Process, Value


def add(n, total):
    with total.get_lock():
        total.value += n


def run(numbers=range(1, 11)):
    """The sum of the numbers, added in child processes."""
    total = Value("q", 0)
    processes = [Process(target=add, args=(n, total)) for n in numbers]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return total.value
