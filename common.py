"""The same workers run directly, in threads and in processes: the pieces both demos share.

Above the "Plumbing" banner is the lesson, and it works alone: copy that part, as common.py,
beside a lesson of your own. Below it: what makes a demo a command that always ends cleanly.
"""

import multiprocessing
import multiprocessing.connection
import os
import sys
import threading
import time
from collections import namedtuple
from contextlib import nullcontext, suppress

# -- 1. Printing ---------------------------------------------------------------------------

stop = threading.Event()  # a thread cannot be killed, only asked: set, it stops worker threads

class Stopped(Exception): """Raised in a worker thread that was asked to stop."""

def say(text):
    """Print text and newline in one write: lines printed at the same time never tear."""
    if stop.is_set():
        raise Stopped
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except OSError:  # a closed pipe, a full disk: the line stays buffered, to fail again at exit,
        stdout_to_null()  # unless stdout goes to the null device now
        raise

def stdout_to_null():
    """Point stdout at the null device, so that nothing more fails to reach a closed or full output."""
    with suppress(OSError, AttributeError, ValueError):  # no stdout, or a closed one: nothing to point
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)

def sleep_unless_stopped(seconds):
    """time.sleep, except that a thread asked to stop wakes at once."""
    if stop.wait(max(0.0, seconds)):
        raise Stopped

def bar(n):
    """Worker n's bar, e.g. '    ██ 2 ██': four spaces more per worker, from the left again after 16."""
    return "    " * ((n - 1) % 16) + paint(f"{glyph('█') * 2} {n} {glyph('█') * 2}", n)

# -- 2. The workers: top-level functions, which spawn and forkserver send to a child by name --

def sleepy_worker(n, iterations=1000, pause=0.0001):
    """Waiting work: sleep, then print the bar. A sleeping thread lets the others run."""
    line = bar(n)
    for _ in range(iterations):
        sleep_unless_stopped(pause)
        say(line)

def compute(steps):
    """The CPU work itself: a loop of pure-Python arithmetic (^, not +: no number past 64 bits)."""
    total = 0
    for i in range(steps):
        total ^= i * i
    return total

# -- 3. The runners: a list of jobs in, one Span per job out, in job order -------------------

Span = namedtuple("Span", "start end pid result cpu", defaults=[0.0])
thread_cpu = getattr(time, "thread_time", time.process_time)  # this thread's CPU seconds alone

def timed_job(job, cpu_clock=thread_cpu):
    """Run one job, timed where it runs: perf_counter is one clock for all processes (3.10+)."""
    start, cpu = time.perf_counter(), cpu_clock()
    result = job()
    return Span(start, time.perf_counter(), os.getpid(), result, cpu_clock() - cpu)

def run_directly(jobs):
    return [timed_job(job) for job in jobs]

def run_in_threads(jobs):
    """One thread per job, all started before any is joined."""
    outcomes = [None] * len(jobs)
    threads = [threading.Thread(target=thread_life, args=(job, outcomes, i)) for i, job in enumerate(jobs)]
    try:
        for thread in threads:
            with starting(len(jobs)):
                thread.start()
        for thread in threads:
            thread.join()
    except BaseException:  # Ctrl-C, a signal, a refused start: ask the started threads to stop
        stop.set()
        deadline = time.monotonic() + 1  # a thread stuck writing to a reader that reads no more cannot hear
        for thread in threads:
            if thread.ident is not None:
                thread.join(max(0.0, deadline - time.monotonic()))
        raise
    finally:
        stop.clear()
    for cause in (value for value in outcomes if isinstance(value, BaseException) and not isinstance(value, Stopped)):
        raise cause  # here, in the caller; the others were only Stopped because of it
    return outcomes

def thread_life(job, outcomes, index):
    """A worker thread's whole life: run the job, keep its outcome; if it failed, stop the others."""
    outcomes[index] = outcome(job)
    if isinstance(outcomes[index], BaseException):
        stop.set()  # e.g. stdout closed: the others would fail the same way

