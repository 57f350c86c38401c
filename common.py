"""The same workers run directly, in threads, in processes, in interpreters.

Above the "Plumbing" banner is the lesson, and it works alone: copy that
part, as common.py, beside a lesson of your own. Below it: what makes a
demo a command that always ends cleanly.
"""

import os
import sys
import threading
import time
from collections import namedtuple
from contextlib import nullcontext, suppress
from functools import partial

# -- 1. Printing --------------------------------------------------------------

# A thread cannot be killed, only asked to stop: once this Event is set,
# every worker thread stops at its next line or pause.
stop = threading.Event()


class Stopped(Exception):
    """Raised in a worker thread that was asked to stop."""


def say(text):
    """Print a line in one write: lines printed at once never tear. A
    worker's line ends an iteration, which the timeline times (lap())."""
    if stop.is_set():
        raise Stopped
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except OSError:  # a closed pipe, a full disk: the line stays buffered,
        stdout_to_null()  # to fail again at exit, unless it has nowhere to go
        raise
    lap()


def stdout_to_null():
    """Point stdout at the null device: nothing more fails to reach it."""
    with suppress(OSError, AttributeError, ValueError):  # no stdout at all
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def sleep_unless_stopped(seconds):
    """time.sleep, except that a thread asked to stop wakes at once."""
    asked, begun = max(0.0, seconds), time.perf_counter()
    if stop.wait(asked):
        raise Stopped
    slept(asked, begun)  # the timeline tells a sleep from waiting for the GIL


def bar(n):
    """Worker n's bar, '    ██ 2 ██': 4 spaces more a worker, 16 to a row."""
    block = glyph("█") * 2
    return "    " * ((n - 1) % 16) + paint(f"{block} {n} {block}", n)


ASCII = {"♥": "<3", "♦": "<>", "☼": "*",
         "█": "#", "▓": "=", "▒": "-", "░": ".", "▚": "%"}


def glyph(symbol, output=None):
    """The symbol, or its ASCII stand-in where the output cannot show it."""
    encoding = getattr(output or sys.stdout, "encoding", None) or "ascii"
    shown = symbol.encode(encoding, "replace").decode(encoding)
    return symbol if shown == symbol else ASCII[symbol]


def paint(text, n):
    """Text in worker n's colour, for a person at a terminal only."""
    plain = os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb"
    old_console = os.name == "nt" and "WT_SESSION" not in os.environ
    if plain or old_console or sys.stdout is None or not sys.stdout.isatty():
        return text  # a pipe, a file, or a console that shows escape codes
    return f"\x1b[{31 + (n - 1) % 6}m{text}\x1b[0m"


# -- 2. The workers: top-level functions, which a child finds by name ---------


def sleepy_worker(n, iterations=1000, pause=0.0001):
    """Waiting work: a sleeping thread lets the others run."""
    line = bar(n)
    for _ in range(iterations):
        sleep_unless_stopped(pause)
        say(line)


def busy_worker(n, iterations=1000, steps=20_000):
    """CPU work: a computing thread holds the GIL."""
    line = bar(n)
    for _ in range(iterations):
        compute(steps)
        say(line)


def idle_worker(n, iterations=1):  # iterations: taken, as every worker's is
    """No work at all: what is left to time is starting and joining."""
    return n


def shape_worker(n, name, symbol, rounds=8, pause=0.3, delay=0.0):
    """A row one symbol longer each round, each due at a fixed time."""
    start = time.perf_counter()
    for row in range(1, rounds + 1):
        due = start + delay + (row - 1) * pause  # a late start keeps its place
        sleep_unless_stopped(due - time.perf_counter())
        say(f"{n} {name}:".ljust(16) + paint(glyph(symbol) * row, n))


def compute(steps):
    """Pure-Python arithmetic: every step costs the same (^ keeps the total
    small, where + would make it a big number, slower to add to)."""
    total = 0
    for i in range(steps):
        total ^= i * i
    return total


# -- 3. What a worker reports: its job's Span, timed where the job runs -------

Span = namedtuple("Span", "start end pid result cpu stretches tid cpu_wait"
                  " slept said", defaults=[0.0, (), None, None, 0.0, ()])
# cpu: seconds it ran on a CPU; cpu_wait: seconds it was ready to run but
# every CPU was taken (by other programs, or more workers than CPUs), or
# None where the system does not tell; slept: seconds in its own sleeps.
# The rest of its time it waited for something else: the GIL, the output.
# stretches: (start, end, CPU seconds, CPU-wait seconds) of each run of
# iterations in which it mostly ran, mostly waited for a CPU, or neither.
# said: when it printed each line, if it printed no more than SAID lines.
thread_cpu = getattr(time, "thread_time", time.process_time)  # this thread's
laps = threading.local()  # each thread's stretches so far, and its last lap
SCHEDSTAT = "/proc/thread-self/schedstat"  # Linux: a thread's time on a CPU,
#                                            and its time waiting for one
SLACK = 0.00005  # seconds a sleep may overrun: Linux's default timer slack
SAID = 100  # lines a picture marks, each at its moment: no more


def outcome(job, cpu_clock=thread_cpu):
    """The job's Span, or the exception it raised: what a worker reports."""
    laps.schedstat, laps.slept, laps.said = schedstat_opened(), 0.0, []
    waited, laps.early = cpu_waited(), 0.0  # first: a switch as it returns
    laps.waited = waited  # comes before the job's clocks start, not in them
    start, cpu = time.perf_counter(), cpu_clock()  # one clock for all (3.10+)
    laps.stretches, laps.clock, laps.wall, laps.cpu = [], cpu_clock, start, cpu
    try:
        result = job()
        lap(line=False)  # the time after the last line, or a job without any
        cpu_wait = None if waited is None else (laps.waited - waited -
                                                laps.early)
        return Span(start, laps.wall, os.getpid(), result, laps.cpu - cpu,
                    tuple(laps.stretches), threading.get_native_id(),
                    cpu_wait, laps.slept, tuple(laps.said or ()))
    except SystemExit as error:  # the job's own: its caller must not exit
        return RuntimeError(f"a worker called sys.exit({error.code!r})")
    except BaseException as error:
        return error
    finally:
        laps.stretches = None
        if laps.schedstat is not None:
            os.close(laps.schedstat)


def lap(line=True):
    """An iteration's end (say() calls it, at each line): the worker mostly
    ran in it, mostly waited for a CPU, or waited for something else (the
    GIL, a sleep, a reader); a stretch of that grows, or one begins."""
    stretches = getattr(laps, "stretches", None)
    if stretches is None:
        return  # not within a job's outcome
    wall, cpu, waited = time.perf_counter(), laps.clock(), cpu_waited()
    if line and laps.said is not None:  # its moment, while there are few
        laps.said.append(wall)
        laps.said = laps.said if len(laps.said) <= SAID else None
    spent = cpu - laps.cpu
    queued = laps.early + (0.0 if waited is None else waited - laps.waited)
    # A switch as a read of the clocks returns is counted by the system
    # before this lap's clock saw it: it belongs to the next lap's time.
    laps.early = max(0.0, queued - max(0.0, wall - laps.wall - spent))
    queued -= laps.early
    state = ("ran" if spent >= (wall - laps.wall) / 2 else
             "queued" if queued >= (wall - laps.wall - spent) / 2 else
             "waited")
    if stretches and (state == laps.state or wall == laps.wall):
        start, _, used, wait = stretches[-1]
        stretches[-1] = (start, wall, used + spent, wait + queued)
    else:
        stretches.append((laps.wall, wall, spent, queued))
    laps.wall, laps.cpu, laps.state = wall, cpu, state
    laps.waited = waited


