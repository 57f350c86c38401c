# Assigned, not a docstring: python -OO drops docstrings, and this is --help.
__doc__ = """The same workers run every way, timed: directly, in threads, in
processes and (Python 3.14+) in interpreters.

  python demo_stopwatch.py              # waiting work: threads win
  python demo_stopwatch.py --work cpu   # CPU work: threads win nothing here
  python demo_stopwatch.py --work none  # what starting a worker costs
  python demo_stopwatch.py --repeat 3   # the best of three: for a busy machine

Each worker prints its bar, '██ N ██', once per iteration: directly,
worker after worker; the other ways at once, interleaved. Then each
way's time, its speedup over running directly, how many CPUs it kept busy,
and a timeline of when each worker ran.
"""

import os
import sys

try:  # the imports are most of a start: Ctrl-C there ends as it does later
    import statistics
    from collections import namedtuple
    from functools import lru_cache, partial

    import common
except ModuleNotFoundError:  # python -I or -P, or PYTHONSAFEPATH=1
    sys.exit(f"{os.path.basename(__file__)}: cannot import common.py beside"
             " it: run without -I, -P and PYTHONSAFEPATH")
except KeyboardInterrupt:
    sys.stderr.write("Interrupted\n")
    sys.exit(130)

# 1. The kinds of work, a row each: its worker function (told which worker
#    it is), the seconds an iteration takes (0: only starts are left to
#    time), whether it sleeps (threads overlap those) or computes for
#    that long on this Python (sized), and its line in --help.
Work = namedtuple("Work", "worker seconds sleeps sized about")
WORK = {
    "sleep": Work(common.sleepy_worker, 0.0001, True, False,
                  "sleep 0.1 ms, then print the bar: threads overlap the"
                  " waiting"),
    "cpu": Work(common.busy_worker, 0.0002, False, True,
                "compute for about 0.2 ms (sized on this Python), then"
                " print the\n bar: only processes, or a free-threaded"
                " Python, share it out"),
    "none": Work(common.idle_worker, 0.0, False, False,
                 "no work, no bars: what is left is starting and joining a"
                 " worker;\n'ms a worker' is the best round's, 'Start cost'"
                 " the rounds' median"),
}
KINDS = "kinds of work (--work):\n" + "".join(
    f"  {name if at == 0 else '':<6} {line.strip()}\n"
    for name, work in WORK.items()
    for at, line in enumerate(work.about.split("\n"))) + """
CPUs busy: the workers' CPU seconds over the run's seconds. With the GIL,
  threads on CPU work keep about one CPU busy, however many there are.
A line ending in *: other programs, a slow reader (a pager) or a stop took
  time from that phase; a note says which. --repeat 3 keeps each way's best.
  A way short of CPUs that others had: run again (CPU work), or (disturbed).
""" + common.START_METHODS

MOST_WORKERS, MOST_REPEATS, MOST_ITERATIONS = 1000, 100, 1_000_000


# 2. The demo: each way in turn on the same jobs, round after round (so
#    that a burst of load hits one round), then the report and a timeline.
def main(argv=None):
    args = parse_args(argv)
    if note := long_run_note(args):  # a long run, or sleeps far too long
        common.say(note)
    jobs = make_jobs(args.work, args.workers, args.iterations)
    bars = WORK[args.work].seconds > 0  # idle workers print nothing
    ways = common.ways_here()  # the table's, less what this Python lacks
    hooks = common.CommandHooks()  # signals held at each start, limits named
    runs = [[] for _ in ways]  # each way's phases: each round's, run again
    for round in range(args.repeat):
        last = round == args.repeat - 1 and WORK[args.work].sized  # may rerun
        for way, phases in zip(ways, runs):
            if bars and (round or way is not ways[0]):
                common.say("\n\n")  # blank lines between the phases
            runner = common.runner_for(way, args.start_method, hooks)
            phases += watched_again(way, runner, jobs, phases, last)
    best = [min(phases, key=short_of_cpus_then_time) for phases in runs]
    lines = report(args, runs, best)
    if bars:
        common.say("\n")
    timings = [phase.timing for phase in best]
    width, rows, under = timeline_size(lines, common.waiting_lines(timings))
    shown = common.timeline(timings, width, rows) if rows else []
    for line in lines + [""] + shown + under:  # under: the waits, in numbers
        common.say(line)
    if args.svg:  # the same timeline, as a picture for a slide
        common.write_picture(args.svg, common.timeline_svg(timings, lines))


