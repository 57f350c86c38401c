"""The exercises: each starting point fails its check for the reason the check gives, and each
worked answer passes it."""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import ROOT, checked_at_once, scratch, script_env
from test_faults import CTRL_C_IN_IMPORT
from test_robustness import assert_group_ends

import common

EXERCISES = ROOT / "docs" / "exercises"
WHY_NOT = {
    "faster": "the 4 sums ran in one process, in threads: with the GIL they take turns at one CPU",
    "race": (
        "lost. Another thread wrote between a read and its write: hold a threading.Lock across"
        " the read, the wait and the write"
    ),
    "choose": "download: you chose processes, but a waiting thread lets go of the GIL",
    "pool": "sizes(1) gave (4, 4): 20 downloads in 4 threads wait in 5 rounds",
    "stop": "watch() went on for over a second after stop was set",
    "nogil": "another thread wrote between a read and its write. Hold a threading.Lock across",
    "spawn": "a lambda cannot be pickled, and a pool sends each job pickled",
    "share": "gave 0, not 224: each child added to its own copy of the global",
    "deadlock": "run() did not return within 2 s: its threads wait at line 29, each for a lock",
}


def check(name, *path, limit=None, env=None, **options):
    return subprocess.run(
        [sys.executable, str(EXERCISES / "check.py"), name, *map(str, path)],
        cwd=ROOT,
        env=env or script_env(PYTHONPATH=None, EXERCISE_LIMIT=limit and str(limit)),
        capture_output=True,
        text=True,
        timeout=120,
        **options,
    )


NO_FREE_THREADED = check("nogil", EXERCISES / "answers" / "pool.py").stdout.startswith(
    "cannot tell: "
)  # with any file: is a free-threaded Python found here?
needs_free_threaded = pytest.mark.skipif(NO_FREE_THREADED, reason="no free-threaded Python here")


def busy_here(result):
    """Whether the race without the GIL could not show here: on a busy machine four threads may
    not run at once, and then even a bare += loses nothing (1 of 5 suite runs beside busy
    programs). The check says so, and that is its whole verdict."""
    said = result.stdout.startswith("cannot tell: four threads did not run at once here")
    return said and result.returncode == 1 and len(result.stdout.splitlines()) == 1


CASES = [
    (name, answer)
    for name in WHY_NOT
    for answer in (False, True)
    if name != "nogil" or not NO_FREE_THREADED
]  # a starting point, an answer


def checked(name, answer):
    """The check's run on an exercise's starting point, or on its worked answer."""
    return check(name, EXERCISES / "answers" / f"{name}.py") if answer else check(name)


EXERCISE_NAMES = [
    pytest.param(name, marks=needs_free_threaded) if name == "nogil" else name for name in WHY_NOT
]


@pytest.mark.parametrize("name", EXERCISE_NAMES)
def test_a_starting_point_fails_its_check_and_says_why(name):
    result = checked_at_once(checked, CASES, name, False)  # three of the checks mostly sleep
    if name == "faster" and not common.gil_enabled():  # threads compute at once without the GIL
        assert (result.returncode, result.stderr) == (
            0,
            "",
        ) and "no GIL in this Python" in result.stdout
        return
    if busy_here(result):
        return
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.startswith("not yet: ") and WHY_NOT[name] in result.stdout, result.stdout
    assert len(result.stdout.splitlines()) == 1
    page = (EXERCISES / "README.md").read_text(encoding="utf-8")  # shows it, but for numbers
    shown = [line for line in page.splitlines() if line.startswith("not yet: ")]
    said = re.sub(r"\d+", "9", result.stdout.strip())
    assert said in [re.sub(r"\d+", "9", s) for s in shown] or not common.gil_enabled(), said


@pytest.mark.parametrize("name", EXERCISE_NAMES)
def test_a_worked_answer_passes_its_check(name):
    result = checked_at_once(checked, CASES, name, True)
    if busy_here(result):
        return
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert result.stdout.startswith("works: ") and len(result.stdout.splitlines()) == 1


def test_no_such_exercise_or_file_is_said_in_one_line():
    assert check("nothing").returncode == 2
    missing = check("race", EXERCISES / "no-such-file.py")
    assert missing.returncode == 2 and missing.stderr.startswith("check.py: no file ")


# -- Wrong answers, as a learner writes them: each refused with its true reason -------------------

