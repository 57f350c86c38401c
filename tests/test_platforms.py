"""A student's first run on macOS or Windows, simulated on Linux (tests/platforms/sitecustomize.py
takes away what that platform lacks, in the demo and in every child it spawns): both demos in
every mode, with a picture, Ctrl-C in each phase, and four of the lessons' snippets, all ending
as on Linux: no traceback, one line for a stop."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, checked_at_once, scratch, script_env
from test_lesson import LESSONS, shape, shown_after
from test_robustness import assert_group_ends, interrupt, read_until_blank_runs, start
from test_stopwatch import PYTHON, RESULT, found
from test_visualize import rows_and_time

import common

PLATFORMS = ["macos", "windows"]
POSIX_LINUX = pytest.mark.skipif(
    sys.platform != "linux", reason="simulates the others on Linux, by its /proc and signals"
)
pytestmark = POSIX_LINUX


def like(platform, **changes):
    """The environment of a Python made to look like another platform's."""
    path = os.pathsep.join([str(ROOT / "tests" / "platforms"), str(ROOT)])
    return script_env(PYTHONPATH=path, PLATFORM_LIKE=platform, **changes)


def run(platform, *command, cwd=ROOT):
    return subprocess.run(
        [sys.executable, *map(str, command)],
        cwd=cwd,
        env=like(platform),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


LACKS = """
import multiprocessing, os, signal
missing = [name for name in ("fork", "pthread_sigmask", "setitimer", "SIGHUP")
           if hasattr(os, name) or hasattr(signal, name)]
for module in ("fcntl", "resource", "termios"):
    try:
        __import__(module)
        missing.append(module)
    except ImportError:
        pass
print(missing, multiprocessing.get_all_start_methods(), multiprocessing.get_start_method(),
      os.path.exists("/proc/self"))
"""


def test_the_simulated_platforms_lack_what_theirs_lack():
    assert run("windows", "-c", LACKS).stdout.split("\n")[0] == "[] ['spawn'] spawn False"
    assert run("macos", "-c", LACKS).stdout.split("\n")[0].endswith("spawn False")


# Without /proc, as on macOS, both demos run in every start method: test_faults.py. Here, what
# Windows lacks besides.
@pytest.mark.parametrize("platform", ["windows"])
@pytest.mark.parametrize("mode", [way.mode for way in common.ways_here()])
def test_both_demos_run_every_mode_with_a_picture(platform, mode):
    checked_at_once(check_both_demos, [("windows", m) for m in MODES], platform, mode)


MODES = [way.mode for way in common.ways_here()]


def check_both_demos(platform, mode):
    picture = Path(scratch().name) / f"picture-{platform}-{mode}.svg"
    try:
        shapes = run(
            platform, "demo_visualize.py", "--mode", mode, "--pause", 0.02, "--svg", picture
        )
        assert (shapes.returncode, shapes.stderr) == (0, ""), shapes.stderr
        way = next(way.name for way in common.WAYS if way.mode == mode)
        assert len(rows_and_time(shapes.stdout, way)) == 24
        assert picture.read_text(encoding="utf-8").startswith("<svg")
    finally:
        picture.unlink(missing_ok=True)
    if mode == "direct":  # the stopwatch runs every way: once a platform
        bars = run(platform, "demo_stopwatch.py", "--work", "cpu", "--iterations", 20)
        assert (bars.returncode, bars.stderr) == (0, ""), bars.stderr
        [facts] = found(PYTHON, bars.stdout.splitlines())
        assert facts["method"] == "spawn"
        assert len(found(RESULT, bars.stdout.splitlines())) == len(MODES)


# (mode, blank runs before its phase, its lines read before Ctrl-C): in a process phase, by the
# fifth bar the last of eight children still starts.
PHASES = [
    (way.mode, at, lines)
    for at, way in enumerate(common.ways_here())
    for lines in ((5,) if way.starts and way.mode != "threads" else (20,))
]


# A Windows-like Python cannot hold signals back: a spawned child that Ctrl-C catches in its
# start-up prints a traceback. Ignoring SIGINT around each start would keep it from a child here
# (an ignored signal stays ignored across exec), but not on Windows, which passes no such setting
# to a child, and it loses a Ctrl-C that comes meanwhile: issue 37, row 7, is open; its cases are
# left out here, not passed.
CASES = [
    (platform, *case)
    for platform in PLATFORMS
    for case in PHASES
    if platform == "macos" or case[0] in ("direct", "threads")
]


@pytest.mark.parametrize(
    "platform, phase, separators, lines",
    CASES,
    ids=[f"{mode}-{p}" for p, mode, _, _ in CASES],
)
def test_ctrl_c_in_each_phase_ends_in_one_line_with_no_child_traceback(
    platform, phase, separators, lines
):
    """A terminal's Ctrl-C reaches every process of its group, as a console's reaches every
    process attached to it: the demo ends with one line, and no child prints a traceback."""
    checked_at_once(check_ctrl_c, CASES, platform, phase, separators, lines)


def check_ctrl_c(platform, phase, separators, lines):
    process = start("demo_stopwatch.py", "--workers", 8, "--iterations", 300, env=like(platform))
    seen = read_until_blank_runs(process.stdout, separators)
    seen += [process.stdout.readline() for _ in range(lines)]
    out, err = interrupt(process, seen)
    assert (process.returncode, err) == (130, "Interrupted\n"), err
    assert_group_ends(process.pid)
    assert not RESULT.search(out)


SNIPPETS = LESSONS[:4]


SNIPPET_CASES = [("windows", index) for index in range(len(SNIPPETS))]  # macOS: spawn, as in
# test_lesson.py


@pytest.mark.parametrize("platform, index", SNIPPET_CASES)
def test_the_first_lessons_print_what_they_show(platform, index):
    """Copied beside common.py, each prints what the lessons' page shows, in the shape any run
    prints it (what it says of waiting for a CPU aside: Linux alone measures it)."""
    result = checked_at_once(run_snippet_like, SNIPPET_CASES, platform, index)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    shown = shown_after(SNIPPETS[index])
    if shown is not None:
        assert alike(result.stdout) == alike(shown)


def run_snippet_like(platform, index):
    folder = Path(scratch().name) / f"lesson-{platform}-{index}"
    folder.mkdir()
    (folder / "common.py").write_text((ROOT / "common.py").read_text(encoding="utf-8"))
    (folder / "snippet.py").write_text(SNIPPETS[index], encoding="utf-8")
    return subprocess.run(
        [sys.executable, "snippet.py"],
        cwd=folder,
        env=script_env(PYTHONPATH=str(ROOT / "tests" / "platforms"), PLATFORM_LIKE=platform),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def alike(text):
    """A run's shape, less what it says of waiting for a CPU."""
    return [line for line in shape(text) if "for a CPU" not in line and "Linux tells" not in line]
