"""Exercise 7: spawn and pickling.

Windows and macOS start a process by spawn: a new Python that imports your
file again (under the name __mp_main__), then receives each job pickled.
Run under spawn, this file fails twice over: a lambda cannot be pickled,
and each child, importing the file, reaches its top level and starts a
pool of its own. Make it print [0, 1, 4, 9] under spawn.

Check it:  python docs/exercises/check.py spawn   (it runs this file)
"""

import multiprocessing

square = lambda n: n * n  # noqa: E731

with multiprocessing.Pool(2) as pool:
    print(pool.map(square, range(4)))