def schedstat_opened():
    """This thread's schedstat, open to be read at each lap, or None."""
    try:
        return os.open(SCHEDSTAT, os.O_RDONLY)
    except (OSError, AttributeError):  # not Linux
        return None


def cpu_waited():
    """Seconds this thread has so far been ready to run while every CPU was
    taken, or None where that is unknown (read in one call: no opening)."""
    if getattr(laps, "schedstat", None) is None:
        return None
    try:
        return int(os.pread(laps.schedstat, 100, 0).split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def slept(asked, begun):
    """Count a sleep: what it asked for and the slack the system may add;
    waking later than that, it waited for a CPU or the GIL."""
    if getattr(laps, "stretches", None) is not None:
        laps.slept += min(time.perf_counter() - begun, asked + SLACK)


# -- 4. The runners: a list of jobs in, one Span per job out, in job order ----


class Hooks:
    """What a runner does around its workers beyond the lesson: nothing. A
    command passes its own, as CPython's pools take a WorkerContext."""

    def starting(self, count, start_method=None):
        """Around each worker's start (a command holds signals there)."""
        return nullcontext()

    def child_ready(self):
        """First thing in each child process (a command's signals)."""

    def not_stopped(self, threads, jobs, what="thread"):
        """After a stop, for threads that ran on, each running its job or an
        interpreter's (a command names them)."""


def run_directly(jobs, hooks=Hooks()):
    """One job after another, in this thread."""
    spans = []
    for job in jobs:
        span = outcome(job)
        if isinstance(span, BaseException):
            raise span
        spans.append(span)
    return spans


def run_in_threads(jobs, hooks=Hooks()):
    """One thread per job, all started before any is joined."""
    spans = [None] * len(jobs)
    threads = [threading.Thread(target=worker_thread, args=(job, spans, i),
                                daemon=True)  # one that never stops must
               for i, job in enumerate(jobs)]  # not keep the program alive
    try:
        for thread in threads:
            with hooks.starting(len(jobs)):
                thread.start()
        for thread in threads:
            thread.join()
    except BaseException:  # Ctrl-C, a refused start: ask every one to stop
        stop.set()
        give_a_second(threads)
        hooks.not_stopped(threads, jobs)
        raise
    finally:
        stop.clear()
    return first_failure_raised(spans)


def worker_thread(job, spans, i):
    """A worker thread: run the job; if it failed, stop the others."""
    spans[i] = outcome(job)
    if isinstance(spans[i], BaseException):
        stop.set()  # e.g. stdout closed: the others would fail the same way


def give_a_second(threads):
    """Join the started threads, all within a second: a thread cannot be
    killed, and one whose job never checks `stop` would never be joined."""
    deadline = time.monotonic() + 1
    for thread in threads:
        if thread.ident is not None:
            thread.join(max(0.0, deadline - time.monotonic()))


def first_failure_raised(spans):
    """The spans, or the first failure raised here, in the caller (not the
    Stopped it caused in the others)."""
    for span in spans:
        if isinstance(span, BaseException) and not isinstance(span, Stopped):
            raise span
    return spans


def run_in_processes(jobs, start_method=None, hooks=Hooks()):
    """One process per job, all started before any is joined."""
    import multiprocessing  # here: each interpreter imports this file anew
    context = multiprocessing.get_context(start_method)
    check_importable(jobs, context)
    children = []  # (process, the end of the pipe its outcome comes back on)
    try:
        for job in jobs:
            with hooks.starting(len(jobs), context.get_start_method()):
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(target=worker_process,
                                          args=(job, writer, hooks))
                process.start()
                children.append((process, reader))
            writer.close()  # the child has its own: ours would hide its end
        return collect(children)
    except BaseException:  # Ctrl-C, a refused start, a failed job: stop all
        for process, _ in children:
            process.kill()
        raise
    finally:
        for process, reader in children:
            process.join()
            process.close()  # its descriptors now, not at garbage collection
            reader.close()


def worker_process(job, writer, hooks):
    """A child process: run the job, send its outcome back (pickled)."""
    hooks.child_ready()
    try:
        writer.send(outcome(job, time.process_time))
    except (OSError, EOFError):
        os._exit(1)  # the parent is gone: nobody is left to tell
    except Exception as error:  # e.g. a lock, which cannot be pickled
        writer.send(RuntimeError(f"the job's outcome could not be pickled:"
                                 f" {error}"))


def collect(children):
    """Each child's Span as it comes, so that a failure stops all at once."""
    from multiprocessing.connection import wait
    spans = [None] * len(children)
    waiting = {reader: n for n, (_, reader) in enumerate(children)}
    while waiting:
        for reader in wait(list(waiting)):
            n = waiting.pop(reader)
            try:
                sent = reader.recv()
            except EOFError:  # it ended without a word: killed?
                process = children[n][0]
                process.join()  # exit code -9: killed by signal 9, SIGKILL
                sent = ChildProcessError(f"worker {n + 1} (process"
                                         f" {process.pid}) died (exit code"
                                         f" {process.exitcode})")
            if isinstance(sent, BaseException):
                raise sent  # here, in the caller, as if the job ran here
            spans[n] = sent
    return spans


# -- 5. Interpreters (Python 3.14+): one process, a GIL each ------------------


def run_in_interpreters(jobs, hooks=Hooks()):
    """One interpreter per job (Python 3.14+), a GIL each, each made, run
    and closed by a thread of ours: one process, no child processes."""
    missing = interpreters_missing()  # before 3.14: as the stopwatch says
    if missing:
        raise RuntimeError(f"run_in_interpreters: {missing}")
    spans = [None] * len(jobs)
    asks = [os.pipe() for _ in jobs]  # a byte down one asks a job to stop
    threads = [threading.Thread(target=worker_interpreter,
                                args=(job, spans, i, asks), daemon=True)
               for i, job in enumerate(jobs)]
    try:
        for thread in threads:
            with hooks.starting(len(jobs)):
                thread.start()
        for thread in threads:
            thread.join()
    except BaseException:  # Ctrl-C, a refused start: ask every one to stop
        ask_to_stop(asks)
        give_a_second(threads)
        hooks.not_stopped(threads, jobs, "interpreter")
        raise
    finally:  # a pipe its interpreter may still read is left open
        for thread, ask in zip(threads, asks):
            if not thread.is_alive():
                os.close(ask[0])
                os.close(ask[1])
    return first_failure_raised(spans)


def worker_interpreter(job, spans, i, asks):
    """A worker thread: make an interpreter, run the job in it, close it;
    if that failed, stop the others."""
    from concurrent import interpreters
    try:
        interpreter = interpreters.create()  # its start, with its imports
        try:  # a new interpreter has the sys.path Python started with: ours
            interpreter.exec(f"import sys; sys.path[:] = {sys.path!r}")
            spans[i] = interpreter.call(listening, job, *asks[i])
        finally:
            interpreter.close()
    except interpreters.NotShareableError as error:  # the job, or its result
        spans[i] = not_shared(error)
    except Exception as error:  # no room for one more (a machine's limit)
        spans[i] = error
    if isinstance(spans[i], BaseException):
        ask_to_stop(asks)


def not_shared(error):
    """What could not cross into the interpreter or back: the job (its
    module not found there), or its outcome (a lock, a generator)."""
    causes = [error]
    while causes[-1].__cause__ is not None:
        causes.append(causes[-1].__cause__)
    if not any("unpickled" in str(cause) for cause in causes):
        return RuntimeError(f"the job's outcome could not be shared: {error}")
    first = str(causes[-1]).splitlines()[0]  # 'No module named ...'
    return RuntimeError(f"an interpreter cannot run the job: {first}")


def listening(job, ask, answer):
    """In an interpreter: the job's outcome. Its `stop` is its own (each
    interpreter has its own modules): a thread here sets it when a byte
    comes down the pipe `ask`; this job's end sends the last one."""
    listener = threading.Thread(target=stop_when_asked, args=(ask,))
    listener.start()
    try:
        return outcome(job)
    finally:
        os.write(answer, b"0")  # the listener's cue to end, unasked
        listener.join()


def stop_when_asked(ask):
    """Wait for the first byte down the pipe (no timer: read() sleeps in
    the kernel until one comes); b"1" is a stop."""
    if os.read(ask, 1) == b"1":
        stop.set()


def ask_to_stop(asks):
    """Ask every interpreter's job to stop (a late one finds it waiting)."""
    for _, answer in asks:
        with suppress(OSError):  # a pipe full of asks: asked already
            os.write(answer, b"1")


# -- 6. What a child process can find: a job it imports by name ---------------


def check_importable(jobs, context):
    """Refuse, before any start, a job a spawned child cannot import."""
    if context.get_start_method() == "fork":
        return  # a forked child has all its parent has
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if isinstance(path, str) and path.startswith("<"):  # python - : <stdin>
        del main.__file__  # or a child would try to run that
    for function in (getattr(job, "func", job) for job in jobs):  # partial
        name = function.__qualname__
        code = getattr(function, "__code__", None)
        source = getattr(code, "co_filename", path)
        if "<" in name:  # '<lambda>', 'outer.<locals>.inner': no name
            raise RuntimeError(f"a child process cannot find {name}: a"
                               " worker must be defined with def at a"
                               " module's top level")
        in_main = getattr(function, "__module__", None) == "__main__"
        if in_main and not (os.path.isfile(path or "") and source == path):
            raise RuntimeError(f"a child process cannot find {name}, defined"
                               " in __main__; a worker must be defined in a"
                               " module the child can import, such as"
                               " common.py, not in a notebook cell, at the"
                               " >>> prompt or in code fed to python -")


# -- 7. The ways: one table, which the demos, their report and tests read -----

Way = namedtuple("Way", "name mode runner parallel starts start_cost"
                 " missing")
# name: as the report prints it; mode: as --mode takes it; parallel: can
# its workers compute at once (True, False or "without the GIL"); starts:
# what it starts for each job, in words; start_cost: about how many
# seconds starting and joining one takes (by start method, for processes;
# measured on Linux, CPython 3.11, 2 CPUs, 200 at once); missing: why this
# Python cannot run it, or None.


def interpreters_missing():
    """Why interpreters cannot run here, or None: CPython 3.14 added them."""
    if sys.version_info < (3, 14) or sys.implementation.name != "cpython":
        return "interpreters need Python 3.14"
    return None


WAYS = [
    Way("Directly", "direct", run_directly, False, None, 0.0, None),
    Way("Threading", "threads", run_in_threads, "without the GIL", "a thread",
        0.0002, None),
    Way("Multiprocessing", "processes", run_in_processes, True, "a process",
        {"fork": 0.004, "forkserver": 0.02, "spawn": 0.06}, None),
    Way("Interpreters", "interpreters", run_in_interpreters, True,
        "an interpreter", 0.05, interpreters_missing()),
]


def ways_here():
    """The ways this Python can run, in the table's order."""
    return [way for way in WAYS if not way.missing]


def takes_start_method(way):
    """Whether a way starts processes: its start cost is by start method."""
    return isinstance(way.start_cost, dict)


def runner_for(way, start_method=None, hooks=Hooks()):
    """The way's runner, given the hooks, and the start method if it takes
    one."""
    if takes_start_method(way):
        return partial(way.runner, start_method=start_method, hooks=hooks)
    return partial(way.runner, hooks=hooks)


def start_cost(way, start_method=None):
    """About how many seconds starting and joining one worker takes."""
    if takes_start_method(way):
        return way.start_cost[start_method_used(start_method)]
    return way.start_cost


def start_method_used(start_method=None):
    """The start method processes will use: the one asked for, or the
    platform's."""
    import multiprocessing
    return multiprocessing.get_context(start_method).get_start_method()


def computes_in_parallel(way):
    """Whether a way's workers compute at once: threads, only without GIL."""
    if way.parallel == "without the GIL":
        return not gil_enabled()
    return way.parallel


def gil_enabled():
    """False only on a free-threaded build running without the GIL."""
    return sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True


# -- 8. Timing a run from the caller, and drawing when each worker ran --------

Timing = namedtuple("Timing", "name seconds spans")


def time_jobs(name, runner, jobs):
    """Time the jobs from the caller, so that starting a worker counts."""
    start = time.perf_counter()
    spans = runner(jobs)
    seconds = time.perf_counter() - start
    return Timing(name, seconds, [since(start, span) for span in spans])


def since(moment, span):
    """A span's times counted from a moment: the start of its run."""
    stretches = tuple((begun - moment, ended - moment, cpu, wait)
                      for begun, ended, cpu, wait in span.stretches)
    return span._replace(start=span.start - moment, end=span.end - moment,
                         stretches=stretches,
                         said=tuple(at - moment for at in span.said))


def cpus_busy(timing):
    """The workers' CPU seconds over the wall seconds: ~1 for GIL threads."""
    if timing.seconds <= 0:
        return 0.0
    return sum(span.cpu for span in timing.spans) / timing.seconds


# The timeline's model, which any drawing of it needs and nothing more:
# the seconds its width stands for, and its rows, each way's in turn.
Chart = namedtuple("Chart", "seconds per_row rows")
Row = namedtuple("Row", "way workers label spans")  # workers: a range


def timeline_chart(timings, max_rows=16):
    """A row per worker, or per group of them: at most max_rows a run."""
    workers = max([len(timing.spans) for timing in timings] + [1])
    per_row = -(-workers // max_rows)  # workers / max_rows, rounded up
    rows = []
    for timing in timings:
        for first in range(1, len(timing.spans) + 1, per_row):
            group = range(first, min(first + per_row, len(timing.spans) + 1))
            label = str(first) if len(group) == 1 else f"{first}-{group[-1]}"
            spans = timing.spans[first - 1:group[-1]]
            rows.append(Row(timing.name, group, label, spans))
    seconds = max([timing.seconds for timing in timings] + [0.0])
    return Chart(seconds, per_row, rows)


def timeline(timings, line_width=79, max_rows=16):
    """The timeline as lines of text: one column is a slice of time."""
    chart = timeline_chart(timings, max_rows)
    label_width = max([len(row.label) for row in chart.rows] + [1])
    width = max(1, min(60, line_width - (16 + 1 + label_width + 1)))
    scale = (chart.seconds or 1e-9) / width  # seconds a column
    per = "one worker" if chart.per_row == 1 else f"{chart.per_row} workers"
    lines = [f"When each worker ran (one column = {scale * 1000:.3g} ms,"
             f" one row = {per}):", "".join(map(glyph, "█ running, ▓ mostly,"
                                               " ▒ partly, ░ waiting"))
             + f" ({waiting_for(timings)}),", glyph("▚") +
             (" waiting for a CPU: other programs or workers had them all"
              if measured(timings) else " waiting for a CPU: not measured"
              " here (Linux tells it)")]
    for at, row in enumerate(chart.rows):
        first = at == 0 or chart.rows[at - 1].way != row.way
        name = row.way if first else ""  # on a way's first row only
        cells = paint(timeline_cells(row.spans, scale, width), row.workers[0])
        lines.append(f"{name:<16} {row.label:>{label_width}} {cells}")
    return lines


def timeline_cells(spans, scale, width):
    """A block in each column where one of the spans ran, shaded by how much
    of that time it was running; ▚ where waiting for a CPU outweighed the
    rest of its waiting; at least one block."""
    alive, seen = [False] * width, [0.0] * width
    ran, queued = [0.0] * width, [0.0] * width
    for span in spans:
        first, last = (max(0, min(width, round(moment / scale)))
                       for moment in (span.start, span.end))
        alive[first:last] = [True] * (last - first)
        for begun, ended, share, wait in shares(span):
            for column in range(max(0, int(begun / scale)),
                                min(width, int(ended / scale) + 1)):
                overlap = max(0.0, (min(ended, (column + 1) * scale) -
                                    max(begun, column * scale)))
                seen[column] += overlap
                ran[column] += overlap * share
                queued[column] += overlap * wait
    if not any(alive):  # too short to see at this scale: where it began
        alive[min(width - 1, max(0, round(spans[0].start / scale)))] = True
    lasted = sum(span.end - span.start for span in spans)
    whole = sum(span.cpu for span in spans) / lasted if lasted > 0 else 1.0
    return "".join(mark(ran[at] / seen[at], queued[at] / seen[at])
                   if alive[at] and seen[at] else shade(whole)
                   if alive[at] else " " for at in range(width)).rstrip()


def shares(span):
    """(start, end, the share of it the worker ran, the share it waited for
    a CPU) of each of a span's stretches; one without laps is one."""
    for begun, ended, cpu, wait in span.stretches or [(
            span.start, span.end, span.cpu, span.cpu_wait or 0.0)]:
        lasted = ended - begun
        yield (begun, ended, cpu / lasted if lasted > 0 else 1.0,
               wait / lasted if lasted > 0 else 0.0)


def mark(ran, queued):
    """A column's mark: its running shade, or ▚ where it mostly queued."""
    return glyph("▚") if mostly_queued(ran, queued) else shade(ran)


def mostly_queued(ran, queued):
    """Whether a worker not running most of the time (under 3/4) waited for
    a CPU more than for anything else: the text's ▚, the picture's hatch."""
    return quarters(ran) < 3 and queued > 1 - ran - queued


def shade(share):
    """█ for running 3/4 of the time or more, ▓ half, ▒ a quarter, ░ less."""
    return glyph("░▒▓█"[quarters(share)])


def quarters(share):
    """The whole quarters of its time a worker ran: 0 to 3 (all is 3)."""
    return max(0, min(3, int(share * 4)))


# -- 9. What the workers waited for: a CPU, the GIL, their sleeps -------------

def waiting_for(timings):
    """What the pale marks waited for, in the ways shown: the GIL only where
    workers shared one."""
    gil = any(shares_a_gil(timing.name) for timing in timings)
    return ("for the GIL, a sleep, the output" if gil else
            "for a sleep, the output")


def measured(timings):
    """Whether the system told how long the workers waited for a CPU."""
    return all(span.cpu_wait is not None
               for timing in timings for span in timing.spans)


# A span's time in three shares: running, waiting for a CPU, waiting for
# the GIL. The rest is its sleeps and its output. A thread that waited,
# not running, not ready to run, not asleep, waited for its GIL, if it
# shared one with other workers. None: not measured here.
Split = namedtuple("Split", "ran cpu_wait gil_wait")


def split(span, gil_shared):
    """The span's Split, as fractions of its time."""
    lasted = span.end - span.start
    if lasted <= 0:
        return Split(1.0, 0.0, 0.0)
    ran = min(1.0, span.cpu / lasted)
    if span.cpu_wait is None:
        return Split(ran, None, None if gil_shared else 0.0)
    cpu_wait = min(1.0 - ran, span.cpu_wait / lasted)
    rest = 1.0 - ran - cpu_wait - span.slept / lasted
    return Split(ran, cpu_wait, max(0.0, rest) if gil_shared else 0.0)


def shares_a_gil(name):
    """Whether the way of this name runs its workers under one GIL: threads,
    where the GIL is on."""
    way = next((way for way in WAYS if way.name == name), None)
    return bool(way and way.parallel == "without the GIL" and gil_enabled())


def waiting_lines(timings):
    """A line per way: how much of its workers' time went waiting for the
    GIL (where they share one) and for a CPU; one line where unknown."""
    if not measured(timings):
        return ["Waiting for a CPU is not measured here, nor the GIL apart"
                " from it: Linux tells it."]
    lines = []
    for timing in timings:
        gil = shares_a_gil(timing.name)
        lasted = sum(span.end - span.start for span in timing.spans) or 1e-9
        parts = [split(span, gil) for span in timing.spans]
        weight = [(span.end - span.start) / lasted for span in timing.spans]
        cpu, lock = (round(100 * sum(getattr(part, what) * share for part,
                                     share in zip(parts, weight)))
                     for what in ("cpu_wait", "gil_wait"))
        said = f"{lock}% of their time for the GIL, {cpu}%" if gil else (
            f"{cpu}% of their time")
        lines.append(f"{timing.name + ':':<17}workers waited {said} for a CPU")
    return lines


# == Plumbing ===============================================================
# A lesson can stop reading here. What follows makes a demo a command that
# ends cleanly however it is stopped: one line on stderr, the conventional
# exit status, no worker left. The protocol:
#   1. run_command's handlers make SIGTERM and SIGHUP raise StopSignal in
#      the main thread, as Ctrl-C raises KeyboardInterrupt; the first stop
#      wins, later ones do nothing; nohup's SIG_IGN stays.
#   2. The demos pass CommandHooks() to each runner (runner_for's hooks;
#      a child gets them with its job): importing this file installs
#      nothing. Every start happens inside CommandHooks.starting, with the
#      stop signals blocked: none strikes while a worker is half started,
#      and a child is born with them blocked.
#   3. A child's CommandHooks.child_ready ignores Ctrl-C and hang-up (they
#      reach the whole process group; the parent decides), unblocks, and
#      exits at once if its parent dies, even by SIGKILL.
#   4. Any exception in the caller goes through the runner's except clause:
#      threads are asked to stop, children killed, all joined; run_command
#      turns it into one line and the exit status.

import errno  # noqa: E402  (the plumbing's own, out of the lesson's way.
import math  # noqa: E402    argparse, re and signal are imported where they
import stat  # noqa: E402    are used: each interpreter imports this file
from contextlib import contextmanager  # noqa: E402  anew, and pays for
from functools import lru_cache  # noqa: E402       each module it imports)


def stop_signals():
    """The signals that stop a demo, of those this platform has."""
    import signal
    return [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
            if hasattr(signal, name)]


class StopSignal(KeyboardInterrupt):
    """SIGTERM or SIGHUP: stop as for Ctrl-C, with the signal's status."""

    signum = property(lambda self: self.args[0])


class DemoError(RuntimeError):
    """A fault that ends the demo with one line, such as a machine limit."""


class CommandHooks(Hooks):
    """The demos' hooks: signals held around a start, limits named."""

    @contextmanager
    def starting(self, count, start_method=None):
        """Start with stop signals held; name the limit a refusal hit."""
        if start_method in ("spawn", "forkserver"):
            refuse_unguarded_start(start_method)
            import multiprocessing.resource_tracker
            multiprocessing.resource_tracker.ensure_running()  # before the
            # hold: starting the tracker unblocks Ctrl-C
        if start_method == "fork":
            threads_gone()
        try:
            with signals_held():
                yield
        except (RuntimeError, OSError) as error:
            raise start_refused(error, count, start_method) from None

    def child_ready(self):
        """Leave stopping to the parent, and exit with it."""
        import signal
        for signum in stop_signals():
            kill = signum == getattr(signal, "SIGTERM", None)  # ours: default
            signal.signal(signum, signal.SIG_DFL if kill else signal.SIG_IGN)
        if hasattr(signal, "pthread_sigmask"):  # held since our start
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stop_signals())
        with suppress(RuntimeError):  # at ulimit -u: the job runs unwatched
            threading.Thread(target=exit_with_parent, daemon=True).start()

    def not_stopped(self, threads, jobs, what="thread"):
        """Name the threads (or interpreters) still running after their
        second, which cannot be killed: their job never checks `stop` (a
        thread stuck writing to a stalled reader, a pager, is waiting to be
        read, not deaf; one in our own pause hears the stop, and is only
        slow to run on a busy machine)."""
        deaf = [None]
        deadline = time.monotonic() + 0.05
        while deaf and time.monotonic() < deadline:
            frames = sys._current_frames()  # a running thread has one (3.11's
            # is_alive() is False for one whose join() Ctrl-C cut short)
            deaf = [n for n, thread in enumerate(threads, 1) if thread.ident
                    in frames and not heeding(frames[thread.ident])]
            time.sleep(0.01)
        if deaf:
            names = sorted({getattr(jobs[n - 1], "func", jobs[n - 1]).__name__
                            for n in deaf})
            a = "an" if what[0] in "aeiou" else "a"
            print_error(f"{what}s {', '.join(map(str, deaf))} did not stop:"
                        f" {a} {what} cannot be killed, and"
                        f" {', '.join(names)} never checks common.stop")


def exit_with_parent():
    """Wait for the parent to end, however it ends, then end too."""
    import multiprocessing
    multiprocessing.parent_process().join()
    os._exit(1)


def heeding(frame):
    """Whether a thread is within say(), writing a line (to a reader that
    may not read), or within sleep_unless_stopped(), which hears a stop."""
    ours = (say.__code__, sleep_unless_stopped.__code__)
    while frame is not None and frame.f_code not in ours:
        frame = frame.f_back
    return frame is not None


def refuse_unguarded_start(start_method):
    """Stop a start from a file's top level, which each child would rerun."""
    unguarded = unguarded_main_line()
    if unguarded:
        raise SystemExit(f"{unguarded} starts processes outside `if __name__"
                         f" == \"__main__\":`; under {start_method} each"
                         " child imports that file again: put the code that"
                         " starts them under that line")


def start_refused(error, count, start_method):
    """The one-line error for a refused start, or the error as it was."""
    if start_method == "forkserver" and ("AF_UNIX path" in str(error) or
                                         "temporary directory" in str(error)):
        return DemoError("the fork server needs a short, writable folder in"
                         " TMPDIR for its socket")
    limit = limit_reached(error)
    if limit is None:
        return error
    return DemoError(f"cannot start {count} workers: {limit} reached;"
                     " try fewer")


def unguarded_main_line():
    """'file.py, line N,' for a start from __main__'s top-level code outside
    its `if __name__ == "__main__":` block; else None (no file to blame)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    frame = sys._getframe()  # up to __main__'s top level, from its own file
    while frame is not None and not (frame.f_code.co_name == "<module>" and
                                     frame.f_code.co_filename == path):
        frame = frame.f_back  # (at 3.13's >>> prompt, from none)
    if frame is None or frame.f_globals is not vars(main):
        return None
    if not os.path.isfile(path or ""):
        return None
    guarded = main_guards(path)
    if any(first <= frame.f_lineno <= last for first, last in guarded):
        return None
    return f"{os.path.basename(path)}, line {frame.f_lineno},"


GUARDS = ("__name__ == '__main__'", "'__main__' == __name__")


@lru_cache(maxsize=None)
def main_guards(path):
    """The first and last lines of each main guard in a file."""
    import ast

    with open(path, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    return [(node.lineno, node.end_lineno) for node in ast.walk(tree)
            if isinstance(node, ast.If) and ast.unparse(node.test) in GUARDS]


def threads_gone(most=0.5):
    """Let joined threads leave the OS before a fork (3.12+ warns)."""
    deadline = time.monotonic() + most  # join() returns a moment before
    with suppress(OSError):
        while (len(os.listdir("/proc/self/task")) > threading.active_count()
               and time.monotonic() < deadline):
            time.sleep(0.0005)


@contextmanager
def signals_held():
    """Hold the stop signals back for a moment, then deliver them (POSIX)."""
    import signal
    if (not hasattr(signal, "pthread_sigmask") or
            threading.current_thread() is not threading.main_thread()):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals())
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


LIMITS = {errno.EMFILE: "ulimit -n (open files)",
          errno.ENFILE: "ulimit -n (open files)", errno.ENOMEM: "the memory"}


def limit_reached(error):
    """The limit of the machine a failed start ran into, in words, or None."""
    code = getattr(error, "errno", None)
    if code in (errno.EAGAIN, errno.ENOMEM) or "new thread" in str(error):
        if address_space_limited():  # a thread's stack, a child's pages:
            return "ulimit -v (memory)"  # no room for them in ulimit -v
        if code != errno.ENOMEM:
            return "ulimit -u (processes)"
    return LIMITS.get(code)


def address_space_limited():
    """Whether ulimit -v is set and ulimit -u, if set, is not nearly
    reached by this user's processes and threads (Linux's /proc)."""
    try:
        import resource
    except ImportError:
        return False
    if resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY:
        return False
    most = resource.getrlimit(resource.RLIMIT_NPROC)[0]
    if most == resource.RLIM_INFINITY:
        return True
    tasks = 0
    listed = os.listdir("/proc") if os.path.isdir("/proc") else []
    for process in (f"/proc/{entry}" for entry in listed if entry.isdigit()):
        with suppress(OSError):
            if os.stat(process).st_uid == os.getuid():
                tasks += len(os.listdir(f"{process}/task"))
    return tasks < 0.9 * most


def run_command(main):
    """Run main() and end as commands do: one line on stderr, a status."""
    import signal
    prog = os.path.basename(sys.argv[0])
    for fd in (0, 2):  # closed by the shell (`2>&-`)? The null device there:
        try:  # no pipe of ours may land on it
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # takes the lowest free: this one
    if sys.stdout is None:  # `>&-`: Python starts with no stdout at all
        print_error(f"{prog}: stdout is closed: nowhere to show the demo")
        sys.exit(1)
    try:
        os.getcwd()  # a spawned child starts in it
    except OSError:
        print_error(f"{prog}: the current folder was deleted: cd to another"
                    " and run again")
        sys.exit(1)
    for signum in stop_signals():
        if not ignored_on_entry(signum):  # nohup's ignored SIGHUP stays so
            signal.signal(signum, stop_once)
    try:
        main()
    except KeyboardInterrupt as stop_signal:
        signum = getattr(stop_signal, "signum", signal.SIGINT)
        end(128 + signum, "Interrupted" if signum == signal.SIGINT
            else signal.strsignal(signum))
    except BrokenPipeError:  # `| head -1`: quietly, as the docs advise
        end(1, None)
    except (DemoError, ChildProcessError) as error:
        end(1, f"{prog}: {signal_named(str(error))}")
    except OSError as error:
        if os.name == "nt" and error.errno == errno.EINVAL:  # a closed pipe
            end(1, None)
        if error.errno not in OUTPUT_FAULTS:
            raise
        end(1, f"{prog}: cannot write the output: {error.strerror or error}")


def signal_named(text):
    """'exit code -9' as 'killed by SIGKILL': a worker's end, in words."""
    import re
    import signal
    return re.sub(r"exit code -(\d+)", lambda code: "killed by"
                  f" {signal.Signals(int(code[1])).name}", text)