LOCKED = "        with account.lock:\n            balance = account.balance"
WRONG = {  # (exercise, from the answer or the starting point, [(old, new)], what the check says)
    "faster, a pool whose workers each wait first": (
        "faster",
        "answer",
        [
            (
                "from common import compute\n",
                "import time\nfrom common import compute\n\n\n"
                "def late(steps):\n    time.sleep(1.5)\n    return compute(steps)\n",
            ),
            ("pool.map(compute,", "pool.map(late,"),
        ],
        "does each wait before computing?",
    ),
    "faster, one sum computed and copied": (
        "faster",
        "answer",
        [
            (
                "return list(pool.map(compute, [steps] * times))",
                "return [pool.submit(compute, steps).result()] * times",
            )
        ],
        "compute ran 1 time for 4 sums: compute each one, do not copy a result",
    ),
    "faster, the wrong sums": (
        "faster",
        "answer",
        [("[steps] * times", "[steps + 1] * times")],
        "not the 4 sums in order: [",
    ),
    "faster, a pool of threads": (
        "faster",
        "answer",
        [("ProcessPoolExecutor", "ThreadPoolExecutor")],
        "ran in one process, in threads",
    ),
    "faster, processes one after another": (
        "faster",
        "answer",
        [
            (
                "return list(pool.map(compute, [steps] * times))",
                "return [pool.submit(compute, steps).result() for _ in range(times)]",
            )
        ],
        "the 4 sums ran one after another",
    ),
    "race, one thread": (
        "race",
        "answer",
        [
            (
                "[partial(deposit, account, 1, times)] * 4",
                "[partial(deposit, account, 1, 4 * times)]",
            )
        ],
        "the deposits ran in 1 thread, not four",
    ),
    "race, eight threads": (
        "race",
        "answer",
        [
            (
                "[partial(deposit, account, 1, times)] * 4",
                "[partial(deposit, account, 1, times // 2)] * 8",
            )
        ],
        "the deposits ran in 8 threads, not four",
    ),
    "race, run directly under the threads' name": (
        "race",
        "start",
        [
            (
                "from common import run_in_threads",
                "from common import run_directly as run_in_threads",
            )
        ],
        "the deposits ran in 1 thread, not four",
    ),
    "race, the wait moved after the write": (
        "race",
        "start",
        [
            ("        time.sleep(0.0001)  # ... a moment, in which another thread runs ...\n", ""),
            (
                "balance + amount  # ... and write back\n",
                "balance + amount  # ... and write back\n        time.sleep(0.0001)\n",
            ),
        ],
        "wrote without waiting after their read: a race hidden, not fixed",
    ),
    "race, the wait taken out": (
        "race",
        "start",
        [("time.sleep(0.0001)", "pass")],
        "a race hidden, not fixed",
    ),
    "race, the full balance returned, not the account's": (
        "race",
        "start",
        [("return account.balance", "return 4 * times")],
        "lost. Another thread wrote between a read and its write",
    ),
    "race, the lock around the write only": (
        "race",
        "answer",
        [
            (LOCKED, "        if True:\n            balance = account.balance"),
            (
                "            account.balance = balance + amount",
                "            with account.lock:\n"
                "                account.balance = balance + amount",
            ),
        ],
        "lost. Another thread wrote between a read and its write",
    ),
    "race, a new lock for each deposit": (
        "race",
        "answer",
        [("with account.lock:", "with threading.Lock():")],
        "lost. Another thread wrote between a read and its write",
    ),
    "race, two accounts": (
        "race",
        "answer",
        [("    account = Account()\n", "    account = Account()\n    Account()\n")],
        "run() made 2 accounts",
    ),
    "choose, only the download changed": (
        "choose",
        "start",
        [('"download": "processes"', '"download": "threads"')],
        "render: you chose threads, but computing holds the GIL",
    ),
    "choose, a word that is no way": (
        "choose",
        "answer",
        [('"render": "processes"', '"render": "process"')],
        "render: 'process' is not a way: write 'threads' or 'processes'",
    ),
    "choose, processes for both": (
        "choose",
        "answer",
        [('"download": "threads"', '"download": "processes"')],
        "download: you chose processes, but a waiting thread lets go of the GIL",
    ),
    "choose, threads for both": (
        "choose",
        "answer",
        [('"render": "processes"', '"render": "threads"')],
        "render: you chose threads, but computing holds the GIL",
    ),
    "choose, a job left out": (
        "choose",
        "answer",
        [(', "render": "processes"', "")],
        "render: None is not a way: write 'threads' or 'processes'",
    ),
    "pool, a table of the CPU counts the page names": (
        "pool",
        "answer",
        [
            (
                "    return DOWNLOADS, min(CRUNCHES, cpus)",
                "    return DOWNLOADS, {1: 1, 2: 2, 8: 8, 64: 8}[cpus]",
            )
        ],
        "pool_variant.py, line 14: KeyError: 3",
    ),
    "pool, wrong only on one CPU": (
        "pool",
        "answer",
        [("min(CRUNCHES, cpus)", "max(2, min(CRUNCHES, cpus))")],
        "sizes(1) gave (20, 2): 2 processes for 8 jobs on 1 CPUs: beyond the CPUs they take turns"
        " at them, no more computing at once, and each costs a start; expected (20, 1)",
    ),
    "pool, three threads": (
        "pool",
        "answer",
        [("return DOWNLOADS,", "return 3,")],
        "20 downloads in 3 threads wait in 7 rounds",
    ),
    "pool, too many threads": (
        "pool",
        "answer",
        [("return DOWNLOADS,", "return 1000,")],
        "1000 threads for 20 downloads",
    ),
    "pool, a process per job whatever the CPUs": (
        "pool",
        "answer",
        [("min(CRUNCHES, cpus)", "CRUNCHES")],
        "sizes(1) gave (20, 8): 8 processes for 8 jobs on 1 CPUs",
    ),
    "pool, half a thread": (
        "pool",
        "answer",
        [("return DOWNLOADS,", "return DOWNLOADS / 1,")],
        "two whole numbers of workers, each 1 or more, are expected",
    ),
    "stop, the watcher fixed, the pool not": (
        "stop",
        "start",
        [
            (
                "    while True:\n        check_sensor()",
                "    while not stop.is_set():\n        check_sensor()",
            )
        ],
        "more jobs started and process_all took",
    ),
    "stop, the pool shut down without cancelling": (
        "stop",
        "answer",
        [("cancel_futures=True", "cancel_futures=False")],
        "more jobs started and process_all took",
    ),
    "stop, Ctrl-C swallowed": (
        "stop",
        "answer",
        [("    finally:", "    except KeyboardInterrupt:\n        return []\n    finally:")],
        "process_all() returned after Ctrl-C, as if it had not been pressed",
    ),
    "stop, a watcher that never reads": (
        "stop",
        "answer",
        [("    while not stop.is_set():\n        check_sensor()", "    return")],
        "watch() did not read the sensor once in 0.2 s",
    ),
    "stop, the event looked at once, before the loop": (
        "stop",
        "start",
        [("    while True:", "    if stop.is_set():\n        return\n    while True:")],
        "watch() went on for over a second after stop was set",
    ),
    "spawn, the job defined inside main": (
        "spawn",
        "answer",
        [
            (
                'def square(n):\n    return n * n\n\n\nif __name__ == "__main__":\n',
                "def main():\n    def square(n):\n        return n * n\n\n",
            ),
            (
                "        print(pool.map(square, range(4)))\n",
                "        print(pool.map(square, range(4)))\n\n\n"
                'if __name__ == "__main__":\n    main()\n',
            ),
        ],
        "a function defined inside another cannot be found by its name",
    ),
    "spawn, no guard": (
        "spawn",
        "answer",
        [('if __name__ == "__main__":\n', "if True:\n")],
        "each spawned child imports your file again, and its top level starts processes once more",
    ),
    "spawn, the guard but the lambda": (
        "spawn",
        "start",
        [
            ("with multiprocessing", 'if __name__ == "__main__":\n  with multiprocessing'),
            ("    print(", "      print("),
        ],
        "a lambda cannot be pickled",
    ),
    "spawn, a pool of threads": (
        "spawn",
        "answer",
        [
            ("multiprocessing.Pool(2)", "multiprocessing.pool.ThreadPool(2)"),
            ("import multiprocessing\n", "import multiprocessing\nimport multiprocessing.pool\n"),
        ],
        "no process was started",
    ),
    "spawn, fork asked for": (
        "spawn",
        "answer",
        [
            (
                'if __name__ == "__main__":\n',
                'if __name__ == "__main__":\n'
                '    multiprocessing.set_start_method("fork", force=True)\n',
            )
        ],
        "its processes started by fork",
    ),
    "spawn, the wrong numbers": (
        "spawn",
        "answer",
        [("return n * n", "return n + n")],
        "the program printed '[0, 2, 4, 6]', not [0, 1, 4, 9]",
    ),
    "share, threads in place of processes": (
        "share",
        "answer",
        [
            (
                "from multiprocessing import Pool",
                "from multiprocessing.pool import ThreadPool as Pool",
            )
        ],
        "add ran in this process, not in child processes",
    ),
    "share, the answer written in": (
        "share",
        "start",
        [("    return total\n", "    return 55\n")],
        "gave 55, not 224",
    ),
    "share, the sum added up in the parent": (
        "share",
        "start",
        [("    return total\n", "    for n in numbers:\n        add(n)\n    return total\n")],
        "add ran in this process, not in child processes",
    ),
    "share, add taken out of the children": (
        "share",
        "answer",
        [("pool.map(add, numbers)", "pool.map(abs, numbers)")],
        "add never ran where the check can see it",
    ),
    "nogil, a new lock for each update": (
        "nogil",
        "answer",
        [("with counter.lock:", "with threading.Lock():")],
        "another thread wrote between a read and its write. Hold a threading.Lock across the +=",
    ),
    "nogil, one thread": (
        "nogil",
        "answer",
        [("[partial(add, counter, times)] * 4", "[partial(add, counter, 4 * times)]")],
        "add ran in 1 thread, not four",
    ),
    "nogil, the lock around the read only": (
        "nogil",
        "answer",
        [
            (
                "        with counter.lock:\n            counter.count += 1",
                "        with counter.lock:\n            value = counter.count\n"
                "        counter.count = value + 1",
            )
        ],
        "another thread wrote between a read and its write",
    ),
    "deadlock, no locks": (
        "deadlock",
        "start",
        [
            (
                "        with source.lock:\n            with target.lock:",
                "        if True:\n            if True:",
            )
        ],
        "not (100, 100)",
    ),
    "deadlock, each thread takes the target first": (
        "deadlock",
        "start",
        [
            (
                "        with source.lock:\n            with target.lock:",
                "        with target.lock:\n            with source.lock:",
            )
        ],
        "run() did not return within 2 s: its threads wait at line 29",
    ),
    "deadlock, only the source's lock": (
        "deadlock",
        "start",
        [("            with target.lock:\n", "            if True:\n")],
        "not (100, 100)",
    ),
}
RIGHT = {  # other right answers, written as a learner might
    "race, sleep imported by name": (
        "race",
        "answer",
        [("import time\n", "from time import sleep\n"), ("time.sleep(", "sleep(")],
    ),
    "race, an event's wait": (
        "race",
        "answer",
        [("time.sleep(0.0001)", "threading.Event().wait(0.0001)")],
    ),
    "choose, capitals": (
        "choose",
        "answer",
        [('"threads", "render": "processes"', '"Threads", "render": "Processes"')],
    ),
    "stop, an event's wait in place of the sleep": (
        "stop",
        "answer",
        [
            (
                "    while not stop.is_set():\n        check_sensor()",
                "    while not stop.wait(0.001):\n        check_sensor()",
            )
        ],
    ),
    "share, one multiprocessing.Value, locked": (
        "share",
        "start",
        [
            (
                "from multiprocessing import Process\n",
                "from multiprocessing import Process, Value\n",
            ),
            ("total = 0\n\n\n", ""),
            (
                "def add(n):\n    global total\n    total += n\n",
                "def add(n, total):\n    with total.get_lock():\n        total.value += n\n",
            ),
            (
                '    """The sum of the numbers, added in child processes."""\n',
                '    """The sum of the numbers, added in child processes."""\n'
                '    total = Value("q", 0)\n',
            ),
            ("args=(n,)", "args=(n, total)"),
            ("    return total\n", "    return total.value\n"),
        ],
    ),
    "deadlock, one lock for every transfer": (
        "deadlock",
        "start",
        [
            (
                "        with source.lock:\n            with target.lock:",
                "        with BANK:\n            if True:",
            ),
            ("class Account:", "BANK = threading.Lock()\n\n\nclass Account:"),
        ],
    ),
    "nogil, a lock for the count": ("nogil", "answer", []),
}


