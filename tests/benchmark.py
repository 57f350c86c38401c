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
from functools import partial
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
    """One phase of each way in the table, as the stopwatch runs them."""
    return [demo_stopwatch.watched(way, common.runner_for(way, method), jobs) for way in common.WAYS]


def speedups(work, workers, iterations, method=None):
    """One run of each mode on the same jobs: (direct seconds, threads' speedup, processes' speedup,
    the most CPUs other programs kept busy in one of the three)."""
    jobs = demo_stopwatch.make_jobs(work, workers, iterations)
    phases = watched_ways(jobs, method)
    direct, threads, processes = (phase.timing.seconds for phase in phases)
    return direct, direct / threads, direct / processes, max(phase.other or 0.0 for phase in phases)


def median_speedups(repeats, *args):
    """The median of each of speedups()'s numbers over several runs (of the load: the most)."""
    with bars_to_devnull():
        samples = [speedups(*args) for _ in range(repeats)]
    *medians, _ = [statistics.median(column) for column in zip(*samples)]
    return medians + [max(sample[-1] for sample in samples)]


def load(other, cpus):
    """Other programs' load beside a figure, flagged where it may have lowered it."""
    return f"  others {other:.1f} of {cpus} CPUs" + (" (a loaded run: this figure may be low)" if other > cpus / 8 else "")


def cpu_profile(repeats, method=None):
    """Medians, for 4 workers of CPU work: threads' and processes' speedups, and CPUs busy per mode."""
    jobs = demo_stopwatch.make_jobs("cpu", 4, 1000)
    samples = []
    with bars_to_devnull():
        for _ in range(repeats):
            phases = watched_ways(jobs, method)
            runs = [phase.timing for phase in phases]
            direct, threads, processes = (run.seconds for run in runs)
            samples.append([direct / threads, direct / processes] + [common.cpus_busy(run) for run in runs])
            samples[-1].append(max(phase.other or 0.0 for phase in phases))
    keys = ["threads", "processes", "direct_busy", "threads_busy", "processes_busy"]
    profile = dict(zip(keys, (statistics.median(column) for column in zip(*samples))))
    return dict(profile, others=max(sample[-1] for sample in samples))


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
    """What the demo's own machinery adds: per printed line, and per run beyond the workers' spans."""
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
        extra = {way.name: [] for way in common.WAYS}
        for _ in range(repeats):
            for way in common.WAYS:
                name = way.name
                run = common.time_jobs(name, common.runner_for(way), jobs)
                busy = max(span.end for span in run.spans) - min(span.start for span in run.spans)
                extra[name].append(run.seconds - busy if name != "Directly" else 0.0)
    return per_line, per_sleep, {name: statistics.median(values) for name, values in extra.items()}


def start_costs(repeats, workers=8):
    """Median seconds to start and join one idle thread, and one idle process per start method."""
    jobs = demo_stopwatch.make_jobs("none", workers, 1)

    def per_worker(runner):
        runner(jobs)  # a first, cold run is not what a start costs
        runs = [common.time_jobs("", runner, jobs) for _ in range(repeats)]
        return statistics.median(run.seconds for run in runs) / workers

    costs = {"thread": per_worker(common.run_in_threads)}
    for method in METHODS:
        costs[f"process ({method})"] = per_worker(partial(common.run_in_processes, start_method=method))
    return costs


