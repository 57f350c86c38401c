"""Every number explains itself: CPU seconds per worker, CPUs busy, a busy machine named,
the ratio words, the calibrated size of CPU work."""

import os
import subprocess
import sys
from functools import partial

import pytest
from conftest import run_script, script_env
from test_stopwatch import PYTHON, RESULT, found, notes, sections

import common
import demo_stopwatch

posix_linux = pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="other programs are measured from /proc/stat")


def spin(seconds):
    """Compute for about `seconds` of this thread's CPU time (top level, so processes can run it)."""
    end = common.thread_cpu() + seconds
    while common.thread_cpu() < end:
        pass


# -- CPU seconds, read where each worker ran -----------------------------------------


@pytest.mark.parametrize("runner", [common.run_directly, common.run_in_threads, common.run_in_processes])
def test_a_worker_reports_the_cpu_it_used_and_not_its_waiting(runner):
    computing, sleeping = runner([partial(spin, 0.2), partial(common.sleep_unless_stopped, 0.2)])
    assert computing.cpu >= 0.2 and computing.cpu <= computing.end - computing.start + 0.02
    assert sleeping.cpu < (sleeping.end - sleeping.start) / 2


@pytest.mark.skipif(not common.gil_enabled(), reason="without the GIL both threads compute at once")
def test_threads_count_their_own_cpu_not_the_whole_process():
    """With the GIL two computing threads share one CPU: their CPU seconds add up to the run's time,
    not twice it (process-wide CPU time, read in each thread, would count each other's work)."""
    run = common.time_jobs("Threading", common.run_in_threads, [partial(common.compute, 3_000_000)] * 2)
    assert common.cpus_busy(run) < 1.3


def test_cpus_busy_is_cpu_seconds_over_wall_seconds():
    spans = [common.Span(0, 1, 0, None, 0.75), common.Span(0, 1, 0, None, 0.45)]
    assert common.cpus_busy(common.Timing("Threading", 0.8, spans)) == pytest.approx(1.5)
    assert common.cpus_busy(common.Timing("Directly", 0.0, spans)) == 0.0


# -- The result lines, from known timings ------------------------------------------------


def fake_run(name, seconds, cpu=0.0):
    return common.Timing(name, seconds, [common.Span(0.0, seconds, 0, None, cpu)])


def test_result_lines_say_faster_slower_and_cpus_busy(monkeypatch):
    monkeypatch.setattr(common, "available_cpus", lambda: 2)
    direct = fake_run("Directly", 1.0, 1.0)
    lines = [
        demo_stopwatch.result_line(direct, direct),
        demo_stopwatch.result_line(fake_run("Threading", 0.25, 0.05), direct),
        demo_stopwatch.result_line(fake_run("Multiprocessing", 2.0, 3.8), direct),
        demo_stopwatch.result_line(fake_run("Threading", 1.02, 1.0), direct),
    ]
    assert lines == [
        "Execute Directly:        1.000 sec                       1.0 of 2 CPUs busy",
        "Execute Threading:       0.250 sec   4.0x faster         0.2 of 2 CPUs busy",
        "Execute Multiprocessing: 2.000 sec   2.0x slower         1.9 of 2 CPUs busy",
        "Execute Threading:       1.020 sec   about the same      1.0 of 2 CPUs busy",
    ]
    assert all(RESULT.match(line) for line in lines)


def test_one_cpu_is_one_cpu(monkeypatch):
    monkeypatch.setattr(common, "available_cpus", lambda: 1)
    direct = fake_run("Directly", 1.0, 1.0)
    assert demo_stopwatch.result_line(direct, direct).endswith("1.0 of 1 CPU busy")
    assert ", 1 CPU available, " in common.describe_python()


def test_with_no_work_the_middle_column_is_the_cost_of_one_worker(monkeypatch):
    monkeypatch.setattr(common, "available_cpus", lambda: 2)
    direct, threads = fake_run("Directly", 0.000004), fake_run("Threading", 0.0008)
    assert demo_stopwatch.result_line(threads, direct, workers=4) == (
        "Execute Threading:       0.001 sec   0.200 ms a worker   0.0 of 2 CPUs busy"
    )


def test_no_work_prints_no_ratio_to_running_directly():
    result = run_script("demo_stopwatch.py", "--work", "none")
    lines = [line for line in result.stdout.splitlines() if line.startswith("Execute ")]
    assert len(lines) == 3 and all("ms a worker" in line for line in lines)
    assert "faster" not in result.stdout and "slower" not in result.stdout


# -- A busy machine, named --------------------------------------------------------------


@pytest.mark.parametrize(
    "other, cpus, note",
    [
        (None, 2, None),
        (0.0, 2, None),
        (0.5, 2, None),  # a quarter of the CPUs: still an idle machine
        (0.51, 2, "Note: other programs kept 0.5 of 2 CPUs busy; the speedups understate this machine."),
        (1.4, 2, "Note: other programs kept 1.4 of 2 CPUs busy; the speedups understate this machine."),
        (0.3, 1, "Note: other programs kept 0.3 of 1 CPU busy; the speedups understate this machine."),
        (0.25, 1, None),
    ],
)
def test_the_busy_note_and_its_threshold(other, cpus, note):
    assert demo_stopwatch.busy_note(other, cpus) == note