def variant(exercise, base, changes, folder, name):
    """A copy of an exercise's starting point or answer with the changes a learner made."""
    text = (EXERCISES / ("answers" if base == "answer" else "") / f"{exercise}.py").read_text(
        encoding="utf-8"
    )
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path = folder / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    return path


def checked_variant(table, case):
    exercise, base, changes, *_ = {"wrong": WRONG, "right": RIGHT}[table][case]
    folder = Path(tempfile.mkdtemp(dir=scratch().name))
    return check(exercise, variant(exercise, base, changes, folder, f"{exercise}_variant"))


def here(table):
    """The cases of a table this machine can check: nogil's need a free-threaded Python."""
    return [
        pytest.param(case, marks=needs_free_threaded) if table[case][0] == "nogil" else case
        for case in table
    ]


def runnable(table, name):
    return [
        (name, case)
        for case in {"wrong": WRONG, "right": RIGHT}[name]
        if table[case][0] != "nogil" or not NO_FREE_THREADED
    ]


GIL_ONLY = {
    "faster, a pool of threads",
    "choose, only the download changed",
    "choose, threads for both",
}


@pytest.mark.parametrize("case", here(WRONG))
def test_a_wrong_answer_is_refused_with_its_true_reason(case):
    if case in GIL_ONLY and not common.gil_enabled():
        pytest.skip("threads are right for computing where there is no GIL")
    result = checked_at_once(checked_variant, runnable(WRONG, "wrong"), "wrong", case)
    assert (result.returncode, result.stderr) == (1, ""), result.stderr
    if busy_here(result):
        return
    assert result.stdout.startswith("not yet: ") and len(result.stdout.splitlines()) == 1
    assert WRONG[case][-1] in result.stdout, result.stdout


