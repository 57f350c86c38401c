"""The report after the bars: the interpreter line, the start cost, the timeline, colour."""

import itertools
import multiprocessing
import os
import platform
import re
import time
import subprocess
import sys
import sysconfig

import pytest
from conftest import ROOT, run_script, script_env
from test_stopwatch import (
    HERE,
    LEGEND,
    NAMES,
    PYTHON,
    RESULT,
    START_COST,
    chart_rows,
    found,
    sections,
)

import common
import demo_stopwatch

ROW = re.compile(
    rf"^(?P<label>{'|'.join(NAMES)}|) +(?P<workers>\d+(?:-\d+)?) (?P<cells>[█▓▒░▚ ]*)$"
)


def run(name, seconds, *intervals):
    """A finished run starting at 0 whose workers ran in the given (start, end) intervals."""
    spans = [common.Span(start, end, 0, None) for start, end in intervals]
    return common.Timing(name, seconds, spans)


def columns(cells):
    return {index for index, cell in enumerate(cells) if cell != " "}


def parse_rows(lines):
    """{mode: [(workers, set of filled columns), ...]} from the timeline's rows (after its heading
    and the lines that say what the marks mean)."""
    rows, mode = {}, None
    for line in chart_rows(lines):
        match = ROW.match(line)
        assert match, f"not a timeline row: {line!r}"
        mode = match["label"] or mode
        rows.setdefault(mode, []).append((match["workers"], columns(match["cells"])))
    return rows


# -- The drawing, on runs made up here ---------------------------------------------------


def test_the_longest_run_fills_the_width_and_the_scale_is_printed():
    runs = [
        run("Directly", 1.2, (0.0, 0.6), (0.6, 1.2)),
        run("Threading", 0.6, (0.0, 0.6), (0.0, 0.6)),
    ]
    lines = common.timeline(runs)
    assert lines[0] == "When each worker ran (one column = 20 ms, one row = one worker):"
    rows = parse_rows(lines)
    assert rows["Directly"] == [("1", set(range(0, 30))), ("2", set(range(30, 60)))]
    assert rows["Threading"] == [("1", set(range(0, 30))), ("2", set(range(0, 30)))]
    assert {len(line) for line in chart_rows(lines)} == {16 + 1 + 1 + 1 + 60, 16 + 1 + 1 + 1 + 30}


def test_the_scale_is_the_longest_run_wherever_it_comes():
    runs = [
        run("Directly", 0.3, (0.0, 0.3)),
        run("Threading", 0.6, (0.0, 0.6)),
        run("Multiprocessing", 1.2, (0.0, 1.2)),
    ]
    lines = common.timeline(runs)
    assert lines[0].startswith("When each worker ran (one column = 20 ms,")
    rows = parse_rows(lines)
    assert [rows[name][0][1] for name in ("Directly", "Threading", "Multiprocessing")] == [
        set(range(15)),
        set(range(30)),
        set(range(60)),
    ]


@pytest.mark.parametrize("columns", [40, 60, 80, 200])
def test_a_row_fits_the_terminal_it_is_drawn_for(columns, monkeypatch):
    """The longest run's row is one column short of the terminal (a full row would wrap on
    some)."""
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((columns, 50)))
    monkeypatch.setattr(sys.stdout, "fileno", lambda: 1, raising=False)
    width, _, _ = demo_stopwatch.timeline_size(["Python 3"])
    lines = common.timeline([run("Directly", 1.0, (0.0, 1.0))], line_width=width)
    assert max(map(len, chart_rows(lines))) == min(columns - 1, 79)


def test_back_to_back_workers_never_share_a_column():
    intervals = [(n * 0.0137, (n + 1) * 0.0137) for n in range(7)]
    rows = parse_rows(common.timeline([run("Directly", 7 * 0.0137, *intervals)]))
    filled = [cols for _, cols in rows["Directly"]]
    assert all(cols for cols in filled)
    assert all(a.isdisjoint(b) for i, a in enumerate(filled) for b in filled[i + 1 :])


def test_a_worker_too_short_to_see_still_gets_one_column():
    rows = parse_rows(common.timeline([run("Threading", 1.0, (0.0, 1.0), (0.5, 0.5001))]))
    assert rows["Threading"][1] == ("2", {30})


