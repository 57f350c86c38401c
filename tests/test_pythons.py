"""Both demos on every Python 3.9+ this machine has: on PATH, and pyenv's versions."""

import glob
import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, checked_at_once, run_script, script_env
from test_stopwatch import PYTHON, RESULT, found, phases, reruns, sections, worker_of
from test_visualize import EXPECTED, rows_and_time

NAMES = [f"python3.{minor}" for minor in range(9, 15)] + ["python3.13t", "python3.14t"]
PROBE = (
    "import sys, sysconfig as c;print(sys.version.split()[0], c.get_config_var('Py_GIL_DISABLED')"
    " or 0, sys.executable)"
)


def candidates():
    """Interpreter paths worth probing, the current one first."""
    paths = [sys.executable] + [shutil.which(name) for name in NAMES]
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    paths += sorted(glob.glob(os.path.join(pyenv_root, "versions", "*", "bin", "python3*")))
    unique = {}
    for path in paths:  # python3 and python3.11 are often one file: probe each file once
        if path and "shims" not in path and not path.endswith("-config"):
            unique.setdefault(os.path.realpath(path), path)
    return list(unique.values())


def interpreters():
    """One (label, path) per distinct working Python 3.9 or newer."""
    found = {}
    for path in candidates():
        try:
            probe = subprocess.run(
                [path, "-S", "-c", PROBE],
                env=script_env(),
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode != 0:
            continue
        version, free_threaded, executable = probe.stdout.split(maxsplit=2)
        if tuple(map(int, version.split(".")[:2])) < (3, 9):
            continue
        label = version + ("t" if free_threaded == "1" else "")
        found.setdefault(label, executable.strip())
    return sorted(
        found.items(), key=lambda item: [int(part) for part in item[0].rstrip("t").split(".")]
    )


PYTHONS = interpreters()


def series(label):
    """'3.13.0t' -> '3.13t': the feature release a label belongs to."""
    return ".".join(label.rstrip("t").split(".")[:2]) + ("t" if label.endswith("t") else "")


def coverage_report():
    """For the head of the test report: which promised Pythons run here, which are absent."""
    found = {series(label) for label, _ in PYTHONS}
    absent = [name[len("python") :] for name in NAMES if name[len("python") :] not in found]
    return (
        f"demos run under: {', '.join(label for label, _ in PYTHONS)}; absent here:"
        f" {', '.join(absent) or 'none'}"
    )


def feature_release(label):
    return tuple(map(int, label.rstrip("t").split(".")[:2]))


def ways_of(python):
    """The ways of the table that Python can run: its own answer, from common.py itself."""
    ask = "import common; print(','.join(way.name for way in common.ways_here()))"
    return (
        subprocess.run(
            [python, "-c", ask],
            cwd=ROOT,
            env=script_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        .stdout.strip()
        .split(",")
    )


@pytest.mark.parametrize("label, python", PYTHONS, ids=[label for label, _ in PYTHONS])
def test_both_demos_on(label, python):
    checked_at_once(check_both_demos_on, PYTHONS, label, python)


def check_both_demos_on(label, python):
    # 3.12+ warns when fork() runs while other threads are alive: the thread phase must be over
    # before the processes start, so there warnings are errors, and shapes are drawn by processes.
    new = feature_release(label) >= (3, 12)
    flags = ["-W", "error", "-W", "always::DeprecationWarning"] if new else []
    bars = run_script(
        "demo_stopwatch.py", "--workers", 2, "--iterations", 5, python=python, flags=flags
    )
    assert bars.returncode == 0 and bars.stderr == ""
    bar_phases, results = phases(bars.stdout)
    ways = ways_of(python)
    assert [sorted(map(worker_of, block)) for block in bar_phases] == [[1] * 5 + [2] * 5] * (
        len(ways) + reruns(bars.stdout)  # a phase short of CPUs is run again
    )
    assert [RESULT.match(line)[1] for line in results] == ways
    [facts] = found(PYTHON, sections(bars.stdout)[-2])
    assert facts["version"] == label.rstrip("t")
    assert facts["gil"] == (
        "disabled" if label.endswith("t") else "enabled"
    )  # a 3.13t runs without it

    mode = "processes" if new else "threads"
    shapes = run_script(
        "demo_visualize.py", "--mode", mode, "--pause", 0.04, python=python, flags=flags
    )
    assert shapes.returncode == 0 and shapes.stderr == ""
    way = "Multiprocessing" if new else "Threading"  # the order: test_visualize.py
    assert sorted(rows_and_time(shapes.stdout, way)) == sorted(EXPECTED)


FREE_THREADED = [(label, path) for label, path in PYTHONS if label.endswith("t")]


@pytest.mark.parametrize("label, python", FREE_THREADED, ids=[label for label, _ in FREE_THREADED])
def test_a_free_threaded_build_told_to_keep_the_gil_says_so(label, python):
    result = run_script(
        "demo_stopwatch.py",
        "--work",
        "none",
        "--repeat",
        1,
        python=python,
        env=script_env(PYTHON_GIL="1"),
    )
    assert [facts["gil"] for facts in found(PYTHON, result.stdout.splitlines())] == ["enabled"]