def ignored_on_entry(signum):
    """SIG_IGN, as Linux tells it (PyPy's getsignal says SIG_DFL)."""
    import re
    import signal
    try:
        with open("/proc/self/status", encoding="utf-8") as status:
            mask = re.search(r"^SigIgn:\s*(\w+)", status.read(), re.M)[1]
        return bool(int(mask, 16) >> (signum - 1) & 1)
    except (OSError, TypeError):
        return signal.getsignal(signum) is signal.SIG_IGN


# A full disk, a read-only output, and their kin:
OUTPUT_FAULTS = {errno.ENOSPC, errno.EBADF, errno.EIO, errno.EFBIG,
                 getattr(errno, "EDQUOT", errno.ENOSPC)}

# Taken by the first stop, a signal's or end()'s: a list's pop() is one
# step, which no handler can cut in two. (An Event's set() holds a lock, and
# a second signal's handler run inside it waited for that lock for ever.)
first_stop = [True]


def stop_once(signum, frame):
    """The first stop signal stops the demo; later ones do nothing, so that
    the clean-up runs on (not SIG_IGN: Python would report one already
    pending as 'ignored due to race condition')."""
    import signal
    try:
        first_stop.pop()
    except IndexError:  # a stop is on its way out already
        return
    raise KeyboardInterrupt if signum == signal.SIGINT else StopSignal(signum)


