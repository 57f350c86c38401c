"""The same workers run three ways, timed: directly, in threads, in processes.

    python demo_stopwatch.py               # waiting work: threads win
    python demo_stopwatch.py --work cpu    # CPU work: threads win nothing, processes do
    python demo_stopwatch.py --work none   # no work: what starting a thread or a process costs

Each worker prints its bar, '██ N ██', once per iteration. Watch the bars: run directly
they come worker by worker; in threads and processes they interleave. At the end, a
timeline shows when each worker ran.
"""

import math
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


def parse_args(argv=None):
    parser = common.Parser(description="Time the same workers run directly, in threads and in processes.")
    parser.add_argument("--workers", type=common.positive(int), default=4, help="how many workers (default: 4)")
    parser.add_argument(
        "--iterations", type=common.positive(int), default=1000, help="bars each worker prints (default: 1000)"
    )
    parser.add_argument("--work", choices=WORK, default="sleep", help="what each iteration does (default: sleep)")
    common.add_start_method(parser)
    return parser.parse_args(argv)


def make_jobs(work, workers, iterations):
    return [partial(WORK[work], n, iterations) for n in range(1, workers + 1)]


# 2. The three ways to run the same jobs, in the order the demo runs them.
Run = namedtuple("Run", "name start seconds spans")


def modes(start_method):
    return [
        ("Directly", common.run_directly),
        ("Threading", common.run_in_threads),
        ("Multiprocessing", partial(common.run_in_processes, start_method=start_method)),
    ]


def timed_run(name, runner, jobs):
    """Run the jobs; the seconds are the caller's, from before the first start to after the last join."""
    start = time.perf_counter()
    spans = runner(jobs)
    return Run(name, start, time.perf_counter() - start, spans)


# 3. Report each time, and how many times faster than running directly it was.
def result_line(run, direct):
    line = f"Execute {run.name + ':':<16} {run.seconds:.3f} sec"
    if run is direct:
        return line
    ratio = direct.seconds / run.seconds
    if ratio >= 1.05:
        return f"{line}   {ratio:.1f}x faster"
    if ratio <= 0.95:
        return f"{line}   {1 / ratio:.1f}x slower"
    return f"{line}   about the same"


def start_cost_line(threads, processes, workers, method):
    """With no work, a run's time is what starting and joining its workers cost."""
    thread, process = threads.seconds / workers, processes.seconds / workers
    return (
        f"Start cost: a thread {thread * 1000:.3f} ms, a process ({method}) {process * 1000:.3f} ms:"
        f" a process cost {process / thread:.0f}x a thread"
    )


# 4. The timeline: one row per worker, one column per slice of time, on one scale for
#    all three runs, so that one after another and all at once can be told at a glance.
WIDTH = 60
LINE = 79  # what fits a classic 80-column terminal
MAX_ROWS = 16  # with more workers, each row stands for a group of them


def timeline(runs):
    groups = worker_groups(len(runs[0].spans))
    number_width = len(group_label(groups[-1]))
    width = min(WIDTH, LINE - (16 + 1 + number_width + 1))
    scale = max(run.seconds for run in runs) / width
    size = "one worker" if len(groups[0]) == 1 else f"{len(groups[0])} workers"
    lines = [f"When each worker ran (one column = {scale * 1000:.3g} ms, one row = {size}):"]
    for run in runs:
        for row, group in enumerate(groups):
            label = run.name if row == 0 else ""
            cells = timeline_cells(run, [run.spans[n - 1] for n in group], scale, width)
            lines.append(f"{label:<16} {group_label(group):>{number_width}} " + common.paint(cells, group[0]))
    return lines


def worker_groups(workers):
    """Worker numbers 1..workers in at most MAX_ROWS consecutive groups."""
    size = math.ceil(workers / MAX_ROWS)
    return [list(range(first, min(first + size, workers + 1))) for first in range(1, workers + 1, size)]


def group_label(group):
    return str(group[0]) if len(group) == 1 else f"{group[0]}-{group[-1]}"


def timeline_cells(run, spans, scale, width):
    """A row with a block in each column where one of the spans ran; at least one block."""

    def column(moment):
        return min(width, round((moment - run.start) / scale))

    filled = [False] * width
    for span in spans:
        first, last = column(span.start), column(span.end)
        filled[first:last] = [True] * (last - first)
    if not any(filled):  # too short to see at this scale: one block where it began
        filled[min(width - 1, column(spans[0].start))] = True
    block = common.glyph("█")
    return "".join(block if cell else " " for cell in filled).rstrip()


def main(argv=None):
    args = parse_args(argv)
    jobs = make_jobs(args.work, args.workers, args.iterations)
    bars = args.work != "none"  # idle workers print nothing, so there is nothing to set apart
    runs = []
    for index, (name, runner) in enumerate(modes(args.start_method)):
        if index and bars:
            common.say("\n\n")  # blank lines between the phases, as in the seed
        runs.append(timed_run(name, runner, jobs))
    if bars:
        common.say("\n")
    common.say(common.describe_python(args.start_method))
    for run in runs:
        common.say(result_line(run, runs[0]))
    if args.work == "none":
        common.say(start_cost_line(runs[1], runs[2], args.workers, common.method_name(args.start_method)))
    common.say("")
    for line in timeline(runs):
        common.say(line)


if __name__ == "__main__":
    common.run_demo(main)
