"""Every number explains itself: CPU seconds per worker, CPUs busy, a busy machine named,
the ratio words, the calibrated size of CPU work."""

import multiprocessing
import os
import shlex
import subprocess
import sys
import time
from functools import partial

import pytest
from conftest import HOG, ROOT, checked_at_once, run_script, script_env, steal_ticks
from test_stopwatch import HERE, RESULT, blames_others, found, notes, sections

import common
import demo_stopwatch

START_METHODS = multiprocessing.get_all_start_methods()

posix_linux = pytest.mark.skipif(
    not os.path.exists("/proc/stat"), reason="other programs are measured from /proc/stat"
)


def spin(seconds):
    """Compute for about `seconds` of this thread's CPU time (top level, so processes can run
    it)."""
    end = common.thread_cpu() + seconds
    while common.thread_cpu() < end:
        pass


# -- CPU seconds, read where each worker ran -----------------------------------------


@pytest.mark.parametrize(
    "runner", [common.run_directly, common.run_in_threads, common.run_in_processes]
)
def test_a_worker_reports_the_cpu_it_used_and_not_its_waiting(runner):
    computing, sleeping = runner([partial(spin, 0.2), partial(common.sleep_unless_stopped, 0.2)])
    assert computing.cpu >= 0.2 and computing.cpu <= computing.end - computing.start + 0.02
    assert sleeping.cpu < (sleeping.end - sleeping.start) / 2


@pytest.mark.skipif(
    not common.gil_enabled(), reason="without the GIL both threads compute at once"
)
def test_threads_count_their_own_cpu_not_the_whole_process():
    """With the GIL two computing threads share one CPU: their CPU seconds add up to the run's
    time,
    not twice it (process-wide CPU time, read in each thread, would count each other's work)."""
    run = common.time_jobs(
        "Threading", common.run_in_threads, [partial(common.compute, 3_000_000)] * 2
    )
    assert common.cpus_busy(run) < 1.3


def test_cpus_busy_is_cpu_seconds_over_wall_seconds():
    spans = [common.Span(0, 1, 0, None, 0.75), common.Span(0, 1, 0, None, 0.45)]
    assert common.cpus_busy(common.Timing("Threading", 0.8, spans)) == pytest.approx(1.5)
    assert common.cpus_busy(common.Timing("Directly", 0.0, spans)) == 0.0


# -- The result lines, from known timings ------------------------------------------------


WAY = {way.name: way for way in common.WAYS}


def fake_run(name, seconds, cpu=0.0, other=None, held=0.0, stopped=0.0, cpus=None):
    """A phase as demo_stopwatch.watched returns it: its timing, judged on what disturbed it."""
    timing = common.Timing(name, seconds, [common.Span(0.0, seconds, 0, None, cpu)])
    seen = demo_stopwatch.Seen(other, held, stopped)
    marks = demo_stopwatch.judged(WAY[name], timing, seen, cpus or common.available_cpus())
    return demo_stopwatch.Phase(WAY[name], timing, marks)


def test_result_lines_say_faster_slower_and_cpus_busy(monkeypatch):
    monkeypatch.setattr(common, "available_cpus", lambda: 2)
    lines = demo_stopwatch.result_lines(
        [
            fake_run("Directly", 1.0, 1.0),
            fake_run("Threading", 0.25, 0.05),
            fake_run("Multiprocessing", 2.0, 3.8),
            fake_run("Threading", 1.02, 1.0),
        ]
    )
    assert lines == [
        "Execute Directly:        1.000 sec                    1.0 of 2 CPUs busy",
        "Execute Threading:       0.250 sec   4.0x faster      0.2 of 2 CPUs busy",
        "Execute Multiprocessing: 2.000 sec   2.0x slower      1.9 of 2 CPUs busy",
        "Execute Threading:       1.020 sec   about the same   1.0 of 2 CPUs busy",
    ]
    assert all(RESULT.match(line) for line in lines)