def end(status, message):
    """Exit with status after one line on stderr; nothing more may fail."""
    import signal
    with suppress(IndexError):  # no signal may stop the way out
        first_stop.pop()
    if hasattr(signal, "pthread_sigmask"):  # held for good: once Python's
        signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals())  # handlers go
    stdout_to_null()  # so that the final flush at exit has nowhere to fail
    if message:
        print_error(message)
    if threading.active_count() > 1:  # one stuck writing to a stalled reader
        os._exit(status)  # Python's exit would wait for it, and so for that
    sys.exit(status)


def print_error(message):
    """One line on stderr, if there is one: a closed one changes nothing."""
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass


# -- Parsing a command line -------------------------------------------------


def command_parser(**kwargs):
    """An ArgumentParser with help within 79 columns, errors in one line,
    options in full."""
    import argparse
    import shutil
    columns = shutil.get_terminal_size().columns  # 0: a size unknown
    width = min(79, columns - 1) if columns > 1 else 79
    parser = argparse.ArgumentParser(allow_abbrev=False, **kwargs,
                                     formatter_class=partial(
                                         argparse.RawDescriptionHelpFormatter,
                                         width=width))
    parser._print_message = partial(print_message, parser.prog)
    parser.error = partial(one_line_error, parser.prog)
    return parser


