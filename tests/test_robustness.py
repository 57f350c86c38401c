"""The demos behave like well-made commands: Ctrl-C, a closed pipe, a plain terminal,
every start method, many workers, warnings as errors."""

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
import common
from conftest import ROOT, as_from_a_terminal, checked_at_once, run_script, script_env
from test_stopwatch import BAR, HERE, RESULT, phases, reruns, way_phases, worker_of
from test_visualize import EXPECTED, rows_and_time

START_METHODS = multiprocessing.get_all_start_methods()
INTERPRETERS = ["interpreters"] if "Interpreters" in HERE else []  # Python 3.14+
posix_only = pytest.mark.skipif(
    os.name != "posix", reason="needs POSIX signals and process groups"
)


def start(name, *args, env=None):
    """Start a script in its own process group, as a shell starts a foreground job."""
    return subprocess.Popen(
        [sys.executable, str(ROOT / name), *map(str, args)],
        cwd=ROOT,
        env=env or script_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        start_new_session=True,
        preexec_fn=as_from_a_terminal if os.name == "posix" else None,
    )


def read_until_blank_runs(stream, runs):
    """Read lines until phase runs + 1 has begun: its first bar, after blank lines (a phase run
    again begins after its note, and is not a new one)."""
    seen, passed, previous = [], 0, "x"
    while passed < runs:
        line = stream.readline()
        assert line, "the script ended too soon"
        seen.append(line)
        passed += previous == "\n" and bool(BAR.match(line.rstrip("\n")))
        previous = line
    return seen


def live_members(group):
    """PIDs of processes in a process group that have not exited (zombies excluded)."""
    members = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[2] == str(group) and fields[0] != "Z":
            members.append(int(entry))
    return members


def assert_group_ends(group):
    """Children and helper processes (forkserver, resource tracker) end once the script has."""
    deadline = time.monotonic() + 10  # a guard against hanging, not a speed target
    while live_members(group) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live_members(group) == []


def finish(process, timeout=30):
    """(the rest of stdout, stderr) once the process has ended, read through the same text files
    the test read lines from (communicate() would read past what they hold, maybe mid-character).
    """
    guard = threading.Timer(timeout, process.kill)  # a guard against hanging, not a speed target
    guard.start()
    try:
        out, err = process.stdout.read(), process.stderr.read()
        process.wait()
    finally:
        guard.cancel()
    return out, err


def interrupt(process, stdout_so_far):
    """Send Ctrl-C to the whole group, as a terminal does; return (all stdout, stderr)."""
    os.killpg(process.pid, signal.SIGINT)
    rest, err = finish(process)
    return "".join(stdout_so_far) + rest, err


# -- 1. Ctrl-C ------------------------------------------------------------------

WHEN = ["at its start", "midway"]  # its first line, or its 60th
PLACE = {
    way.mode: at for at, way in enumerate(common.ways_here())
}  # the blank runs before its phase
STOPWATCH_PHASES = (
    [("direct", PLACE["direct"], None), ("threads", PLACE["threads"], None)]
    + [(f"processes-{method}", PLACE["processes"], method) for method in START_METHODS]
    + [(mode, PLACE[mode], None) for mode in INTERPRETERS]
)


CASES = [
    (phase, separators, method, when)
    for phase, separators, method in STOPWATCH_PHASES
    for when in WHEN
]
CASES = [
    case for case in CASES if case[3] == "midway" or case[0] not in ("direct", "processes-fork")
]
DRAWN = (
    ["direct", "threads"] + [f"processes-{m}" for m in START_METHODS] + INTERPRETERS
)  # visualize's


@posix_only
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc to find children")
@pytest.mark.parametrize(
    "phase, separators, method, when", CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES]
)
def test_ctrl_c_in_each_stopwatch_phase(phase, separators, method, when):
    checked_at_once(check_ctrl_c_in_each_stopwatch_phase, CASES, phase, separators, method, when)


def check_ctrl_c_in_each_stopwatch_phase(phase, separators, method, when):
    """Midway through every phase; at the start of each phase where starting is a moment of its own
    (threads, and children still importing under spawn and forkserver)."""
    # 2400 lines of about 30 bytes: more than a pipe holds, so the script cannot finish
    # the phase, and move on, before the test has read most of it.
    args = ["--workers", 8, "--iterations", 300] + (["--start-method", method] if method else [])
    process = start("demo_stopwatch.py", *args)
    seen = read_until_blank_runs(process.stdout, separators)
    seen += [process.stdout.readline() for _ in range(1 if when == "at its start" else 60)]
    out, err = interrupt(process, seen)
    assert process.returncode == 130
    assert err == "Interrupted\n"
    assert_group_ends(process.pid)
    ways = way_phases(out)  # each way's runs of its phase: one run again is the same way's
    assert len(ways) <= separators + 1, "the run went on into the next phase"
    stopped = ways[separators][-1] if len(ways) > separators else []
    assert len(stopped) < 8 * 300, "the interrupted phase ran to its end"
    assert not RESULT.search(out)


