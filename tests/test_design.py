"""The code is the lesson: every name bound once, the ways listed once, the calls a learner looks
for in plain view, and source a classroom can read at 79 columns."""

import ast
import inspect
import os
import re
import signal
import subprocess
import sys

import pytest
from conftest import ROOT, script_env

import common
import demo_stopwatch

SCRIPTS = ["common.py", "demo_stopwatch.py", "demo_visualize.py"]
SOURCE = {name: (ROOT / name).read_text(encoding="utf-8") for name in SCRIPTS}
TREE = {name: ast.parse(text) for name, text in SOURCE.items()}
LESSON_PART = SOURCE["common.py"][: SOURCE["common.py"].index("\n# == Plumbing")] + "\n"
LESSON_TREE = ast.parse(LESSON_PART)


def bound_at_module_level(tree):
    """Each name a module's own top-level statements bind, once per binding, in order."""
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(alias.asname or alias.name).split(".")[0] for alias in node.names]
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [
                n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)
            ]
    return names


@pytest.mark.parametrize("script", SCRIPTS)
def test_no_module_level_name_is_bound_twice(script):
    names = [name for name in bound_at_module_level(TREE[script]) if name != "multiprocessing"]
    twice = sorted({name for name in names if names.count(name) > 1})
    assert twice == [], f"bound twice in {script}: {twice}"


def test_no_function_rebinds_a_module_name():
    """No `global`: the hooks a runner uses are passed to it, never installed in the module."""
    rebinding = {
        (script, function.name)
        for script, tree in TREE.items()
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef)
        and any(isinstance(node, ast.Global) for node in ast.walk(function))
    }
    assert rebinding == set()


