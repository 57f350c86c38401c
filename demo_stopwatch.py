"""The same workers run three ways, timed: directly, in threads, in processes.

  python demo_stopwatch.py              # waiting work: threads win
  python demo_stopwatch.py --work cpu   # CPU work: threads win nothing here
  python demo_stopwatch.py --work none  # what starting a worker costs
  python demo_stopwatch.py --repeat 3   # the best of three: for a busy machine

Each worker prints its bar, '██ N ██', once per iteration: directly,
worker after worker; in threads and in processes, interleaved. Then each
way's time, its speedup over running directly, how many CPUs it kept busy,
and a timeline of when each worker ran.
"""

import os
import re
import signal
import statistics
import stat
import sys
import threading
import time
from collections import namedtuple
from functools import lru_cache, partial

try:
    import common
except ModuleNotFoundError:  # python -I, or PYTHONSAFEPATH=1: this file's folder is not searched
    sys.exit(f"{os.path.basename(__file__)}: cannot import common.py beside it: run without -I and PYTHONSAFEPATH")

# 1. The kinds of work: one worker function each, told which worker it is.
WORK = {
    "sleep": common.sleepy_worker,  # waits: the GIL is released while it sleeps
    "cpu": common.busy_worker,  # computes: the GIL is held while it computes
    "none": common.idle_worker,  # returns at once: only starting and joining is left
}
KINDS = """kinds of work (--work):
  sleep  sleep 0.1 ms, then print the bar: threads overlap the waiting
  cpu    compute for about 0.2 ms (sized on this Python), then print the
         bar: only processes, or a free-threaded Python, share it out
  none   no work, no bars: what is left is starting and joining a worker

CPUs busy: the workers' CPU seconds over the run's seconds. With the GIL,
  threads on CPU work keep about one CPU busy, however many there are.
A line ending in *: other programs, a slow reader (a pager) or a stop took
  time from that phase; a note says which. --repeat 3 keeps each way's best.
""" + common.START_METHODS


# CPU work is sized in time, on the Python that runs it: a fixed count of steps would vanish on a JIT.
CPU_ITERATION = 0.0002  # seconds of computing per bar of busy_worker, on any interpreter


@lru_cache(maxsize=None)
def steps_for(seconds):
    """How many steps of common.compute() take `seconds` here."""
    steps = 1000
    while fastest(common.compute, steps) < 0.002:
        steps *= 2
    return max(1, round(steps * seconds / fastest(common.compute, steps, tries=5)))


def fastest(function, argument, tries=1):
    """The shortest of a few timed calls: the least disturbed by other programs."""
    return min(span.end - span.start for span in (common.timed_job(lambda: function(argument)) for _ in range(tries)))


MOST_WORKERS = 1000
MOST_REPEATS = 100
MOST_ITERATIONS = 1_000_000  # a bar each 0.1 ms: over a minute and a half a worker


def parse_args(argv=None):
    parser = common.Parser(prog="demo_stopwatch.py", description=__doc__, epilog=KINDS)
    parser.add_argument(
        "--workers",
        type=common.positive_number(int, MOST_WORKERS),
        default=4,
        help=f"how many workers, at most {MOST_WORKERS} (default: 4)",
    )
    parser.add_argument(
        "--iterations",
        type=common.positive_number(int, MOST_ITERATIONS),
        default=1000,
        help=f"bars each worker prints, at most {MOST_ITERATIONS:,} (default: 1000)",
    )
    parser.add_argument("--work", choices=WORK, default="sleep", help="what each iteration does (default: sleep)")
    parser.add_argument(
        "--repeat",
        type=common.positive_number(int, MOST_REPEATS),
        help="run each way N times and report its best run (default: 1; 5 for --work none)",
        metavar="N",
    )
    common.add_start_method(parser)
    args = parser.parse_args(argv)
    args.repeat = args.repeat or (5 if args.work == "none" else 1)  # start costs vary: take several
    too_many = common.open_file_limit(args.workers)
    if too_many:  # refused before any phase starts, rather than failing in the third
        fit, limit = too_many
        parser.error(f"--workers: at most {fit} fit ulimit -n {limit} (open files)")
    method = common.start_method_used(args.start_method)
    need, free = args.workers * WORKER_MIB[method], memory_available_mib()
    if need > free:  # 1000 spawned children would need about 8.8 GiB
        parser.error(f"--workers: {args.workers} {method} processes need ~{need:.0f} MiB, {free:.0f} free")
    return args


