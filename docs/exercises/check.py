"""Check an exercise: it says plainly whether the answer works, and why not.

  python docs/exercises/check.py faster          # docs/exercises/faster.py
  python docs/exercises/check.py race my_race.py  # your own copy of it

Exit status 0: it works; 1: not yet; 2: no such exercise or file.
"""

import importlib
import os
import sys
import tempfile
import threading
import time
import traceback
from functools import partial

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))  # common.py's

import common  # noqa: E402
import demo_stopwatch  # noqa: E402


def main(argv):
    if not argv or argv[0] not in CHECKS:
        print(
            f"usage: check.py {{{','.join(CHECKS)}}} [FILE]", file=sys.stderr
        )
        return 2
    name = argv[0]
    path = os.path.abspath(
        argv[1] if len(argv) > 1 else os.path.join(HERE, f"{name}.py")
    )
    if not os.path.isfile(path):
        print(f"check.py: no file {path}", file=sys.stderr)
        return 2
    sys.path.insert(
        0, os.path.dirname(path)
    )  # a child process imports it from there too
    try:
        module = importlib.import_module(
            os.path.splitext(os.path.basename(path))[0]
        )
        works, why = CHECKS[name](module)
    except (
        Exception
    ) as error:  # the learner's file itself failed: say where, in one line
        works, why = False, failed_where(error, path)
    print(("works: " if works else "not yet: ") + why)
    return 0 if works else 1


def failed_where(error, path):
    """'race.py, line 12: NameError: ...': the line of the learner's file that
    failed, if any."""
    if isinstance(error, SyntaxError):
        return (
            f"{os.path.basename(error.filename or path)}, line {error.lineno}:"
            f" SyntaxError: {error.msg}"
        )
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename == path
    ]
    where = (
        f"{os.path.basename(path)}, line {frames[-1].lineno}: "
        if frames
        else ""
    )
    return f"{where}{type(error).__name__}: {error}"


# -- 1. Faster: where the sums were computed, read from a trace each call
# leaves ---------------

TRACE = os.environ.setdefault(
    "EXERCISE_TRACE", os.path.join(tempfile.mkdtemp(), "trace")
)


def traced_compute(steps):
    """common.compute, leaving a line in the trace: when, in which process,
    interpreter, thread.
    Top level here, so that a child process or an interpreter can find it by
    name.
    """
    start = time.perf_counter()
    result = common.compute(steps)
    try:
        import _interpreters  # 3.13+: which interpreter of the process this is

        interpreter = _interpreters.get_current()[0]
    except (ImportError, AttributeError, TypeError):
        interpreter = 0
    with open(
        TRACE, "a", encoding="utf-8"
    ) as trace:  # appends are whole lines, from anywhere
        trace.write(
            f"{os.getpid()} {interpreter} {threading.get_ident()} {start}"
            f" {time.perf_counter()}\n"
        )
    return result


def check_faster(module):
    steps, times = (
        demo_stopwatch.steps_for(0.05),
        4,
    )  # 50 ms each: long enough to overlap where they can
    module.compute = (
        traced_compute  # what crunch_all calls, by its global name
    )
    open(TRACE, "w").close()
    start = time.perf_counter()
    results = module.crunch_all(steps, times)
    took = time.perf_counter() - start
    if results != [common.compute(steps)] * times:
        return (
            False,
            (
                f"crunch_all gave {results!r}: {times} sums, in order, are"
                " expected"
            ),
        )
    with open(TRACE, encoding="utf-8") as trace:
        calls = [line.split() for line in trace]
    if len(calls) != times:
        return (
            False,
            (
                f"compute ran {len(calls)} times, not {times}, as far as the"
                " check can see: call it by the name the file imports it as,"
                " once a sum, so that the check sees where each ran"
            ),
        )
    places = {(pid, interpreter) for pid, interpreter, *_ in calls}
    threads = {
        (pid, interpreter, thread) for pid, interpreter, thread, *_ in calls
    }
    spans = sorted((float(start), float(end)) for *_, start, end in calls)
    at_once = any(
        later[0] < earlier[1] for earlier, later in zip(spans, spans[1:])
    )
    if not at_once:
        return (
            False,
            (
                f"the {times} sums ran one after another ({took:.2f} s): start"
                " them all before waiting for any"
            ),
        )
    if len(places) > 1:
        pids = {pid for pid, _ in places}
        where = (
            f"{len(pids)} processes"
            if len(pids) > 1
            else f"{len(places)} interpreters of one process"
        )
        return (
            True,
            (
                f"the sums ran at once in {where}, a GIL each: {took:.2f} s on"
                f" {common.available_cpus()} CPUs"
            ),
        )
    if len(threads) > 1 and not common.gil_enabled():
        return (
            True,
            (
                f"this Python has no GIL: {len(threads)} threads computed at"
                f" once, in {took:.2f} s"
            ),
        )
    return (
        False,
        (
            f"the {times} sums ran in one process, in threads: with the GIL"
            " they take turns at one CPU. Run them in processes"
            " (multiprocessing, ProcessPoolExecutor, common.run_in_processes)"
        ),
    )


