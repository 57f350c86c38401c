"""demo_stopwatch.py end to end: every line's format, exact counts, bad arguments."""

import multiprocessing
import re
import subprocess
import sys
from collections import Counter
from types import SimpleNamespace

import pytest
from conftest import ROOT, run_script, script_env

import common

NAMES = [way.name for way in common.WAYS]  # every way the table has, in its order
HERE = [way.name for way in common.ways_here()]  # the ways a run on this Python shows

BAR = re.compile(r"^(?P<indent>(?:    )*)██ (?P<n>\d+) ██$")
RESULT = re.compile(
    rf"^Execute ({'|'.join(NAMES)}): +(?P<seconds>\d+\.\d{{3}}) sec   "
    r"(?P<middle>\d+\.\dx (?:faster|slower)|about the same|\(disturbed\)|\d+\.\d{3} ms a worker|)"
    # no work: no CPUs busy
    r"(?: +(?P<busy>\d+\.\d) of (?P<cpus>\d+) CPUs? busy)?(?P<mark> +\*)?$"
)
MARKED = re.compile(r"^Note: \* ")  # what disturbed the phases marked *


PYTHON = re.compile(  # PyPy: 'PyPy 7.3.11 (Python 3.9.16), GIL enabled, ...'
    r"^(?:PyPy \d+\.\d+\.\d+ \()?Python (?P<version>3\.\d+\.\d+[^\s,)]*)\)?, GIL"
    r" (?P<gil>enabled|disabled), (?P<cpus>\d+) CPUs?,"
    r"(?: a quota of [\d.]+,| quota [\d.]+,)? (?:start method )?(?P<method>fork|spawn|forkserver)$"
)
START_COST = re.compile(
    r"^Start cost: a thread (\d+\.\d{3}) ms, a process \((fork|spawn|forkserver)\)"
    r" (\d+\.\d{3}) ms:"
    r" (\d+)x a thread$"
)


NOTE = re.compile(r"^(Note: |      \S)")  # a note may go on over lines of its own, indented
WAITED = re.compile(  # under the timeline: each way's share of time waiting for the GIL, a CPU
    rf"^(?P<way>{'|'.join(NAMES)}): +workers waited (?:(?P<gil>\d+)% of their time for the GIL,"
    r" (?P<cpu>\d+)%|(?P<cpu_only>\d+)% of their time) for a CPU$"
)
UNMEASURED = "Waiting for a CPU is not measured here, nor the GIL apart from it: Linux tells it."
LEGEND = 3  # the timeline's heading and legend lines, before its rows


def chart_rows(chart):
    """A timeline's rows: the lines after its heading and legend, before what they waited for."""
    assert chart[0].startswith("When each worker ran"), chart[0]
    return [line for line in chart[LEGEND:] if not WAITED.match(line) and line != UNMEASURED]


def blames_others(stdout):
    """Whether a note says other programs took CPUs from a phase: seen by how long its workers
    waited for one (Linux), or else by how busy the machine was."""
    return any(
        line.startswith(("Note: * other programs kept up to ", "Note: * in every run, other"))
        or "waited for CPUs other programs had (on average" in line
        for line in notes(stdout)
    )


def reruns(stdout):
    """How many phases a run ran again, each after its note: others took CPUs it waited for."""
    return sum(
        line.startswith("Note: ") and ": running it again, up to" in next_line
        for line, next_line in zip(stdout.splitlines(), stdout.splitlines()[1:])
    )


def notes(stdout):
    """The notes a run printed: the demo may add one wherever something disturbed it."""
    return [line for line in stdout.splitlines() if NOTE.match(line)]


def sections(stdout):
    """Blocks of the output, split at blank lines, notes left out: bar phases, the report, the
    timeline."""
    kept = "\n".join(line for line in stdout.split("\n") if not NOTE.match(line))
    return [block.splitlines() for block in re.split(r"\n{2,}", kept.strip("\n"))]


def found(pattern, lines):
    """The matches of pattern among lines, in order: lines are found by what they are."""
    return [match for match in map(pattern.match, lines) if match]


def way_phases(stdout):
    """[each way's bar blocks, in the table's order]: a block that follows a note running its
    phase again belongs to the way before it."""
    ways, block, again = [], [], False
    for line in stdout.split("\n"):
        if BAR.match(line):
            if not block and not again:
                ways.append([])  # a new way's phase
            if not block:
                ways[-1].append(block)
            block.append(line)
            again = False
        elif block or line.startswith("Note: "):
            again = again or "running it again" in line or line.startswith("Note: ")
            block = []
    return ways


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
    assert len(bar_phases) == len(HERE) + reruns(result.stdout)
    for bars in bar_phases:
        assert Counter(map(worker_of, bars)) == {1: 25, 2: 25, 3: 25}
    assert [RESULT.match(line).group(1) for line in results] == HERE
    assert_words_match_numbers(results)