def print_message(prog, message, file=None):
    """--help into a full disk: one line and exit 1, not silence; into an
    output that cannot show a symbol (cp1252), its stand-in."""
    file = file or sys.stderr
    message = "".join(glyph(c, file) if c in ASCII else c for c in message)
    try:
        file.write(message)
        file.flush()
    except OSError as error:
        stdout_to_null()
        if not isinstance(error, BrokenPipeError):  # `| head -1`: quiet
            print_error(f"{prog}: cannot write the help:"
                        f" {error.strerror or error}")
        sys.exit(1)


def one_line_error(prog, message):
    """One line within 79 columns: the value, and what it should be."""
    import re
    message = re.sub(r"^argument ", "", message)
    choice = re.match(r"(.*): invalid choice: (.*?) \(choose from (.*)\)$",
                      message)
    if choice:  # choices listed plainly, or named if too many
        *others, last = (option.strip(" '")
                         for option in choice[3].split(","))
        message = (f"{choice[1]}: {choice[2]} is not {', '.join(others)}"
                   f" or {last}")
        if len(prog) + len(message) > 77:
            message = f"{choice[1]}: {choice[2]} is not a choice; see --help"
    line = f"{prog}: {message}"
    if len(line) > 79:  # a long value cut
        line = re.sub(r"'([^']{4})[^']+'", r"'\1...'", line)
    print_error(line)
    sys.exit(2)