@pytest.mark.parametrize("case", here(RIGHT))
def test_a_right_answer_written_another_way_passes(case):
    result = checked_at_once(checked_variant, runnable(RIGHT, "right"), "right", case)
    assert (result.returncode, result.stderr) == (0, "") and result.stdout.startswith("works: ")


def test_with_no_free_threaded_python_the_race_without_the_gil_says_how_to_get_one():
    result = check(
        "nogil",
        env=script_env(PYTHONPATH=None, PATH=os.defpath.replace("/usr/local/bin", "/nonexistent")),
    )
    if not common.gil_enabled():
        pytest.skip("this Python is free-threaded: it runs the check itself")
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.startswith("cannot tell: this check runs your file on a free-threaded")
    assert "pyenv install 3.13.1t" in result.stdout


# -- A check ends: a hang, an exit, a crash, Ctrl-C -------------------------------------------

HANGS = {  # each within a limit of 2 s: (exercise, changes, what did not return)
    "a sleeping loop": (
        "pool",
        [
            (
                "    return DOWNLOADS,",
                "    while True:\n        " "__import__('time').sleep(1)\n    return DOWNLOADS,",
            )
        ],
        "sizes(1)",
    ),
    "a busy loop": (
        "pool",
        [("    return DOWNLOADS,", "    while True:\n        pass\n" "    return DOWNLOADS,")],
        "sizes(1)",
    ),
    "a hang at import": (
        "pool",
        [("DOWNLOADS = 20\n", "DOWNLOADS = 20\nwhile True:\n    pass\n")],
        "importing pool_variant.py",
    ),
    "a lock taken twice": (
        "race",
        [
            (
                LOCKED,
                "        with account.lock, account.lock:\n"
                "            balance = account.balance",
            )
        ],
        "run(200)",
    ),
}