def assert_words_match_numbers(results):
    """'faster', 'slower' and 'about the same' agree with the seconds printed on the same lines,
    whatever the true seconds were within the printed rounding (half a millisecond); no verdict,
    `(disturbed)`, only beside a line marked as short of CPUs, its own or the direct one."""
    direct, *others = [RESULT.match(line) for line in results]
    assert direct["middle"] == ""
    for match in others:
        d, s = float(direct["seconds"]), float(match["seconds"])
        low, high = (d - 0.0005) / (s + 0.0005), (d + 0.0005) / max(s - 0.0005, 1e-9)
        if match["middle"].endswith("faster"):
            assert high >= 1.1, match[0]
        elif match["middle"].endswith("slower"):
            assert low <= 1 / 1.1, match[0]
        elif match["middle"] == "(disturbed)":  # short of CPUs, or compared with a direct so
            assert match["mark"] or direct["mark"], match[0]
        else:
            assert match["middle"] == "about the same" and low < 1.1 and high > 1 / 1.1, match[0]


def test_run_directly_the_workers_take_turns():
    result = run_script("demo_stopwatch.py", "--workers", 3, "--iterations", 10)
    direct = phases(result.stdout)[0][0]
    assert [worker_of(line) for line in direct] == [1] * 10 + [2] * 10 + [3] * 10


@pytest.mark.parametrize("repeat", [1, 2])
def test_phases_are_separated_by_blank_lines(repeat):
    """Between every two phases, round after round."""
    out = run_script(
        "demo_stopwatch.py", "--workers", 1, "--iterations", 1, "--repeat", repeat
    ).stdout
    lines = [line for line in out.split("\n") if not NOTE.match(line)]
    bars = 4 * len(HERE) * repeat - 3  # each phase's one bar, three blank lines between phases
    assert lines[:bars] == (["██ 1 ██", "", "", ""] * len(HERE) * repeat)[:bars]
    assert lines[bars : bars + 2] == ["", ""] and PYTHON.match(lines[bars + 2])
    assert [match[1] for match in found(RESULT, lines)] == HERE
    heading = next(i for i, line in enumerate(lines) if line.startswith("When each worker ran"))
    report = lines[bars + 3 : heading - 1]
    assert lines[heading - 1] == "" and all(
        line.startswith(("Execute ", "Note: ")) for line in report
    )


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
    assert result.stderr == "demo_stopwatch.py: --workers: '0' is not a positive whole number\n"


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


# -- Every line fits an 80-column terminal, at the largest numbers a run can give ----------------


def test_every_kind_of_report_line_fits_79_columns_at_its_widest(monkeypatch):
    import common
    import demo_stopwatch

    for (
        method
    ) in (
        multiprocessing.get_all_start_methods()
    ):  # imported now, not as a PyPy without a cache_tag
        common.start_method_used(method)
    monkeypatch.setattr(common, "available_cpus", lambda: 999)
    monkeypatch.setattr(
        common.sys, "implementation", SimpleNamespace(name="pypy", version=(7, 3, 11))
    )
    ways = {way.name: way for way in common.WAYS}

    def phase(
        seconds, name="Multiprocessing"
    ):  # every CPU busy, and every disturbance at its worst
        timing = common.Timing(name, seconds, [common.Span(0.0, seconds, 0, None, 999 * seconds)])
        marks = [("quota", 998.55), ("other", 998.9), ("held", 9999.9), ("stopped", 9999.9)]
        marks += [("lacked", 998.9)]
        return demo_stopwatch.Phase(ways[name], timing, marks)

    slow, fast, timing = phase(999.999), phase(1.001), phase(999.999).timing
    half_and_half = common.Span(0.0, 1.0, 0, None, 0.0, (), 0, 0.5, 0.0)
    direct = phase(999.999, "Directly")
    sleepy = SimpleNamespace(
        work="sleep",
        workers=1000,
        iterations=demo_stopwatch.MOST_ITERATIONS,
        repeat=100,
        start_method="spawn",
    )
    monkeypatch.setattr(demo_stopwatch, "sleep_takes", lambda pause: 0.0999)
    lines = [
        *demo_stopwatch.result_lines([direct, slow, fast]),
        *demo_stopwatch.result_lines([direct, slow, fast], workers=1),
        *demo_stopwatch.result_lines([direct, slow, fast], unjudged={"Multiprocessing"}),
        *demo_stopwatch.disturbance_notes([slow], 999, repeat=100),
        *demo_stopwatch.disturbance_notes([slow], 999, repeat=100, always=["other"]),
        *demo_stopwatch.start_cost_lines(
            [
                [phase(0.001, "Directly")],
                [phase(0.009999, "Threading")] * 5,
                [phase(0.999999)] * 5,
            ],
            1,
            "forkserver",
        ),
        demo_stopwatch.long_run_note(sleepy),
        common.describe_python("forkserver"),
        *with_a_quota(monkeypatch, 998.55, lambda: common.describe_python("forkserver")),
        *common.timeline([timing], line_width=79),
        *common.waiting_lines([common.Timing("Multiprocessing", 1.0, [half_and_half])]),
        *demo_stopwatch.disturbance_notes([phase(1.0, name) for name in ways], 999, repeat=1),
        *demo_stopwatch.again_note(slow, 2).splitlines(),
    ]
    assert all(len(line) <= 79 for line in lines), [line for line in lines if len(line) > 79]