def positive_number(kind, most=None):
    """An argparse type: a number above 0 (and at most `most`), as a person
    writes it (no 'nan', no '4_0')."""
    import argparse
    import re
    plain = {int: r"[0-9]+",  # not \d: '４' and '٤' are digits too
             float: r"([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?"}[kind]

    def convert(text):
        try:
            value = kind(text) if re.fullmatch(plain, text.strip()) else None
        except ValueError:  # more digits than int() reads (4300): too big
            value = float("inf")
        if value is None or not value > 0:
            what = "whole number" if kind is int else "number"
            raise argparse.ArgumentTypeError(f"{text!r} is not a positive"
                                             f" {what}")
        if most is not None and value > most:
            raise argparse.ArgumentTypeError(f"at most {most:g}, not {text!r}")
        return value
    return convert


START_METHODS = """\
start methods: fork copies this process (Linux before 3.14); spawn starts a
  fresh Python (macOS, Windows); forkserver forks a clean server (Linux 3.14+).
"""


def add_start_method(parser, note=""):
    """The --start-method option, offering what this platform has."""
    import multiprocessing
    parser.add_argument("--start-method",
                        choices=multiprocessing.get_all_start_methods(),
                        help="how processes start (default here:"
                        f" {start_method_used()}){note}")


def refuse_unrunnable(parser, way, start_method, workers):
    """Refuse, before any start, a way this Python or machine cannot run."""
    if way.missing:  # interpreters, before Python 3.14
        parser.error(f"--mode {way.mode}: {way.missing}")
    if start_method and not takes_start_method(way):
        parser.error(f"argument --start-method: --mode {way.mode} starts no"
                     " processes")
    too_many = takes_start_method(way) and open_file_limit(workers)
    if too_many:
        parser.error(f"--mode {way.mode}: {workers} workers do not fit"
                     f" ulimit -n {too_many[1]}")