def hung(case):
    exercise, changes, _ = HANGS[case]
    folder = Path(tempfile.mkdtemp(dir=scratch().name))
    return check(
        exercise, variant(exercise, "answer", changes, folder, f"{exercise}_variant"), limit=1
    )


@pytest.mark.parametrize("case", HANGS)
def test_a_hanging_answer_ends_within_its_limit_naming_what_did_not_return(case):
    result = checked_at_once(hung, HANGS, case)  # each waits out its limit: at once
    what = HANGS[case][-1]
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout == f"not yet: {what} did not return within 1 s\n"


@pytest.mark.parametrize(
    "changes, says",
    [
        (
            [("DOWNLOADS = 20\n", "DOWNLOADS = 20\nimport sys\nsys.exit(0)\n")],
            "not yet: pool_variant.py, line 10: sys.exit(0) ends the program",
        ),
        (
            [("    return DOWNLOADS,", "    __import__('os')._exit(3)\n    return DOWNLOADS,")],
            "not yet: sizes(1) ended the check's process (exit status 3)",
        ),
    ],
    ids=["sys.exit", "os._exit"],
)
def test_an_answer_that_exits_is_a_failure_said_in_one_line(changes, says, tmp_path):
    result = check("pool", variant("pool", "answer", changes, tmp_path, "pool_variant"))
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.startswith(says) and len(result.stdout.splitlines()) == 1, result.stdout