def run_in_processes(jobs, start_method=None):
    """One process per job, all started before any is joined; each sends its outcome back on a pipe."""
    context = multiprocessing.get_context(start_method)
    check_importable(jobs, context)
    children = []  # (process, the end of the pipe its outcome comes back on)
    try:
        for job in jobs:
            with starting(len(jobs), context.get_start_method()):
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(target=child_life, args=(job, writer))
                process.start()
                children.append((process, reader))
            writer.close()  # the child has its own copy; ours would hide the child's death
        spans, waiting = [None] * len(jobs), {reader: n for n, (_, reader) in enumerate(children)}
        while waiting:  # each outcome as it comes: a child that died stops the others at once
            for reader in multiprocessing.connection.wait(list(waiting)):
                process, n = children[waiting[reader]][0], waiting.pop(reader)
                try:
                    sent = reader.recv()
                except EOFError:  # the child ended without a word: killed (exit code -9 is SIGKILL)?
                    process.join()
                    sent = ChildProcessError(f"worker {n + 1} (process {process.pid}) died (exit code {process.exitcode})")
                if isinstance(sent, BaseException):
                    raise sent  # here, in the caller, as if the job had run here
                spans[n] = sent
    except BaseException:  # Ctrl-C, a signal, a refused start, a failed job: stop every child
        for process, _ in children:
            process.kill()
        raise
    finally:
        for process, reader in children:
            process.join()
            process.close()  # its descriptors now, not when garbage is collected (PyPy has no refcounts)
            reader.close()
    return spans

def child_life(job, writer):
    """A child process's whole life: run the job, send its outcome back (pickled) to the parent."""
    prepare_child()
    try:
        writer.send(outcome(job, time.process_time))
    except (OSError, EOFError):
        os._exit(1)  # the parent is gone: nobody is left to tell
    except Exception as error:  # e.g. a lock, which cannot be pickled
        writer.send(RuntimeError(f"the job's outcome could not be pickled: {error}"))

def outcome(job, cpu_clock=thread_cpu):
    """The job's Span, or the exception it raised."""
    try:
        return timed_job(job, cpu_clock)
    except SystemExit as error:  # the job's own exit: the caller's program must not end with it
        return RuntimeError(f"a worker called sys.exit({error.code!r})")
    except BaseException as error:
        return error

def check_importable(jobs, context):
    """Under spawn and forkserver a child imports its job's function by name, from __main__'s file."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    if context.get_start_method() == "fork":
        return
    if isinstance(path, str) and path.startswith("<"):  # python - says '<stdin>': a child would run it
        del sys.modules["__main__"].__file__
    for function in (getattr(job, "func", job) for job in jobs):  # a partial names its function
        name, source = function.__qualname__, getattr(getattr(function, "__code__", None), "co_filename", path)
        if "<" in name:  # '<lambda>', 'outer.<locals>.inner': no name to import it by
            raise RuntimeError(f"a child process cannot find {name}: a worker must be defined with def at a module's top level")
        if getattr(function, "__module__", None) == "__main__" and not (os.path.isfile(path or "") and source == path):
            raise RuntimeError(f"a child process cannot find {name}, defined in __main__;"  # 3.13's >>>: '<python-input-0>'
                               " a worker must be defined in a module the child can import, such as common.py,"
                               " not in a notebook cell, at the >>> prompt or in code fed to python -")

# Here these do the least; below the banner they do more: a demo ends cleanly in any terminal, on any Python.
def cpus_allowed(): return os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
def starting(count, start_method=None): return nullcontext()
def prepare_child(): pass
def glyph(symbol): return symbol
def paint(text, n): return text

# -- 4. Timing a run from the caller, drawing when each worker ran, and what timings depend on --

Timing = namedtuple("Timing", "name seconds spans")

def time_jobs(name, runner, jobs):
    """Time the jobs from the caller, so that starting a process counts; spans from the run's start."""
    start = time.perf_counter()
    spans = runner(jobs)
    seconds = time.perf_counter() - start
    return Timing(name, seconds, [span._replace(start=span.start - start, end=span.end - start) for span in spans])

def cpus_busy(timing):
    """The workers' CPU seconds over the wall seconds. With the GIL, threads on CPU work keep ~1."""
    return sum(span.cpu for span in timing.spans) / timing.seconds if timing.seconds > 0 else 0.0