def test_many_workers_are_grouped_into_at_most_sixteen_rows():
    intervals = [(n, n + 1) for n in range(64)]
    lines = common.timeline([run("Directly", 64, *intervals)])
    assert "one row = 4 workers" in lines[0]
    rows = parse_rows(lines)["Directly"]
    assert [workers for workers, _ in rows] == [f"{n}-{n + 3}" for n in range(1, 65, 4)]
    filled = [cols for _, cols in rows]
    width = max(max(cols) for cols in filled) + 1
    assert width >= 50 and all(
        len(line) <= 79 for line in lines
    ), "as wide as an 80-column terminal allows"
    assert (
        set().union(*filled) == set(range(width)) and sum(map(len, filled)) == width
    ), "tiled, one after another"
    assert all(max(a) < min(b) for a, b in zip(filled, filled[1:]))
    assert (
        len({len(re.split("[█▓▒░]", line)[0].rstrip()) for line in chart_rows(lines)}) == 1
    ), "numbers right-aligned"


def test_each_column_is_shaded_by_how_much_of_it_the_worker_ran():
    """Running, then waiting its turn (the GIL), then a quarter, then half of the time."""
    stretches = (
        (0.0, 0.25, 0.25, 0.0),
        (0.25, 0.5, 0.0, 0.0),
        (0.5, 0.75, 0.25 * 0.3, 0.0),
        (0.75, 1.0, 0.25 * 0.6, 0.0),
    )
    span = common.Span(0.0, 1.0, 0, None, sum(cpu for _, _, cpu, _ in stretches), stretches)
    lines = common.timeline([common.Timing("Threading", 1.0, [span])])
    assert lines[1] == (
        "█ running, ▓ mostly, ▒ partly, ░ waiting (for the GIL, a sleep, the output),"
        if common.gil_enabled()
        else "█ running, ▓ mostly, ▒ partly, ░ waiting (for a sleep, the output),"
    )
    [row] = chart_rows(lines)
    assert row == "Threading        1 " + "█" * 15 + "░" * 15 + "▒" * 15 + "▓" * 15
    grouped = common.timeline(
        [
            common.Timing(
                "Threading", 1.0, [span, span._replace(stretches=((0.0, 1.0, 1.0, 0.0),))]
            )
        ],
        max_rows=1,
    )  # a row of two workers: the share of their time together
    cells = chart_rows(grouped)[0][len("Threading        1-2 ") :]
    assert [shade for shade, _ in itertools.groupby(cells)] == [
        "█",
        "▓",
        "█",
    ]  # shares 1, 0.5, 0.65, 0.8


def test_waiting_for_a_cpu_has_its_own_mark_where_it_outweighs_the_other_waiting():
    """Running a half and queued a half (four processes on two CPUs), queued more than asleep,
    asleep more than queued, then running three quarters with the rest queued: still running."""
    stretches = (
        (0.0, 0.25, 0.125, 0.125),
        (0.25, 0.5, 0.05, 0.15),
        (0.5, 0.75, 0.05, 0.05),
        (0.75, 1.0, 0.1875, 0.0625),
    )
    span = common.Span(0.0, 1.0, 0, None, 0.4125, stretches, 0, 0.3875, 0.0)
    lines = common.timeline([common.Timing("Multiprocessing", 1.0, [span])])
    assert lines[1].endswith("░ waiting (for a sleep, the output),"), "no GIL between processes"
    assert lines[2] == "▚ waiting for a CPU: other programs or workers had them all"
    [row] = chart_rows(lines)
    assert row == "Multiprocessing  1 " + "▚" * 30 + "░" * 15 + "█" * 15
    assert common.waiting_lines([common.Timing("Multiprocessing", 1.0, [span])]) == [
        "Multiprocessing: workers waited 39% of their time for a CPU"
    ]


def test_where_the_system_does_not_tell_waiting_for_a_cpu_is_said_unknown_once():
    timing = common.Timing("Threading", 1.0, [common.Span(0.0, 1.0, 0, None, 0.25)] * 2)
    lines = common.timeline([timing])
    assert lines[2] == "▚ waiting for a CPU: not measured here (Linux tells it)"
    assert common.waiting_lines([timing]) == [
        "Waiting for a CPU is not measured here, nor the GIL apart from it: Linux tells it."
    ]


def test_a_last_group_of_one_worker_is_labelled_by_its_number():
    intervals = [(n, n + 1) for n in range(40)]
    rows = parse_rows(common.timeline([run("Directly", 40, *intervals)]))["Directly"]
    assert [workers for workers, _ in rows] == [f"{n}-{n + 2}" for n in range(1, 38, 3)] + ["40"]


# -- The report of a real run ------------------------------------------------------------