IMPORT_CHANGES = """
import signal, sys, threading
def handlers():
    unset = (signal.SIGKILL, signal.SIGSTOP)
    return {s: signal.getsignal(s) for s in signal.valid_signals() if s not in unset}
# As a fresh program starts, not as this suite left them (SIG_IGN and the mask are inherited):
for signum in handlers():
    try:
        signal.signal(signum, signal.SIG_DFL)
    except (OSError, ValueError):
        pass
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.pthread_sigmask(signal.SIG_SETMASK, [])
def state():
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return handlers(), sys.excepthook, threading.excepthook, mask
before = state()
import common
after = state()
hooks = [name for name, value in vars(common).items() if isinstance(value, common.Hooks)]
print(before == after, hooks, threading.active_count())
"""


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_importing_common_changes_no_signal_handler_and_installs_no_hook():
    """A learner's `import common` gets the lesson only: the demos' signal protocol and hooks are
    theirs, passed to the runners they call."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_CHANGES],
        cwd=ROOT,
        env=script_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["True", "[]", "1"], result.stdout + result.stderr


@pytest.mark.parametrize("way", common.WAYS, ids=[way.mode for way in common.WAYS])
def test_every_runner_takes_hooks_whose_default_does_nothing(way):
    default = inspect.signature(way.runner).parameters["hooks"].default
    assert type(default) is common.Hooks, f"{way.runner.__name__}'s hooks default to {default!r}"
    assert type(common.runner_for(way, hooks="theirs").keywords["hooks"]) is str


@pytest.mark.parametrize("script", SCRIPTS)
def test_no_source_line_is_wider_than_79_columns(script):
    wide = [
        (n, len(line)) for n, line in enumerate(SOURCE[script].splitlines(), 1) if len(line) > 79
    ]
    assert wide == [], f"{script}: lines (number, width) over 79 columns: {wide}"


@pytest.mark.parametrize("folder, most", [("tests", 99), ("docs/exercises", 79)])
def test_tests_fit_99_columns_and_the_exercises_a_learner_reads_79(folder, most):
    wide = [
        (path.name, n)
        for path in sorted((ROOT / folder).glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if len(line) > most
    ]
    assert wide == [], f"lines (file, number) over {most} columns: {wide}"


# -- The lesson in plain view ---------------------------------------------------------------


def lesson_function(name):
    return next(
        node
        for node in LESSON_TREE.body
        if isinstance(node, ast.FunctionDef) and node.name == name
    )


def calls_in(function):
    """Each call in a function's body as text: 'threading.Thread', 'thread.start',
    'hooks.starting'."""
    return [ast.unparse(node.func) for node in ast.walk(function) if isinstance(node, ast.Call)]


CREATES = {
    "threads": "threading.Thread",
    "processes": "context.Process",
    "interpreters": "threading.Thread",
}
STARTING_WAYS = [way for way in common.WAYS if way.mode in CREATES]


@pytest.mark.skipif(sys.version_info < (3, 9), reason="ast.unparse")
@pytest.mark.parametrize("way", STARTING_WAYS, ids=[way.mode for way in STARTING_WAYS])
def test_a_runner_creates_starts_and_joins_its_workers_in_plain_view(way):
    function = lesson_function(way.runner.__name__)
    calls = calls_in(function)
    assert CREATES[way.mode] in calls, f"{function.name} must create its workers itself"
    assert any(call.endswith(".start") for call in calls) and any(
        call.endswith(".join") for call in calls
    )
    functions = {
        node.name for node in LESSON_TREE.body if isinstance(node, ast.FunctionDef)
    }  # not exceptions
    used = {node.id for node in ast.walk(function) if isinstance(node, ast.Name)} & functions
    assert len(used - {function.name}) <= 5, f"{function.name} sends a reader to {sorted(used)}"


@pytest.mark.parametrize("way", STARTING_WAYS, ids=[way.mode for way in STARTING_WAYS])
def test_a_workers_target_reaches_the_job_in_two_hops(way):
    """target= names a function that calls outcome(job), which calls the job: two hops; in an
    interpreter, one more: the call into it, whose function relays the stop (module state is per
    interpreter), then outcome."""
    function = lesson_function(way.runner.__name__)
    [target] = {
        ast.unparse(keyword.value)
        for node in ast.walk(function)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "target"
    }
    life = lesson_function(target)
    inside = [
        ast.unparse(node.args[0])
        for node in ast.walk(life)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "interpreter.call"
    ]
    if way.mode == "interpreters":
        assert {"interpreters.create", "interpreter.close"} <= set(
            calls_in(life)
        ), "made and closed in view"
        [life] = [lesson_function(name) for name in inside]
    assert "outcome" in calls_in(life), f"{target} does not call outcome(job)"
    assert "job" in calls_in(lesson_function("outcome"))


def test_no_worker_times_itself_the_line_it_prints_ends_its_iteration():
    """The instrument is out of the workers' bodies: say() takes each iteration's lap."""
    workers = [
        node
        for node in LESSON_TREE.body
        if isinstance(node, ast.FunctionDef) and node.name.endswith("_worker")
    ]
    assert len(workers) >= 4
    timing = [
        worker.name
        for worker in workers
        if {"lap", "time.perf_counter"} & set(calls_in(worker)) and worker.name != "shape_worker"
    ]  # its rows are due at times: its clock is its work
    assert timing == [] and "lap" not in calls_in(
        next(w for w in workers if w.name == "shape_worker")
    )
    assert "lap" in calls_in(lesson_function("say"))


def section_lengths(text):
    """{section heading: lines} for each '# -- N. ...' section of the lesson part."""
    lines = text.splitlines()
    starts = [n for n, line in enumerate(lines) if re.match(r"# -- \d+\. ", line)] + [len(lines)]
    return {lines[a]: b - a for a, b in zip(starts, starts[1:])}


def test_the_runners_section_fits_150_lines_and_no_section_is_longer():
    lengths = section_lengths(LESSON_PART)
    [runners] = [heading for heading in lengths if "runners" in heading]
    assert max(lengths.values()) <= 150 and lengths[runners] <= 150, lengths


KEYED = re.compile(
    r"\.starts\s*[!=]=|\bWAYS\[|ways_here\(\)\[|\bruns\[\d|phases\[\d\]\.timing"
    r"|\bwork\s*[!=]=\s*[\"']|\bSTART_SECONDS\b"
)


@pytest.mark.parametrize("script", SCRIPTS)
def test_nothing_picks_a_way_by_its_place_or_its_starts_value(script):
    """A new way or kind of work is one function and one row: nothing elsewhere keyed by a way's
    position or its `starts`, or by a kind's name."""
    keyed = [
        (n, line.strip())
        for n, line in enumerate(SOURCE[script].splitlines(), 1)
        if KEYED.search(line)
    ]
    assert keyed == []