def open_file_limit(workers):
    """None if `workers` children fit ulimit -n, else (how many fit, the
    limit): each holds three in the parent (its pipe, its sentinel, and the
    pipe that tells it we live)."""
    try:
        import resource  # POSIX only: elsewhere no such limit to check
    except ImportError:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return None
    try:  # the open descriptors: Linux's /proc, or /dev/fd (macOS)
        fds = os.listdir("/proc/self/fd" if os.path.isdir("/proc/self/fd")
                         else "/dev/fd")
    except OSError:  # neither: unknown, and a start past it is named then
        return None
    spare = soft - len(fds) - 16  # 16: helpers, pipes half made
    fit = max(0, spare // 3)
    return None if workers <= fit else (fit, soft)


# -- What every timing depends on -------------------------------------------


def describe_python(start_method=None):
    """The facts a timing depends on: 'Python 3.11.7, GIL enabled, ...'."""
    python = f"Python {sys.version.split()[0]}"
    implementation = sys.implementation
    if implementation.name != "cpython":  # 'PyPy 7.3.11 (Python 3.9.16)'
        name = {"pypy": "PyPy", "graalpy": "GraalPy"}.get(
            implementation.name, implementation.name)
        version = ".".join(map(str, implementation.version[:3]))
        python = f"{name} {version} ({python})"
    gil = "GIL enabled" if gil_enabled() else "GIL disabled"
    cpus, quota = available_cpus(), cpu_quota()
    where = f"{cpus} CPU{'s' * (cpus != 1)}"
    if quota is not None and quota < cpus:  # a container's share of them
        where += f", a quota of {round(quota, 2):g}"
    line = (f"{python}, {gil}, {where}, start method"
            f" {start_method_used(start_method)}")
    for long, short in ((" a quota of ", " quota "), (" start method ", " ")):
        line = line if len(line) <= 79 else line.replace(long, short)
    return line


def available_cpus():
    """CPUs this process may use: fewer than the machine's under taskset."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    return len(cpus_allowed() or range(os.cpu_count() or 1))


def cpus_allowed():
    """The numbers of the CPUs this process may use, or None if unknown."""
    if hasattr(os, "sched_getaffinity"):
        return os.sched_getaffinity(0)
    import re
    try:  # PyPy 3.9 has no sched_getaffinity: 'Cpus_allowed_list: 0-3,6'
        with open("/proc/self/status", encoding="utf-8") as status:
            listed = re.search(r"^Cpus_allowed_list:(.*)", status.read(), re.M)
        ranges = re.findall(r"(\d+)(?:-(\d+))?", listed[1])
    except (OSError, TypeError):
        return None
    return {cpu for first, last in ranges
            for cpu in range(int(first), int(last or first) + 1)} or None


def cpu_quota(root=""):
    """The CPUs a cgroup's quota lets this process use (Docker's --cpus,
    a Kubernetes limit: v2 cpu.max, v1 cfs_quota_us), or None."""
    quotas = []
    for folder in cgroup_folders("cpu", root):
        v2 = cgroup_numbers(folder, "cpu.max")  # '50000 100000', 'max 100000'
        v1 = (cgroup_numbers(folder, "cpu.cfs_quota_us") +  # -1: no quota
              cgroup_numbers(folder, "cpu.cfs_period_us"))
        for pair in (v2, v1):
            if len(pair) == 2 and pair[0] is not None and pair[0] > 0:
                quotas.append(pair[0] / pair[1])
    return min(quotas, default=None)


def cgroup_folders(controller, root=""):
    """This process's cgroup folders for a controller (v2, or v1's), from
    its own up to the mount's: a limit set on any of them holds."""
    try:
        with open(f"{root}/proc/self/cgroup", encoding="utf-8") as groups:
            memberships = groups.read().splitlines()
        with open(f"{root}/proc/self/mountinfo", encoding="utf-8") as mounts:
            mounted = [line.split() for line in mounts]
    except OSError:
        return []  # not Linux, or no /proc
    folders = []
    for hierarchy, controllers, path in (line.split(":", 2)
                                         for line in memberships):
        v2 = hierarchy == "0" and controllers == ""
        if not v2 and controller not in controllers.split(","):
            continue
        for fields in mounted:  # id parent device root mount-point ... - type
            kind, options = fields[fields.index("-") + 1], fields[-1]
            if (kind != "cgroup2" if v2 else kind != "cgroup" or
                    controller not in options.split(",")):
                continue
            inside, point = fields[3].rstrip("/"), fields[4]
            if not (path + "/").startswith(inside + "/"):
                continue  # a mount of another part of the hierarchy
            folder = os.path.normpath(point + path[len(inside):])
            while folder.startswith(point):
                folders.append(root + folder)
                if folder == point:
                    break
                folder = os.path.dirname(folder)
    return folders


def cgroup_numbers(folder, name):
    """The numbers a cgroup file holds ('max' as None), or [] without it."""
    try:
        with open(os.path.join(folder, name), encoding="utf-8") as values:
            words = values.read().split()
    except (OSError, UnicodeDecodeError):
        return []
    return [None if word == "max" else int(word) for word in words
            if word == "max" or word.lstrip("-").isdigit()]


# -- A picture of the timeline, for a slide: SVG, from the timeline's model -

# The terminal's colours (31-36: red, green, yellow, blue, magenta, cyan),
# each of its own lightness, so that they part in print and in greyscale.
COLOURS = ["#c62828", "#2e7d32", "#f2b01e", "#1565c0", "#8e24aa", "#00acc1"]
WIDE, LEFT, RIGHT, LANE, LINE = 1280, 230, 40, 26, 24  # pixels


