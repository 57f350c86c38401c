"""Ready for a lesson: the results stay on screen, runs are timed from the caller, the
pieces work from a lesson's own folder, --help says what the README says."""

import importlib
import functools
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
from conftest import ROOT, fenced_blocks, scratch, run_script, script_env
from test_stopwatch import HERE, LEGEND, PYTHON, RESULT, chart_rows
from test_robustness import assert_group_ends, finish
from test_timeline import run_on_terminal

import common
import demo_stopwatch

ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def run_on_sized_terminal(columns, rows, *args):
    """Run the stopwatch on a pseudo-terminal of the given size; return what it wrote, as lines."""
    shown = run_on_terminal("demo_stopwatch.py", *args, size=(columns, rows))
    return ESCAPE.sub("", shown).replace("\r\n", "\n").rstrip("\n").split("\n")


def last_screen(lines, columns, rows):
    """The lines left in view at the end, the shell's prompt taking the bottom row."""
    screen = []
    for line in lines:
        screen += [line[i : i + columns] for i in range(0, max(1, len(line)), columns)]
    return screen[-(rows - 1) :]


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
@pytest.mark.parametrize(
    "columns, rows, workers, iterations",
    [(80, 24, 8, 20), (80, 24, 40, 5), (100, 40, 16, 30), (40, 24, 16, 5)],
)
def test_the_report_stays_on_the_last_screen(columns, rows, workers, iterations):
    lines = run_on_sized_terminal(columns, rows, "--workers", workers, "--iterations", iterations)
    report_at = next(i for i, line in enumerate(lines) if PYTHON.match(line))
    chart = lines[lines.index("", report_at) + 1 :]
    if chart == [demo_stopwatch.TOO_SHORT]:  # notes on a busy machine left no row a way
        report = lines[report_at : lines.index("", report_at)]
        used = sum(-(-max(1, len(line)) // columns) for line in report) + 3 * -(-78 // columns)
        assert rows - used - 2 < len(HERE), "left out though a row a way fitted"
        flat = "\n".join(last_screen(lines, columns, rows)).replace("\n", "")
        assert all(line in flat for line in report[:4]), "the report scrolled away"
        return
    assert chart[0].startswith("When each worker ran")
    rows_drawn = chart_rows(chart)
    assert all(len(row) < columns for row in rows_drawn), "a timeline row wider than the terminal"
    assert len(HERE) <= len(rows_drawn) and LEGEND + len(rows_drawn) <= len(chart) <= rows
    shown = "\n".join(last_screen(lines, columns, rows))
    flat = shown.replace("\n", "")
    for line in lines[report_at : report_at + 4]:
        assert line in flat, f"scrolled away: {line!r}"
    assert sum(1 for line in lines[report_at:] if RESULT.match(line)) == len(HERE)


def test_into_a_file_the_timeline_is_79_columns_and_16_rows_a_run():
    result = run_script(
        "demo_stopwatch.py", "--workers", 40, "--iterations", 2, "--work", "none", "--repeat", 1
    )
    assert (result.returncode, result.stderr) == (0, "")
    chart = result.stdout.split("\n\n")[-1].splitlines()
    assert (
        max(map(len, chart)) <= 79 and len(chart_rows(chart)) == len(HERE) * 14
    )  # 40 workers: 14 groups of 3


# -- Timed from the caller ----------------------------------------------------------------


def test_a_timed_run_includes_starting_the_processes():
    """Spans start after the run does: a process's start-up is counted, and it shows."""
    runner = partial(common.run_in_processes, start_method="spawn")
    run = common.time_jobs(
        "Multiprocessing", runner, [partial(common.idle_worker, n) for n in (1, 2)]
    )
    first = min(span.start for span in run.spans)
    assert 0 < first and max(span.end for span in run.spans) <= run.seconds
    busy_from_spans = max(span.end for span in run.spans) - first
    assert (
        run.seconds > busy_from_spans
    ), "timed from the spans, the start of the processes is lost"


def test_span_times_are_seconds_since_the_run_started():
    run = common.time_jobs(
        "Directly", common.run_directly, [partial(common.sleep_unless_stopped, 0.05)] * 2
    )
    assert (
        0
        <= run.spans[0].start
        < run.spans[0].end
        <= run.spans[1].start
        < run.spans[1].end
        <= run.seconds
    )


# -- Snippets from a lesson's own folder ------------------------------------------------

README = (ROOT / "README.md").read_text(encoding="utf-8")
LESSONS_PAGE = (ROOT / "docs" / "lessons.md").read_text(encoding="utf-8")
BLOCKS = fenced_blocks(README) + fenced_blocks(LESSONS_PAGE)  # each snippet tested where it is
SNIPPETS = [text for info, text in BLOCKS if info == "python"]
NEEDS_3_14 = "# Python 3.14+"  # a snippet that says so runs where interpreters do
IN_A_FILE = "Save it as a file and run it"  # one that says so is not pasted at a prompt
LESSONS = [text for text in SNIPPETS if NEEDS_3_14 not in text or "Interpreters" in HERE]
AT_A_PROMPT = [text for text in LESSONS if IN_A_FILE not in text]


FED_TO_STDIN = "fed to `python -`"  # a snippet that says so runs as `python - < snippet.py`


def shown_after(snippet):
    """The output block the README shows right after a snippet, if any."""
    at = BLOCKS.index(("python", snippet))
    following = BLOCKS[at + 1] if at + 1 < len(BLOCKS) else (None, "")
    return following[1] if following[0] == "" else None


def shape(text):
    """Lines with their numbers, names of builds, bars and runs of spaces made alike, in order of
    sort:
    what any run prints, whatever the machine, the build or the interleaving of threads."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"GIL (enabled|disabled)|start method \w+", "GIL", line)
        line = re.sub(r"\d[\d,.]*", "9", line)
        line = line.replace("the GIL, 9% for", "")  # a free-threaded Python has no GIL to wait for
        line = line.replace("(for the GIL, a sleep", "(for a sleep")  # nor to draw
        lines.append(
            re.sub(r" +", " ", re.sub(r"[█▓▒░][█▓▒░ ]*", "█", line)).strip()
        )  # any shade: its share varies
    return sorted(lines)


COMMON = (ROOT / "common.py").read_text(encoding="utf-8")
LESSON_PART = COMMON[: COMMON.index("\n# == Plumbing")] + "\n"  # what the README says to copy


def lesson_folder(text):
    """A fresh folder outside the repository holding `text` as common.py."""
    folder = Path(tempfile.mkdtemp(dir=scratch().name))
    (folder / "common.py").write_text(text, encoding="utf-8")
    return folder


@functools.lru_cache(maxsize=None)
def run_beside_common(snippet, common_text=COMMON):
    """Run a snippet once, from a fresh folder holding common.py (or only its lesson part)."""
    folder = lesson_folder(common_text)
    return run_snippet(snippet, folder, cwd=folder, env=script_env(PYTHONPATH=None))


def run_snippet(snippet, folder, cwd, env):
    command = (
        [sys.executable, "-"]
        if FED_TO_STDIN in snippet
        else [sys.executable, str(folder / "snippet.py")]
    )
    (folder / "snippet.py").write_text(snippet, encoding="utf-8")
    return subprocess.run(
        command,
        input=snippet if FED_TO_STDIN in snippet else None,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


# As a learner runs a snippet on macOS or Windows (spawn), or on Linux before 3.14 (fork): the
# method set for the whole file, and again, as it must be, when a spawned child imports the file.
UNDER = "import multiprocessing\nmultiprocessing.set_start_method({!r}, force=True)\n"


OTHER_METHODS = [
    m
    for m in ("fork", "spawn")
    if m in multiprocessing.get_all_start_methods() and m != multiprocessing.get_start_method()
]  # "whole" runs under this platform's own
PARTS = ["whole"] + [
    f"lesson part, {method}" for method in OTHER_METHODS or [""]
]  # the lesson part alone,
# under each other start method: two claims in one run


STARTS = re.compile(
    r"Process|process|interpreter|Interpreter"
)  # a snippet that starts more than threads
RUNS = [
    (index, part)
    for index, snippet in enumerate(LESSONS)
    for part in (PARTS if STARTS.search(snippet) else ["lesson part"])
]  # threads: one run


def snippet_run(index, part):
    """(the snippet as run, the common.py beside it) for one of RUNS."""
    method = part.partition(", ")[2]
    prefix = UNDER.format(method) if method else ""
    return prefix + LESSONS[index], LESSON_PART if part.startswith("lesson part") else COMMON


def pypy_pool_under_spawn(snippet, part):
    """Debian's PyPy 7.3.11 (Python 3.9) cannot run a ProcessPoolExecutor under spawn: its stdlib
    calls
    an _adjust_process_count it does not have. Its bug, said in the evidence, not the lesson's."""
    return (
        sys.implementation.name == "pypy"
        and "ProcessPoolExecutor" in snippet
        and part.endswith(", spawn")
    )


@functools.lru_cache(maxsize=None)
def every_snippet_run():
    """Every run of RUNS, two at a time (2 CPUs), and meanwhile the prompts' sessions, which mostly
    wait for a paste to be echoed: each test then reads its own."""
    with ThreadPoolExecutor(max_workers=1) as beside, ThreadPoolExecutor(max_workers=2) as pool:
        beside.submit(prompt_sessions)
        list(pool.map(lambda run: run_beside_common(*snippet_run(*run)), RUNS))


@pytest.mark.parametrize("index, part", RUNS)
def test_a_snippet_runs_with_common_copied_beside_it_and_prints_what_is_shown(index, part):
    every_snippet_run()
    result = run_beside_common(*snippet_run(index, part))
    if pypy_pool_under_spawn(LESSONS[index], part):
        assert "no attribute '_adjust_process_count'" in result.stderr, result.stderr
        return
    assert result.returncode == 0 and result.stderr == "", result.stderr
    shown = shown_after(LESSONS[index])
    if shown is not None:
        assert shape(result.stdout) == shape(shown)


def test_a_snippet_runs_elsewhere_with_pythonpath(tmp_path):
    for snippet in [text for text in LESSONS if FED_TO_STDIN in text]:  # its spawned child too
        result = run_snippet(snippet, tmp_path, cwd=tmp_path, env=script_env(PYTHONPATH=str(ROOT)))
        assert result.returncode == 0 and result.stderr == "", result.stderr


# -- --help says what the README says ------------------------------------------------------


@pytest.mark.parametrize("columns", ["60", "80", "200"])
@pytest.mark.parametrize("script", ["demo_stopwatch.py", "demo_visualize.py"])
def test_help_fits_a_terminal_and_opens_with_the_usage_and_examples(
    script, columns, parse, monkeypatch
):
    monkeypatch.setenv("COLUMNS", columns)
    lines = parse(script, "--help").stdout.splitlines()
    assert max(map(len, lines)) <= 79
    first_screen = "\n".join(lines[:24])
    examples = importlib.import_module(script[:-3]).__doc__.count(f"  python {script}")
    assert (
        first_screen.startswith(f"usage: {script}")
        and first_screen.count(f"  python {script}") == examples
    )
    start_methods = [line for line in lines if line.startswith("start methods:")]
    assert len(start_methods) == 1 and all(
        m in " ".join(lines) for m in ("fork copies", "spawn starts", "forkserver")
    )
    if script == "demo_stopwatch.py":
        assert [line for line in lines if line.startswith("CPUs busy:")]


@pytest.mark.parametrize("script", ["demo_stopwatch.py", "demo_visualize.py"])
def test_help_shows_the_examples_of_the_docstring(script, parse):
    shown = parse(script, "--help").stdout
    examples = [
        line.strip() for line in shown.splitlines() if line.strip().startswith(f"python {script}")
    ]
    assert len(examples) == {"demo_stopwatch.py": 4, "demo_visualize.py": 4}[script]


def test_stopwatch_help_says_what_each_kind_of_work_does(parse):
    shown = parse("demo_stopwatch.py", "--help").stdout
    for kind, words in [
        ("sleep", "sleep 0.1 ms"),
        ("cpu", "compute"),
        ("none", "starting and joining"),
    ]:
        assert re.search(rf"^  {kind} +.*{words}", shown, re.M), kind


@pytest.mark.parametrize("mode", ["threads", "direct"])
def test_a_start_method_without_processes_is_refused(mode, parse):
    result = parse("demo_visualize.py", "--mode", mode, "--start-method", "spawn")
    assert result.returncode == 2 and result.stdout == ""
    assert (
        len(result.stderr.splitlines()) == 1
        and f"--mode {mode} starts no processes" in result.stderr
    )


# -- The next lessons: what their output must say, whatever the machine -----------------------


def lesson_output(keyword, tmp_path):
    result = run_beside_common(next(text for text in LESSONS if keyword in text))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout.splitlines()


def test_the_race_loses_updates_without_a_lock_and_none_with_one(tmp_path):
    lines = lesson_output("def paused", tmp_path)
    lost = {}
    for line in lines:
        match = re.fullmatch(
            r"(bare|paused) +with (no lock|a Lock): +(\d+) of (\d+) updates lost", line
        )
        assert match, line
        lost[match[1], match[2]] = int(match[3])
    assert lost["bare", "a Lock"] == lost["paused", "a Lock"] == 0
    assert (
        lost["paused", "no lock"] > 0
    )  # a call between the read and the write: lost on every build


def test_processes_share_nothing_but_a_value(tmp_path):
    assert lesson_output("multiprocessing.Value", tmp_path) == [
        "the global: here 0 - in the children [1000, 1000, 1000, 1000]",
        "the multiprocessing.Value, shared and locked: 4000",
    ]


def test_at_the_prompt_a_spawned_worker_must_come_from_a_module(tmp_path):
    assert lesson_output(FED_TO_STDIN, tmp_path) == [
        "spawn, a worker from common.py: [5]",
        (
            "spawn, a worker defined here: a child process cannot find square, defined in"
            " __main__; a worker must be defined in a module the child can import, such as"
            " common.py, not in a notebook cell, at the >>> prompt or in code fed to python -"
        ),
    ]


# -- The lesson part alone stops its workers -------------------------------------------------

STOPPABLE = """
import os, sys
from functools import partial
from common import run_in_processes, run_in_threads, sleepy_worker

if __name__ == "__main__":
    jobs = [partial(sleepy_worker, n, iterations=1000, pause=0.05) for n in (1, 2, 3)]
    method = sys.argv[1]
    processes = partial(run_in_processes, start_method=method)
    runner = run_in_threads if method == "threads" else processes
    runner(jobs)
"""


@pytest.mark.skipif(
    os.name != "posix" or not os.path.isdir("/proc"), reason="POSIX signals, /proc"
)
@pytest.mark.parametrize("way", ["threads"] + multiprocessing.get_all_start_methods())
def test_ctrl_c_stops_every_worker_of_a_lesson_using_the_lesson_part_alone(way):
    folder = lesson_folder(LESSON_PART)
    (folder / "lesson.py").write_text(STOPPABLE, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(folder / "lesson.py"), way],
        cwd=folder,
        env=script_env(PYTHONPATH=None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        start_new_session=True,
    )
    assert all(process.stdout.readline() for _ in range(6))  # every worker is drawing; 50 s to go
    os.killpg(process.pid, signal.SIGINT)
    out, err = finish(process)
    assert (
        process.returncode != 0 and "KeyboardInterrupt" in err
    )  # no plumbing: Python's own ending
    assert len(out.splitlines()) < 100, "the workers went on"
    assert_group_ends(process.pid)


UNGUARDED = """from functools import partial

from common import CommandHooks, compute, run_in_processes

spans = run_in_processes([partial(compute, 1000)] * 2, start_method=METHOD, hooks=CommandHooks())
print("sums:", [span.result for span in spans])
"""
GUARDED = UNGUARDED.replace("spans = ", 'if __name__ == "__main__":\n    spans = ').replace(
    "print(", "    print("
)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc to find children")
@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
@pytest.mark.parametrize("guarded", [True, False], ids=["guarded", "unguarded"])
def test_a_file_that_starts_processes_needs_the_main_guard_and_is_told_so_in_one_line(
    method, guarded
):
    folder = lesson_folder(COMMON)
    (folder / "lesson.py").write_text(
        (GUARDED if guarded else UNGUARDED).replace("METHOD", repr(method))
    )
    process = subprocess.Popen(
        [sys.executable, "lesson.py"],
        cwd=folder,
        env=script_env(PYTHONPATH=None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    out, err = finish(process, 60)
    if guarded or method == "fork":  # a forked child does not run the file again
        assert (process.returncode, out, err) == (0, "sums: [676240, 676240]\n", "")
    else:
        assert (process.returncode, out) == (1, "")
        assert (
            err
            == 'lesson.py, line 5, starts processes outside `if __name__ == "__main__":`; under'
            f" {method} each child imports that file again: put the code that starts them under"
            " that line\n"
        )
    assert_group_ends(process.pid)


@functools.lru_cache(maxsize=None)
def prompts():
    """(label, python, environment changes, pasted whole?) for the prompts a learner meets here:
    the
    basic prompt of the oldest Python found (its code is the same through 3.12, and 3.13's basic
    one),
    and the newest's default prompt, which 3.13 made new."""
    from test_pythons import PYTHONS, feature_release

    def cpython(
        path,
    ):  # PyPy's prompt is a line editor of its own, which the README does not cover
        name = "import sys; print(sys.implementation.name)"
        return (
            subprocess.run([path, "-c", name], capture_output=True, text=True).stdout.strip()
            == "cpython"
        )

    found = [(label, path) for label, path in PYTHONS if not label.endswith("t") and cpython(path)]
    oldest, newest = found[0], found[-1]
    basic = {} if feature_release(oldest[0]) < (3, 13) else {"PYTHON_BASIC_REPL": "1"}
    chosen = [(f"{oldest[0]} basic", oldest[1], basic, False)]
    if feature_release(newest[0]) >= (3, 13):
        chosen.append((f"{newest[0]} prompt", newest[1], {}, True))
    return chosen


MARK = 'print("END" + "-OF-SNIPPET")'  # its echo is not its output


def on_screen(shown):
    """What a terminal shows, as lines: 3.15's prompt redraws a paste with cursor moves, not
    newlines,
    and breaks a long line with a backslash at the edge."""
    shown = re.sub(
        r"\\\x1b\[\d+D\x1b\[1B", "", shown
    )  # a line broken at the terminal's edge, joined
    shown = re.sub(r"\x1b\[\d*B", "\n", shown)  # the cursor down a line: a new line
    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z~@]|\x1b[=>]", "", shown).replace("\r", "")


def paste_every_snippet(python, env, bracketed):
    """(exit status, what the terminal showed) of a prompt into which every snippet was pasted."""
    import pty
    import select

    folder = lesson_folder(COMMON)
    master, terminal = pty.openpty()
    process = subprocess.Popen(
        [python, "-q", "-i"],
        cwd=folder,
        env=script_env(TERM="xterm", PYTHONPATH=str(folder), **env),
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
    )
    os.close(terminal)
    shown, done = b"", 0

    def read_until(count, seconds=30, what=b"END-OF-SNIPPET", after=None):
        """Until `what` has been shown `count` times, and the prompt is back after it (or, given
        where
        to look from, until it is shown there)."""
        nonlocal shown
        end = time.monotonic() + seconds  # a guard against hanging, not a speed target
        while (
            (what not in shown[after:])
            if after is not None
            else (shown.count(what) < count or b">>> " not in shown.rsplit(what, 1)[-1])
        ):
            assert (
                time.monotonic() < end
            ), f"the prompt showed:\n{shown.decode('utf-8', 'replace')[-1500:]}"
            if select.select([master], [], [], 0.1)[0]:
                try:
                    shown += os.read(master, 65536)
                except OSError:  # EIO: the prompt has exited
                    return

    try:
        read_until(0)  # a person pastes once the prompt is there
        for snippet in AT_A_PROMPT:
            if (
                bracketed
            ):  # then Enter, once the paste is shown, as a person presses it (3.14 needs that)
                start = len(shown)
                pasted = snippet + "# END-OF-PASTE\n"
                os.write(master, b"\x1b[200~" + pasted.replace("\n", "\r").encode() + b"\x1b[201~")
                read_until(1, what=b"END-OF-PASTE", after=start)
                os.write(master, b"\r\r")
            else:
                for line in snippet.splitlines():
                    os.write(master, (line + "\r").encode())
            os.write(
                master, b"\r" + MARK.encode() + b"\r"
            )  # its own input: it runs even after an error
            done += 1
            read_until(done)
    finally:
        os.write(master, b"exit()\r")
        process.wait(timeout=30)
        os.close(master)
    return process.returncode, shown


@functools.lru_cache(maxsize=None)
def prompt_sessions():
    """Each prompt's session, all at once: {label: (exit status, what it showed)}."""
    with ThreadPoolExecutor() as pool:
        sessions = {
            label: pool.submit(paste_every_snippet, python, env, bracketed)
            for label, python, env, bracketed in prompts()
        }
    return {label: session.result() for label, session in sessions.items()}


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("label, python, env, bracketed", prompts(), ids=[p[0] for p in prompts()])
def test_every_snippet_pasted_into_a_real_prompt_prints_what_the_readme_shows(
    label, python, env, bracketed
):
    """Through a pseudo-terminal, as a learner pastes: 3.13's prompt gets a terminal's bracketed
    paste
    (it indents typed lines itself); a basic prompt gets the lines one by one."""
    returncode, shown = prompt_sessions()[label]
    assert returncode == 0, shown.decode("utf-8", "replace")[-2000:]
    text = on_screen(shown.decode("utf-8", "replace"))
    segments = text.split("END-OF-SNIPPET")[: len(AT_A_PROMPT)]
    assert len(segments) == len(AT_A_PROMPT), "a snippet did not finish at the prompt"
    for snippet, segment in zip(AT_A_PROMPT, segments):
        typed = {
            line.strip() for line in (snippet + MARK + "\n# END-OF-PASTE").splitlines()
        }  # echoed
        printed = [
            line
            for line in segment.splitlines()
            if line.strip()
            and not line.lstrip().startswith((">>>", "..."))
            and line.strip() not in typed
        ]
        refused = [
            line
            for line in printed
            if line.startswith("RuntimeError: a child process cannot find ")
        ]
        if (
            refused
        ):  # a worker defined at the prompt, under spawn or forkserver (Linux's default from 3.14)
            assert sys.platform != "linux" or tuple(map(int, label.split()[0].split(".")[:2])) >= (
                3,
                14,
            ), label
            continue
        assert not any("Error" in line or "Traceback" in line for line in printed), "\n".join(
            printed
        )
        assert shape("\n".join(printed)) == shape(run_beside_common(snippet).stdout), label