def test_columns_stay_aligned_however_wide_a_number(monkeypatch):
    monkeypatch.setattr(common, "available_cpus", lambda: 2)
    lines = demo_stopwatch.result_lines(
        [fake_run("Directly", 10.037, 1.0), fake_run("Threading", 0.25, 0.05)]
    )
    assert lines == [
        "Execute Directly:        10.037 sec                    0.1 of 2 CPUs busy",
        "Execute Threading:        0.250 sec   40.1x faster     0.2 of 2 CPUs busy",
    ]
    lines = demo_stopwatch.result_lines(
        [fake_run("Directly", 0.001), fake_run("Multiprocessing", 0.462)], workers=4
    )
    assert lines == [
        "Execute Directly:        0.001 sec   0.250 ms a worker",
        "Execute Multiprocessing: 0.462 sec   115.500 ms a worker",
    ]


def test_one_cpu_is_one_cpu(monkeypatch):
    monkeypatch.setattr(common, "available_cpus", lambda: 1)
    [line] = demo_stopwatch.result_lines([fake_run("Directly", 1.0, 1.0)])
    assert line.endswith("1.0 of 1 CPU busy")
    assert ", 1 CPU, " in common.describe_python()


def test_with_no_work_the_middle_column_is_the_cost_of_one_worker_and_no_cpus_busy(monkeypatch):
    monkeypatch.setattr(common, "available_cpus", lambda: 2)
    lines = demo_stopwatch.result_lines(
        [fake_run("Directly", 0.000004), fake_run("Threading", 0.0008)], workers=4
    )
    assert lines[1] == "Execute Threading:       0.001 sec   0.200 ms a worker"
    marked = demo_stopwatch.result_lines(
        [fake_run("Directly", 0.000004), fake_run("Threading", 0.08, other=2.0)], 4
    )
    assert (
        marked[1] == "Execute Threading:       0.080 sec   20.000 ms a worker   *"
        and RESULT.match(marked[1])["mark"]
    )


def test_no_work_prints_no_ratio_to_running_directly():
    result = run_script("demo_stopwatch.py", "--work", "none", "--repeat", 1)
    lines = [line for line in result.stdout.splitlines() if line.startswith("Execute ")]
    assert len(lines) == len(HERE) and all(
        "ms a worker" in line and "busy" not in line for line in lines
    )
    assert (
        "faster" not in result.stdout
        and "slower" not in result.stdout
        and "speedup" not in result.stdout
    )


# -- What disturbed a phase, named ------------------------------------------------------


@pytest.mark.parametrize(
    "other, busy, cpus, marked",
    [
        (None, 1.0, 2, False),
        (0.1, 1.0, 2, False),  # noise
        (1.0, 1.0, 2, False),  # one other program beside the direct run: it kept its CPU
        (1.2, 0.8, 2, True),  # ... but now it lost a share of it
        (1.0, 0.2, 2, False),  # one CPU free all along: a sleepy phase lost nothing
        (2.0, 0.2, 2, True),  # none free: each wake-up waits its turn
        (0.2, 0.8, 1, True),  # `taskset -c 0`: a fifth of the one CPU went elsewhere
        (0.1, 0.9, 1, False),
    ],
)
def test_a_phase_is_marked_when_other_programs_took_cpus_it_needed(
    other, busy, cpus, marked, monkeypatch
):
    monkeypatch.setattr(common, "available_cpus", lambda: cpus)
    phase = fake_run("Directly", 1.0, busy, other=other, cpus=cpus)
    assert bool(phase.marks) is marked
    assert demo_stopwatch.result_lines([phase])[0].endswith(" *") is marked


def test_a_share_of_a_short_phase_within_the_ticks_rounding_is_not_marked():
    """/proc counts 10 ms ticks in each process: 0.2 of a CPU over 0.2 s is 4 ticks, within their
    noise."""
    assert fake_run("Directly", 0.2, 0.16, other=0.2, cpus=1).marks == []
    assert fake_run("Directly", 1.0, 0.8, other=0.2, cpus=1).marks == [("other", 0.2)]