def parse_args(argv=None):
    parser = common.command_parser(prog="demo_stopwatch.py",
                                   description=__doc__, epilog=KINDS)
    parser.add_argument("--workers", default=4, help="how many workers, at"
                        f" most {MOST_WORKERS} (default: 4)",
                        type=common.positive_number(int, MOST_WORKERS))
    parser.add_argument("--iterations", default=1000, help="bars each"
                        f" worker prints, at most {MOST_ITERATIONS:,}"
                        " (default: 1000)",
                        type=common.positive_number(int, MOST_ITERATIONS))
    parser.add_argument("--work", choices=WORK, default="sleep",
                        help="what each iteration does (default: sleep)")
    parser.add_argument("--repeat", metavar="N",
                        type=common.positive_number(int, MOST_REPEATS),
                        help="run each way N times and report its best run"
                        " (default: 1; 5 for --work none)")
    common.add_start_method(parser)
    parser.add_argument("--svg", metavar="FILE", type=common.picture_file,
                        help="also draw the timeline in FILE, an SVG picture")
    args = parser.parse_args(argv)
    args.repeat = args.repeat or (1 if WORK[args.work].seconds else 5)
    if refusal := too_many_workers(args):  # before any phase starts
        parser.error(f"--workers: {refusal}")
    return args


# 3. One job per worker; CPU work is sized once (steps_for, below the
#    banner: it measures the machine), so that every worker does the same.
def make_jobs(kind, workers, iterations):
    work = WORK[kind]
    size = {"steps": steps_for(work.seconds)} if work.sized else {}
    return [partial(work.worker, n, iterations, **size)
            for n in range(1, workers + 1)]


# 4. The report: each way's time, how many times faster than running
#    directly, how many CPUs it kept busy (with the GIL, threads on CPU
#    work never get far past one). A phase something disturbed ends in *.
def report(args, runs, best):
    """The lines after the bars: which Python, each way's best run, notes."""
    idle, method = not WORK[args.work].seconds, args.start_method
    always = ["other"] if lasting(runs, "other") else []
    lines = [common.describe_python(method)]
    lines += result_lines(best, args.workers if idle else None,
                          unjudged(best, always))
    if idle:
        method = common.start_method_used(method)
        lines += start_cost_lines(runs, args.workers, method)
    lines += [f"Note: {way.missing}: not run here." for way in common.WAYS
              if way.missing]
    cpus = common.available_cpus()
    return lines + disturbance_notes(best, cpus, args.repeat, always)


def result_lines(phases, workers=None, unjudged=()):
    """Aligned result lines. With workers given (no work), the middle column
    is the cost of one worker, and there are no CPUs busy; the ways named
    in unjudged get no verdict."""
    direct = next(phase.timing for phase in phases if not phase.way.starts)
    cpus, rows = common.available_cpus(), []
    for phase in phases:
        timing = phase.timing
        each = f"{timing.seconds / (workers or 1) * 1000:.3f} ms a worker"
        faster = ("" if timing.name in unjudged else
                  speedup(direct.seconds, timing.seconds)) or "(disturbed)"
        middle = each if workers else "" if timing is direct else faster
        busy = f"{common.cpus_busy(timing):.1f} of {plural(cpus, 'CPU')} busy"
        busy = "" if workers else busy
        mark = " *" if phase.marks else ""  # disturbed: a note says how
        rows.append((f"Execute {timing.name}:", f"{timing.seconds:.3f} sec",
                     middle, (busy + mark).strip()))
    widths = [max([len(row[column]) for row in rows] + [least])
              for column, least in enumerate((24, 9, 14, 0))]
    gap = " " * (3 if sum(widths) + 7 <= 79 else 2)  # up to 999 CPUs
    return [f"{a:<{widths[0]}} {b:>{widths[1]}}{gap}{c:<{widths[2]}}{gap}{d}"
            .rstrip() for a, b, c, d in rows]


