"""Exercise 3: threads or processes?

Many downloads, and several renderings, are to run at once. A download
mostly waits for the network; a rendering computes. For each, which way
suits it on standard CPython (with the GIL): "threads" or "processes"?
Write your choice in WAY_FOR. (The check times 64 downloads and 4
renderings both ways, where the costs of starting show.)

Check it:  python docs/exercises/check.py choose
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


WAY_FOR = {"download": "processes", "render": "threads"}  # your choices
