"""The same workers run three ways, timed: directly, in threads, in processes.

    python demo_stopwatch.py               # waiting work: threads win
    python demo_stopwatch.py --work cpu    # CPU work: threads win nothing, processes do

Each worker prints its bar, '██ N ██', once per iteration. Watch the bars: run directly
they come worker by worker; in threads and processes they interleave.
"""

import time
from functools import partial

import common

# 1. The kinds of work: one worker function each, told which worker it is.
WORK = {
    "sleep": common.sleepy_worker,  # waits: the GIL is released while it sleeps
    "cpu": common.busy_worker,  # computes: the GIL is held while it computes
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
def modes(start_method):
    return [
        ("Directly", common.run_directly),
        ("Threading", common.run_in_threads),
        ("Multiprocessing", partial(common.run_in_processes, start_method=start_method)),
    ]


def timed_run(runner, jobs):
    """Seconds from the first job's start to the last job's end, as the caller sees it."""
    start = time.perf_counter()
    runner(jobs)
    return time.perf_counter() - start


# 3. Report each time, and how many times faster than running directly it was.
def result_line(name, seconds, direct):
    line = f"Execute {name + ':':<16} {seconds:.3f} sec"
    if name == "Directly":
        return line
    ratio = direct / seconds
    if ratio >= 1.05:
        return f"{line}   {ratio:.1f}x faster"
    if ratio <= 0.95:
        return f"{line}   {1 / ratio:.1f}x slower"
    return f"{line}   about the same"


def main(argv=None):
    args = parse_args(argv)
    jobs = make_jobs(args.work, args.workers, args.iterations)
    seconds = {}
    for index, (name, runner) in enumerate(modes(args.start_method)):
        if index:
            common.say("\n\n")  # blank lines between the phases, as in the seed
        seconds[name] = timed_run(runner, jobs)
    common.say("\n")
    for name in seconds:
        common.say(result_line(name, seconds[name], seconds["Directly"]))


if __name__ == "__main__":
    common.run_demo(main)
