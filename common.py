"""The pieces both demos share: how to print, the workers, and three ways to run them.

Read it top to bottom:
  1. Printing a line so that concurrent lines never tear.
  2. The workers: one function per kind of work, told which worker it is by a number.
  3. The runners: one list of jobs run directly, in threads, or in processes.
  4. What every timing depends on: the Python, its GIL, the CPUs, the start method.
  5. Running a demo as a well-behaved command (Ctrl-C, a closed pipe, bad arguments).

A job is any function that takes no arguments, usually made with functools.partial:
    jobs = [partial(sleepy_worker, n, iterations=10) for n in (1, 2, 3)]
    spans = run_in_threads(jobs)
"""

import argparse
import errno
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import namedtuple
from contextlib import contextmanager

# -- 1. Printing -------------------------------------------------------------

# Stand-ins for terminals whose encoding cannot show a symbol (ascii, cp1252, ...).
ASCII = {"♥": "<3", "♦": "<>", "☼": "*", "█": "#"}

_cancelled = threading.Event()


class Cancelled(Exception):
    """Raised in a worker thread at its next line once the run has been cancelled."""


def glyph(symbol):
    """The symbol itself if stdout can encode it, else its ASCII stand-in."""
    try:
        symbol.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return ASCII.get(symbol, "?")
    return symbol


def colour_wanted():
    """Colour only for a person at a terminal: never into a pipe, never with NO_COLOR set."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    if os.name == "nt" and "WT_SESSION" not in os.environ:
        return False  # the classic Windows console shows escape codes as text
    return sys.stdout.isatty()


def paint(text, n):
    """Text in worker n's own colour when colour is wanted."""
    if not colour_wanted():
        return text
    return f"\x1b[{31 + (n - 1) % 6}m{text}\x1b[0m"


def bar(n):
    """Worker n's stopwatch bar, e.g. '    ██ 2 ██', indented four spaces per worker."""
    block = glyph("█") * 2
    return "    " * (n - 1) + paint(f"{block} {n} {block}", n)


def say(text):
    """Print one whole line: text and newline in one write, then flush.

    Threads share one sys.stdout and processes share one file descriptor; a line
    written in one piece arrives in one piece, so concurrent lines never tear.
    """
    if _cancelled.is_set():
        raise Cancelled  # threads cannot be killed from outside: they stop here
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except OSError as error:
        if error.errno not in (errno.EPIPE, errno.EINVAL):  # EINVAL: Windows' closed pipe
            raise
        silence_stdout()
        raise BrokenPipeError(errno.EPIPE, "stdout was closed") from None


def silence_stdout():
    """Point stdout at the null device, so nothing more fails to reach a closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


# -- 2. The workers ------------------------------------------------------------
# Top-level functions, so that spawn and forkserver can pickle them by name.


def sleepy_worker(n, iterations=1000, pause=0.0001):
    """Waiting work: sleep, then print the bar. Sleeping releases the GIL."""
    line = bar(n)
    for _ in range(iterations):
        time.sleep(pause)
        say(line)


def busy_worker(n, iterations=1000, spins=5000):
    """CPU work: a pure-Python loop, then print the bar. The loop holds the GIL."""
    line = bar(n)
    total = 0
    for _ in range(iterations):
        for i in range(spins):
            total += i * i
        say(line)
    return total


def idle_worker(n, iterations=1):
    """No work at all, however many iterations: what is left to time is starting and joining."""
    return n


def shape_worker(n, name, symbol, rounds=8, pause=0.3, delay=0.0):
    """Print a growing row of symbols each round, e.g. '1 Heart:        ♥♥'.

    Rows are due at fixed times (delay, delay + pause, ...) from the worker's start, so
    a worker started a little after another keeps its place in every round.
    """
    label, mark = f"{n} {name}:".ljust(16), glyph(symbol)
    start = time.perf_counter()
    for row in range(1, rounds + 1):
        due = start + delay + (row - 1) * pause
        time.sleep(max(0.0, due - time.perf_counter()))
        say(label + paint(mark * row, n))


# -- 3. The runners ------------------------------------------------------------
# Each takes a list of jobs, returns when every job is done, and gives back one Span
# per job, in job order: when the job ran, in which process, and what it returned.
# The times are time.perf_counter() read where the job ran. That clock is
# CLOCK_MONOTONIC on Linux and system-wide on macOS and Windows from Python 3.10
# (bpo-37205), so times taken in different processes share one axis there.

Span = namedtuple("Span", "start end pid result")


def timed(job):
    """Run one job and report when it ran, measured in the thread or process that ran it."""
    start = time.perf_counter()
    result = job()
    return Span(start, time.perf_counter(), os.getpid(), result)


def run_directly(jobs):
    """One job after another, in this thread."""
    return [timed(job) for job in jobs]


def run_in_threads(jobs):
    """One thread per job, all started before any is joined."""
    outcomes = [None] * len(jobs)

    def attempt(index, job):
        outcomes[index] = _outcome(job)
        if not outcomes[index][0]:
            _cancelled.set()  # one job failed (say, stdout closed): stop the others too

    threads = []
    try:
        with _ctrl_c_held():  # a Ctrl-C here would leave some threads started and unwatched
            for item in enumerate(jobs):
                threads.append(threading.Thread(target=attempt, args=item))
                threads[-1].start()
        for thread in threads:
            thread.join()
    except BaseException:  # Ctrl-C: ask every thread to stop at its next line
        _cancelled.set()
        for thread in threads:
            if thread.ident is not None:
                thread.join()
        raise
    finally:
        _cancelled.clear()
    return _results(outcomes)


def run_in_processes(jobs, start_method=None):
    """One process per job; start_method is 'fork', 'spawn', 'forkserver' or None (default)."""
    context = multiprocessing.get_context(start_method)
    processes, readers = [], []
    _start_helper_processes(context)
    try:
        with _ctrl_c_held():
            for job in jobs:
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(job, writer))
                process.start()
                writer.close()  # the child holds its own copy
                processes.append(process)
                readers.append(reader)
        outcomes = [_receive(reader, process) for reader, process in zip(readers, processes)]
    except BaseException:
        for process in processes:
            process.terminate()  # children ignore Ctrl-C: stopping them is our job
        raise
    finally:
        for process in processes:
            process.join()
        for reader in readers:
            reader.close()
    return _results(outcomes)


def _outcome(job):
    """(True, Span) if the job ran, (False, exception) if it raised."""
    try:
        return True, timed(job)
    except BaseException as error:
        return False, error


def _results(outcomes):
    """The Spans, or a failed job's exception raised here, in the caller's thread."""
    errors = [value for ok, value in outcomes if not ok]
    if errors:  # the cause, not a job it cancelled
        raise next((e for e in errors if not isinstance(e, Cancelled)), errors[0])
    return [span for _, span in outcomes]


def _child(job, writer):
    """A child process's whole life: ignore Ctrl-C, run the job, send back the outcome."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # also drops a Ctrl-C held since start
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    outcome = _outcome(job)
    try:
        writer.send(outcome)  # results and exceptions travel pickled, like the job itself
    except Exception as error:
        writer.send((False, RuntimeError(f"the job's outcome could not be pickled: {error}")))
    writer.close()