# Memory each worker process holds, measured on Linux (CPython 3.11): a forked child shares its
# parent's pages until it writes them; a spawned one is a whole new Python.
WORKER_MIB = {"fork": 2.2, "forkserver": 4.6, "spawn": 8.8}


def memory_available_mib():
    """The memory Linux says new programs can have without swapping, in MiB; elsewhere unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            return int(re.search(r"^MemAvailable:\s+(\d+) kB", meminfo.read(), re.M)[1]) / 1024
    except (OSError, TypeError):
        return float("inf")


def make_jobs(work, workers, iterations):
    """One job per worker; CPU work is sized once, here, so that every worker does the same."""
    size = {"steps": steps_for(CPU_ITERATION)} if work == "cpu" else {}
    return [partial(WORK[work], n, iterations, **size) for n in range(1, workers + 1)]


# 2. The three ways to run the same jobs, in the order the demo runs them, each timed
#    from here, the caller: common.time_jobs.
def ways(start_method):
    return [
        ("Directly", common.run_directly),
        ("Threading", common.run_in_threads),
        ("Multiprocessing", partial(common.run_in_processes, start_method=start_method)),
    ]


# 3. Report each time, how many times faster than running directly it was, and how many
#    CPUs it kept busy: with the GIL, threads on CPU work never get far past one. A phase that
#    something else disturbed is marked with a *, and a note says what.
def result_lines(phases, workers=None):
    """Aligned result lines. With workers given (no work), the middle column is the cost of one
    worker, not a ratio, and CPUs busy is left out: starting a worker is not what it measures."""
    direct, cpus, rows = phases[0].timing, common.available_cpus(), []
    for phase in phases:
        timing = phase.timing
        if workers:
            middle, busy = f"{timing.seconds / workers * 1000:.3f} ms a worker", ""
        else:
            middle = "" if timing is direct else speedup(direct.seconds, timing.seconds)
            busy = f"{common.cpus_busy(timing):.1f} of {plural(cpus, 'CPU')} busy"
        mark = " *" if disturbances(phase, cpus) else ""
        rows.append((f"Execute {timing.name}:", f"{timing.seconds:.3f} sec", middle, (busy + mark).strip()))
    widths = [max([len(row[column]) for row in rows] + [least]) for column, least in enumerate((24, 9, 14, 0))]
    gap = " " * (3 if sum(widths) + 7 <= 79 else 2)  # within 79 columns, up to 999 CPUs
    return [f"{a:<{widths[0]}} {b:>{widths[1]}}{gap}{c:<{widths[2]}}{gap}{d}".rstrip() for a, b, c, d in rows]


def plural(count, noun):
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def speedup(direct_seconds, seconds):
    ratio = direct_seconds / seconds if seconds > 0 else float("inf")
    if ratio >= 1.05:
        return f"{ratio:.1f}x faster"
    if ratio <= 0.95:
        return f"{1 / ratio:.1f}x slower"
    return "about the same"


def start_cost_line(rounds, workers, method):
    """With no work, a run's time is what starting and joining its workers cost: the median over
    the rounds, as one start is disturbed by anything."""
    thread, process = (statistics.median(phase.timing.seconds / workers for phase in ways) for ways in rounds[1:])
    return (
        f"Start cost: a thread {thread * 1000:.3f} ms, a process ({method}) {process * 1000:.3f} ms"
        f": {process / thread:.0f}x a thread"
    )


def report(args, runs):
    """The lines after the bars: which Python, the results of each way's best run, notes."""
    best = [min(way, key=lambda phase: phase.timing.seconds) for way in runs]
    lines = [common.describe_python(args.start_method)]
    lines += result_lines(best, args.workers if args.work == "none" else None)
    if args.work == "none":
        lines.append(start_cost_line(runs, args.workers, common.start_method_used(args.start_method)))
    return lines + disturbance_notes(best, common.available_cpus(), args.repeat)