def with_a_quota(monkeypatch, quota, make):
    """What make() returns, and what it returns under a CPU quota: [without, with]."""
    import common

    without = make()
    monkeypatch.setattr(common, "cpu_quota", lambda root="": quota)
    return [without, make()]


REFUSED = [
    ("demo_stopwatch.py", args)
    for args in (
        ["--workers", "10000000000"],
        ["--workers", "-1"],
        ["--iterations", "1.5"],
        ["--repeat", "1000000"],
        ["--work", "everything-at-once"],
        ["--start-method", "teleportation"],
        ["--no-such-option"],
        ["extra"],
    )
] + [
    ("demo_visualize.py", args)
    for args in (
        ["--mode", "everything-at-once"],
        ["--pause", "1e400"],
        ["--pause", "nan"],
        ["--mode", "threads", "--start-method", "forkserver"],
        ["--start-method", "teleportation"],
    )
]


@pytest.mark.parametrize("script, args", REFUSED)
def test_every_refusal_is_one_line_within_79_columns(script, args, parse):
    result = parse(script, *args)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert len(result.stderr.rstrip("\n")) <= 79, result.stderr


def test_a_refusal_of_79_columns_is_left_whole_and_a_longer_one_cut(capsys):
    parser = common.command_parser(prog="demo_stopwatch.py")
    shortest = len("demo_stopwatch.py: --workers: '' is not a positive whole number")
    for width, whole in [(79, True), (80, False)]:
        value = "9" * (width - shortest)
        with pytest.raises(SystemExit):
            parser.error(f"argument --workers: {value!r} is not a positive whole number")
        line = capsys.readouterr().err.rstrip("\n")
        assert (value in line) is whole and len(line) == (79 if whole else shortest + 7), line


@pytest.mark.parametrize("columns", [40, 60, 100])
def test_help_is_wrapped_one_column_short_of_the_terminal(columns, monkeypatch):
    """A line as wide as the terminal wraps on some, leaving an empty line after it."""
    monkeypatch.setenv("COLUMNS", str(columns))
    assert common.command_parser(prog="x")._get_formatter()._width == min(79, columns - 1)


def test_the_open_file_refusal_fits_too(parse, monkeypatch):
    import common

    monkeypatch.setattr(
        common, "open_file_limit", lambda workers: (999, 9999)
    )  # fewer fit than asked, at most 1000
    result = parse("demo_stopwatch.py", "--workers", "1000")
    assert result.returncode == 2 and len(result.stderr.rstrip("\n")) <= 79, result.stderr


@pytest.mark.parametrize(
    "seconds, about", [(12.0, "about 12 s"), (3599.0, "about 3599 s"), (7200.0, "about 2 h")]
)
def test_a_long_run_is_announced_in_seconds_or_hours(seconds, about, monkeypatch):
    import demo_stopwatch

    monkeypatch.setattr(demo_stopwatch, "round_seconds", lambda args, work, each: seconds)
    monkeypatch.setattr(demo_stopwatch, "sleep_takes", lambda pause: 0.00025)  # a VM's: not coarse
    note = demo_stopwatch.long_run_note(demo_stopwatch.parse_args(["--start-method", "fork"]))
    assert note.startswith(f"Note: {about} to run"), note


@pytest.mark.parametrize("text, value", [("5e-2", 0.05), ("5E-2", 0.05), (".5", 0.5), ("2.", 2.0)])
def test_a_pause_is_taken_as_a_person_writes_it(text, value):
    import demo_visualize

    assert demo_visualize.parse_args(["--pause", text]).pause == value