def speedup(direct_seconds, seconds, noise=1.1):  # single runs vary by 8%
    ratio = direct_seconds / seconds if seconds > 0 else float("inf")
    if ratio >= noise:
        return f"{ratio:.1f}x faster"
    if ratio * noise <= 1:
        return f"{1 / ratio:.1f}x slower"
    return "about the same"


def start_cost_lines(runs, workers, method):
    """With no work, a run's time is what starting and joining its workers
    cost: the median over the rounds, as any one start can be disturbed."""
    costs = [(phases[0].way.starts + (f" ({method})" if  # 'a thread'
              common.takes_start_method(phases[0].way) else ""),
              statistics.median(phase.timing.seconds / workers
                                for phase in phases))
             for phases in runs if phases[0].way.starts]
    (unit, first), others = costs[0], costs[1:]  # each against the first
    lines = [f"{what} {cost * 1000:.3f} ms: {cost / first:.0f}x {unit}"
             for what, cost in others]
    head = f"Start cost: {unit} {first * 1000:.3f} ms"
    return [", ".join([head] + lines[:1])] + [f"Start cost: {line}"
                                              for line in lines[1:]]


# == The instrument =========================================================
# What the machine did to a phase: other programs taking its CPUs, a reader
# holding up its output (a pager), the demo stopped (Ctrl-Z). watched() is
# the one call: the phase's timing, and its marks, each with its amount.
# Then the screen, and what the machine allows before a run starts.

import re  # noqa: E402  (the instrument's own)
import signal  # noqa: E402
import stat  # noqa: E402
import textwrap  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

Phase = namedtuple("Phase", "way timing marks seen", defaults=[None])
# marks: [(what, amount)], judged from what was seen
# What was seen during a phase: other programs' CPUs busy, seconds its
# output was held up, seconds the demo was stopped, our own CPUs busy, and
# seconds a worker was stopped.
Seen = namedtuple("Seen", "other held stopped ours worker_stopped stolen",
                  defaults=[None, 0.0, 0.0])
LACKING = 0.05  # of the CPUs a phase can use: past this, its verdict is noise
MEASURABLE = 0.1  # seconds: the shortest window other programs are told in
HELD_UP = 0.05  # of a phase's time: past this share, held output is named
TICKS_NOISE = 0.05  # CPU seconds: /proc counts 10 ms ticks, each process's
#                     rounded its own way

# What the CPUs had done up to a moment: the wall clock, the machine's busy
# CPU seconds on our CPUs (None where unknown), this process's, its
# children's (waited for, or living), and of the machine's, those that a
# virtual machine's host gave to others (steal; None where unknown).
CpuMark = namedtuple("CpuMark", "wall machine own children stolen",
                     defaults=[None])


def watched(way, runner, jobs):
    """Time one phase as common.time_jobs does, and judge what disturbed it."""
    before = cpu_mark()
    with Watch() as watch:
        timing = common.time_jobs(way.name, runner, jobs)
    worker_cpu = sum(span.cpu for span in timing.spans
                     if span.pid != os.getpid())
    after = cpu_mark()
    wall = max(after.wall - before.wall, 1e-9)
    seen = Seen(other_programs_busy(before, worker_cpu, after), watch.held,
                watch.stopped, own_cpu(before, after, worker_cpu) / wall,
                watch.worker_stopped, stolen_cpus(before, after))
    cpus, quota = common.available_cpus(), common.cpu_quota()
    return Phase(way, timing, judged(way, timing, seen, cpus, quota), seen)