def _receive(reader, process):
    """The outcome a child sent, or an error saying how it died without sending one."""
    try:
        return reader.recv()
    except EOFError:
        process.join()
        return False, RuntimeError(f"worker process {process.pid} died (exit code {process.exitcode})")


def _start_helper_processes(context):
    """Start the resource tracker that spawn and forkserver use, before Ctrl-C is held:
    starting it releases the hold (multiprocessing unblocks SIGINT when it is done)."""
    if context.get_start_method() != "fork" and hasattr(signal, "pthread_sigmask"):
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()


@contextmanager
def _ctrl_c_held():
    """Hold Ctrl-C back while threads or processes start, then deliver it.

    Held, it cannot strike between two starts, when some workers run and the runner
    is not yet watching them. A child process inherits the hold, so a Ctrl-C during
    its start-up (a spawned child is still importing) waits until _child ignores it:
    no traceback from a child. Nothing is lost: on release it arrives as KeyboardInterrupt.
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


# -- 4. What every timing depends on -------------------------------------------


def available_cpus():
    """CPUs this process may run on (fewer than the machine's under taskset or a container)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def gil_enabled():
    """False only on a free-threaded build running without the GIL (3.13t, 3.14t)."""
    return sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True


def describe_python(start_method=None):
    """The four facts every timing here depends on, in one line."""
    version = f"{sys.implementation.name} {sys.version.split()[0]}".replace("cpython", "Python")
    gil = "GIL enabled" if gil_enabled() else "GIL disabled"
    return f"{version}, {gil}, {available_cpus()} CPUs available, start method {method_name(start_method)}"


def method_name(start_method=None):
    """The start method processes will really use: the one asked for, or the platform's."""
    return multiprocessing.get_context(start_method).get_start_method()


# -- 5. Running a demo as a command --------------------------------------------


def run_demo(main):
    """Run main() and exit as command-line programs do: 130 on Ctrl-C, quietly on a closed pipe."""
    try:
        main()
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted\n")
        sys.exit(130)
    except BrokenPipeError:  # e.g. `python demo_stopwatch.py | head -1`
        silence_stdout()  # so the final flush at exit has nowhere to fail
        sys.exit(1)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr, without the usage block."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def positive(kind):
    """An argparse type: a number of the given kind (int or float) above zero."""

    def convert(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0 or not math.isfinite(value):
            noun = "whole number" if kind is int else "number"
            raise argparse.ArgumentTypeError(f"{text!r} is not a positive {noun}")
        return value

    return convert


def add_start_method(parser):
    """The --start-method option, offering what this platform has."""
    parser.add_argument(
        "--start-method",
        choices=multiprocessing.get_all_start_methods(),
        help=f"how processes start (default here: {method_name()})",
    )