def timeline(timings, line_width=79, max_rows=16):
    """Lines that draw when each worker ran, a row per worker (or group of them), one scale for all."""
    workers = len(timings[0].spans)
    size = -(-workers // max_rows)  # workers / max_rows, rounded up
    groups = [range(first, min(first + size, workers + 1)) for first in range(1, workers + 1, size)]
    labels = [str(g[0]) if len(g) == 1 else f"{g[0]}-{g[-1]}" for g in groups]
    label_width = max(map(len, labels))
    width = max(1, min(60, line_width - (16 + 1 + label_width + 1)))
    scale = max(timing.seconds for timing in timings) / width
    lines = [f"When each worker ran (one column = {scale * 1000:.3g} ms, one row = {'one worker' if size == 1 else str(size) + ' workers'}):"]
    for timing in timings:
        for row, (group, label) in enumerate(zip(groups, labels)):
            cells = timeline_cells([timing.spans[n - 1] for n in group], scale, width)
            lines.append(f"{timing.name if row == 0 else '':<16} {label:>{label_width}} " + paint(cells, group[0]))
    return lines

def timeline_cells(spans, scale, width):
    """A row with a block in each column where one of the spans ran; at least one block."""
    filled = [False] * width
    for span in spans:
        first, last = (max(0, min(width, round(moment / scale))) for moment in (span.start, span.end))
        filled[first:last] = [True] * (last - first)
    if not any(filled):  # too short to see at this scale: one block where it began
        filled[min(width - 1, max(0, round(spans[0].start / scale)))] = True
    return "".join(glyph("█") if cell else " " for cell in filled).rstrip()

def describe_python(start_method=None):
    """The four facts every timing here depends on, e.g. 'PyPy 7.3.11 (Python 3.9.16), GIL ...'."""
    python, implementation = f"Python {sys.version.split()[0]}", sys.implementation
    if implementation.name != "cpython":
        name = {"pypy": "PyPy", "graalpy": "GraalPy"}.get(implementation.name, implementation.name)
        python = f"{name} {'.'.join(map(str, implementation.version[:3]))} ({python})"
    gil, cpus = "GIL enabled" if gil_enabled() else "GIL disabled", available_cpus()
    return f"{python}, {gil}, {cpus} CPU{'s' * (cpus != 1)}, start method {start_method_used(start_method)}"

def gil_enabled():
    """False only on a free-threaded build running without the GIL (3.13t, 3.14t)."""
    return sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True

def available_cpus():
    """CPUs this process may run on: fewer than the machine's under taskset or in a container."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    return len(cpus_allowed() or range(os.cpu_count() or 1))

def start_method_used(start_method=None):
    """The start method processes will really use: the one asked for, or the platform's."""
    return multiprocessing.get_context(start_method).get_start_method()


# == Plumbing ===============================================================================
# A lesson can stop reading here. What follows makes a demo a command that ends cleanly however
# it is stopped: one line on stderr, the conventional exit status, no worker left. The protocol:
#   1. run_command's handlers make SIGTERM and SIGHUP raise StopSignal in the main thread, as Ctrl-C
#      raises KeyboardInterrupt; the first stop wins, later ones do nothing; nohup's SIG_IGN stays.
#   2. Every start happens inside starting(), with the stop signals blocked: none strikes while a
#      worker is half started, and a child is born with them blocked.
#   3. A child's prepare_child() ignores Ctrl-C and hang-up (they reach the whole process group;
#      the parent decides), unblocks, and exits at once if its parent dies, even by SIGKILL.
#   4. Any exception in the caller goes through the runner's except clause: threads are asked to
#      stop, children killed, all joined; run_command turns it into one line and the exit status.

# The plumbing's own imports, here, out of the lesson's way:
import argparse, ast, errno, multiprocessing.resource_tracker, re, shutil, signal  # noqa: E401, E402
from contextlib import contextmanager  # noqa: E402
from functools import lru_cache  # noqa: E402

STOP_SIGNALS = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]

class StopSignal(KeyboardInterrupt):
    """SIGTERM (kill) or SIGHUP (a closed terminal): stop as for Ctrl-C, with the signal's status."""
    signum = property(lambda self: self.args[0])

