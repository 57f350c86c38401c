"""Exercise 4: size a pool.

Twenty downloads (each mostly waiting) go to a thread pool, and eight
pieces of CPU work to a process pool. sizes(cpus) says how many workers
each pool gets on a machine with `cpus` CPUs. Choose sizes with which each
pool finishes as soon as it can, and that more workers would not beat.

Check it:  python docs/exercises/check.py pool
"""

DOWNLOADS = 20
CRUNCHES = 8


def sizes(cpus):
    """(threads for the downloads, processes for the CPU work)."""
    return 4, 4 * cpus