def judged(way, timing, seen, cpus, quota=None):
    """What disturbed a phase, as (what, amount) pairs: none if nothing did;
    judged by what its way could use, not by its name."""
    seconds, busy = timing.seconds, common.cpus_busy(timing)
    most = 1  # the CPUs the phase could keep busy
    if common.computes_in_parallel(way):
        most = min(len(timing.spans), cpus)
    marks = []
    ours = busy if seen.ours is None else max(busy, seen.ours)  # a fork
    # server's start is ours too
    taken = (seen.other is not None and seen.other > cpus / 8 and
             seen.other * seconds > TICKS_NOISE)
    lacked = cpus_lacked(timing, cpus, seen.other if taken else 0.0,
                         seen.stolen * most / cpus)  # the host's, our share
    full = (taken and seen.other + ours > 0.85 * cpus and busy < 0.9 * most
            and not seen.worker_stopped)  # the CPUs were full, others had a
    # share, we had less than we could use (a stopped worker explains it)
    if quota is not None and quota < 0.9 * most and busy > 0.8 * quota:
        marks.append(("quota", quota))  # held to its quota, not by others
    elif lacked is not None:  # its workers told how long they waited; a
        # start held up is in no worker's time: what we had less of counts
        lacked = max(lacked, min(seen.other, most - busy) if full else 0.0)
        stop = seen.stopped or seen.worker_stopped  # explains it, not others
        if lacked > LACKING * most and not stop:
            marks.append(("lacked", lacked))
    elif full:
        marks.append(("other", seen.other))
    if seen.held > HELD_UP * seconds:
        marks.append(("held", seen.held))
    if seen.stopped > 0:
        marks.append(("stopped", seen.stopped))
    if seen.worker_stopped > 0:
        marks.append(("worker stopped", seen.worker_stopped))
    return marks


def cpus_lacked(timing, cpus, other, stolen=0.0):
    """How many CPUs, on average, the phase's workers waited for that other
    programs had: beyond what their own number explains (four workers on
    two CPUs take turns), and what a virtual machine's host gave other
    machines while they ran (no wait of theirs counts it); no more than
    others used. None: unknown."""
    if other is None or timing.seconds <= 0 or any(
            span.cpu_wait is None for span in timing.spans):
        return None
    waited = sum(span.cpu_wait for span in timing.spans) / timing.seconds
    wanted = common.cpus_busy(timing) + waited  # workers ready to run
    return min(other, max(0.0, waited - max(0.0, wanted - cpus)) + stolen)


def short_of_cpus_then_time(phase):
    """A way's best phase: the fastest of those not short of CPUs."""
    return lacking(phase), phase.timing.seconds


def unjudged(best, always=()):
    """The ways that get no verdict: all where, in every round, others left
    too little to judge by; those beside a phase still short of CPUs."""
    direct = next(phase for phase in best if not phase.way.starts)
    return {phase.way.name for phase in best
            if always or lacking(phase) or lacking(direct)}


def lacking(phase):
    """Whether other programs had CPUs this phase's workers waited for."""
    return "lacked" in dict(phase.marks)


def watched_again(way, runner, jobs, earlier=(), may=True, again=2):
    """A phase, watched; where it may (CPU work, whose verdicts' margins are
    thin, in the last round), run again, up to `again` times more, while
    other programs had CPUs its workers waited for, as in every earlier
    round: a single run on a busy machine can say the opposite of the
    lesson. All its runs, in order."""
    phases = [watched(way, runner, jobs)]
    if not may or not all(map(lacking, earlier)):
        return phases  # another round fared better, or no verdict to save
    while lacking(phases[-1]) and len(phases) <= again:
        common.say("\n\n" + again_note(phases[-1], again + 1 - len(phases)))
        phases.append(watched(way, runner, jobs))
    return phases