class DemoError(RuntimeError):
    """A fault that ends the demo with one line on stderr, such as a limit of the machine."""

@contextmanager  # replaces the lesson's empty starting()
def starting(count, start_method=None):
    """Start with stop signals held, and name the limit of the machine a refused start ran into."""
    if start_method in ("spawn", "forkserver"):
        unguarded = unguarded_main_line()
        if unguarded:  # each child would run the file again, start processes again, and die of it
            raise SystemExit(f"{unguarded} starts processes outside `if __name__ == \"__main__\":`; under"
                             f" {start_method} each child imports that file again: put the code that starts them under that line")
        multiprocessing.resource_tracker.ensure_running()  # before the hold: starting it unblocks Ctrl-C
    if start_method == "fork":
        threads_gone()
    try:
        with signals_held():
            yield
    except (RuntimeError, OSError) as error:
        limit = limit_reached(error)
        if start_method == "forkserver" and ("AF_UNIX path" in str(error) or "temporary directory" in str(error)):
            raise DemoError("the fork server needs a short, writable folder in TMPDIR for its socket") from None
        if limit is None:
            raise
        raise DemoError(f"cannot start {count} workers: {limit} reached; try fewer") from None

def prepare_child():  # replaces the lesson's empty prepare_child()
    """Leave stopping to the parent, and exit with it."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL if signum == getattr(signal, "SIGTERM", None) else signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # held since the parent started us
    parent = multiprocessing.parent_process()
    with suppress(RuntimeError):  # joining the parent returns when it has exited, however it exited;
        threading.Thread(target=lambda: (parent.join(), os._exit(1)), daemon=True).start()  # at ulimit -u: unwatched

def unguarded_main_line():
    """'file.py, line N' if this start comes from __main__'s own top-level code outside its
    `if __name__ == "__main__":` block, else None (a notebook, the prompt, python -: no file)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    frame = sys._getframe()  # up to __main__'s top level, compiled from its file (at 3.13's >>> it is not)
    while frame is not None and not (frame.f_code.co_name == "<module>" and frame.f_code.co_filename == path):
        frame = frame.f_back
    if frame is None or frame.f_globals is not vars(main) or not os.path.isfile(path or ""):
        return None
    if any(first <= frame.f_lineno <= last for first, last in main_guards(path)):
        return None
    return f"{os.path.basename(path)}, line {frame.f_lineno},"

@lru_cache(maxsize=None)
def main_guards(path):
    """The first and last lines of each `if __name__ == "__main__":` block in a file."""
    with open(path, encoding="utf-8") as source:
        return [(node.lineno, node.end_lineno) for node in ast.walk(ast.parse(source.read()))
            if isinstance(node, ast.If) and ast.unparse(node.test) in ("__name__ == '__main__'", "'__main__' == __name__")]

def threads_gone(most=0.5):
    """Let joined threads leave the OS before a fork (join() returns a moment before; 3.12+ warns)."""
    deadline = time.monotonic() + most
    try:
        while len(os.listdir("/proc/self/task")) > threading.active_count() and time.monotonic() < deadline:
            time.sleep(0.0005)
    except OSError:
        pass