def test_sleeping_workers_run_one_after_another_directly_and_together_in_threads():
    """Together, unless the report marks the phase: other programs (or a held-up start) kept a
    worker from starting until another had ended, and the demo says so."""
    result = run_script("demo_stopwatch.py", "--iterations", 500)
    report, chart = sections(result.stdout)[-2:]
    marked = {line[1] for line in found(RESULT, report) if line["mark"]}
    rows = parse_rows(chart)
    direct = [cols for _, cols in rows["Directly"]]
    assert all(a.isdisjoint(b) for i, a in enumerate(direct) for b in direct[i + 1 :])
    for way in {"Threading", "Multiprocessing"} - marked:
        assert set.intersection(*[cols for _, cols in rows[way]]), f"no moment when all {way} ran"
    longest = max(len(cols) and max(cols) + 1 for lanes in rows.values() for _, cols in lanes)
    assert longest == 60, "the longest phase spans the full width"


def test_the_interpreter_line_states_what_the_timings_depend_on():
    [facts] = found(
        PYTHON, sections(run_script("demo_stopwatch.py", "--iterations", 2).stdout)[-2]
    )
    assert facts["version"] == platform.python_version()
    free_threaded = sysconfig.get_config_var(
        "Py_GIL_DISABLED"
    )  # the script gets no PYTHON_GIL of ours
    assert facts["gil"] == (
        "disabled" if free_threaded else "enabled"
    )  # from the build, not from common
    platform_default = "spawn" if sys.platform in ("win32", "darwin") else "fork"
    if sys.platform == "linux" and sys.version_info >= (3, 14):
        platform_default = "forkserver"
    assert facts["method"] == platform_default


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_a_process_allowed_one_cpu_says_one_cpu():
    """As under `taskset -c 0`: the count comes from the CPUs this process may use."""
    first = min(os.sched_getaffinity(0))
    result = subprocess.run(
        [sys.executable, str(ROOT / "demo_stopwatch.py"), "--iterations", "3"],
        cwd=ROOT,
        env=script_env(),
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.sched_setaffinity(0, {first}),
        timeout=60,
    )
    report = sections(result.stdout)[-2]
    [facts] = found(PYTHON, report)
    assert facts["cpus"] == "1" and ", 1 CPU, " in facts[0]
    results = found(RESULT, report)
    assert len(results) == len(HERE) and all(match["cpus"] == "1" for match in results)
    assert all(
        " of 1 CPU busy" in match[0] for match in results
    )  # a line may end in * on a busy machine


@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_no_work_measures_what_a_start_costs(method):
    result = run_script("demo_stopwatch.py", "--work", "none", "--start-method", method)
    assert result.returncode == 0 and result.stderr == ""
    report, chart = sections(result.stdout)  # no bars at all
    assert [facts["method"] for facts in found(PYTHON, report)] == [method]
    assert len(found(RESULT, report)) == len(HERE)
    [cost, *others] = found(START_COST, report)
    assert cost[2] == method
    thread, process, ratio = float(cost[1]), float(cost[3]), int(cost[4])
    assert abs(process / thread - ratio) <= max(1, ratio * 0.01) + 1
    assert len(chart_rows(chart)) == len(HERE) * 4 and len(chart) == LEGEND + len(HERE) * 5


def test_the_timeline_uses_the_ascii_stand_in():
    result = run_script(
        "demo_stopwatch.py", "--iterations", 3, env=script_env(PYTHONIOENCODING="ascii")
    )
    chart = sections(result.stdout)[-1]
    assert chart[1].startswith("# running, = mostly, - partly, . waiting")
    assert chart[2].startswith("% waiting for a CPU")
    assert all(set(line[19:]) <= {"#", "=", "-", ".", "%", " "} for line in chart_rows(chart))
    assert all(set(line[19:]) & {"#", "=", "-", ".", "%"} for line in chart_rows(chart))


# -- Colour: only for a person at a terminal --------------------------------------------


