"""Exercise 7, an answer: a job found by its name, a start behind a guard.

Pickle sends a function by its module and name, and the child finds it
there: so the job is defined with def, at the top level. A spawned child
runs this file as __mp_main__, not __main__, so what is under the guard
runs only in the parent: the children import the job and go no further.
"""

import multiprocessing


def square(n):
    return n * n


if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        print(pool.map(square, range(4)))