@contextmanager
def signals_held():
    """Hold the stop signals back for a moment, then deliver them (POSIX; elsewhere nothing)."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)

def limit_reached(error):
    """The limit of the machine a failed start or pipe ran into, in words, or None."""
    code = getattr(error, "errno", None)
    if code == errno.EAGAIN or "new thread" in str(error):
        return "ulimit -u (processes)"
    return {errno.EMFILE: "ulimit -n (open files)", errno.ENFILE: "ulimit -n (open files)", errno.ENOMEM: "the memory"}.get(code)

def run_command(main):
    """Run main() and end as command-line programs do: one line on stderr, the conventional status."""
    prog = os.path.basename(sys.argv[0])
    for fd in (0, 2):  # closed by the shell (`2>&-`)? The null device there: no pipe of ours lands on it
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # takes the lowest free descriptor: this one
    if sys.stdout is None:  # `>&-`: Python starts with no stdout at all
        print_error(f"{prog}: stdout is closed: nowhere to show the demo")
        sys.exit(1)
    try:
        os.getcwd()  # a spawned child starts in it
    except OSError:
        print_error(f"{prog}: the current folder was deleted: cd to another and run again")
        sys.exit(1)
    for signum in STOP_SIGNALS:
        if not ignored_on_entry(signum):  # nohup's ignored SIGHUP stays ignored
            signal.signal(signum, stop_once)
    try:
        main()
    except KeyboardInterrupt as stop_signal:
        signum = getattr(stop_signal, "signum", signal.SIGINT)
        end(128 + signum, "Interrupted" if signum == signal.SIGINT else signal.strsignal(signum))
    except BrokenPipeError:  # e.g. `python demo_stopwatch.py | head -1`: quietly, as the docs advise
        end(1, None)
    except (DemoError, ChildProcessError) as error:  # a worker's exit code -9 is its signal, named: SIGKILL
        end(1, f"{prog}: " + re.sub(r"exit code -(\d+)", lambda code: f"killed by {signal.Signals(int(code[1])).name}", str(error)))
    except OSError as error:
        if os.name == "nt" and error.errno == errno.EINVAL:  # Windows' closed pipe
            end(1, None)
        if error.errno not in OUTPUT_FAULTS:
            raise
        end(1, f"{prog}: cannot write the output: {error.strerror or error}")

def ignored_on_entry(signum):
    """SIG_IGN, as Linux tells it (PyPy's getsignal says SIG_DFL), or as Python does elsewhere."""
    try:
        with open("/proc/self/status") as status:
            return bool(int(re.search(r"^SigIgn:\s*(\w+)", status.read(), re.M)[1], 16) >> (signum - 1) & 1)
    except (OSError, TypeError):
        return signal.getsignal(signum) is signal.SIG_IGN

OUTPUT_FAULTS = {errno.ENOSPC, errno.EBADF, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}  # full, read-only

stopping = threading.Event()  # set by the first stop: the demo is on its way out

def stop_once(signum, frame):
    """The first stop signal stops the demo; later ones do nothing, so the clean-up runs on (not
    SIG_IGN: Python would report one already pending as 'ignored due to race condition')."""
    if not stopping.is_set():
        stopping.set()
        raise KeyboardInterrupt if signum == signal.SIGINT else StopSignal(signum)

def end(status, message):
    """Exit with status after one line on stderr; nothing more may fail on the way out."""
    stopping.set()
    if hasattr(signal, "pthread_sigmask"):  # held for good: once Python's handlers are gone, one would kill
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    stdout_to_null()  # so that the final flush at exit has nowhere to fail
    if message:
        print_error(message)
    if threading.active_count() > 1:  # a thread stuck writing to a reader that stopped reading
        os._exit(status)  # Python's exit would wait for it, and so for the reader
    sys.exit(status)

def print_error(message):
    """One line on stderr, if there is a stderr; a closed one must not change the exit status."""
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass

# -- Parsing a command line -------------------------------------------------------------

class Parser(argparse.ArgumentParser):
    """Help within 79 columns, errors in one line on stderr, options spelled in full (no --start-meth)."""

    def __init__(self, **kwargs):
        width = min(79, shutil.get_terminal_size().columns - 1)
        kwargs["formatter_class"] = lambda prog: argparse.RawDescriptionHelpFormatter(prog, width=width)
        super().__init__(allow_abbrev=False, **kwargs)

    def _print_message(self, message, file=None):  # --help into a full disk: one line, exit 1 (argparse: silence)
        try:
            (file or sys.stderr).write(message)
            (file or sys.stderr).flush()
        except OSError as error:
            stdout_to_null()
            if not isinstance(error, BrokenPipeError):  # `--help | head -1` ends quietly
                print_error(f"{self.prog}: cannot write the help: {error.strerror or error}")
            sys.exit(1)

    def error(self, message):  # within 79 columns: "argument " and "error: " left out, choices listed plainly
        choice = re.match(r"(.*): invalid choice: (.*?) \(choose from (.*)\)$", message)
        if choice:
            *others, last = (option.strip(" '") for option in choice[3].split(","))
            message = f"{choice[1]}: {choice[2]} is not {', '.join(others)} or {last}"
        line = f"{self.prog}: {re.sub(r'^argument ', '', message)}"
        print_error(line if len(line) <= 79 else re.sub(r"'([^']{4})[^']+'", r"'\1...'", line))  # a long value cut
        sys.exit(2)

NUMBER = {int: re.compile(r"\d+"), float: re.compile(r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")}

def positive_number(kind, most=None):
    """The argparse type of an int or float above 0, at most `most`, as a person writes it (no 'nan')."""
    def convert(text):
        value = kind(text) if NUMBER[kind].fullmatch(text.strip()) else None
        if value is None or not value > 0:
            raise argparse.ArgumentTypeError(f"{text!r} is not a positive {'whole number' if kind is int else 'number'}")
        if most is not None and value > most:
            raise argparse.ArgumentTypeError(f"at most {most:g}, not {text!r}")
        return value
    return convert

START_METHODS = """start methods: fork copies this process (Linux before 3.14); spawn starts a
  fresh Python (macOS, Windows); forkserver forks a clean server (Linux 3.14+)."""
def add_start_method(parser, note=""):
    """The --start-method option, offering what this platform has."""
    parser.add_argument("--start-method", choices=multiprocessing.get_all_start_methods(),
                        help=f"how processes start (default here: {start_method_used()}){note}")

def open_file_limit(workers):
    """None if `workers` children fit the open-file limit, else (the most that fit, the limit). Each
    holds three in the parent: its outcome's pipe, its sentinel, the pipe that tells it we live."""
    try:
        import resource  # POSIX only: elsewhere there is no such limit to check
    except ImportError:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return None
    open_now = len(os.listdir("/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"))
    spare = soft - open_now - 16  # 16: helper processes, pipes half made, the timeline's own
    fit = max(0, spare // 3)
    return None if workers <= fit else (fit, soft)

def cpus_allowed():  # replaces the lesson's: PyPy 3.9 has no os.sched_getaffinity, Linux has the list
    """The numbers of the CPUs this process may use, or None where that cannot be known."""
    if hasattr(os, "sched_getaffinity"):
        return os.sched_getaffinity(0)
    try:
        with open("/proc/self/status") as status:  # e.g. 'Cpus_allowed_list:\t0-3,6'
            ranges = re.findall(r"(\d+)(?:-(\d+))?", re.search(r"^Cpus_allowed_list:(.*)", status.read(), re.M)[1])
    except (OSError, TypeError):
        return None
    return {cpu for first, last in ranges for cpu in range(int(first), int(last or first) + 1)} or None

# -- Any terminal: colour for a person at one, ASCII where a symbol cannot be shown -----------

ASCII = {"♥": "<3", "♦": "<>", "☼": "*", "█": "#"}

def glyph(symbol):  # replaces the lesson's glyph()
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    return symbol if symbol.encode(encoding, "replace").decode(encoding) == symbol else ASCII[symbol]

def paint(text, n):  # replaces the lesson's paint(): colour at a terminal, not into a pipe, nor with NO_COLOR
    plain = os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb"
    old_console = os.name == "nt" and "WT_SESSION" not in os.environ  # shows escape codes as text
    if plain or old_console or sys.stdout is None or not sys.stdout.isatty():
        return text
    return f"\x1b[{31 + (n - 1) % 6}m{text}\x1b[0m"

# -- The demos' own workers ---------------------------------------------------------------

def idle_worker(n, iterations=1):
    """No work at all: what is left to time is starting and joining."""
    return n

def busy_worker(n, iterations=1000, steps=20_000):
    """CPU work: `steps` steps of pure-Python arithmetic, then print the bar. Computing holds the GIL."""
    line = bar(n)
    for _ in range(iterations):
        compute(steps)
        say(line)

def shape_worker(n, name, symbol, rounds=8, pause=0.3, delay=0.0):
    """A row one symbol longer each round, due at fixed times: a shape started later keeps its place."""
    start = time.perf_counter()
    for row in range(1, rounds + 1):
        sleep_unless_stopped(start + delay + (row - 1) * pause - time.perf_counter())
        say(f"{n} {name}:".ljust(16) + paint(glyph(symbol) * row, n))