def run_on_terminal(script, *args, size=None, **env):
    """Run a script with stdout on a pseudo-terminal, as in a terminal window (of size (columns,
    rows) if given); return what it showed."""
    pty = pytest.importorskip("pty")
    master, terminal = pty.openpty()
    if size:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    process = subprocess.Popen(
        [sys.executable, str(ROOT / script), *map(str, args)],
        cwd=ROOT,
        env=script_env(**{"TERM": "xterm", **env}),
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=subprocess.PIPE,
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert process.wait(timeout=60) == 0 and process.stderr.read() == b""
    return b"".join(chunks).decode("utf-8")


COLOURED_BAR = re.compile(r"\x1b\[3\dm██ \d ██\x1b\[0m")


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_a_terminal_gets_each_worker_in_its_own_colour():
    shown = run_on_terminal("demo_stopwatch.py", "--workers", 2, "--iterations", 2)
    assert "\x1b[31m██ 1 ██\x1b[0m" in shown and "\x1b[32m██ 2 ██\x1b[0m" in shown
    assert re.search(
        "\x1b\\[31m[█▓▒░]", shown.split("When each worker ran")[1]
    ), "the timeline rows are coloured too"
    shapes = run_on_terminal("demo_visualize.py", "--pause", 0.01)
    assert "\x1b[33m☼\x1b[0m" in shapes


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_no_color_keeps_a_terminal_plain():
    shown = run_on_terminal("demo_stopwatch.py", "--workers", 2, "--iterations", 2, NO_COLOR="1")
    assert "\x1b" not in shown and "██ 2 ██" in shown


def test_a_pipe_gets_no_colour():
    assert "\x1b" not in run_script("demo_stopwatch.py", "--workers", 2, "--iterations", 2).stdout
    assert "\x1b" not in run_script("demo_visualize.py", "--pause", 0.01).stdout


@pytest.mark.parametrize(
    "share, quarter",
    [
        (-0.1, 0),
        (0.0, 0),
        (0.24, 0),
        (0.25, 1),
        (0.4, 1),
        (0.49, 1),
        (0.5, 2),
        (0.7, 2),
        (0.74, 2),
        (0.75, 3),
        (1.0, 3),
        (1.3, 3),
    ],
)
def test_a_share_is_drawn_in_the_quarter_it_falls_in(share, quarter):
    """█ from three quarters up, ▓ from half, ▒ from a quarter, ░ below: a 40% share is ▒, a 70%
    share ▓; the picture's opacity follows the same quarters."""
    assert common.quarters(share) == quarter
    assert common.shade(share) == common.glyph("░▒▓█"[quarter])
    assert common.opacity(share) == (quarter + 1) / 4


def test_a_screen_with_no_row_a_way_left_gets_no_timeline_and_keeps_the_report(monkeypatch):
    """40x24 beside busy programs: a (disturbed) run's notes wrap to 16 rows at 40 columns; a
    timeline below them would push the report off the screen."""
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((40, 24)))
    long_report = ["x" * 70] * 8  # 16 rows at 40 columns
    assert demo_stopwatch.timeline_size(long_report, ["under"]) == (
        39,
        0,
        [demo_stopwatch.TOO_SHORT],
    )
    width, rows, under = demo_stopwatch.timeline_size(["x" * 30] * 4, ["under"])
    assert rows >= 1 and under == ["under"]


def test_cpu_work_is_sized_in_cpu_time_which_waiting_does_not_stretch(monkeypatch):
    """A machine whose other programs take the CPU stretches a call's wall-clock time, not its CPU
    time: a call that mostly waits (here, sleeps 0.5 ms and computes almost nothing) is sized by
    the little CPU it uses."""

    def waits_mostly(steps):
        time.sleep(0.0005)
        return steps

    monkeypatch.setattr(common, "compute", waits_mostly)
    sized = demo_stopwatch.steps_for.__wrapped__(0.002)  # past the cache, with this compute
    assert sized > 10 * round(1000 * 0.002 / 0.0005), "sized by the wall clock"


def test_an_iteration_that_ran_half_its_time_or_more_counts_as_running(monkeypatch):
    """GIL threads taking turns at every iteration each run about half of it: those laps are
    running, or their turns would vanish into one pale stretch a thread. Laps of 10 ms, made up:
    60%, 60% running, then 10%, 10%, then 60%: three stretches."""
    clock = {"wall": 100.0, "cpu": 5.0}
    monkeypatch.setattr(time, "perf_counter", lambda: clock["wall"])

    def job():
        for share in (0.6, 0.6, 0.1, 0.1, 0.6):
            clock["wall"] += 0.010
            clock["cpu"] += 0.010 * share
            common.lap()

    span = common.outcome(job, cpu_clock=lambda: clock["cpu"])
    lasted = [(round(end - start, 6), round(cpu, 6)) for start, end, cpu, _ in span.stretches]
    assert lasted == [(0.02, 0.012), (0.02, 0.002), (0.01, 0.006)], span.stretches


def test_the_column_where_a_stretch_ends_is_shaded_by_that_stretch_too():
    """Not by the worker's average: a stretch running all its 0.55 s, then one waiting to 0.96 s,
    at 0.1 s a column: the sixth column is half of each, the last the waiting one's alone."""
    stretches = ((0.0, 0.55, 0.55, 0.0), (0.55, 0.96, 0.0, 0.0))
    span = common.Span(0.0, 0.96, 1, None, 0.55, stretches)
    glyphs = [common.glyph(mark) for mark in "█▓░"]
    assert common.timeline_cells([span], 0.1, 10) == glyphs[0] * 5 + glyphs[1] + glyphs[2] * 4