def timeline_svg(timings, caption, max_rows=16):
    """The timeline as an SVG picture: a lane per row of timeline_chart,
    time left to right on one scale, each stretch as solid as its worker
    ran in it (David Beazley's GIL pictures), the report as its caption."""
    import xml.etree.ElementTree as tree

    chart = timeline_chart(timings, max_rows)
    seconds = chart.seconds or 1e-9
    top = 30 + LINE * (len(caption) + 2)  # the caption, the legend, a gap
    ways = len({row.way for row in chart.rows})
    room = 720 - top - 16 * ways - 70  # of a 1280x720 slide, for the lanes
    tall = max(LANE, min(4 * LANE, room // max(1, len(chart.rows))))
    high = top + tall * len(chart.rows) + 16 * ways + 70  # the time axis
    svg = tree.Element("svg", xmlns="http://www.w3.org/2000/svg",
                       width=str(WIDE), height=str(max(720, high)),
                       viewBox=f"0 0 {WIDE} {max(720, high)}",
                       style="font-family: monospace; font-size: 18px")
    # The report's columns are aligned with spaces: XML keeps them, and a
    # browser shows them only where the text says white-space: pre.
    svg.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    tree.SubElement(svg, "rect", width="100%", height="100%", fill="white")
    hatch(tree, svg)
    legend = (f"solid: running; the paler, the more it waited"
              f" ({waiting_for(timings)}); hatched: waiting for a CPU")
    for at, line in enumerate(caption + [legend]):
        text = tree.SubElement(svg, "text", x="20", y=str(36 + LINE * at),
                               style="white-space: pre")
        text.text = line
    scale = (WIDE - LEFT - RIGHT) / seconds  # pixels a second
    y = top
    for at, row in enumerate(chart.rows):
        first = at == 0 or chart.rows[at - 1].way != row.way
        if first and at:
            y += 16  # a gap between the ways
        lane = tree.SubElement(svg, "g", {"data-way": row.way,
                                          "data-worker": row.label})
        if first:  # the way's name on its first lane only
            name = tree.SubElement(lane, "text", x="20",
                                   y=str(y + tall // 2 + 6))
            name.text = row.way
        label = tree.SubElement(lane, "text", {"x": str(LEFT - 12),
                                               "y": str(y + tall // 2 + 6),
                                               "text-anchor": "end"})
        label.text = row.label
        colour = COLOURS[(row.workers[0] - 1) % len(COLOURS)]
        for span in row.spans:
            worker = tree.SubElement(lane, "g", worker_data(span, row.way))
            draw_worker(tree, worker, span, colour, (y + 3, tall - 6), scale)
        y += tall
    time_axis(tree, svg, y + 10, seconds, scale)
    tree.indent(svg)
    return tree.tostring(svg, encoding="unicode") + "\n"


def draw_worker(tree, worker, span, colour, lane, scale):
    """A worker's stretches in its lane (top, height), and a mark at each
    line it printed, at its moment, where it printed few, far apart."""
    top, high = lane
    for begun, ended, share, wait in merged(shares(span), 6 / scale):
        box = {"x": f"{LEFT + begun * scale:.2f}", "y": str(top),
               "width": f"{max(0.0, ended - begun) * scale:.2f}",
               "height": str(high)}
        queued = mostly_queued(share, wait)
        tree.SubElement(worker, "rect", dict(
            box, fill=colour, stroke=colour,  # pale, not lost
            **{"class": "cpu-wait" if queued else "running"
               if share >= 0.5 else "waiting", "stroke-width": "1",
               "fill-opacity": str(opacity(share))}))
        if queued:  # hatched over its colour: it waited for a CPU
            tree.SubElement(worker, "rect", dict(box, fill="url(#cpu-wait)"))
    apart = (span.end - span.start) * scale / max(1, len(span.said))
    for at in span.said if apart >= 8 else ():  # each row a shape drew, or
        tree.SubElement(worker, "rect", {  # bar: where they stand apart
            "class": "line", "x": f"{LEFT + at * scale - 2:.2f}",
            "y": str(top - 2), "width": "4", "height": str(high + 4),
            "fill": colour, "data-ms": f"{at * 1000:.1f}"})


def merged(stretches, least):
    """Stretches joined into runs of `least` seconds or more (the last may
    be shorter), each with its shares of running and of waiting for a CPU:
    a picture cannot show stretches narrower than a few pixels apart."""
    run = None  # (start, end, CPU seconds, CPU-wait seconds) so far
    for begun, ended, share, wait in stretches:
        lasted = ended - begun
        first, _, ran, queued = run or (begun, begun, 0.0, 0.0)
        run = (first, ended, ran + share * lasted, queued + wait * lasted)
        if run[1] - run[0] >= least:
            yield run[0], run[1], *shares_of(run)
            run = None
    if run is not None:
        yield run[0], run[1], *shares_of(run)


def shares_of(run):
    """A run's shares of running and of waiting for a CPU."""
    lasted = run[1] - run[0]
    return (run[2] / lasted, run[3] / lasted) if lasted > 0 else (1.0, 0.0)


def worker_data(span, way):
    """A worker's numbers, on its group: for laying another profile beside
    it (the thread's native id; shares of its span, or 'unknown')."""
    parts = split(span, shares_a_gil(way))
    numbers = {"data-pid": str(span.pid), "data-tid": str(span.tid)}
    for name, share in zip(("ran", "cpu-wait", "gil-wait"), parts):
        numbers[f"data-{name}"] = ("unknown" if share is None else
                                   f"{share:.2f}")
    return numbers


def hatch(tree, svg):
    """The pattern that marks waiting for a CPU: dark diagonal lines."""
    defs = tree.SubElement(svg, "defs")
    pattern = tree.SubElement(defs, "pattern", {
        "id": "cpu-wait", "width": "8", "height": "8",
        "patternUnits": "userSpaceOnUse",
        "patternTransform": "rotate(45)"})
    tree.SubElement(pattern, "line", x1="0", y1="0", x2="0", y2="8",
                    stroke="black", **{"stroke-width": "3",
                                       "stroke-opacity": "0.6"})


def opacity(share):
    """A stretch's fill, shaded as the text's columns are: threads taking
    turns at every iteration each run half the time, drawn as ▓, not █."""
    return (quarters(share) + 1) / 4


def picture_file(text):
    """An argparse type: a path a picture can be written to, checked before
    the run, touching nothing (a missing folder, a read-only file, a file
    that is not a picture, a full disk); a link is followed to its file."""
    import argparse
    if text == "-":
        raise argparse.ArgumentTypeError("'-': the picture goes to a file;"
                                         " name one, such as run.svg")
    path = os.path.realpath(text)  # a link's target: written in the end
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"no such folder for {text!r}")
    if os.path.isdir(path):
        raise argparse.ArgumentTypeError(f"{text!r} is a folder")
    if path == os.devnull:
        return path
    if os.path.exists(path):
        refuse_to_replace(text, path)
    probe_folder(text, folder)  # the new picture is made there, then moved
    disk = os.statvfs(folder) if hasattr(os, "statvfs") else None
    if disk and disk.f_bavail * disk.f_frsize < 2**20:
        raise argparse.ArgumentTypeError(f"no room for {text!r}: the disk is"
                                         " full")
    return path


def refuse_to_replace(text, path):
    """Refuse an existing file that is not a picture we may replace: a
    device or a pipe (opening one may block), a script, a read-only file."""
    import argparse
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise argparse.ArgumentTypeError(f"{text!r} is not a file")
    with suppress(OSError, ValueError, AttributeError):  # no stdout at all
        if os.path.samestat(os.stat(path), os.fstat(sys.stdout.fileno())):
            raise argparse.ArgumentTypeError(f"{text!r} is the report's"
                                             " output: name another")
    try:
        with open(path, "r+b") as old:  # writable, and never written here
            head = old.read(256).lstrip()
    except OSError as error:  # read-only, or no right to write there
        raise argparse.ArgumentTypeError(f"cannot write {text!r}:"
                                         f" {error.strerror}") from None
    if head and not head.startswith((b"<svg", b"<?xml")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a picture: name"
                                         " another")


def probe_folder(text, folder):
    """Refuse a folder where no new file can be made (the picture is made
    beside its place, then moved there)."""
    import argparse
    import tempfile
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe-")
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot write {text!r}:"
                                         f" {error.strerror}") from None
    os.close(fd)
    os.remove(probe)


def write_picture(path, picture):
    """Write the picture after the run, whole or not at all: into a new
    file beside it, then moved over the old one; a failure is one line."""
    import tempfile
    made = None  # the new file, until it takes the old one's place
    try:
        if path != os.devnull:
            fd, made = tempfile.mkstemp(dir=os.path.dirname(path),
                                        prefix=".picture-")
            os.close(fd)
            old = os.stat(path).st_mode if os.path.exists(path) else 0o644
            os.chmod(made, stat.S_IMODE(old))
        with open(made or path, "w", encoding="utf-8") as file:
            file.write(picture)
        if made:
            os.replace(made, path)
    except OSError as error:
        if made:
            with suppress(OSError):
                os.remove(made)
        raise DemoError(f"cannot write the picture: {error.strerror}"
                        ) from None


def time_axis(tree, svg, y, seconds, scale):
    """A line under the lanes with round ticks, in milliseconds."""
    step = tick_step(seconds * 1000)  # ms
    tree.SubElement(svg, "line", x1=str(LEFT), x2=str(WIDE - RIGHT),
                    y1=str(y), y2=str(y), stroke="black")
    at = 0.0
    while at <= seconds * 1000 + 1e-9:
        x = f"{LEFT + at / 1000 * scale:.2f}"
        tree.SubElement(svg, "line", x1=x, x2=x, y1=str(y), y2=str(y + 8),
                        stroke="black")
        label = tree.SubElement(svg, "text", {"x": x, "y": str(y + 30),
                                              "text-anchor": "middle"})
        label.text = f"{at:g} ms"
        at += step


def tick_step(milliseconds, most=10):
    """A round step (1, 2 or 5 times a power of ten) for at most `most`
    ticks across the time shown."""
    step = 10 ** math.floor(math.log10(max(milliseconds, 1e-6) / most))
    for factor in (1, 2, 5, 10):
        if milliseconds / (step * factor) <= most:
            return step * factor
    return step * 10
