"""demo_stopwatch.py end to end: every line's format, exact counts, bad arguments."""

import re
import subprocess
import sys
from collections import Counter

import pytest
from conftest import ROOT, run_script, script_env

BAR = re.compile(r"^(?P<indent>(?:    )*)██ (?P<n>\d+) ██$")
RESULT = re.compile(
    r"^Execute (Directly|Threading|Multiprocessing): +(?P<seconds>\d+\.\d{3}) sec   "
    r"(?P<middle>\d+\.\dx (?:faster|slower)|about the same|\d+\.\d{3} ms a worker|)"
    r"(?: +(?P<busy>\d+\.\d) of (?P<cpus>\d+) CPUs? busy)?(?P<mark> \*)?$"  # no work: no CPUs busy
)
MARKED = re.compile(r"^Note: \* ")  # what disturbed the phases marked *


PYTHON = re.compile(
    r"^Python (?P<version>3\.\d+\.\d+\S*), GIL (?P<gil>enabled|disabled), (?P<cpus>\d+) CPUs? available,"
    r" start method (?P<method>fork|spawn|forkserver)$"
)
START_COST = re.compile(
    r"^Start cost: a thread (\d+\.\d{3}) ms, a process \((fork|spawn|forkserver)\) (\d+\.\d{3}) ms:"
    r" (\d+)x a thread$"
)


NOTE = re.compile(r"^Note: ")


def notes(stdout):
    """The notes a run printed: the demo may add one wherever something disturbed it."""
    return [line for line in stdout.splitlines() if NOTE.match(line)]


def sections(stdout):
    """Blocks of the output, split at blank lines, notes left out: bar phases, the report, the timeline."""
    kept = "\n".join(line for line in stdout.split("\n") if not NOTE.match(line))
    return [block.splitlines() for block in re.split(r"\n{2,}", kept.strip("\n"))]


def found(pattern, lines):
    """The matches of pattern among lines, in order: lines are found by what they are."""
    return [match for match in map(pattern.match, lines) if match]


def phases(stdout):
    """The bar lines of each phase, and the result lines."""
    blocks = sections(stdout)
    return blocks[:-2], [match[0] for match in found(RESULT, blocks[-2])]


def worker_of(line):
    match = BAR.match(line)
    assert match, f"not a bar: {line!r}"
    n = int(match["n"])
    assert len(match["indent"]) == 4 * ((n - 1) % 16), f"wrong indent: {line!r}"
    return n


@pytest.mark.parametrize("work", ["sleep", "cpu"])
def test_every_line_has_its_format_and_counts_are_exact(work):
    result = run_script("demo_stopwatch.py", "--workers", 3, "--iterations", 25, "--work", work)
    assert result.returncode == 0 and result.stderr == ""
    bar_phases, results = phases(result.stdout)
    assert len(bar_phases) == 3
    for bars in bar_phases:
        assert Counter(map(worker_of, bars)) == {1: 25, 2: 25, 3: 25}
    assert [RESULT.match(line).group(1) for line in results] == ["Directly", "Threading", "Multiprocessing"]
    assert_words_match_numbers(results)


def assert_words_match_numbers(results):
    """'faster', 'slower' and 'about the same' agree with the seconds printed on the same lines,
    whatever the true seconds were within the printed rounding (half a millisecond)."""
    direct, *others = [RESULT.match(line) for line in results]
    assert direct["middle"] == ""
    for match in others:
        d, s = float(direct["seconds"]), float(match["seconds"])
        low, high = (d - 0.0005) / (s + 0.0005), (d + 0.0005) / max(s - 0.0005, 1e-9)
        if match["middle"].endswith("faster"):
            assert high >= 1.05, match[0]
        elif match["middle"].endswith("slower"):
            assert low <= 0.95, match[0]
        else:
            assert match["middle"] == "about the same" and low < 1.05 and high > 0.95, match[0]


def test_run_directly_the_workers_take_turns():
    result = run_script("demo_stopwatch.py", "--workers", 3, "--iterations", 10)
    direct = phases(result.stdout)[0][0]
    assert [worker_of(line) for line in direct] == [1] * 10 + [2] * 10 + [3] * 10


def test_phases_are_separated_by_blank_lines():
    out = run_script("demo_stopwatch.py", "--workers", 1, "--iterations", 1).stdout
    lines = [line for line in out.split("\n") if not NOTE.match(line)]
    assert lines[:9] == ["██ 1 ██", "", "", "", "██ 1 ██", "", "", "", "██ 1 ██"]
    assert lines[9:11] == ["", ""] and PYTHON.match(lines[11])
    assert [match[1] for match in found(RESULT, lines)] == ["Directly", "Threading", "Multiprocessing"]
    heading = next(i for i, line in enumerate(lines) if line.startswith("When each worker ran"))
    assert lines[heading - 1] == "" and all(line.startswith("Execute ") for line in lines[12 : heading - 1])


@pytest.mark.parametrize(
    "args, bad",
    [
        (["--workers", "0"], "'0'"),
        (["--workers", "-3"], "'-3'"),
        (["--workers", "four"], "'four'"),
        (["--iterations", "2.5"], "'2.5'"),
        (["--work", "gpu"], "'gpu'"),
        (["--start-method", "teleport"], "'teleport'"),
        (["--colour"], "--colour"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, bad, parse):
    result = parse("demo_stopwatch.py", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and bad in result.stderr


def test_a_bad_argument_on_the_real_command_line():
    result = run_script("demo_stopwatch.py", "--workers", "0")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "demo_stopwatch.py: error: argument --workers: '0' is not a positive whole number\n"


def test_help_names_every_option(parse):
    result = parse("demo_stopwatch.py", "--help")
    assert result.returncode == 0
    for option in ("--workers", "--iterations", "--work", "--start-method"):
        assert option in result.stdout


def test_importing_the_scripts_starts_nothing():
    """Spawned children import the main script: only `python demo_*.py` may run a demo."""
    result = subprocess.run(
        [sys.executable, "-c", "import common, demo_stopwatch, demo_visualize"],
        cwd=ROOT,
        env=script_env(PYTHONPATH=None),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