def test_every_worker_the_demos_and_readme_use_is_in_the_lesson_part():
    defined = {node.name for node in LESSON_TREE.body if isinstance(node, ast.FunctionDef)}
    used = {work.worker.__name__ for work in demo_stopwatch.WORK.values()} | {"shape_worker"}
    for page in ("README.md", "docs/lessons.md"):
        used |= set(re.findall(r"\b(\w+_worker)\b", (ROOT / page).read_text(encoding="utf-8")))
    assert used <= defined, sorted(used - defined)
    runners = {way.runner.__name__ for way in common.WAYS}
    assert runners <= defined and {"timeline", "time_jobs", "cpus_busy"} <= defined


def test_the_lesson_part_imports_only_the_standard_library_a_learner_expects():
    imported = set()
    for node in ast.walk(LESSON_TREE):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    expected = {
        "multiprocessing",
        "multiprocessing.connection",
        "os",
        "sys",
        "threading",
        "time",
        "collections",
        "contextlib",
        "functools",
        "concurrent",
        "concurrent.futures",
        "importlib.util",
    }
    assert imported <= expected, sorted(imported - expected)


# -- One table of ways, which the demos read -------------------------------------------------

DEMOS = ["demo_stopwatch.py", "demo_visualize.py"]
WAY_WORDS = {way.name for way in common.WAYS} | {way.mode for way in common.WAYS}


@pytest.mark.parametrize("demo", DEMOS)
def test_a_demo_names_no_runner_and_lists_no_ways(demo):
    names = {node.id for node in ast.walk(TREE[demo]) if isinstance(node, ast.Name)}
    names |= {node.attr for node in ast.walk(TREE[demo]) if isinstance(node, ast.Attribute)}
    runners = {way.runner.__name__ for way in common.WAYS}
    assert not (names & runners) and not [name for name in names if name.startswith("run_in_")]
    for node in ast.walk(TREE[demo]):
        if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            words = [
                item.value
                for item in items
                if isinstance(item, ast.Constant) and item.value in WAY_WORDS
            ]
            assert len(words) < 2, f"{demo}, line {node.lineno}, lists ways: {words}"


def test_the_table_is_the_only_list_of_ways_in_common():
    lists = []
    for node in ast.walk(TREE["common.py"]):
        if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            named = [
                item
                for item in items
                if isinstance(item, ast.Constant) and item.value in WAY_WORDS
            ]
            if len(named) >= 2 or [
                item
                for item in items
                if isinstance(item, ast.Call) and ast.unparse(item.func) == "Way"
            ]:
                lists.append(node.lineno)
    assert len(lists) == 1, f"ways listed at lines {lists} of common.py"


# -- The stopwatch reads top to bottom as the lesson -------------------------------------------


def test_the_stopwatch_opens_with_main_and_keeps_its_instrument_below_a_banner():
    text = SOURCE["demo_stopwatch.py"]
    lines = text.splitlines()
    banner = next(n for n, line in enumerate(lines, 1) if line.startswith("# =="))
    assert banner - 1 <= 200, f"{banner - 1} lines above the banner"
    main = next(
        node for node in TREE["demo_stopwatch.py"].body if getattr(node, "name", None) == "main"
    )
    machinery = [
        n
        for n, line in enumerate(lines, 1)
        if re.search(r"/proc|fcntl|\bsignal\.|import signal|termios", line)
    ]
    assert main.lineno < min(machinery) and min(machinery) > banner, machinery[:3]
    assert len(SOURCE["demo_visualize.py"].splitlines()) <= 80, "demo_visualize.py stays short"


LIMITED = """import importlib.util
spec = importlib.util.spec_from_file_location("suite_conftest", {conftest!r})
suite = importlib.util.module_from_spec(spec)
spec.loader.exec_module(suite)
pytest_runtest_call = suite.pytest_runtest_call  # the suite's own limit, as a hook here too
"""
HANGS = """import time

def test_that_hangs():
    time.sleep(600)

def test_after_it():
    pass
"""


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="the limit is an alarm (POSIX)")
def test_a_test_that_hangs_fails_alone_past_its_limit_naming_itself(tmp_path):
    (tmp_path / "conftest.py").write_text(LIMITED.format(conftest=str(ROOT / "tests/conftest.py")))
    (tmp_path / "test_hangs.py").write_text(HANGS)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=script_env(SUITE_TEST_LIMIT="0.5", PYTHONPATH=None),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stdout
    assert "1 failed, 1 passed" in result.stdout
    assert "test_hangs.py::test_that_hangs ran past its limit of 0.5 s" in result.stdout
