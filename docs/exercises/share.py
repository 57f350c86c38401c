"""Exercise 8: share across processes.

run() adds up its numbers in processes, one process a number, each
adding its number to a global total. The total it returns is 0: a child
process adds to its own copy of the global, which ends with it. Get the
sum back to the parent, with add() still run in the child processes: send
each part back (a pool's return values), or share one
multiprocessing.Value among them.

Check it:  python docs/exercises/check.py share
"""

from multiprocessing import Process

total = 0


def add(n):
    global total
    total += n


def run(numbers=range(1, 11)):
    """The sum of the numbers, added in child processes."""
    processes = [Process(target=add, args=(n,)) for n in numbers]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return total