@posix_only
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc to find children")
@pytest.mark.parametrize("mode", DRAWN)
def test_ctrl_c_while_drawing_shapes(mode):
    checked_at_once(check_ctrl_c_while_drawing_shapes, DRAWN, mode)


def check_ctrl_c_while_drawing_shapes(mode):
    args = [
        "--mode",
        mode.split("-")[0],
        "--pause",
        0.5,
    ]  # long enough that a slow test cannot miss the run
    if mode.startswith("processes"):
        args += ["--start-method", mode.split("-")[1]]
    process = start("demo_visualize.py", *args)
    seen = [process.stdout.readline() for _ in range(2)]  # shapes 1 and 2 are drawing
    out, err = interrupt(process, seen)
    assert process.returncode == 130
    assert err == "Interrupted\n"
    assert_group_ends(process.pid)
    assert len(out.splitlines()) < 24, "the drawing went on to its end"


# -- 2. A closed pipe -------------------------------------------------------------


@pytest.mark.parametrize("lines", [1, 4100, 8200], ids=["direct", "threads", "processes"])
def test_stopwatch_into_a_pipe_closed_early(lines):
    checked_at_once(check_stopwatch_into_a_pipe_closed_early, [1, 4100, 8200], lines)


def check_stopwatch_into_a_pipe_closed_early(lines):
    process = start("demo_stopwatch.py")
    for _ in range(lines):
        process.stdout.readline()
    process.stdout.close()  # as `| head` does when it has had enough
    err = process.stderr.read()
    process.wait(timeout=30)
    assert err == ""
    assert process.returncode == 1


@pytest.mark.parametrize("mode", DRAWN)
def test_visualize_into_a_pipe_closed_early(mode):
    checked_at_once(check_visualize_into_a_pipe_closed_early, DRAWN, mode)


def check_visualize_into_a_pipe_closed_early(mode):
    """Under spawn and forkserver a child that failed to write flushes again as it exits: no
    traceback."""
    args = ["--mode", mode.split("-")[0]] + (
        ["--start-method", mode.split("-")[1]] if "-" in mode else []
    )
    process = start(
        "demo_visualize.py", *args, "--pause", 0.3
    )  # 2.4 s: it cannot end before the close
    process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read()
    process.wait(timeout=30)
    assert err == ""
    assert process.returncode == 1


# -- 3. A terminal that cannot show the symbols ---------------------------------------


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_plain_terminal_gets_ascii_stand_ins(encoding):
    env = script_env(PYTHONIOENCODING=encoding)
    shapes = run_script("demo_visualize.py", "--pause", 0.05, env=env)
    assert shapes.returncode == 0 and shapes.stderr == ""
    ascii_rows = [row.replace("♥", "<3").replace("♦", "<>").replace("☼", "*") for row in EXPECTED]
    assert sorted(rows_and_time(shapes.stdout, "Threading")) == sorted(ascii_rows)

    bars = run_script(
        "demo_stopwatch.py", "--workers", 2, "--iterations", 3, "--start-method", "spawn", env=env
    )
    assert bars.returncode == 0 and bars.stderr == ""
    bar_phases, results = phases(bars.stdout)
    for block in bar_phases:
        assert Counter(block) == {"## 1 ##": 3, "    ## 2 ##": 3}
    assert all(RESULT.match(line) for line in results)


# -- 4. Every start method -----------------------------------------------------------


@pytest.mark.parametrize("method", START_METHODS)
def test_every_start_method_runs_both_demos(method):
    checked_at_once(check_every_start_method_runs_both_demos, START_METHODS, method)


def check_every_start_method_runs_both_demos(method):
    bars = run_script(
        "demo_stopwatch.py", "--workers", 3, "--iterations", 10, "--start-method", method
    )
    assert bars.returncode == 0 and bars.stderr == ""
    processes_phase = way_phases(bars.stdout)[2][-1]  # its last run, if it was run again
    assert Counter(map(worker_of, processes_phase)) == {1: 10, 2: 10, 3: 10}

    shapes = run_script(
        "demo_visualize.py", "--mode", "processes", "--pause", 0.04, "--start-method", method
    )
    assert shapes.returncode == 0 and shapes.stderr == ""
    assert sorted(rows_and_time(shapes.stdout, "Multiprocessing")) == sorted(EXPECTED)


# -- 6. No torn lines ----------------------------------------------------------------


@pytest.mark.parametrize("work, iterations", [("sleep", 150), ("cpu", 40)])
def test_sixteen_workers_never_tear_a_line(work, iterations):
    result = run_script(
        "demo_stopwatch.py", "--workers", 16, "--iterations", iterations, "--work", work
    )
    assert result.returncode == 0 and result.stderr == ""
    bar_phases, results = phases(result.stdout)
    assert len(bar_phases) == len(HERE) + reruns(result.stdout) and len(results) == len(HERE)
    for block in bar_phases:
        assert Counter(map(worker_of, block)) == {n: iterations for n in range(1, 17)}


# -- 5 and 7, every Python and no warnings: see test_pythons.py
