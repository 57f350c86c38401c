"""The pieces both demos share: how to print, the workers, three ways to run them, and a timer.

Sections 1 to 5 are the lesson, small enough to copy beside a lesson of your own:
  1. Printing a line so that concurrent lines never tear.
  2. The workers: one function per kind of work, told which worker it is by a number.
  3. The runners: one list of jobs run directly, in threads, or in processes.
  4. Timing a run from the caller, and drawing when each worker ran.
  5. What every timing depends on: the Python, its GIL, the CPUs, other programs.

From section 6 on it is plumbing, which a lesson can skip: how a run stops cleanly when
something goes wrong (Ctrl-C, a signal, a closed or full output, a limit of the machine).

A job is any function that takes no arguments, usually made with functools.partial:
    jobs = [partial(sleepy_worker, n, iterations=10) for n in (1, 2, 3)]
    run = timed_run("Threading", run_in_threads, jobs)
    print(run.seconds, "s;", cpus_busy(run), "CPUs busy")
"""

import argparse
import errno
import functools
import math
import multiprocessing
import os
import pickle
import platform
import re
import signal
import sys
import threading
import time
from collections import namedtuple
from contextlib import contextmanager

# -- 1. Printing -------------------------------------------------------------

# Stand-ins for terminals whose encoding cannot show a symbol (ascii, cp1252, ...).
ASCII = {"♥": "<3", "♦": "<>", "☼": "*", "█": "#"}


def say(text):
    """Print one whole line: text and newline in one write, then flush.

    Threads share one sys.stdout and processes share one file descriptor; a line
    written in one piece arrives in one piece, so concurrent lines never tear.
    """
    _stop_if_cancelled()
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except OSError as error:
        _output_failed(error)


def bar(n):
    """Worker n's stopwatch bar, e.g. '    ██ 2 ██': four spaces more per worker, from 1 again after 16."""
    block = glyph("█") * 2
    return "    " * ((n - 1) % 16) + paint(f"{block} {n} {block}", n)