def test_other_programs_are_the_machine_less_this_demo_and_its_workers(monkeypatch):
    # (wall, machine's busy CPU seconds, this process's, its waited-for children's), over 4 s
    before = demo_stopwatch.CpuMark(10.0, 100.0, 5.0, 1.0)
    monkeypatch.setattr(demo_stopwatch, "cpu_mark", lambda: demo_stopwatch.CpuMark(14.0, 107.2, 8.6, 3.0))
    assert demo_stopwatch.other_programs_busy(before, worker_cpu=0.4) == pytest.approx((7.2 - 3.6 - 2.0) / 4)
    assert demo_stopwatch.other_programs_busy(before, worker_cpu=3.2) == pytest.approx((7.2 - 3.6 - 3.2) / 4)
    monkeypatch.setattr(demo_stopwatch, "cpu_mark", lambda: demo_stopwatch.CpuMark(14.0, 104.0, 8.6, 3.0))
    assert demo_stopwatch.other_programs_busy(before, worker_cpu=0.0) == 0.0


STAT = """cpu  1000 10 500 90000 300 0 20 0 0 0
cpu0 700 10 300 40000 100 0 10 0 0 0
cpu1 300 0 200 50000 200 0 10 0 0 0
intr 12345 0 0
ctxt 67890
"""


def test_busy_ticks_count_every_column_but_idle_and_iowait():
    assert demo_stopwatch.busy_ticks(STAT) == (700 + 10 + 300 + 10) + (300 + 200 + 10)
    assert demo_stopwatch.busy_ticks(STAT, cpus={1}) == 300 + 200 + 10, "only the CPUs this process may use"


def test_a_window_too_short_to_measure_says_nothing():
    assert demo_stopwatch.other_programs_busy(demo_stopwatch.cpu_mark(), 0.0) is None


@posix_linux
def test_other_programs_keeping_every_cpu_busy_are_named():
    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"], env=script_env())
        for _ in range(common.available_cpus())
    ]
    try:
        result = run_script("demo_stopwatch.py", "--work", "cpu", "--iterations", 400)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert result.returncode == 0 and result.stderr == ""
    report = sections(result.stdout)[-2]
    assert found(PYTHON, report)
    assert any(line.startswith("Note: other programs kept ") and "CPU" in line for line in notes(result.stdout))
    assert [match[1] for match in found(RESULT, report)] == ["Directly", "Threading", "Multiprocessing"]


@pytest.mark.skipif(not common.gil_enabled(), reason="the GIL is what keeps threads to one CPU")
def test_with_the_gil_threads_on_cpu_work_keep_about_one_cpu_busy():
    result = run_script("demo_stopwatch.py", "--work", "cpu", "--workers", 2, "--iterations", 300)
    lines = [RESULT.match(line) for line in result.stdout.splitlines() if line.startswith("Execute ")]
    busy = {match[1]: float(match["busy"]) for match in lines}
    assert busy["Threading"] <= 1.2


# -- CPU work sized in time -------------------------------------------------------------


def test_cpu_work_is_sized_from_a_measurement(monkeypatch):
    """If a step of compute() took 0.1 us, 0.2 ms of work is 2000 steps; twice as slow, 1000."""
    for per_step, steps in [(1e-7, 2000), (2e-7, 1000), (1e-9, 200_000)]:
        common.steps_for.cache_clear()
        monkeypatch.setattr(common, "fastest", lambda function, n, tries=1, c=per_step: n * c)
        assert common.steps_for(0.0002) == steps
    common.steps_for.cache_clear()


def test_every_cpu_job_gets_the_one_calibrated_size(monkeypatch):
    monkeypatch.setattr(common, "steps_for", lambda seconds: 1234)
    jobs = demo_stopwatch.make_jobs("cpu", 3, 7)
    assert [(job.func, job.args, job.keywords) for job in jobs] == [
        (common.busy_worker, (n, 7), {"steps": 1234}) for n in (1, 2, 3)
    ]


def test_help_gives_the_size_of_cpu_work_in_time(parse):
    shown = parse("demo_stopwatch.py", "--help").stdout
    assert "about 0.2 ms" in shown and "steps" not in shown


@pytest.mark.parametrize("enabled", [True, False])
def test_the_gil_line_says_what_the_running_interpreter_answers(enabled, monkeypatch):
    """Both answers, on any build: a free-threaded Python answers sys._is_gil_enabled() with False."""
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: enabled, raising=False)
    assert common.gil_enabled() is enabled
    assert (", GIL enabled, " if enabled else ", GIL disabled, ") in common.describe_python()


def test_a_python_that_cannot_be_asked_has_the_gil(monkeypatch):
    monkeypatch.delattr(sys, "_is_gil_enabled", raising=False)  # before 3.13: every build has it
    assert common.gil_enabled() is True and ", GIL enabled, " in common.describe_python()


def test_an_iteration_of_cpu_work_computes_for_about_the_documented_time(monkeypatch):
    """Timed in this thread's CPU seconds, which other programs do not stretch; the bounds are loose
    (a calibration disturbed by them sizes the work smaller) but a size ten times off is caught."""
    monkeypatch.setattr(common, "say", lambda line: None)
    [job] = demo_stopwatch.make_jobs("cpu", 1, 20)
    per_iteration = []
    for _ in range(5):
        start = common.thread_cpu()
        job()
        per_iteration.append((common.thread_cpu() - start) / 20)
    assert common.CPU_ITERATION == 0.0002  # what --help and the README promise
    assert 0.00005 <= min(per_iteration) <= 0.0006, f"{min(per_iteration) * 1000:.3f} ms an iteration"


def test_other_implementations_are_named_by_their_own_version_and_the_python_they_implement(monkeypatch):
    pypy = type("impl", (), {"name": "pypy", "version": (7, 3, 11, "final", 0)})
    monkeypatch.setattr(sys, "implementation", pypy)
    monkeypatch.setattr(sys, "version", "3.9.16 (feeb267ead3e, Jan 21 2023, 10:37:35)\n[PyPy 7.3.11]")
    assert common.describe_python().startswith("PyPy 7.3.11 (Python 3.9.16), GIL ")
