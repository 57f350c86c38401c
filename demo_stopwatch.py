"""The same workers run three ways, timed: directly, in threads, in processes.

    python demo_stopwatch.py               # waiting work: threads win
    python demo_stopwatch.py --work cpu    # CPU work: threads win nothing, processes do
    python demo_stopwatch.py --work none   # no work: what starting a thread or a process costs

Each worker prints its bar, '██ N ██', once per iteration. Watch the bars: run directly
they come worker by worker; in threads and processes they interleave. At the end, each
way's time, its speedup over running directly, how many CPUs it kept busy, and a
timeline of when each worker ran.
"""

import os
import sys
from functools import partial

import common

# 1. The kinds of work: one worker function each, told which worker it is.
WORK = {
    "sleep": common.sleepy_worker,  # waits: the GIL is released while it sleeps
    "cpu": common.busy_worker,  # computes: the GIL is held while it computes
    "none": common.idle_worker,  # returns at once: only starting and joining is left
}
KINDS = """kinds of work (--work):
  sleep  each iteration sleeps 0.1 ms, then prints the bar: waiting work, threads overlap it
  cpu    each iteration computes for about 0.2 ms (measured on this interpreter before the
         runs), then prints the bar: CPU work, only processes (or a free-threaded build) share it out
  none   no work and no bars: what is left is the cost of starting and joining a worker"""
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
    note = common.busy_note(other, common.available_cpus())
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
    took = common.sleep_takes(asked)
    if took <= 10 * asked:
        return None
    total = (args.workers + 2) * args.iterations * took  # direct runs them one by one, then two overlapped runs
    fewer = max(1, int(5 / ((args.workers + 2) * took)))
    return (
        f"Note: a {asked * 1000:g} ms sleep takes {took * 1000:.1f} ms here, so this run takes about"
        f" {total:.0f} s; try --iterations {fewer} for about 5 s."
    )


def main(argv=None):
    args = parse_args(argv)
    note = coarse_sleep_note(args)
    if note:
        common.say(note)
    jobs = make_jobs(args.work, args.workers, args.iterations)
    bars = args.work != "none"  # idle workers print nothing, so there is nothing to set apart
    before, timings = common.cpu_mark(), []
    for index, (name, runner) in enumerate(ways(args.start_method)):
        if index and bars:
            common.say("\n\n")  # blank lines between the phases, as in the seed
        timings.append(common.time_jobs(name, runner, jobs))
    worker_cpu = sum(span.cpu for span in timings[2].spans)  # children's CPU, counted even where not ours to wait
    lines = report(args, timings, common.other_programs_busy(before, worker_cpu))
    if bars:
        common.say("\n")
    for line in lines + [""] + common.timeline(timings, *timeline_size(lines)):
        common.say(line)


if __name__ == "__main__":
    common.run_command(main)