def glyph(symbol):
    """The symbol itself if stdout can encode it, else its ASCII stand-in."""
    try:
        symbol.encode(getattr(sys.stdout, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return ASCII.get(symbol, "?")
    return symbol


def paint(text, n):
    """Text in worker n's own colour when colour is wanted."""
    if not colour_wanted():
        return text
    return f"\x1b[{31 + (n - 1) % 6}m{text}\x1b[0m"


def colour_wanted():
    """Colour only for a person at a terminal: never into a pipe, never with NO_COLOR set."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    if os.name == "nt" and "WT_SESSION" not in os.environ:
        return False  # the classic Windows console shows escape codes as text
    return sys.stdout is not None and sys.stdout.isatty()


# -- 2. The workers ------------------------------------------------------------
# Top-level functions, so that spawn and forkserver can pickle them by name.

CPU_ITERATION = 0.0002  # seconds of computing per bar of busy_worker, on any interpreter


def sleepy_worker(n, iterations=1000, pause=0.0001):
    """Waiting work: sleep, then print the bar. Sleeping releases the GIL."""
    line = bar(n)
    for _ in range(iterations):
        wait(pause)  # time.sleep, in slices short enough for Ctrl-C to stop a thread (section 6)
        say(line)


def busy_worker(n, iterations=1000, steps=None):
    """CPU work: about 0.2 ms of pure-Python arithmetic, then print the bar. Computing holds the GIL.

    steps is the loop's size; by default, what takes CPU_ITERATION seconds here (see steps_for).
    """
    line, steps = bar(n), steps or steps_for(CPU_ITERATION)
    total = 0
    for _ in range(iterations):
        total += compute(steps)
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
        wait(start + delay + (row - 1) * pause - time.perf_counter())
        say(label + paint(mark * row, n))


def compute(steps):
    """The CPU work itself: a loop of pure-Python arithmetic."""
    total = 0
    for i in range(steps):
        total += i * i
    return total


@functools.lru_cache(maxsize=None)
def steps_for(seconds):
    """How many steps of compute() take `seconds` on this interpreter, measured once (a few ms).

    A fixed count would make the work three times as long on a slower build and vanish on a
    JIT, where the whole run could become shorter than starting a process.
    """
    steps = 1000
    while _fastest(compute, steps) < 0.002:
        steps *= 2
    return max(1, round(steps * seconds / _fastest(compute, steps, tries=5)))


def _fastest(function, argument, tries=1):
    """The shortest of a few timed calls: the least disturbed by other programs."""
    best = math.inf
    for _ in range(tries):
        start = time.perf_counter()
        function(argument)
        best = min(best, time.perf_counter() - start)
    return best


# -- 3. The runners ------------------------------------------------------------
# Each takes a list of jobs, returns when every job is done, and gives back one Span
# per job, in job order: when the job ran, in which process, what it returned, and the
# CPU seconds it used. The times are time.perf_counter() read where the job ran. That
# clock is CLOCK_MONOTONIC on Linux and system-wide on macOS and Windows from Python 3.10
# (bpo-37205), so times taken in different processes share one axis there.

Span = namedtuple("Span", "start end pid result cpu", defaults=[0.0])

# CPU seconds of this thread alone, so that threads sharing a process are told apart.
thread_cpu = getattr(time, "thread_time", time.process_time)


def timed(job, cpu_clock=thread_cpu):
    """Run one job and report when it ran and its CPU time, measured where it ran."""
    start, cpu = time.perf_counter(), cpu_clock()
    result = job()
    return Span(start, time.perf_counter(), os.getpid(), result, cpu_clock() - cpu)


def run_directly(jobs):
    """One job after another, in this thread."""
    return [timed(job) for job in jobs]


def run_in_threads(jobs):
    """One thread per job, all started before any is joined."""
    outcomes = [None] * len(jobs)
    threads = [threading.Thread(target=_attempt, args=(outcomes, i, job)) for i, job in enumerate(jobs)]
    with _threads_stopped_on_failure(threads):
        for thread in threads:
            _start(thread, len(threads))
        for thread in threads:
            thread.join()
    return _results(outcomes)


def run_in_processes(jobs, start_method=None):
    """One process per job; start_method is 'fork', 'spawn', 'forkserver' or None (default)."""
    context = multiprocessing.get_context(start_method)
    children = []  # (process, the pipe its outcome comes back on)
    with _processes_stopped_on_failure(context, children):
        for job in jobs:
            _start_child(context, job, children, len(jobs))
        outcomes = [_receive(process, reader) for process, reader in children]
    return _results(outcomes)


# -- 4. Timing a run, and drawing when each worker ran ---------------------------

Run = namedtuple("Run", "name seconds spans")


def timed_run(name, runner, jobs):
    """Run the jobs and time them from the caller: from before the first start to after the
    last join, so a process's start-up counts. The spans' times become seconds since that start."""
    start = time.perf_counter()
    spans = runner(jobs)
    seconds = time.perf_counter() - start
    return Run(name, seconds, [span._replace(start=span.start - start, end=span.end - start) for span in spans])


def cpus_busy(run):
    """How many CPUs the run kept busy on average: its workers' CPU seconds over its wall seconds.

    With the GIL, threads on CPU work stay near 1; processes reach up to the number of CPUs.
    """
    return sum(span.cpu for span in run.spans) / run.seconds if run.seconds > 0 else 0.0


def timeline(runs, line_width=79, max_rows=16):
    """Lines that draw when each worker ran, one row per worker (or group), one scale for all runs."""
    groups = worker_groups(len(runs[0].spans), max_rows)
    number_width = max(len(group_label(group)) for group in groups)
    width = max(1, min(60, line_width - (16 + 1 + number_width + 1)))
    scale = max(run.seconds for run in runs) / width
    size = "one worker" if len(groups[0]) == 1 else f"{len(groups[0])} workers"
    lines = [f"When each worker ran (one column = {scale * 1000:.3g} ms, one row = {size}):"]
    for run in runs:
        for row, group in enumerate(groups):
            label = run.name if row == 0 else ""
            cells = timeline_cells([run.spans[n - 1] for n in group], scale, width)
            lines.append(f"{label:<16} {group_label(group):>{number_width}} " + paint(cells, group[0]))
    return lines


def worker_groups(workers, max_rows=16):
    """Worker numbers 1..workers in at most max_rows consecutive groups."""
    size = math.ceil(workers / max(1, max_rows))
    return [list(range(first, min(first + size, workers + 1))) for first in range(1, workers + 1, size)]


def group_label(group):
    return str(group[0]) if len(group) == 1 else f"{group[0]}-{group[-1]}"


def timeline_cells(spans, scale, width):
    """A row with a block in each column where one of the spans ran; at least one block."""

    def column(moment):
        return max(0, min(width, round(moment / scale)))

    filled = [False] * width
    for span in spans:
        first, last = column(span.start), column(span.end)
        filled[first:last] = [True] * (last - first)
    if not any(filled):  # too short to see at this scale: one block where it began
        filled[min(width - 1, column(spans[0].start))] = True
    block = glyph("█")
    return "".join(block if cell else " " for cell in filled).rstrip()


# -- 5. What every timing depends on -------------------------------------------


def describe_python(start_method=None):
    """The four facts every timing here depends on, in one line."""
    name = "Python" if sys.implementation.name == "cpython" else platform.python_implementation()  # PyPy, ...
    gil = "GIL enabled" if gil_enabled() else "GIL disabled"
    return f"{name} {sys.version.split()[0]}, {gil}, {plural(available_cpus(), 'CPU')} available, start method {method_name(start_method)}"


def gil_enabled():
    """False only on a free-threaded build running without the GIL (3.13t, 3.14t)."""
    return sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True


def available_cpus():
    """CPUs this process may run on (fewer than the machine's under taskset or a container)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def method_name(start_method=None):
    """The start method processes will really use: the one asked for, or the platform's."""
    return multiprocessing.get_context(start_method).get_start_method()


def plural(count, noun):
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


MEASURABLE = 0.3  # seconds: the shortest window in which other programs' load is told


def cpu_snapshot():
    """What the CPUs have done so far: a mark to measure other programs' load from (see other_programs_busy)."""
    own = os.times()
    return (time.perf_counter(), _machine_busy_seconds(), own.user + own.system, own.children_user + own.children_system)


def other_programs_busy(before, worker_cpu):
    """How many of our CPUs other programs kept busy on average since `before`, or None if unknown.

    Linux: the busy time /proc/stat counts on the CPUs we may use, less our own (this process,
    its waited-for children, or the workers' own CPU seconds where a child is not ours to wait
    for, as under forkserver). Elsewhere: the load average, where the platform has one.
    """
    now = cpu_snapshot()
    wall = now[0] - before[0]
    if wall < MEASURABLE:
        return None  # /proc/stat counts in ticks of 10 ms: too coarse for a shorter window
    if before[1] is not None and now[1] is not None:
        own = (now[2] - before[2]) + max(now[3] - before[3], worker_cpu)
        return max(0.0, (now[1] - before[1] - own) / wall)
    if hasattr(os, "getloadavg"):
        try:
            return min(os.getloadavg()[0], available_cpus())
        except OSError:
            return None
    return None


def busy_note(other, cpus):
    """One line naming a busy machine, or None when other programs used a quarter of the CPUs or less."""
    if other is None or other <= cpus / 4:
        return None
    return f"Note: other programs kept {other:.1f} of {plural(cpus, 'CPU')} busy; the speedups understate this machine."


def _machine_busy_seconds():
    """Busy CPU seconds so far on the CPUs this process may use, from /proc/stat; None elsewhere."""
    mine = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        with open("/proc/stat") as stat:
            text = stat.read()
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError):
        return None
    return busy_ticks(text, mine) / ticks


def busy_ticks(stat, cpus=None):
    """Ticks the CPUs numbered in cpus (every one if None) spent busy, from /proc/stat's text:
    every column but idle and iowait (time waiting for a disk is idle time too)."""
    busy = 0
    for name, user, nice, system, _idle, _iowait, irq, softirq, steal, *_ in (
        line.split() for line in stat.splitlines() if re.match(r"cpu\d", line)
    ):
        if cpus is None or int(name[3:]) in cpus:
            busy += sum(map(int, (user, nice, system, irq, softirq, steal)))
    return busy


def sleep_takes(pause, tries=5):
    """How long time.sleep(pause) really takes here: far longer than asked on some systems
    (about 15.6 ms on Windows before Python 3.11)."""
    samples = []
    for _ in range(tries):
        start = time.perf_counter()
        time.sleep(pause)
        samples.append(time.perf_counter() - start)
    return sorted(samples)[tries // 2]


# -- 6. Plumbing: stopping a run cleanly ---------------------------------------
# Everything below keeps the runners above honest when a run ends badly. Every fault ends
# as an exception in the caller's thread, after every worker has stopped.

STOP_SIGNALS = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]
WAIT_SLICE = 0.05  # a cancelled thread notices within this many seconds, whatever it was waiting for

_cancelled = threading.Event()


class Cancelled(Exception):
    """Raised in a worker thread at its next line or wait once the run has been cancelled."""


class DemoError(RuntimeError):
    """A fault that ends the demo with one line on stderr: a full disk, a limit of the machine,
    a worker a child process cannot find."""


class Stopped(BaseException):
    """A signal asked the demo to stop (SIGTERM, SIGHUP); like KeyboardInterrupt for Ctrl-C."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def wait(seconds):
    """time.sleep, in slices, so that a cancelled worker thread stops at once, however long the pause.

    Threads cannot be killed from outside; they can only be asked to stop, and they look between slices.
    """
    end = time.perf_counter() + max(0.0, seconds)
    while True:
        _stop_if_cancelled()
        left = end - time.perf_counter()
        if left <= 0:
            return
        time.sleep(min(left, WAIT_SLICE))
        if left <= WAIT_SLICE:
            return


def _stop_if_cancelled():
    if _cancelled.is_set() and threading.current_thread() is not threading.main_thread():
        raise Cancelled


def _output_failed(error):
    """Stdout failed: point it at the null device, so nothing more fails, and say how it failed."""
    silence_stdout()
    if error.errno in (errno.EPIPE, errno.EINVAL):  # a closed pipe (EINVAL: Windows' closed pipe)
        raise BrokenPipeError(errno.EPIPE, "stdout was closed") from None
    raise DemoError(f"cannot write the output: {error.strerror or error}") from None


def silence_stdout():
    """Point stdout at the null device, so nothing more fails to reach a closed or full output."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def _attempt(outcomes, index, job):
    """A worker thread's whole life: run the job; if it failed, cancel its siblings too."""
    outcomes[index] = _outcome(job)
    if not outcomes[index][0]:
        _cancelled.set()  # e.g. stdout closed: the others would fail the same way


def _outcome(job, cpu_clock=thread_cpu):
    """(True, Span) if the job ran, (False, exception) if it raised."""
    try:
        return True, timed(job, cpu_clock)
    except BaseException as error:
        return False, error


def _results(outcomes):
    """The Spans, or a failed job's exception raised here, in the caller's thread."""
    errors = [value for ok, value in outcomes if not ok]
    if errors:  # the cause, not a job it cancelled
        raise next((e for e in errors if not isinstance(e, Cancelled)), errors[0])
    return [span for _, span in outcomes]


@contextmanager
def _threads_stopped_on_failure(threads):
    """On Ctrl-C, a signal or a failed start, ask every started thread to stop, and wait for it."""
    try:
        yield
    except BaseException:
        _cancelled.set()
        for thread in threads:
            if thread.ident is not None:
                thread.join()
        raise
    finally:
        _cancelled.clear()


@contextmanager
def _processes_stopped_on_failure(context, children):
    """On Ctrl-C, a signal or a failed start, stop every child; always reap them and close the pipes."""
    _start_helper_processes(context)
    try:
        yield
    except BaseException:
        for process, _ in children:
            process.kill()  # children ignore Ctrl-C, and may still hold SIGTERM back while they start
        raise
    finally:
        for process, reader in children:
            process.join()
            reader.close()


def _start(worker, count):
    """Start a thread or process with stop signals held, so none strikes while it is half started."""
    with _signals_held():
        try:
            worker.start()
        except (RuntimeError, OSError) as error:
            raise _limit_reached(error, count) from None
        except (pickle.PicklingError, AttributeError, TypeError) as error:  # spawn and forkserver pickle the job
            raise DemoError(f"the job cannot be sent to a child process ({error}); {WHERE_WORKERS_LIVE}") from None


def _start_child(context, job, children, count):
    """Start one child process with a pipe for its outcome, and record it before any signal can strike."""
    _check_the_child_can_find(job, context)
    try:
        reader, writer = context.Pipe(duplex=False)
    except OSError as error:
        raise _limit_reached(error, count) from None
    process = context.Process(target=_child, args=(job, writer))
    try:
        with _signals_held(), _pseudo_main_file_hidden(context):  # a signal waits until the child is listed
            _start(process, count)
            children.append((process, reader))
    except BaseException:
        reader.close()
        raise
    finally:
        writer.close()  # the child holds its own copy


def _limit_reached(error, count):
    """A DemoError naming the limit a failed start ran into."""
    if isinstance(error, OSError) and error.errno in (errno.EMFILE, errno.ENFILE):
        limit = "the limit on open files (ulimit -n)"
    elif isinstance(error, OSError) and error.errno == errno.ENOMEM:
        limit = "the machine's memory"
    elif "new thread" in str(error) or (isinstance(error, OSError) and error.errno == errno.EAGAIN):
        limit = "the limit on processes and threads (ulimit -u)"
    else:
        raise error
    return DemoError(f"could not start all {count} workers ({error}): {limit} is reached; try fewer workers")


def _child(job, writer):
    """A child process's whole life: leave stopping to the parent, run the job, send back the outcome."""
    for signum in STOP_SIGNALS:  # Ctrl-C and hang-up reach the whole group; the parent decides
        signal.signal(signum, signal.SIG_IGN if signum != getattr(signal, "SIGTERM", None) else signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # held since the parent started us
    _exit_with_parent()
    outcome = _outcome(job, time.process_time)
    try:
        _send(writer, outcome)
    except (OSError, EOFError):
        os._exit(1)  # the parent is gone: nobody is left to tell


WHERE_WORKERS_LIVE = (
    "a worker must be defined in a module the child can import, such as common.py,"
    " not in a notebook cell, at the >>> prompt or in code fed to python -"
)


def _check_the_child_can_find(job, context):
    """Under spawn and forkserver a child gets its job's function by name and imports it itself.
    One defined in a __main__ that is no file (a notebook, the >>> prompt, python -) cannot be
    found: say so here, in one line, rather than let every child die with a traceback."""
    function = getattr(job, "func", job)  # a partial names its function
    main_file = getattr(sys.modules.get("__main__"), "__file__", None) or ""
    if context.get_start_method() != "fork" and getattr(function, "__module__", None) == "__main__":
        if not os.path.isfile(main_file):
            name = getattr(function, "__qualname__", repr(function))
            raise DemoError(f"a child process cannot find {name}, defined in __main__; {WHERE_WORKERS_LIVE}")


@contextmanager
def _pseudo_main_file_hidden(context):
    """Code fed to `python -` runs as a __main__ whose file is '<stdin>'. A spawned child (or the
    fork server) would try to run that as a file and die before the job; hidden while children
    start, __main__ is left alone as at the >>> prompt, and a worker from common.py runs."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if context.get_start_method() == "fork" or not (isinstance(path, str) and path.startswith("<")):
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def _send(writer, outcome):
    """Send the outcome back pickled, like the job itself came; say so if it cannot be pickled."""
    try:
        writer.send(outcome)
    except (OSError, EOFError):
        raise
    except Exception as error:
        writer.send((False, RuntimeError(f"the job's outcome could not be pickled: {error}")))
    writer.close()


def _exit_with_parent():
    """If the parent dies (even by SIGKILL, which it cannot handle), end this child at once, silently.

    multiprocessing gives every child a sentinel that becomes ready when its parent exits.
    """
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_when_gone, args=(parent,), daemon=True).start()


def _exit_when_gone(parent):
    parent.join()
    os._exit(1)


def _receive(process, reader):
    """The outcome a child sent, or an error saying how it died without sending one."""
    try:
        return reader.recv()
    except EOFError:
        process.join()
        return False, RuntimeError(f"worker process {process.pid} died (exit code {process.exitcode})")


def _start_helper_processes(context):
    """Start the resource tracker that spawn and forkserver use, before signals are held:
    starting it releases the hold (multiprocessing unblocks SIGINT when it is done)."""
    if context.get_start_method() != "fork" and hasattr(signal, "pthread_sigmask"):
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()


@contextmanager
def _signals_held():
    """Hold Ctrl-C, SIGTERM and SIGHUP back for a moment, then deliver them.

    Held, they cannot strike while a worker is half started, or before it is on the list the
    cleanup reads. A child process inherits the hold, so a signal during its start-up (a spawned
    child is still importing) waits until _child has set what it does: no traceback from a child.
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


# -- 7. Plumbing: running a demo as a command ---------------------------------


def run_demo(main):
    """Run main() and end as command-line programs do: one line on stderr, the conventional status."""
    prog = os.path.basename(sys.argv[0])
    _occupy_closed_descriptors()
    if sys.stdout is None:  # `>&-`: Python starts with no stdout at all
        tell(f"{prog}: stdout is closed: nowhere to show the demo")
        sys.exit(1)
    for signum in STOP_SIGNALS[1:]:  # SIGTERM (kill) and SIGHUP (a closed terminal): stop like Ctrl-C
        signal.signal(signum, _raise_stopped)
    try:
        main()
    except KeyboardInterrupt:
        _end(130, "Interrupted")
    except Stopped as stop:
        _end(128 + stop.signum, signal.strsignal(stop.signum) or "Stopped")
    except BrokenPipeError:  # e.g. `python demo_stopwatch.py | head -1`: quietly, as the docs advise
        _end(1, None)
    except DemoError as error:
        _end(1, f"{prog}: {error}")


def _raise_stopped(signum, frame):
    raise Stopped(signum)


def _end(status, message):
    """Exit with status after one line on stderr; nothing more may fail on the way out."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)  # a second signal must not interrupt the exit
    silence_stdout()  # so the final flush at exit has nowhere to fail
    if message:
        tell(message)
    sys.exit(status)


def tell(message):
    """Write one line to stderr if there is a stderr; a closed one must not change the exit status."""
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass


def _occupy_closed_descriptors():
    """Open the null device on stdin/stderr if the shell closed them (`2>&-`), so that no pipe of
    ours lands on descriptor 2 and no library writes into it by mistake."""
    for fd in (0, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # takes the lowest free descriptor: this one


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr, without the usage block, and which
    takes options spelled in full only (--start-meth is no --start-method)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(allow_abbrev=False, **kwargs)

    def error(self, message):
        tell(f"{self.prog}: error: {message}")
        sys.exit(2)


NUMBER = {int: re.compile(r"\d+"), float: re.compile(r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")}


def positive(kind, most=None):
    """An argparse type: a number of the given kind (int or float) above zero and at most `most`,
    written as a person writes it (no '4_0', no 'nan')."""

    def convert(text):
        value = kind(text) if NUMBER[kind].fullmatch(text.strip()) else None
        noun = "whole number" if kind is int else "number"
        if value is None or not value > 0:
            raise argparse.ArgumentTypeError(f"{text!r} is not a positive {noun}")
        if most is not None and value > most:
            raise argparse.ArgumentTypeError(f"{text!r} is more than {most:g}, the most this demo takes")
        return value

    return convert


def add_start_method(parser, note=""):
    """The --start-method option, offering what this platform has."""
    parser.add_argument(
        "--start-method",
        choices=multiprocessing.get_all_start_methods(),
        help=f"how processes start (default here: {method_name()}){note}",
    )


def open_file_limit(workers):
    """None if `workers` child processes fit the open-file limit, else (the most that fit, the limit).

    Each child holds about three descriptors in the parent while it runs (its outcome's pipe,
    its sentinel, the pipe that tells it its parent is alive).
    """
    try:
        import resource  # POSIX only: elsewhere there is no such limit to check
    except ImportError:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return None
    spare = soft - _open_descriptors() - 16  # 16: helper processes, pipes half made, the timeline's own
    fit = max(0, spare // 3)
    return None if workers <= fit else (fit, soft)


def _open_descriptors():
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(folder))
        except OSError:
            continue
    return 3