def test_each_kind_of_disturbance_gets_one_note_naming_the_worst(monkeypatch):
    monkeypatch.setattr(common, "available_cpus", lambda: 2)
    phases = [
        fake_run("Directly", 1.0, 0.6, other=1.2),
        fake_run("Threading", 1.0, 0.5, other=1.5, held=0.4),
        fake_run("Multiprocessing", 1.0, 1.0, other=0.0, stopped=3.0),
    ]
    assert demo_stopwatch.disturbance_notes(phases, 2, repeat=1) == [
        "Note: * other programs kept up to 1.5 of 2 CPUs busy; try --repeat 3.",
        "Note: * output waited 0.4 s for its reader (a pager?); times include it.",
        "Note: * the demo was stopped for 3.0 s; the times include it.",
    ]
    assert demo_stopwatch.disturbance_notes(phases[:1], 2, repeat=3)[0].endswith("try --repeat 6.")
    assert (
        demo_stopwatch.disturbance_notes([fake_run("Directly", 1.0, 1.0, other=1.0)], 2, repeat=1)
        == []
    )
    assert (
        demo_stopwatch.disturbance_notes([fake_run("Directly", 1.0, 1.0, held=0.04)], 2, repeat=1)
        == []
    )
    worst_first = [phases[1], phases[0]]  # the worst, whichever phase came last
    assert demo_stopwatch.disturbance_notes(worst_first, 2, repeat=1)[0].startswith(
        "Note: * other programs kept up to 1.5 "
    )


def test_a_phase_is_judged_by_the_cpus_its_workers_could_use(monkeypatch):
    """One worker process keeps one of two CPUs busy at most: beside another program it lost
    nothing."""
    monkeypatch.setattr(common, "available_cpus", lambda: 2)
    assert fake_run("Multiprocessing", 1.0, 0.95, other=1.05).marks == []
    assert fake_run("Multiprocessing", 1.0, 0.5, other=1.5).marks == [("other", 1.5)]


def test_held_output_is_named_past_a_share_of_the_phase_not_a_fixed_time(monkeypatch):
    monkeypatch.setattr(common, "available_cpus", lambda: 2)
    assert fake_run("Directly", 10.0, 10.0, held=0.4).marks == []  # 4% of the phase
    assert fake_run("Directly", 10.0, 10.0, held=0.6).marks == [("held", 0.6)]


def test_a_gap_in_looking_is_a_stop_only_where_a_sigcont_ended_it(monkeypatch):
    """Starved of CPU, the timer's look comes late, as it does after Ctrl-Z; only SIGCONT says
    stopped."""
    clock = [100.0]
    monkeypatch.setattr(demo_stopwatch.time, "perf_counter", lambda: clock[0])
    for continued in (False, True):
        watch = demo_stopwatch.Watch()
        watch.looking = False  # looked at by hand here: no timer signal
        with watch:
            clock[0] += 1.0
            watch.look(None, None)
            if continued:
                watch.carry_on(None, None)
        assert watch.stopped == (1.0 if continued else 0.0)


def test_a_late_look_at_a_full_pipe_counts_as_held_up(monkeypatch):
    """On a busy machine the timer's look comes late: the output was held up all that while all the
    same."""
    clock = [100.0]
    monkeypatch.setattr(demo_stopwatch.time, "perf_counter", lambda: clock[0])
    monkeypatch.setattr(demo_stopwatch, "pipe_waiting", lambda output: 65536)
    watch = demo_stopwatch.Watch()
    watch.looking, watch.capacity = False, 65536  # a full pipe, looked at by hand
    with watch:
        for late in (0.02, 1.0, 0.02):
            clock[0] += late
            watch.look(None, None)
    assert watch.held == pytest.approx(1.04) and watch.stopped == 0.0


def test_the_start_cost_is_the_median_of_the_rounds():
    way = {w.name: w for w in common.WAYS}

    def rounds(name, *seconds):
        return [demo_stopwatch.Phase(way[name], common.Timing(name, s, []), []) for s in seconds]

    runs = [
        rounds("Directly", *[0.0] * 5),
        rounds("Threading", 0.001, 0.001, 0.001, 0.001, 0.010),
        rounds("Multiprocessing", 0.002, 0.002, 0.002, 0.050, 0.050),
    ] + [rounds(w.name, *[0.003] * 5) for w in common.WAYS[3:]]
    first = demo_stopwatch.start_cost_lines(runs, 1, "fork")[0]
    assert first == "Start cost: a thread 1.000 ms, a process (fork) 2.000 ms: 2x a thread"


