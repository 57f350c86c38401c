"""The same workers run three ways, timed: directly, in threads, in processes.

  python demo_stopwatch.py              # waiting work: threads win
  python demo_stopwatch.py --work cpu   # CPU work: threads win nothing here
  python demo_stopwatch.py --work none  # what starting a worker costs

Each worker prints its bar, '██ N ██', once per iteration: directly,
worker after worker; in threads and in processes, interleaved. Then each
way's time, its speedup over running directly, how many CPUs it kept busy,
and a timeline of when each worker ran.
"""

import os
import re
import sys
import time
from collections import namedtuple
from functools import partial

import common

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
""" + common.START_METHODS
MOST_WORKERS = 1000


def parse_args(argv=None):
    parser = common.Parser(prog="demo_stopwatch.py", description=__doc__, epilog=KINDS)
    parser.add_argument(
        "--workers",
        type=common.positive_number(int, MOST_WORKERS),
        default=4,
        help=f"how many workers, at most {MOST_WORKERS} (default: 4)",
    )
    parser.add_argument(
        "--iterations", type=common.positive_number(int), default=1000, help="bars each worker prints (default: 1000)"
    )
    parser.add_argument("--work", choices=WORK, default="sleep", help="what each iteration does (default: sleep)")
    common.add_start_method(parser)
    args = parser.parse_args(argv)
    too_many = common.open_file_limit(args.workers)
    if too_many:  # refused before any phase starts, rather than failing in the third
        fit, limit = too_many
        parser.error(
            f"argument --workers: {args.workers} worker processes need more open files than the limit"
            f" of {limit} (ulimit -n) allows; at most {fit} fit"
        )
    return args


def make_jobs(work, workers, iterations):
    """One job per worker; CPU work is sized once, here, so that every worker does the same."""
    size = {"steps": common.steps_for(common.CPU_ITERATION)} if work == "cpu" else {}
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
#    CPUs it kept busy: with the GIL, threads on CPU work never get far past one.
def result_line(timing, direct, workers=None):
    """With workers given (no work), the middle column is the cost of one worker, not a ratio."""
    if workers:
        middle = f"{timing.seconds / workers * 1000:.3f} ms a worker"
    elif timing is direct:
        middle = ""
    else:
        middle = speedup(direct.seconds, timing.seconds)
    busy = f"{common.cpus_busy(timing):.1f} of {common.plural(common.available_cpus(), 'CPU')} busy"
    return f"Execute {timing.name + ':':<16} {timing.seconds:.3f} sec   {middle:<17}   {busy}"


def speedup(direct_seconds, seconds):
    ratio = direct_seconds / seconds if seconds > 0 else float("inf")
    if ratio >= 1.05:
        return f"{ratio:.1f}x faster"
    if ratio <= 0.95:
        return f"{1 / ratio:.1f}x slower"
    return "about the same"


def start_cost_line(threads, processes, workers, method):
    """With no work, a run's time is what starting and joining its workers cost."""
    thread, process = threads.seconds / workers, processes.seconds / workers
    return (
        f"Start cost: a thread {thread * 1000:.3f} ms, a process ({method}) {process * 1000:.3f} ms:"
        f" a process cost {process / thread:.0f}x a thread"
    )


def report(args, timings, other):
    """The lines after the bars: which Python, a busy machine named, the results."""
    lines = [common.describe_python(args.start_method)]
    note = busy_note(other, common.available_cpus())
    lines += [note] if note else []
    per_worker = args.workers if args.work == "none" else None
    lines += [result_line(timing, timings[0], per_worker) for timing in timings]
    if args.work == "none":
        lines.append(start_cost_line(timings[1], timings[2], args.workers, common.start_method_used(args.start_method)))
    return lines


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
    fewer = max(1, int(5 / ((args.workers + 2) * took)))
    return (
        f"Note: a {asked * 1000:g} ms sleep takes {took * 1000:.1f} ms here, so this run takes about"
        f" {total:.0f} s; try --iterations {fewer} for about 5 s."
    )


def sleep_takes(pause, tries=5):
    """How long time.sleep(pause) really takes here: far longer than asked on some systems
    (about 15.6 ms on Windows before Python 3.11)."""
    samples = []
    for _ in range(tries):
        start = time.perf_counter()
        time.sleep(pause)
        samples.append(time.perf_counter() - start)
    return sorted(samples)[tries // 2]


# 6. Other programs' share of the CPUs: a busy machine is named in a note.
MEASURABLE = 0.3  # seconds: the shortest window in which other programs' load is told

# What the CPUs have done up to a moment: the wall clock, the machine's busy CPU seconds on our
# CPUs (None where unknown), this process's own, and its waited-for children's.
CpuMark = namedtuple("CpuMark", "wall machine own children")


def cpu_mark():
    own = os.times()
    return CpuMark(time.perf_counter(), machine_busy_seconds(), own.user + own.system, own.children_user + own.children_system)


def other_programs_busy(before, worker_cpu):
    """How many of our CPUs other programs kept busy on average since the CpuMark `before`, or None.

    Linux: the busy time /proc/stat counts on the CPUs we may use, less our own (this process,
    its waited-for children, or the workers' own CPU seconds where a child is not ours to wait
    for, as under forkserver). Elsewhere: the load average, where the platform has one.
    """
    now = cpu_mark()
    wall = now.wall - before.wall
    if wall < MEASURABLE:
        return None  # /proc/stat counts in ticks of 10 ms: too coarse for a shorter window
    if before.machine is not None and now.machine is not None:
        own = (now.own - before.own) + max(now.children - before.children, worker_cpu)
        return max(0.0, (now.machine - before.machine - own) / wall)
    if hasattr(os, "getloadavg"):
        try:
            return min(os.getloadavg()[0], common.available_cpus())
        except OSError:
            return None
    return None


def busy_note(other, cpus):
    """One line naming a busy machine, or None when other programs used a quarter of the CPUs or less."""
    if other is None or other <= cpus / 4:
        return None
    return f"Note: other programs kept {other:.1f} of {common.plural(cpus, 'CPU')} busy; the speedups understate this machine."


def machine_busy_seconds():
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


def main(argv=None):
    args = parse_args(argv)
    note = coarse_sleep_note(args)
    if note:
        common.say(note)
    jobs = make_jobs(args.work, args.workers, args.iterations)
    bars = args.work != "none"  # idle workers print nothing, so there is nothing to set apart
    before, timings = cpu_mark(), []
    for index, (name, runner) in enumerate(ways(args.start_method)):
        if index and bars:
            common.say("\n\n")  # blank lines between the phases
        timings.append(common.time_jobs(name, runner, jobs))
    worker_cpu = sum(span.cpu for span in timings[2].spans)  # children's CPU, counted even where not ours to wait
    lines = report(args, timings, other_programs_busy(before, worker_cpu))
    if bars:
        common.say("\n")
    for line in lines + [""] + common.timeline(timings, *timeline_size(lines)):
        common.say(line)


if __name__ == "__main__":
    common.run_command(main)
