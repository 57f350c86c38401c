"""Do the demos reach the limits? Speedups, start costs and scaling, measured in one process,
then CPU work under each other interpreter named on the command line.

    python tests/benchmark.py                      # about five minutes on a 2-core machine
    python tests/benchmark.py --quick              # fewer repetitions, smaller scaling runs
    python tests/benchmark.py python3.13t "env PYTHON_GIL=1 python3.13t" /opt/py314/bin/python3

Each interpreter is a command that runs a Python with this repository as its current folder:
a name on PATH, a path, or a wrapper (env, a container's runner) followed by its Python.

Not collected by pytest: timings belong here, as ratios within one run, not in tests.
The workers' bars go to the null device while timing, so what is measured is the demo's
own machinery and work, not a terminal drawing text.
"""

import argparse
import contextlib
import json
import multiprocessing
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import common  # noqa: E402
import demo_stopwatch  # noqa: E402

METHODS = multiprocessing.get_all_start_methods()


@contextlib.contextmanager
def bars_to_devnull():
    """Send file descriptor 1 (the workers' stdout, in every process) to the null device."""
    sys.stdout.flush()
    saved = os.dup(1)
    common.stdout_to_null()
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def watched_ways(jobs, method=None):
    """One phase of each way this Python runs, as the stopwatch runs them."""
    return [
        demo_stopwatch.watched(way, common.runner_for(way, method), jobs)
        for way in common.ways_here()
    ]


def direct_of(phases):
    """The seconds of the phase that ran its jobs directly: the one that starts nothing."""
    return next(phase.timing.seconds for phase in phases if not phase.way.starts)


def ways_started():
    """The ways here that start workers: every way but running directly."""
    return [way for way in common.ways_here() if way.starts]


def others(phases):
    """The most CPUs other programs kept busy in one of the phases."""
    return max((phase.seen.other or 0.0) for phase in phases)


def speedups(work, workers, iterations, method=None):
    """One run of each way on the same jobs: {way: direct seconds / its seconds}, and the most CPUs
    other programs kept busy in one of them."""
    jobs = demo_stopwatch.make_jobs(work, workers, iterations)
    phases = watched_ways(jobs, method)
    direct = direct_of(phases)
    return {
        phase.way.name: direct / phase.timing.seconds for phase in phases if phase.way.starts
    }, others(phases)


def median_speedups(repeats, *args, samples=None):
    """The median of each way's speedup over several runs, and of the load the most; each run's
    speedups also go to `samples`, a list, if one is given."""
    with bars_to_devnull():
        runs = [speedups(*args) for _ in range(repeats)]
    if samples is not None:
        samples += [run[0] for run in runs]
    names = runs[0][0]
    return {name: statistics.median(run[0][name] for run in runs) for name in names}, max(
        run[1] for run in runs
    )


def spread(values):
    """'median (middle half low-high)' of some ratios."""
    low, middle, high = statistics.quantiles(values, n=4) if len(values) > 1 else values * 3
    return f"{middle:.2f} (middle half {low:.2f}-{high:.2f})"


def interpreter_start(repeats=20):
    """Median milliseconds of making and closing a bare interpreter, of making one, calling int(1)
    in it and closing it (the floors), and of run_in_interpreters on one empty job."""
    from concurrent import interpreters
    from functools import partial

    def bare():
        interpreters.create().close()

    def one():
        common.run_in_interpreters([partial(common.idle_worker, 1)])

    def call():
        interpreter = interpreters.create()
        interpreter.call(int, 1)
        interpreter.close()

    medians = []
    for function in (bare, call, one):
        function()  # a first, cold run is not what a start costs
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times) * 1000)
    return medians


def load(other, cpus):
    """Other programs' load beside a figure, flagged where it may have lowered it."""
    return f"  others {other:.1f} of {cpus} CPUs" + (
        " (a loaded run: this figure may be low)" if other > cpus / 8 else ""
    )


def cpu_profile(repeats, method=None):
    """Medians, for 4 workers of CPU work: each way's speedup, and CPUs busy per way."""
    jobs = demo_stopwatch.make_jobs("cpu", 4, 1000)
    samples = []
    with bars_to_devnull():
        for _ in range(repeats):
            phases = watched_ways(jobs, method)
            direct = direct_of(phases)
            sample = {f"{phase.way.name}_busy": common.cpus_busy(phase.timing) for phase in phases}
            sample.update(
                {
                    phase.way.name: direct / phase.timing.seconds
                    for phase in phases
                    if phase.way.starts
                }
            )
            samples.append(dict(sample, others=others(phases)))
    profile = {
        key: statistics.median(sample[key] for sample in samples)
        for key in samples[0]
        if key != "others"
    }
    return dict(profile, others=max(sample["others"] for sample in samples))