# -- 2. Race: every deposit counted, in threads, every time
# -------------------------------------


class Waits:
    """A time module whose sleep() is counted: the deposits must still wait, as
    for a database."""

    def __init__(self):
        self.count, self.counting = (
            0,
            threading.Lock(),
        )  # the deposits' threads all count here

    def sleep(self, seconds):
        # the check's own race, else: without the GIL it lost counts (3.13t)
        with self.counting:
            self.count += 1
        time.sleep(seconds)

    def __getattr__(self, name):
        return getattr(time, name)


def check_race(module, rounds=3, times=200):
    used, waits = [], Waits()
    real = common.run_in_threads

    def counted(jobs):
        used.append(len(jobs))
        return real(jobs)

    module.run_in_threads = common.run_in_threads = counted  # by either name
    module.time = waits
    for done in range(
        1, rounds + 1
    ):  # how it ran before what it gave: a race without its wait
        balance = module.run(
            times
        )  # may still lose deposits (PyPy), and is not the fix either way
        if used != [4] * done:
            return (
                False,
                (
                    "the deposits no longer run in four threads: keep"
                    " run_in_threads, and lock the update"
                ),
            )
        if waits.count < done * 4 * times:
            return (
                False,
                (
                    "the deposits no longer wait, as they would for a"
                    " database: a race hidden, not fixed. Keep the sleep, and"
                    " hold a threading.Lock across the read, the wait and the"
                    " write"
                ),
            )
        if balance != 4 * times:
            return (
                False,
                (
                    f"{4 * times} deposited, the balance is {balance}:"
                    f" {4 * times - balance} lost. Another thread wrote"
                    " between a read and its write: hold a threading.Lock"
                    " across both"
                ),
            )
    return (
        True,
        (
            f"{rounds} runs of four threads, {4 * times} deposits each time,"
            " none lost"
        ),
    )


# -- 3. Choose: the choices, and the reason, measured here
# --------------------------------------

REASONS = {
    "download": (
        "threads",
        (
            "a waiting thread lets go of the GIL, so threads wait at once, as"
            " processes would, but a thread starts in a fraction of a"
            " millisecond, a process in several milliseconds"
        ),
    ),
    "render": (
        "processes",
        (
            "computing holds the GIL: threads take turns, processes each have"
            " a GIL"
        ),
    ),
}


def check_choose(module):
    wrong = []
    for job, (way, why) in REASONS.items():
        chosen = module.WAY_FOR.get(job)
        if chosen == way or (
            job == "render"
            and chosen == "threads"
            and not common.gil_enabled()
        ):
            continue
        wrong.append(f"{job}: {way}, not {chosen!r}: {why}")
    if wrong:
        return False, "; ".join(wrong)
    jobs = [partial(module.download, n) for n in range(4)]
    ways = {way.mode: way for way in common.WAYS}
    threads, processes = (
        common.time_jobs(way.name, common.runner_for(way), jobs).seconds
        for way in (ways["threads"], ways["processes"])
    )
    return (
        True,
        (
            "threads for waiting, processes for computing (four downloads"
            f" here: threads {threads:.2f} s, processes {processes:.2f} s)"
        ),
    )


# -- 4. Pool: sizes for machines of 1 to 64 CPUs
# --------------------------------------------------


def check_pool(module):
    for cpus in (1, 2, 8, 64):
        threads, processes = module.sizes(cpus)
        if threads < module.DOWNLOADS:
            rounds = -(-module.DOWNLOADS // max(threads, 1))
            return (
                False,
                (
                    f"{module.DOWNLOADS} downloads in {threads} threads wait"
                    f" in {rounds} rounds: waiting threads cost little, give"
                    " each download one"
                ),
            )
        if threads > module.DOWNLOADS:
            return (
                False,
                (
                    f"{threads} threads for {module.DOWNLOADS} downloads:"
                    " beyond one a download they sit idle, each with its"
                    " memory for a stack"
                ),
            )
        if processes != min(module.CRUNCHES, cpus):
            more = processes > cpus
            return False, (
                f"{processes} processes for {module.CRUNCHES} jobs on {cpus}"
                " CPUs: "
                + (
                    "beyond the CPUs they only take turns, and each costs a"
                    " start"
                    if more
                    else (
                        "beyond the jobs they sit idle"
                        if processes > module.CRUNCHES
                        else "CPUs are left idle"
                    )
                )
            )
    return (
        True,
        (
            "a thread per download, and processes up to the CPUs (or the jobs,"
            " if fewer)"
        ),
    )


CHECKS = {
    "faster": check_faster,
    "race": check_race,
    "choose": check_choose,
    "pool": check_pool,
}

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