def test_an_answer_named_as_a_standard_module_is_checked_itself(tmp_path):
    path = variant("race", "answer", [], tmp_path, "random")
    result = check("race", path)
    assert (result.returncode, result.stdout[:7]) == (0, "works: "), result.stdout


def test_an_error_is_named_at_the_line_that_failed(tmp_path):
    changes = [("account.balance = balance + amount", "account.balance = balance + amont")]
    path = variant("race", "answer", changes, tmp_path, "race_variant")
    line = 1 + path.read_text(encoding="utf-8").splitlines().index(
        "            account.balance = balance + amont"
    )
    result = check("race", path)
    assert result.stdout.startswith(f"not yet: race_variant.py, line {line}: NameError: ")


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity")
def test_a_right_answer_on_one_cpu_cannot_tell(tmp_path):
    result = check(
        "faster",
        EXERCISES / "answers" / "faster.py",
        preexec_fn=lambda: os.sched_setaffinity(0, {0}),
    )
    assert result.returncode == 1 and result.stdout.startswith("cannot tell: "), result.stdout
    assert "Python has one CPU here" in result.stdout, result.stdout


def ctrl_c_into_check(exercise, path):
    """(the check, its stdout, its stderr) after a Ctrl-C 0.5 s in, as a terminal sends it to its
    foreground group."""
    process = subprocess.Popen(
        [sys.executable, str(EXERCISES / "check.py"), exercise, path],
        cwd=ROOT,
        env=script_env(PYTHONPATH=None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(0.5)  # a moment into the check, not a speed target
    os.killpg(process.pid, signal.SIGINT)
    return (process, *process.communicate(timeout=30))


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals and process groups")
def test_ctrl_c_ends_a_check_in_one_line_with_130_and_nothing_left():
    """Ctrl-C 0.5 s into the check, as the answer computes in its processes."""
    process, out, err = ctrl_c_into_check("faster", EXERCISES / "answers" / "faster.py")
    assert (process.returncode, out, err) == (130, "", "check.py: interrupted\n")
    assert_group_ends(process.pid)


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals and process groups")
@pytest.mark.parametrize("exercise", EXERCISE_NAMES)
def test_ctrl_c_ends_every_check_in_one_line_with_130(exercise):
    """Each exercise's file made to hang at its import, so that the check is surely running."""
    runnable = [name for name in WHY_NOT if name != "nogil" or not NO_FREE_THREADED]
    process, out, err, path = checked_at_once(pressed, runnable, exercise)
    assert (process.returncode, out, err) == (130, "", "check.py: interrupted\n")
    assert_group_ends(process.pid)
    assert running_with(path) == []  # nor in a group of its own (spawn runs the file so)


def running_with(path):
    """PIDs of processes whose command line names the file (Linux's /proc; elsewhere none)."""
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if str(path).encode() in cmdline.read():
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


def pressed(exercise):
    folder = Path(tempfile.mkdtemp(dir=scratch().name))
    text = (EXERCISES / f"{exercise}.py").read_text(encoding="utf-8")
    path = folder / f"{exercise}_hung.py"
    path.write_text("while True:\n    pass\n" + text, encoding="utf-8")
    return (*ctrl_c_into_check(exercise, path), path)


def test_ctrl_c_while_the_check_imports_ends_in_one_line_and_130():
    code = CTRL_C_IN_IMPORT + (
        "import runpy\n"
        f"sys.argv = [{str(EXERCISES / 'check.py')!r}, 'pool']\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=script_env(PYTHONPATH=None),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        130,
        "",
        "check.py: interrupted\n",
    )


def test_where_four_threads_cannot_run_at_once_the_race_without_the_gil_cannot_tell(monkeypatch):
    """An answer that lost nothing proves nothing where the check's own bare += loses nothing
    too: threads did not run at once (a busy machine, or the GIL)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("exercise_check", EXERCISES / "check.py")
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    answer_spec = importlib.util.spec_from_file_location(
        "nogil_answer", EXERCISES / "answers" / "nogil.py"
    )
    answer = importlib.util.module_from_spec(answer_spec)
    answer_spec.loader.exec_module(answer)
    monkeypatch.setattr(checks, "races_here", lambda times: False)
    works, why = checks.check_nogil(answer, lambda what: None, rounds=1, times=1000)
    assert works is None and why.startswith("four threads did not run at once here")