def again_note(phase, left):
    """What is run again, why, and for how long at most."""
    return (f"Note: {phase.way.name} waited for CPUs other programs had (on"
            f" average\n      {dict(phase.marks)['lacked']:.1f} of"
            f" {common.available_cpus()}): running it again, up to"
            f" {plural(left, 'more time')}, about"
            f" {left * phase.timing.seconds:.1f} s.")


def lasting(runs, what):
    """Whether a disturbance marked a way in every one of several rounds:
    then more rounds cannot help."""
    return any(len(phases) > 1 and
               all(what in dict(phase.marks) for phase in phases)
               for phases in runs)


def disturbance_notes(phases, cpus, repeat, always=()):
    """One note per kind of disturbance of the marked (*) phases, with the
    worst of it and what to do about it; `always` names the kinds that
    marked a way in every round: more rounds cannot wait those out."""
    worst = {}
    for phase in phases:
        for what, amount in phase.marks:
            worst[what] = max(amount, worst.get(what, 0.0))
    other, quota, of = worst.get("other", 0), worst.get("quota", 0), "CPU"
    lacked = ", ".join(f"{phase.way.name} {dict(phase.marks)['lacked']:.1f}"
                       for phase in phases if lacking(phase))
    notes = {
        "quota": f"Note: * a CPU quota (cgroup) held the run to {quota:g} of"
        f" {plural(cpus, of)}: it cannot\n      show what {plural(cpus, of)}"
        " do. Run it outside the container, or see the README's\n      saved"
        " output.",
        "other": f"Note: * other programs kept up to {other:.1f} of"
        f" {plural(cpus, of)} busy; try --repeat {max(3, 2 * repeat)}.",
        "lacked": "\n      ".join(textwrap.wrap(
            "Note: * in every run, other programs had CPUs these phases waited"
            f" for (on average, of {cpus}): {lacked}. No verdict beside them:"
            " close the other programs and run again, or see the README's"
            " saved output.", 73)),
        "held": f"Note: * output waited {worst.get('held', 0):.1f} s for its"
        " reader (a pager?); times include it.",
        "stopped": "Note: * the demo was stopped for"
        f" {worst.get('stopped', 0):.1f} s; the times include it.",
        "worker stopped": "Note: * a worker (or the fork server) was stopped"
        f" {worst.get('worker stopped', 0):.1f} s; times include it.",
    }
    if "other" in always:
        notes["other"] = (
            f"Note: * other programs kept up to {other:.1f} of"
            f" {plural(cpus, of)} busy in every round,\n      leaving this run"
            f" about {max(0.0, cpus - other):.1f}: it cannot show the lesson."
            " Close them and\n      run again, or see the README's saved"
            " output.")
    return [line for what in notes if what in worst
            for line in notes[what].split("\n")]


def cpu_mark():
    own = os.times()  # children: waited for, and living (the fork server)
    children = own.children_user + own.children_system + descendants_cpu()
    busy, stolen = machine_busy_seconds()
    return CpuMark(time.perf_counter(), busy, own.user + own.system,
                   children, stolen)


def stolen_cpus(before, now):
    """How many of our CPUs, on average, a virtual machine's host gave other
    machines between two marks (0 where unknown)."""
    if before.stolen is None or now.stolen is None:
        return 0.0
    return (now.stolen - before.stolen) / max(now.wall - before.wall, 1e-9)


def own_cpu(before, now, worker_cpu):
    """This process's CPU seconds between two marks and its children's, or
    the workers' own CPU seconds where the children's are unknown."""
    return (now.own - before.own) + max(now.children - before.children,
                                        worker_cpu)