def test_repeat_reports_each_ways_best_round(monkeypatch, capsys):
    rounds = iter([0.3] * len(common.WAYS) + [0.1] * len(common.WAYS) + [0.2] * len(common.WAYS))

    def watched(way, runner, jobs):
        seconds = next(rounds)
        return demo_stopwatch.Phase(
            way, common.Timing(way.name, seconds, [common.Span(0.0, seconds, 0, None)]), []
        )

    monkeypatch.setattr(demo_stopwatch, "watched", watched)
    demo_stopwatch.main(["--repeat", "3", "--workers", "1", "--work", "none"])
    shown = found(RESULT, capsys.readouterr().out.splitlines())
    assert [match["seconds"] for match in shown] == ["0.100"] * len(HERE)


def test_no_work_runs_five_rounds_unless_told_and_other_work_one():
    assert demo_stopwatch.parse_args(["--work", "none"]).repeat == 5
    assert demo_stopwatch.parse_args(["--work", "none", "--repeat", "2"]).repeat == 2
    assert (
        demo_stopwatch.parse_args([]).repeat
        == demo_stopwatch.parse_args(["--work", "cpu"]).repeat
        == 1
    )


def test_the_cpu_of_descendants_counts_what_they_reaped_from_theirs(tmp_path):
    """utime, stime, and cutime and cstime: a fork server's reaped workers are ours too."""
    me = os.getpid()
    tree = {
        me + 1: (me, (100, 50, 30, 20)),
        me + 2: (me + 1, (7, 3, 0, 0)),
        me + 3: (1, (999, 999, 999, 999)),
    }
    for pid, (parent, (utime, stime, cutime, cstime)) in tree.items():
        (tmp_path / str(pid)).mkdir()
        fields = ["S", parent] + [0] * 9 + [utime, stime, cutime, cstime] + [0] * 30
        (tmp_path / str(pid) / "stat").write_text(
            f"{pid} (a (worker)) " + " ".join(map(str, fields))
        )
    (tmp_path / "self").mkdir()
    ticks = os.sysconf("SC_CLK_TCK")
    assert demo_stopwatch.descendants_cpu(str(tmp_path)) == pytest.approx((200 + 10) / ticks)


def test_other_programs_are_the_machine_less_this_demo_and_its_workers(monkeypatch):
    # (wall, machine's busy CPU seconds, this process's, its waited-for children's), over 4 s
    before = demo_stopwatch.CpuMark(10.0, 100.0, 5.0, 1.0)
    monkeypatch.setattr(
        demo_stopwatch, "cpu_mark", lambda: demo_stopwatch.CpuMark(14.0, 107.2, 8.6, 3.0)
    )
    assert demo_stopwatch.other_programs_busy(before, worker_cpu=0.4) == pytest.approx(
        (7.2 - 3.6 - 2.0) / 4
    )
    assert demo_stopwatch.other_programs_busy(before, worker_cpu=3.2) == pytest.approx(
        (7.2 - 3.6 - 3.2) / 4
    )
    monkeypatch.setattr(
        demo_stopwatch, "cpu_mark", lambda: demo_stopwatch.CpuMark(14.0, 104.0, 8.6, 3.0)
    )
    assert demo_stopwatch.other_programs_busy(before, worker_cpu=0.0) == 0.0


STAT = """cpu  1000 10 500 90000 300 0 20 0 0 0
cpu0 700 10 300 40000 100 0 10 0 0 0
cpu1 300 0 200 50000 200 0 10 0 0 0
intr 12345 0 0
ctxt 67890
"""


def test_busy_ticks_count_every_column_but_idle_and_iowait():
    assert demo_stopwatch.busy_ticks(STAT) == (700 + 10 + 300 + 10) + (300 + 200 + 10)
    assert (
        demo_stopwatch.busy_ticks(STAT, cpus={1}) == 300 + 200 + 10
    ), "only the CPUs this process may use"