def whole_demo_seconds(repeats):
    """Median wall time of the default `python demo_stopwatch.py`, its output to the null device."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "demo_stopwatch.py")], stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repetitions instead of 9, smaller scaling runs")
    parser.add_argument("interpreters", nargs="*", metavar="INTERPRETER", help="another Python to measure CPU work on")
    parser.add_argument("--cpu-profile", type=int, metavar="REPEATS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cpu_profile:  # one interpreter's share of the comparison across interpreters
        print(json.dumps(dict(cpu_profile(args.cpu_profile), python=common.describe_python())))
        return
    # Medians of 9: on a shared 2-core machine single runs of CPU work range over +-8%.
    repeats, scale_iterations = (3, 300) if args.quick else (9, 1000)
    cpus = common.available_cpus()

    print(common.describe_python())
    print(f"medians of {repeats} runs; speedup = direct seconds / mode seconds, within each run\n")

    _, sleep_threads, sleep_processes, sleep_load = median_speedups(repeats, "sleep", 4, 1000)
    _, cpu_threads, cpu_processes, cpu_load = median_speedups(repeats, "cpu", 4, 1000)
    ideal_cpu = min(4, cpus)
    print(f"{'4 workers':<24}{'threads':>10}{'processes':>12}{'ideal':>8}  (others: the most other programs kept busy)")
    print(f"{'waiting work (sleep)':<24}{sleep_threads:>9.2f}x{sleep_processes:>11.2f}x{4:>7.1f}x{load(sleep_load, cpus)}")
    print(f"{'CPU work (cpu)':<24}{cpu_threads:>9.2f}x{cpu_processes:>11.2f}x{ideal_cpu:>7.1f}x{load(cpu_load, cpus)}")
    print(f"threads reach {sleep_threads / 4:.0%} of the ideal on waiting work;", end=" ")
    print(f"processes reach {cpu_processes / ideal_cpu:.0%} of the ideal on CPU work\n")

    per_line, per_sleep, extra = machinery_costs(repeats)
    print("the demo's own machinery")
    print(f"  say(): one line written whole  {per_line * 1e6:>8.2f} us", end="")
    print(f"  (the 0.1 ms sleep really takes {per_sleep * 1e6:.0f} us)")
    for name in ("Threading", "Multiprocessing"):
        print(f"  {name + ' runner':<31}{extra[name] * 1000:>8.2f} ms a run, beyond the workers' own spans")
    print()

    print("4 workers of CPU work, by start method")
    for method in METHODS:
        _, _, processes, other = median_speedups(repeats, "cpu", 4, 1000, method)
        print(f"  processes ({method}){'':<{12 - len(method)}}{processes:>8.2f}x over direct{load(other, cpus)}")
    print()

    costs = start_costs(repeats * 3)
    print("start and join one idle worker (median of 8-worker runs)")
    for what, seconds in costs.items():
        print(f"  {what:<24}{seconds * 1000:>9.3f} ms{seconds / costs['thread']:>8.0f}x a thread")
    print()

    print(f"speedup over direct as workers grow ({scale_iterations} iterations each)")
    print(f"{'workers':>8}{'sleep: threads':>16}{'processes':>11}{'cpu: threads':>14}{'processes':>11}")
    for workers in (1, 2, 4, 8, 16):
        _, st, sp, sleep_other = median_speedups(max(3, repeats // 2), "sleep", workers, scale_iterations)
        _, ct, cp, cpu_other = median_speedups(max(3, repeats // 2), "cpu", workers, scale_iterations)
        print(f"{workers:>8}{st:>15.2f}x{sp:>10.2f}x{ct:>13.2f}x{cp:>10.2f}x{load(max(sleep_other, cpu_other), cpus)}")
    print()

    whole = whole_demo_seconds(repeats)
    print(f"python demo_stopwatch.py, start to exit: {whole:.2f} s\n")

    profiles = [(common.describe_python(), dict(cpu_profile(repeats), python=common.describe_python()))]
    for command in args.interpreters:
        profiles.append((command, profile_elsewhere(command, repeats)))
    print("4 workers of CPU work, by interpreter: speedup over direct, and CPUs busy")
    print(f"  {'':<40}{'threads':>8}{'processes':>10}   CPUs busy: direct threads processes")
    for label, p in profiles:
        name, gil, _, method = p["python"].split(", ")  # 'Python 3.13.15', 'GIL disabled', _, 'start method fork'
        print(f"  {f'{name}, {gil}, {method.split()[-1]}':<40}{p['threads']:>7.2f}x{p['processes']:>9.2f}x", end="")
        print(f"{p['direct_busy']:>18.1f}{p['threads_busy']:>8.1f}{p['processes_busy']:>10.1f}{load(p['others'], cpus)}")
    print()
    print(f"the default demo, start to exit: {whole:.2f} s; threads on its waiting work: {sleep_threads:.2f}x of 4x;")
    print(f"processes on 4 workers of CPU work: {cpu_processes:.2f}x of {ideal_cpu:.1f}x ({cpus} CPUs)")


if __name__ == "__main__":
    main()