def descendants_cpu(proc="/proc"):
    """CPU seconds of this process's living descendants, with those they
    waited for (Linux's /proc; 0 elsewhere): under forkserver the workers
    are the fork server's children."""
    parents, seconds = {}, {}
    listed = os.listdir(proc) if os.path.isdir(proc) else []
    for entry in (name for name in listed if name.isdigit()):
        try:
            with open(f"{proc}/{entry}/stat", encoding="utf-8") as status:
                fields = status.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # not a process, or one that has just ended
        parents.setdefault(int(fields[1]), []).append(int(entry))
        ticks = sum(map(int, fields[11:15]))  # utime stime cutime cstime
        seconds[int(entry)] = ticks / os.sysconf("SC_CLK_TCK")
    found, total = list(parents.get(os.getpid(), [])), 0.0
    while found:
        pid = found.pop()
        total += seconds[pid]
        found += parents.get(pid, [])
    return total


def other_programs_busy(before, worker_cpu, now=None):
    """How many of our CPUs other programs kept busy on average since the
    CpuMark `before`, or None: on Linux the busy time /proc/stat counts on
    our CPUs less our own; elsewhere the load average, if there is one."""
    now = now or cpu_mark()
    wall = now.wall - before.wall
    if wall < MEASURABLE:
        return None  # /proc/stat counts 10 ms ticks: too coarse for less
    if before.machine is not None and now.machine is not None:
        ours = own_cpu(before, now, worker_cpu)
        return max(0.0, (now.machine - before.machine - ours) / wall)
    if hasattr(os, "getloadavg"):
        try:
            return min(os.getloadavg()[0], common.available_cpus())
        except OSError:
            return None
    return None


class Watch:
    """Looks every 20 ms, on a timer signal (no thread: processes fork while
    it looks), whether the output pipe is too full for a writer to go on
    (a pager), and for a gap in its looking that a SIGCONT ended: the demo
    was stopped (Ctrl-Z); every 100 ms, whether a worker process (or the
    fork server) is stopped. POSIX only; elsewhere it sees nothing."""

    def __init__(self, every=0.02):
        self.every, self.held, self.gaps, self.stopped = every, 0.0, 0.0, 0.0
        self.capacity, self.continued = pipe_capacity(sys.stdout), False
        self.last = self.checked = time.perf_counter()
        self.worker_stopped, self.looking_now = 0.0, False
        self.looking = (hasattr(signal, "setitimer") and
                        threading.current_thread() is threading.main_thread())

    def __enter__(self):
        if self.looking:  # signals are for the main thread alone
            signal.signal(signal.SIGCONT, self.carry_on)
            signal.signal(signal.SIGALRM, self.look)
            signal.setitimer(signal.ITIMER_REAL, self.every, self.every)
        return self

    def __exit__(self, *exc):
        if self.looking:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.signal(signal.SIGCONT, signal.SIG_DFL)
        self.stopped = self.gaps if self.continued else 0.0  # not starved

    def carry_on(self, signum, frame):
        self.continued = True

    def look(self, signum, frame):
        if self.looking_now:  # the timer rang again while we looked (a slow
            return  # /proc on a busy machine): no look within a look
        self.looking_now = True
        try:
            self.look_now()
        finally:
            self.looking_now = False

    def look_now(self):
        now = time.perf_counter()
        room = self.capacity - pipe_waiting(sys.stdout) if self.capacity else 0
        if self.capacity and room < 4096:  # a writer waits, however long
            self.held += now - self.last  # this look was late
        elif now - self.last > 10 * self.every:  # stopped, or starved of CPU
            self.gaps += now - self.last
        self.last = now
        if now - self.checked >= 5 * self.every:
            if a_descendant_stopped():
                self.worker_stopped += now - self.checked
            self.checked = now


def a_descendant_stopped(pid=None):
    """Whether a process this one started, or one they started, is stopped
    (SIGSTOP): from the children Linux lists for each main thread."""
    found = [pid or os.getpid()]
    while found:
        parent = found.pop()
        try:
            with open(f"/proc/{parent}/task/{parent}/children",
                      encoding="utf-8") as listed:
                children = listed.read().split()
            for child in children:
                with open(f"/proc/{child}/stat", encoding="utf-8") as status:
                    if status.read().rsplit(")", 1)[1].split()[0] in "Tt":
                        return True
            found += children
        except (OSError, IndexError):
            continue  # not Linux, or a process that has just ended
    return False


