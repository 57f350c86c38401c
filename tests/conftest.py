"""Shared helpers: where the project is, and how to run its scripts as a user would."""

import contextlib
import functools
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # so tests can `import common`


def pytest_report_header():
    from test_pythons import coverage_report

    return coverage_report()


# A suite started in the background (`cmd &` in a script, nohup) ignores Ctrl-C and hang-up, and
# every demo it starts would inherit that. They get what a terminal gives instead: Ctrl-C raises
# KeyboardInterrupt here as in a foreground pytest, and each child starts with hang-up as default.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


# Each test's own limit: one that hangs fails alone, naming itself, long before CI's limit ends
# the whole run. The slowest test takes 7 s on an idle 2-CPU machine, three times that when busy.
TEST_LIMIT = float(os.environ.get("SUITE_TEST_LIMIT", "60"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Run a test with an alarm set for its limit (POSIX): past it, it fails with one line."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def too_long(signum, frame):
        raise TimeoutError(f"{item.nodeid} ran past its limit of {TEST_LIMIT:g} s")

    before = signal.signal(signal.SIGALRM, too_long)
    signal.setitimer(signal.ITIMER_REAL, TEST_LIMIT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)


def as_from_a_terminal():
    """A child's pre-exec step: the dispositions a shell's foreground job gets."""
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_DFL)


# All an interpreter under test gets of this process's environment: a user's PYTHON_GIL,
# PYTHONHASHSEED, NO_COLOR or PYTHONWARNINGS must not change what a test sees.
PASSED_ON = ("PATH", "HOME", "SYSTEMROOT", "LANG")


@functools.lru_cache(maxsize=None)
def scratch():
    """The folder for every file the suite and the scripts it runs make (snippets,
    multiprocessing's
    folders, left by a demo killed on purpose), removed when the suite ends. Made on first use, not
    on import: a spawned child imports this file too. Short: forkserver puts a socket in it."""
    return tempfile.TemporaryDirectory(prefix="t-")  # kept here, so removed only at exit


# A program that keeps a CPU busy, as another user's would: for a minute at most, so that a test
# that fails before it can kill one leaves nothing computing for long.
HOG = "import time\nend = time.monotonic() + 60\nwhile time.monotonic() < end: pass"


# A program that computes and rests by turns, 50-400 ms each, as a laptop's browser or video call
# does: steady programs alone never show what bursts do to one phase and not the next.
BURSTS = """import random, time
end = time.monotonic() + 60
while time.monotonic() < end:
    busy = time.monotonic() + random.uniform(0.05, 0.4)
    while time.monotonic() < busy: pass
    time.sleep(random.uniform(0.05, 0.4))
"""


@contextlib.contextmanager
def busy_programs(steady=2, bursty=2):
    """Other programs computing while the block runs: `steady` all the time, `bursty` in bursts;
    all killed at its end (each would stop within a minute anyway)."""
    programs = [
        subprocess.Popen([sys.executable, "-c", code], env=script_env())
        for code in [HOG] * steady + [BURSTS] * bursty
    ]
    try:
        yield programs
    finally:
        for program in programs:
            program.kill()
            program.wait()


def steal_ticks(cpus=None):
    """Ticks a virtual machine's host has so far given other machines on these CPUs (all if
    None): /proc/stat's steal, read as the stopwatch reads it."""
    import demo_stopwatch

    with open("/proc/stat", encoding="utf-8") as stat:
        return demo_stopwatch.busy_ticks(stat.read(), cpus, stolen=True)


def script_env(**changes):
    """The environment a script runs in: only PASSED_ON, UTF-8 output, and what a test asks for."""
    env = {key: os.environ[key] for key in PASSED_ON if key in os.environ}
    env.update(PYTHONIOENCODING="utf-8", PYTHONPATH=str(ROOT), TMPDIR=scratch().name)
    env.update(changes)
    return {key: value for key, value in env.items() if value is not None}


def reported(code, python=sys.executable, env=None):
    """What a child Python running `code` reported as JSON on its last line of stderr."""
    result = subprocess.run(
        [python, "-c", code],
        cwd=ROOT,
        env=env or script_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stderr.splitlines()[-1])


def run_script(
    name, *args, python=sys.executable, flags=(), env=None, timeout=120, cwd=ROOT, **options
):
    """Run a demo script to the end (flags go to the interpreter); stdout and stderr as text."""
    return subprocess.run(
        [python, *flags, str(ROOT / name), *map(str, args)],
        cwd=cwd,
        **options,
        env=env or script_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


@functools.lru_cache(maxsize=None)
def every_case_checked(check, cases):
    """{case: its future}, once every check(*case) has ended, four at a time."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return {case: pool.submit(check, *case) for case in cases}


def checked_at_once(check, cases, *case):
    """Check this case of a test, with the rest of its cases at once, the first time one is asked
    for: runs that mostly wait for a demo (to sleep, start, stop) take the time of a few, not of
    all. Each case's own assertion or skip is raised in its own test, and what it returned comes
    back there."""
    cases = tuple(each if isinstance(each, tuple) else (each,) for each in cases)
    return every_case_checked(check, cases)[case].result()


def fenced_blocks(markdown):
    """The fenced code blocks of a Markdown text, as (info string, text) pairs, in order."""
    blocks, info, body = [], None, []
    for line in markdown.splitlines():
        if line.startswith("```"):
            if info is None:
                info, body = line[3:].strip(), []
            else:
                blocks.append((info, "\n".join(body) + "\n"))
                info = None
        elif info is not None:
            body.append(line)
    return blocks


@pytest.fixture
def parse(capsys):
    """Parse a script's command line in this process: (status, stdout, stderr) as the shell would
    see.

    Much faster than starting a Python for each bad argument; one test per script still runs
    the real command (test_stopwatch.py, test_faults.py)."""

    def run(script, *args):
        module = importlib.import_module(script[: -len(".py")])
        try:
            module.parse_args([str(arg) for arg in args])
            status = 0
        except SystemExit as stop:
            status = stop.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, status, out, err)

    return run
