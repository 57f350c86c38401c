"""Exercise 4, an answer: a thread per wait, a process per CPU.

Waiting threads cost almost nothing, so each download gets one and all
twenty wait at once. Processes computing beyond the CPUs only take turns
at them (and cost a start each), and beyond the jobs they sit idle.
"""

DOWNLOADS = 20
CRUNCHES = 8


def sizes(cpus):
    """(threads for the downloads, processes for the CPU work)."""
    return DOWNLOADS, min(CRUNCHES, cpus)
