"""Exercise 4: size a pool.

Twenty downloads (each mostly waiting) go to a thread pool, and eight
pieces of CPU work to a process pool. sizes(cpus) says how many workers
each pool gets on a machine with `cpus` CPUs. Give each pool as many
workers as can do its work at once, and no more: a waiting download needs
no CPU of its own; a computing process does.

Check it:  python docs/exercises/check.py pool
"""

DOWNLOADS = 20
CRUNCHES = 8


def sizes(cpus):
    """(threads for the downloads, processes for the CPU work)."""
    return 4, 4 * cpus
