"""The exercises: each starting point fails its check for the reason the check gives, and each
worked answer passes it."""

import re
import subprocess
import sys

import pytest
from conftest import ROOT, checked_at_once, script_env

import common

EXERCISES = ROOT / "docs" / "exercises"
WHY_NOT = {
    "faster": "the 4 sums ran in one process, in threads: with the GIL they take turns at one CPU",
    "race": (
        "lost. Another thread wrote between a read and its write: hold a threading.Lock across"
        " both"
    ),
    "choose": "download: threads, not 'processes': a waiting thread lets go of the GIL",
    "pool": "20 downloads in 4 threads wait in 5 rounds",
}


def check(name, *path):
    return subprocess.run(
        [sys.executable, str(EXERCISES / "check.py"), name, *map(str, path)],
        cwd=ROOT,
        env=script_env(PYTHONPATH=None),
        capture_output=True,
        text=True,
        timeout=120,
    )


CASES = [
    (name, answer) for name in WHY_NOT for answer in (False, True)
]  # a starting point, an answer


def checked(name, answer):
    """The check's run on an exercise's starting point, or on its worked answer."""
    return check(name, EXERCISES / "answers" / f"{name}.py") if answer else check(name)


@pytest.mark.parametrize("name", WHY_NOT)
def test_a_starting_point_fails_its_check_and_says_why(name):
    result = checked_at_once(checked, CASES, name, False)  # three of the checks mostly sleep
    if name == "faster" and not common.gil_enabled():  # threads compute at once without the GIL
        assert (result.returncode, result.stderr) == (
            0,
            "",
        ) and "this Python has no GIL" in result.stdout
        return
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.startswith("not yet: ") and WHY_NOT[name] in result.stdout, result.stdout
    assert len(result.stdout.splitlines()) == 1
    page = (EXERCISES / "README.md").read_text(encoding="utf-8")  # shows it, but for numbers
    shown = [line for line in page.splitlines() if line.startswith("not yet: ")]
    said = re.sub(r"\d+", "9", result.stdout.strip())
    assert said in [re.sub(r"\d+", "9", s) for s in shown] or not common.gil_enabled(), said


@pytest.mark.parametrize("name", WHY_NOT)
def test_a_worked_answer_passes_its_check(name):
    result = checked_at_once(checked, CASES, name, True)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("works: ") and len(result.stdout.splitlines()) == 1


def test_no_such_exercise_or_file_is_said_in_one_line():
    assert check("nothing").returncode == 2
    missing = check("race", EXERCISES / "no-such-file.py")
    assert missing.returncode == 2 and missing.stderr.startswith("check.py: no file ")


def test_a_race_hidden_by_taking_out_the_wait_is_not_a_fix(tmp_path):
    """Without the sleep, the GIL hardly ever switches between a read and its write: nothing is
    lost,
    and nothing is fixed."""
    text = (
        (EXERCISES / "race.py").read_text(encoding="utf-8").replace("time.sleep(0.0001)", "pass")
    )
    (tmp_path / "race_no_wait.py").write_text(text, encoding="utf-8")
    result = check("race", tmp_path / "race_no_wait.py")
    assert result.returncode == 1 and "the deposits no longer wait" in result.stdout, result.stdout


@pytest.mark.parametrize(
    "text, says",
    [
        ("def run(times=200)\n    return 1\n", "line 1: SyntaxError: "),
        ("def run(times=200):\n    return unknown\n", "line 2: NameError: "),
    ],
)
def test_a_file_that_fails_is_named_at_its_line_in_one_line(text, says, tmp_path):
    (tmp_path / "race_broken.py").write_text(text, encoding="utf-8")
    result = check("race", tmp_path / "race_broken.py")
    assert result.returncode == 1 and result.stderr == "" and len(result.stdout.splitlines()) == 1
    assert (
        result.stdout.startswith("not yet: race_broken.py, ") and says in result.stdout
    ), result.stdout


def test_more_threads_than_downloads_are_not_the_answer(tmp_path):
    text = (
        (EXERCISES / "answers" / "pool.py")
        .read_text(encoding="utf-8")
        .replace("return DOWNLOADS,", "return 1000,")
    )
    (tmp_path / "pool_many.py").write_text(text, encoding="utf-8")
    result = check("pool", tmp_path / "pool_many.py")
    assert (
        result.returncode == 1 and "1000 threads for 20 downloads" in result.stdout
    ), result.stdout
