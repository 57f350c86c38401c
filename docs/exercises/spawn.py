"""Exercise 7: spawn and pickling.

Windows and macOS start a process by spawn (and Linux, from Python 3.14,
by forkserver, alike here): a new Python that imports your file again,
under the name __mp_main__. A pool sends each job to its processes
pickled, under any start method. This file fails twice over: a lambda
cannot be pickled, and each child, importing the file, reaches its top
level and tries to start a pool of its own, which multiprocessing refuses.
Make it print [0, 1, 4, 9] under spawn. (The check names one fault at a
time.)

Check it:  python docs/exercises/check.py spawn   (it runs this file)
"""

import multiprocessing

square = lambda n: n * n  # noqa: E731

with multiprocessing.Pool(2) as pool:
    print(pool.map(square, range(4)))