def test_a_window_too_short_to_measure_says_nothing():
    assert demo_stopwatch.other_programs_busy(demo_stopwatch.cpu_mark(), 0.0) is None


@pytest.mark.skipif(not common.gil_enabled(), reason="the GIL is what keeps threads to one CPU")
def test_with_the_gil_threads_on_cpu_work_keep_about_one_cpu_busy():
    result = run_script("demo_stopwatch.py", "--work", "cpu", "--workers", 2, "--iterations", 300)
    lines = [
        RESULT.match(line) for line in result.stdout.splitlines() if line.startswith("Execute ")
    ]
    busy = {match[1]: float(match["busy"]) for match in lines}
    assert busy["Threading"] <= 1.2


# -- CPU work sized in time -------------------------------------------------------------


def test_cpu_work_is_sized_from_a_measurement(monkeypatch):
    """If a step of compute() took 0.1 us, 0.2 ms of work is 2000 steps; twice as slow, 1000."""
    for per_step, steps in [(1e-7, 2000), (2e-7, 1000), (1e-9, 200_000)]:
        demo_stopwatch.steps_for.cache_clear()
        monkeypatch.setattr(
            demo_stopwatch, "fastest", lambda function, n, tries=1, c=per_step: n * c
        )
        assert demo_stopwatch.steps_for(0.0002) == steps
    demo_stopwatch.steps_for.cache_clear()


def test_every_cpu_job_gets_the_one_calibrated_size(monkeypatch):
    monkeypatch.setattr(demo_stopwatch, "steps_for", lambda seconds: 1234)
    jobs = demo_stopwatch.make_jobs("cpu", 3, 7)
    assert [(job.func, job.args, job.keywords) for job in jobs] == [
        (common.busy_worker, (n, 7), {"steps": 1234}) for n in (1, 2, 3)
    ]


def test_help_gives_the_size_of_cpu_work_in_time(parse):
    shown = parse("demo_stopwatch.py", "--help").stdout
    assert "about 0.2 ms" in shown and "steps" not in shown


@pytest.mark.parametrize("enabled", [True, False])
def test_the_gil_line_says_what_the_running_interpreter_answers(enabled, monkeypatch):
    """Both answers, on any build: a free-threaded Python answers sys._is_gil_enabled() with
    False."""
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: enabled, raising=False)
    assert common.gil_enabled() is enabled
    assert (", GIL enabled, " if enabled else ", GIL disabled, ") in common.describe_python()


def test_a_python_that_cannot_be_asked_has_the_gil(monkeypatch):
    monkeypatch.delattr(sys, "_is_gil_enabled", raising=False)  # before 3.13: every build has it
    assert common.gil_enabled() is True and ", GIL enabled, " in common.describe_python()


def test_other_implementations_are_named_by_their_own_version_and_the_python_they_implement(
    monkeypatch,
):
    pypy = type("impl", (), {"name": "pypy", "version": (7, 3, 11, "final", 0)})
    monkeypatch.setattr(sys, "implementation", pypy)
    monkeypatch.setattr(
        sys, "version", "3.9.16 (feeb267ead3e, Jan 21 2023, 10:37:35)\n[PyPy 7.3.11]"
    )
    assert common.describe_python().startswith("PyPy 7.3.11 (Python 3.9.16), GIL ")