# 4. The timeline fits the screen: on a terminal, as wide as it is (up to 79 columns) and
#    short enough that the report above it stays in view; into a file, 79 columns.
def timeline_size(report_lines):
    """(line width, rows per mode) for common.timeline."""
    try:
        columns, rows = os.get_terminal_size(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return 79, 16
    width = max(1, columns)

    def screen_rows(line):
        return max(1, -(-len(line) // width))  # a line wider than the screen wraps

    # The report, a blank line, the heading (about 70 characters) and the shell's prompt after the run.
    used = sum(map(screen_rows, report_lines)) + 1 + screen_rows("x" * 70) + 1
    return min(79, width - 1), max(1, min(16, (rows - used) // 3))


# 5. On a machine whose short sleeps are coarse, warn before a run that would take minutes.
def coarse_sleep_note(args, asked=0.0001):
    if args.work != "sleep":
        return None
    took = sleep_takes(asked)
    if took <= 10 * asked:
        return None
    total = (args.workers + 2) * args.iterations * took  # direct runs them one by one, then two overlapped runs
    fewer = max(1, int(5 / ((args.workers + 2) * took)))  # about 5 s
    advice = f"; try --iterations {fewer}" if fewer < args.iterations else ""
    about = f"{total:.0f} s" if total < 3600 else f"{total / 3600:.0f} h"
    return f"Note: {asked * 1000:g} ms sleeps take {took * 1000:.1f} ms: about {about} to run{advice}."


def sleep_takes(pause, tries=20):
    """How long time.sleep(pause) takes here at the least: far longer than asked on some systems
    (about 15.6 ms on Windows before Python 3.11); the least, as a busy CPU only delays some."""
    samples = []
    for _ in range(tries):
        start = time.perf_counter()
        time.sleep(pause)
        samples.append(time.perf_counter() - start)
    return min(samples)


# 6. What disturbed a phase: other programs taking its CPUs, a reader holding up its output (a
#    pager), or the demo stopped (Ctrl-Z). Each is measured per phase and named in a note.
# Other programs' CPUs busy; seconds held up, seconds stopped; this demo's own CPUs busy, helpers included.
Phase = namedtuple("Phase", "timing other held stopped ours", defaults=[None])
MEASURABLE = 0.1  # seconds: the shortest window in which other programs' load is told
HELD_UP = 0.05  # of a phase's time: past this share, blocked output is named
TICKS_NOISE = 0.05  # CPU seconds: /proc counts 10 ms ticks, each process's rounded its own way

# What the CPUs have done up to a moment: the wall clock, the machine's busy CPU seconds on our
# CPUs (None where unknown), this process's own, and its children's: waited for, or living.
CpuMark = namedtuple("CpuMark", "wall machine own children")


def watched(name, runner, jobs):
    """Time one phase as common.time_jobs does, and measure what disturbed it."""
    before = cpu_mark()
    with Watch() as watch:
        timing = common.time_jobs(name, runner, jobs)
    children_cpu = sum(span.cpu for span in timing.spans if span.pid != os.getpid())
    after = cpu_mark()
    ours = own_cpu(before, after, children_cpu) / max(after.wall - before.wall, 1e-9)
    return Phase(timing, other_programs_busy(before, children_cpu, after), watch.held, watch.stopped, ours)


def cpu_mark():
    own = os.times()  # children: those we waited for, and the living (the fork server) with theirs
    children = own.children_user + own.children_system + descendants_cpu()
    return CpuMark(time.perf_counter(), machine_busy_seconds(), own.user + own.system, children)


def own_cpu(before, now, worker_cpu):
    """This process's CPU seconds between two marks, its children's, or the workers' own CPU
    seconds where the children's are unknown (no /proc)."""
    return (now.own - before.own) + max(now.children - before.children, worker_cpu)


def descendants_cpu():
    """CPU seconds of this process's living descendants, and of the children they have waited for
    (Linux's /proc; 0 elsewhere): under forkserver the workers are the fork server's children."""
    parents, seconds = {}, {}
    for entry in [name for name in os.listdir("/proc") if name.isdigit()] if os.path.isdir("/proc") else []:
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # not a process, or one that has just ended
        parents.setdefault(int(fields[1]), []).append(int(entry))
        seconds[int(entry)] = sum(map(int, fields[11:15])) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime
    found, total = list(parents.get(os.getpid(), [])), 0.0
    while found:
        pid = found.pop()
        total += seconds[pid]
        found += parents.get(pid, [])
    return total


def other_programs_busy(before, worker_cpu, now=None):
    """How many of our CPUs other programs kept busy on average since the CpuMark `before`, or None.

    Linux: the busy time /proc/stat counts on the CPUs we may use, less our own (own_cpu).
    Elsewhere: the load average, where the platform has one.
    """
    now = now or cpu_mark()
    wall = now.wall - before.wall
    if wall < MEASURABLE:
        return None  # /proc/stat counts in ticks of 10 ms: too coarse for a shorter window
    if before.machine is not None and now.machine is not None:
        return max(0.0, (now.machine - before.machine - own_cpu(before, now, worker_cpu)) / wall)
    if hasattr(os, "getloadavg"):
        try:
            return min(os.getloadavg()[0], common.available_cpus())
        except OSError:
            return None
    return None


class Watch:
    """Looks every 20 ms, on a timer signal (no thread: processes fork while it looks), whether
    the output pipe is full, so that a writer waits for its reader (a pager), and for a gap in its
    looking that a SIGCONT ended: the demo was stopped (Ctrl-Z). POSIX only; elsewhere it sees 0 s."""

    def __init__(self, every=0.02):
        self.every, self.held, self.gaps, self.stopped = every, 0.0, 0.0, 0.0
        self.capacity, self.last = pipe_capacity(sys.stdout), time.perf_counter()

    def __enter__(self):
        if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
            continued.clear()
            signal.signal(signal.SIGALRM, self.look)
            signal.setitimer(signal.ITIMER_REAL, self.every, self.every)
        return self

    def __exit__(self, *exc):
        if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            self.stopped = self.gaps if continued.is_set() else 0.0

    def look(self, signum, frame):
        now = time.perf_counter()
        if now - self.last > 10 * self.every:  # no look for a while: stopped, or starved of CPU
            self.gaps += now - self.last
        elif self.capacity and pipe_waiting(sys.stdout) > self.capacity - 4096:
            self.held += now - self.last  # too full for another line: a writer waits
        self.last = now


continued = threading.Event()  # set by SIGCONT: the demo was stopped, and goes on


def pipe_capacity(output):
    """The bytes a pipe holds before a writer waits, if output is a pipe we can look into; else 0."""
    try:
        fd = output.fileno()
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return 0
        import fcntl

        return fcntl.fcntl(fd, getattr(fcntl, "F_GETPIPE_SZ", 1032)) if sys.platform == "linux" else 16384
    except (ImportError, OSError, ValueError, AttributeError):
        return 0


def pipe_waiting(output):
    """Bytes written to the pipe and not yet read."""
    import fcntl
    import termios

    try:
        waiting = bytearray(4)
        fcntl.ioctl(output.fileno(), termios.FIONREAD, waiting)
        return int.from_bytes(waiting, sys.byteorder)
    except (OSError, ValueError):
        return 0


def disturbances(phase, cpus):
    """What disturbed a phase, as (what, amount) pairs: empty if nothing did."""
    seconds, busy = phase.timing.seconds, common.cpus_busy(phase.timing)
    one_at_a_time = phase.timing.name == "Directly" or (phase.timing.name == "Threading" and common.gil_enabled())
    most = 1 if one_at_a_time else min(len(phase.timing.spans), cpus)  # CPUs the phase could keep busy
    found = []
    ours = busy if phase.ours is None else max(busy, phase.ours)  # a fork server's start is ours too
    taken = phase.other is not None and phase.other > cpus / 8 and phase.other * seconds > TICKS_NOISE
    if taken and phase.other + ours > 0.85 * cpus and busy < 0.9 * most:
        found.append(("other", phase.other))  # the CPUs were full, others had a share, we had less than we could use
    if phase.held > HELD_UP * seconds:
        found.append(("held", phase.held))
    if phase.stopped > 0:
        found.append(("stopped", phase.stopped))
    return found


def disturbance_notes(phases, cpus, repeat):
    """One note per kind of disturbance among the marked (*) phases, with what to do about it."""
    worst = {}
    for phase in phases:
        for what, amount in disturbances(phase, cpus):
            worst[what] = max(amount, worst.get(what, 0.0))
    notes = {
        "other": f"Note: * other programs kept up to {worst.get('other', 0):.1f} of {plural(cpus, 'CPU')}"
        f" busy; try --repeat {max(3, 2 * repeat)}.",
        "held": f"Note: * output waited {worst.get('held', 0):.1f} s for its reader (a pager?); times include it.",
        "stopped": f"Note: * the demo was stopped for {worst.get('stopped', 0):.1f} s; the times include it.",
    }
    return [notes[what] for what in notes if what in worst]


def machine_busy_seconds():
    """Busy CPU seconds so far on the CPUs this process may use, from /proc/stat; None elsewhere."""
    mine = common.cpus_allowed()
    try:
        with open("/proc/stat") as proc_stat:  # not `stat`: that is the module pipe_capacity uses
            text = proc_stat.read()
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError):
        return None
    return busy_ticks(text, mine) / ticks


def busy_ticks(text, cpus=None):
    """Ticks the CPUs numbered in cpus (every one if None) spent busy, from /proc/stat's text:
    every column but idle and iowait (time waiting for a disk is idle time too)."""
    busy = 0
    for name, user, nice, system, _idle, _iowait, irq, softirq, steal, *_ in (
        line.split() for line in text.splitlines() if re.match(r"cpu\d", line)
    ):
        if cpus is None or int(name[3:]) in cpus:
            busy += sum(map(int, (user, nice, system, irq, softirq, steal)))
    return busy


def main(argv=None):
    args = parse_args(argv)
    note = coarse_sleep_note(args)
    if note:
        common.say(note)
    if hasattr(signal, "SIGCONT"):
        signal.signal(signal.SIGCONT, lambda signum, frame: continued.set())
    jobs = make_jobs(args.work, args.workers, args.iterations)
    bars = args.work != "none"  # idle workers print nothing, so there is nothing to set apart
    runs = [[] for _ in ways(args.start_method)]  # each way's phases, one per round
    for round in range(args.repeat):  # round after round, so that a burst of load hits one round
        for index, (name, runner) in enumerate(ways(args.start_method)):
            if (round or index) and bars:
                common.say("\n\n")  # blank lines between the phases
            runs[index].append(watched(name, runner, jobs))
    lines = report(args, runs)
    if bars:
        common.say("\n")
    best = [min(way, key=lambda phase: phase.timing.seconds).timing for way in runs]
    for line in lines + [""] + common.timeline(best, *timeline_size(lines)):
        common.say(line)


if __name__ == "__main__":
    common.run_command(main)
