"""Exercise 3, an answer: threads for waiting, processes for computing.

A waiting thread lets go of the GIL, so four threads wait at once, and a
thread starts in a fraction of a millisecond where a process takes several.
Computing holds the GIL: threads would take turns, processes each have one.
"""

import time

from common import compute


def download(n):
    """Waits for the network, as a download does: here, a sleep."""
    time.sleep(0.2)
    return n


def render(n):
    """Computes, as rendering a picture does: pure-Python arithmetic."""
    return compute(1_000_000)


WAY_FOR = {"download": "threads", "render": "processes"}