def pipe_capacity(output):
    """The bytes a pipe holds before a writer waits, if we can look into it;
    else 0."""
    try:
        fd = output.fileno()
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return 0
        import fcntl

        if sys.platform != "linux":
            return 16384
        return fcntl.fcntl(fd, getattr(fcntl, "F_GETPIPE_SZ", 1032))
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


def machine_busy_seconds():
    """(busy CPU seconds so far on the CPUs we may use, of them those the
    host of a virtual machine gave others) from /proc/stat, or Nones."""
    mine = common.cpus_allowed()
    try:
        with open("/proc/stat", encoding="utf-8") as proc_stat:
            text = proc_stat.read()
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError):
        return None, None
    return (busy_ticks(text, mine) / ticks,
            busy_ticks(text, mine, stolen=True) / ticks)


def busy_ticks(text, cpus=None, stolen=False):
    """Ticks the CPUs numbered in cpus (all if None) spent busy, from
    /proc/stat's text: every column but idle and iowait (idle too); with
    stolen, only steal: a virtual machine's host running other machines."""
    busy = 0
    for name, user, nice, system, _idle, _iowait, irq, softirq, steal, *_ in (
            line.split() for line in text.splitlines()
            if re.match(r"cpu\d", line)):
        if cpus is None or int(name[3:]) in cpus:
            busy += int(steal) if stolen else sum(
                map(int, (user, nice, system, irq, softirq, steal)))
    return busy


def plural(count, noun):
    """'1 CPU', '2 CPUs'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# -- The screen: on a terminal, the timeline as wide as it is (up to 79
#    columns) and short enough that the report stays in view above it.


TOO_SHORT = "The timeline needs a taller terminal, or --svg FILE."


def timeline_size(report_lines, under=()):
    """(line width, rows per way) for common.timeline, with the report's
    lines above it, and the lines under it that fit (all, or none); no
    rows, and a line saying why, where not even one a way fits."""
    try:
        columns, rows = os.get_terminal_size(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        columns = rows = 0  # into a file or a pipe
    if columns <= 0:  # also a terminal that says 0x0: its size is unknown
        return 79, 16, list(under)
    width, rows = columns, rows if rows > 0 else 1000

    def screen_rows(line):
        return max(1, -(-len(line) // width))  # a line wider than it wraps

    # The report, a blank line, the heading's three lines, the lines under
    # it, the shell's prompt.
    heading = 3 * screen_rows("x" * 78)
    used = (sum(map(screen_rows, report_lines)) + 1 + heading +
            sum(map(screen_rows, under)) + 1)
    per_way = (rows - used) // len(common.ways_here())
    if per_way < 1 and under:  # a small screen: the report stays in view
        return timeline_size(report_lines)
    if per_way < 1:  # not a row a way: a timeline would push it away
        return min(79, width - 1), 0, [TOO_SHORT]
    return min(79, width - 1), min(16, per_way), list(under)


# -- Before the run: what the machine allows, how fast it computes, and how
#    long the run will take

@lru_cache(maxsize=None)
def steps_for(seconds):
    """Steps of common.compute() that take `seconds` of CPU time here: sized
    in time, as a fixed count would vanish on a JIT."""
    steps = 1000
    for tries in (3, 3, 30):  # a step costs more as its numbers grow: so
        # converge; then the least of many: a VM's CPU is slower at times
        per_call = fastest(common.compute, steps, tries)
        steps = max(1, round(steps * seconds / per_call))
    return steps


def fastest(function, argument, tries=9, least=0.002):
    """The least CPU seconds a call takes, over a few batches of calls that
    each compute for `least` seconds: in CPU time, which other programs
    sharing the CPU do not stretch, as they stretch the wall clock."""
    once = common.outcome(partial(function, argument)).cpu
    calls = 1 + int(least / max(once, 1e-6))
    batches = []
    for _ in range(tries):
        start = common.thread_cpu()
        for _ in range(calls):
            function(argument)
        batches.append((common.thread_cpu() - start) / calls)
    return min(batches)


# Memory each worker process holds, measured on Linux (CPython 3.11): a
# forked child shares its parent's pages until it writes them; a spawned
# one is a whole new Python.
WORKER_MIB = {"fork": 2.2, "forkserver": 4.6, "spawn": 8.8}


def too_many_workers(args):
    """Why this many workers cannot start here, or None."""
    too_many = common.open_file_limit(args.workers)
    if too_many:
        fit, limit = too_many
        return f"at most {fit} fit ulimit -n {limit} (open files)"
    method = common.start_method_used(args.start_method)
    need, free = args.workers * WORKER_MIB[method], memory_available_mib()
    if need > free:  # 1000 spawned children would need about 8.8 GiB
        return (f"{args.workers} {method} processes need ~{need:.0f} MiB,"
                f" {free:.0f} free")
    return None


def memory_available_mib(root=""):
    """The memory new programs can have, in MiB: what Linux says they can
    have without swapping, and no more than a cgroup's limit leaves (a
    container's: v2 memory.max, v1 limit_in_bytes); elsewhere unknown."""
    free = float("inf")
    try:
        with open(f"{root}/proc/meminfo", encoding="utf-8") as meminfo:
            found = re.search(r"^MemAvailable:\s+(\d+) kB", meminfo.read(),
                              re.M)
        free = int(found[1]) / 1024
    except (OSError, TypeError):
        pass
    for folder in common.cgroup_folders("memory", root):
        for limit, used in (("memory.max", "memory.current"),  # v2, v1:
                            ("memory.limit_in_bytes",
                             "memory.usage_in_bytes")):
            numbers = (common.cgroup_numbers(folder, limit) +
                       common.cgroup_numbers(folder, used))
            if len(numbers) == 2 and None not in numbers:  # 'max': none
                free = min(free, (numbers[0] - numbers[1]) / 2**20)
    return free