def interpreter_endings(repeats=20):
    """Median milliseconds from Ctrl-C to run_in_interpreters raising it, its two jobs asleep for a
    minute (the stop reaching each and each closed), and from the last job's end to the end of
    a run of two empty jobs (the phase's own ending)."""
    import signal
    import threading
    from functools import partial

    stops, endings = [], []
    for _ in range(repeats):
        asked = []
        timer = threading.Timer(
            0.05, lambda: (asked.append(time.perf_counter()), os.kill(os.getpid(), signal.SIGINT))
        )  # wakes a join
        timer.start()
        try:
            common.run_in_interpreters([partial(common.sleep_unless_stopped, 60)] * 2)
        except KeyboardInterrupt:
            stops.append(time.perf_counter() - asked[0])
        timer.join()
        spans = common.run_in_interpreters([partial(common.idle_worker, n) for n in (1, 2)])
        endings.append(time.perf_counter() - max(span.end for span in spans))
    return statistics.median(stops) * 1000, statistics.median(endings) * 1000


def profile_elsewhere(command, repeats):
    """Run this file's --cpu-profile under another interpreter, from the repository's folder, and
    read back its JSON line."""
    result = subprocess.run(
        shlex.split(command) + ["tests/benchmark.py", "--cpu-profile", str(repeats)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def machinery_costs(repeats):
    """What the demo's own machinery adds: per printed line, and per run beyond the workers'
    spans."""
    line = common.bar(1)
    with bars_to_devnull():
        start = time.perf_counter()
        for _ in range(20000):
            common.say(line)
        per_line = (time.perf_counter() - start) / 20000
        start = time.perf_counter()
        for _ in range(1000):
            time.sleep(0.0001)
        per_sleep = (time.perf_counter() - start) / 1000
        jobs = demo_stopwatch.make_jobs("sleep", 4, 200)
        extra = {way.name: [] for way in ways_started()}
        for _ in range(repeats):
            for way in ways_started():
                run = common.time_jobs(way.name, common.runner_for(way), jobs)
                busy = max(span.end for span in run.spans) - min(span.start for span in run.spans)
                extra[way.name].append(run.seconds - busy)
    return per_line, per_sleep, {name: statistics.median(values) for name, values in extra.items()}


def lap_cost(repeats, count=20000):
    """CPU seconds one lap() takes as a worker keeps them, inside a job: the median over runs of
    many in a row (as the difference of two runs of CPU work it is lost in this VM's varying CPU).
    """

    def many_laps():
        for _ in range(count):
            common.lap()

    costs = []
    for _ in range(repeats):
        start = common.thread_cpu()
        common.outcome(many_laps)
        costs.append((common.thread_cpu() - start) / count)
    return statistics.median(costs)


def start_costs(repeats, workers=8):
    """Median seconds to start and join one idle worker of each way: a process per start method."""
    jobs = demo_stopwatch.make_jobs("none", workers, 1)

    def per_worker(runner):
        runner(jobs)  # a first, cold run is not what a start costs
        runs = [common.time_jobs("", runner, jobs) for _ in range(repeats)]
        return statistics.median(run.seconds for run in runs) / workers

    costs = {}
    for way in ways_started():
        for method in METHODS if common.takes_start_method(way) else [None]:
            what = f"{way.starts} ({method})" if method else way.starts
            costs[what] = per_worker(common.runner_for(way, method))
    return costs


def whole_demo_seconds(repeats):
    """Median wall time of the default `python demo_stopwatch.py`, its output to the null
    device."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "demo_stopwatch.py")],
            stdout=subprocess.DEVNULL,
            check=True,
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def busy_laptop(runs):
    """Single runs of CPU work beside busy programs, as on a laptop that is never quiet: how many
    verdicts said the opposite of the lesson (none should), how many were left out."""
    from test_stopwatch import RESULT, found, reruns
    from test_waiting import against_the_lesson, runs_beside_busy_programs

    start = time.perf_counter()
    results = runs_beside_busy_programs(runs, 400)
    seconds = (time.perf_counter() - start) / runs
    middles = [
        match["middle"]
        for result in results
        for match in found(RESULT, result.stdout.splitlines())
        if match["middle"]
    ]
    cpus = common.available_cpus()
    return {
        "wrong": sum(len(against_the_lesson(result.stdout, cpus)) for result in results),
        "verdicts": len(middles),
        "disturbed": middles.count("(disturbed)"),
        "again": sum(reruns(result.stdout) for result in results),
        "seconds": seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="3 repetitions instead of 9, smaller scaling runs"
    )
    parser.add_argument(
        "interpreters",
        nargs="*",
        metavar="INTERPRETER",
        help="another Python to measure CPU work on",
    )
    parser.add_argument("--cpu-profile", type=int, metavar="REPEATS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cpu_profile:  # one interpreter's share of the comparison across interpreters
        print(json.dumps(dict(cpu_profile(args.cpu_profile), python=common.describe_python())))
        return
    demo_stopwatch.steps_for(
        demo_stopwatch.WORK["cpu"].seconds
    )  # sized first, as the demo does before any phase
    # Medians of 9: on a shared 2-core machine single runs of CPU work range over +-8%.
    repeats, scale_iterations = (3, 300) if args.quick else (9, 1000)
    cpus = common.available_cpus()
    others_here = ways_started()
    columns = "".join(f"{way.mode:>14}" for way in others_here)

    print(common.describe_python())
    print(
        f"medians of {repeats} runs; speedup = direct seconds / a way's seconds, within each run\n"
    )

    sleep, sleep_load = median_speedups(repeats, "sleep", 4, 1000)
    cpu, cpu_load = median_speedups(repeats, "cpu", 4, 1000)
    ideal_cpu = min(4, cpus)
    print(f"{'4 workers':<22}{columns}{'ideal':>8}  (others: the most other programs kept busy)")
    for label, figures, ideal, other in [
        ("waiting work (sleep)", sleep, 4, sleep_load),
        ("CPU work (cpu)", cpu, ideal_cpu, cpu_load),
    ]:
        cells = "".join(f"{figures[way.name]:>13.2f}x" for way in others_here)
        print(f"{label:<22}{cells}{ideal:>7.1f}x{load(other, cpus)}")
    print(f"threads reach {sleep['Threading'] / 4:.0%} of the ideal on waiting work;", end=" ")
    print(
        f"processes reach {cpu['Multiprocessing'] / ideal_cpu:.0%} of the ideal on CPU work",
        end="",
    )
    if "Interpreters" in cpu:
        print(
            f"; interpreters {cpu['Interpreters'] / cpu['Multiprocessing']:.2f}x what processes"
            " reach",
            end="",
        )
    print("\n")

    per_line, per_sleep, extra = machinery_costs(repeats)
    print("the demo's own machinery")
    print(f"  say(): one line written whole  {per_line * 1e6:>8.2f} us", end="")
    print(f"  (the 0.1 ms sleep really takes {per_sleep * 1e6:.0f} us)")
    for name, seconds in extra.items():
        print(
            f"  {name + ' runner':<31}{seconds * 1000:>8.2f} ms a run, beyond the workers' own"
            " spans"
        )
    added, iteration = lap_cost(repeats), demo_stopwatch.WORK["cpu"].seconds
    print(
        f"  lap(): a worker's laps kept    {added * 1e6:>8.2f} us an iteration,"
        f" {added / iteration:.1%} of its {iteration * 1000:.1f} ms of CPU work"
    )
    print()

    print("4 workers of CPU work, by start method")
    for method in METHODS:
        runs = []
        figures, other = median_speedups(max(9, repeats), "cpu", 4, 1000, method, samples=runs)
        print(
            f"  processes ({method}){'':<{12 - len(method)}}{figures['Multiprocessing']:>8.2f}x"
            f" over direct{load(other, cpus)}"
        )
        if "Interpreters" in figures and method == "fork":  # in the same runs, alongside
            ratios = [run["Interpreters"] / run["Multiprocessing"] for run in runs]
            print(
                f"  interpreters{'':<12}{figures['Interpreters']:>8.2f}x over direct: in each of"
                f" {len(runs)} runs, {spread(ratios)}x what fork processes reach beside them"
            )
            # Each interpreter's start (made, its modules imported afresh, closed) is part of
            # the 0.2 s a worker computes: on five times the work, what is left of it.
            longer, other = median_speedups(max(3, repeats // 2), "cpu", 4, 5000, method)
            print(
                f"  on 5x the work, 1 s a worker: interpreters {longer['Interpreters']:.2f}x, fork"
                f" processes {longer['Multiprocessing']:.2f}x over direct:"
                f" {longer['Interpreters'] / longer['Multiprocessing']:.2f}x{load(other, cpus)}"
            )
    print()

    costs = start_costs(repeats * 3)
    unit, first = next(iter(costs.items()))
    print("start and join one idle worker (median of 8-worker runs)")
    for what, seconds in costs.items():
        print(f"  {what:<24}{seconds * 1000:>9.3f} ms{seconds / first:>8.0f}x {unit}")
    if not common.interpreters_missing():
        bare, call, one = interpreter_start()
        print(
            f"  an interpreter's whole start (made, an empty job run, closed) {one:.1f} ms; a bare"
            f" one made and closed {bare:.1f} ms ({one / bare:.2f}x), made, int(1) called and"
            f" closed {call:.1f} ms ({one - call:+.1f} ms); medians of 20"
        )
        stop, ending = interpreter_endings()
        print(
            f"  Ctrl-C to every interpreter stopped and closed {stop:.1f} ms; the last job's end"
            f" to its phase's {ending:.1f} ms; medians of 20"
        )
    print()

    print(f"speedup over direct as workers grow ({scale_iterations} iterations each)")
    print(f"{'workers':>8}   sleep:{columns}   cpu:{columns}")
    for workers in (1, 2, 4, 8, 16):
        slept, sleep_other = median_speedups(
            max(3, repeats // 2), "sleep", workers, scale_iterations
        )
        computed, cpu_other = median_speedups(
            max(3, repeats // 2), "cpu", workers, scale_iterations
        )
        cells = [
            f"{figures[way.name]:>13.2f}x" for figures in (slept, computed) for way in others_here
        ]
        half = len(others_here)
        print(
            f"{workers:>8}         {''.join(cells[:half])}       {''.join(cells[half:])}"
            f"{load(max(sleep_other, cpu_other), cpus)}"
        )
    print()

    whole = whole_demo_seconds(repeats)
    print(f"python demo_stopwatch.py, start to exit: {whole:.2f} s\n")

    runs = 3 if args.quick else 10
    said = busy_laptop(runs)
    print(
        f"beside 2 programs computing and 2 computing in bursts, {runs} single runs of"
        f" --work cpu --iterations 400:\n  {said['wrong']} of {said['verdicts']} verdicts"
        f" against the lesson, {said['disturbed']} (disturbed), {said['again']} phases run"
        f" again; {said['seconds']:.1f} s a run\n"
    )

    profiles = [
        (common.describe_python(), dict(cpu_profile(repeats), python=common.describe_python()))
    ]
    for command in args.interpreters:
        profiles.append((command, profile_elsewhere(command, repeats)))
    started = [way for way in common.WAYS if way.starts]
    names = [way.name for way in started]
    print("4 workers of CPU work, by interpreter: speedup over direct, and CPUs busy")
    print(
        f"  {'':<40}"
        + "".join(f"{way.mode:>13}" for way in started)
        + "   CPUs busy: "
        + " ".join(way.mode for way in common.WAYS)
    )
    for label, p in profiles:
        name, gil, *_, method = p["python"].split(
            ", "
        )  # 'Python 3.13.15', 'GIL disabled', ..., 'start method fork'
        cells = "".join(f"{p[n]:>12.2f}x" if n in p else f"{'-':>13}" for n in names)
        busy = " ".join(
            f"{p.get(way.name + '_busy', float('nan')):>{len(way.mode)}.1f}" for way in common.WAYS
        )
        print(
            f"  {f'{name}, {gil}, {method.split()[-1]}':<40}{cells}   CPUs busy:"
            f" {busy}{load(p['others'], cpus)}"
        )
    print()
    print(
        f"the default demo, start to exit: {whole:.2f} s; threads on its waiting work:"
        f" {sleep['Threading']:.2f}x of 4x;"
    )
    print(
        f"processes on 4 workers of CPU work: {cpu['Multiprocessing']:.2f}x of {ideal_cpu:.1f}x"
        f" ({cpus} CPUs)"
    )


if __name__ == "__main__":
    main()