# The demo on one CPU (taskset), and a program computing on it during one phase only: started
# before,
# stopped (SIGSTOP) but in that phase. Not the demo's child: its CPU seconds would count as the
# demo's own (its starter exits at once).
HOGGED = """
import os, signal, subprocess, sys, time
import common, demo_stopwatch

START = ("import subprocess as s, sys; print(s.Popen([sys.executable, '-c', sys.argv[1]],"
         " stdout=s.DEVNULL, stderr=s.DEVNULL).pid)")
started = subprocess.run([sys.executable, "-c", START, HOG], capture_output=True, text=True)
hog = int(started.stdout)
time.sleep(0.3)  # past its own start (stopped during it, a 3.13t hog got no CPU when continued)
os.kill(hog, signal.SIGSTOP)

def hogged(runner):
    def run(jobs, **how):
        os.kill(hog, signal.SIGCONT)
        try:
            return runner(jobs, **how)
        finally:
            os.kill(hog, signal.SIGSTOP)

    return run

common.WAYS[:] = [way._replace(runner=hogged(way.runner)) if way.name == sys.argv[1] else way
                  for way in common.WAYS]
try:
    common.run_command(lambda: demo_stopwatch.main(sys.argv[2:]))
finally:
    os.kill(hog, signal.SIGKILL)
"""


@posix_linux
@pytest.mark.parametrize(
    "phase, method",
    [("Directly", START_METHODS[-1]), ("Threading", None), ("Multiprocessing", START_METHODS[0])],
)
def test_a_phase_that_another_program_took_cpu_from_is_marked_and_only_it(phase, method):
    """Under forkserver the workers are not the demo's children: their CPU, and the fork server's,
    is
    still the demo's own, not other programs'. That no other line is marked is asserted only where
    the CPU was idle before and after: on a loaded machine the other phases lose CPUs too."""
    before = busy_shares()
    cpu = min(before, key=before.get)  # the demo, its workers and the hog: on the idlest CPU
    stolen = steal_ticks({cpu})
    result = subprocess.run(
        [
            "taskset",
            "-c",
            str(cpu),
            sys.executable,
            "-c",
            f"HOG = {HOG!r}\n" + HOGGED,
            phase,
            "--work",
            "cpu",
            "--workers",
            "1",
        ]
        + ["--iterations", "400"]
        + (["--start-method", method] if method else []),
        env=script_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stderr == ""
    marked = [match[1] for match in found(RESULT, result.stdout.splitlines()) if match["mark"]]
    assert phase in marked
    host_took = steal_ticks({cpu}) - stolen > 2  # ticks a VM's host gave others: then it disturbed
    if before[cpu] < 0.05 and busy_shares()[cpu] < 0.05 and not host_took:  # other phases too
        assert marked == [phase]
    assert blames_others(result.stdout)


def busy_shares(seconds=0.1):
    """The share of each CPU this process may use that programs kept busy over a moment
    (/proc/stat)."""

    def ticks():
        with open("/proc/stat") as stat:
            text = stat.read()
        return {
            cpu: demo_stopwatch.busy_ticks(text, {cpu}) for cpu in common.cpus_allowed()
        }, time.perf_counter()

    (busy, start), _ = ticks(), time.sleep(seconds)
    after, end = ticks()
    return {
        cpu: (after[cpu] - busy[cpu]) / os.sysconf("SC_CLK_TCK") / (end - start) for cpu in busy
    }


HELD_BY = [("sleep 2; cat", True), ("cat", False)]  # a reader, and whether it held the output up


@posix_linux
@pytest.mark.parametrize("reader, named", HELD_BY)
def test_an_output_held_up_by_its_reader_is_named_and_a_prompt_reader_is_not(reader, named):
    checked_at_once(
        check_an_output_held_up_by_its_reader_is_named_and_a_prompt_reader_is_not,
        HELD_BY,
        reader,
        named,
    )


def check_an_output_held_up_by_its_reader_is_named_and_a_prompt_reader_is_not(reader, named):
    """`| less`, paged to the end later, holds every write up: the times include it, and a note
    says so."""
    demo = f"{shlex.quote(sys.executable)} {shlex.quote(str(ROOT / 'demo_stopwatch.py'))}"
    result = subprocess.run(
        ["sh", "-c", f"{demo} | ({reader})"],
        env=script_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stderr == ""
    held = [line for line in notes(result.stdout) if line.startswith("Note: * output waited ")]
    assert bool(held) is named, notes(result.stdout)
    if named:
        assert (  # some of the reader's 2 s: how much depends on how soon the pipe filled
            float(held[0].split()[4]) > 0 and found(RESULT, sections(result.stdout)[-2])[0]["mark"]
        )