def long_run_note(args):
    """A note before a run that will take over 10 s: about how long, and
    how to shorten it; short sleeps that take far longer are named."""
    work = WORK[args.work]
    each = sleep_takes(work.seconds) if work.sleeps else work.seconds
    seconds = args.repeat * round_seconds(args, work, each)
    coarse = work.sleeps and each > 10 * work.seconds
    if seconds <= 10 and not coarse:
        return None
    knob = "iterations" if work.seconds else "workers"
    fewer = max(1, int(getattr(args, knob) * 5 / seconds))  # about 5 s
    advice = f"; try --{knob} {fewer}" if fewer < getattr(args, knob) else ""
    about = f"{seconds:.0f} s" if seconds < 3600 else f"{seconds / 3600:.0f} h"
    cause = (f"{work.seconds * 1000:g} ms sleeps take {each * 1000:.1f} ms: "
             if coarse else "")
    return f"Note: {cause}about {about} to run{advice}."


def round_seconds(args, work, each):
    """About how long a round of every way takes: its work, its starts."""
    cpus = common.available_cpus()
    total = 0.0
    for way in common.ways_here():
        seconds = args.workers * args.iterations * each
        if way.starts:  # sleeps overlap; computing, on the CPUs it can use
            parallel = common.computes_in_parallel(way)
            seconds /= (args.workers if work.sleeps else
                        min(args.workers, cpus) if parallel else 1)
            total += args.workers * common.start_cost(way, args.start_method)
        total += seconds
    return total


def sleep_takes(pause, tries=20):
    """How long time.sleep(pause) takes here at the least: far longer than
    asked on some systems (15.6 ms on Windows before 3.11); the least, as a
    busy CPU only delays some."""
    samples = []
    for _ in range(tries):
        start = time.perf_counter()
        time.sleep(pause)
        samples.append(time.perf_counter() - start)
    return min(samples)


if __name__ == "__main__":
    common.run_command(main)
