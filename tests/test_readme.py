"""The README tells the truth: its snippets run, its outputs look like the scripts' own."""

import re
import subprocess
import sys

import pytest
from conftest import ROOT, fenced_blocks, run_script, script_env
from test_stopwatch import NOTE, PYTHON

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = fenced_blocks(README)
SNIPPETS = [text for info, text in BLOCKS if info == "python"]
PLAIN = [text for text in SNIPPETS if "common" not in text]  # the others: test_lesson.py


@pytest.mark.parametrize("index", range(len(PLAIN)))
def test_every_plain_python_snippet_runs(index, tmp_path):
    path = tmp_path / f"snippet_{index}.py"
    path.write_text(PLAIN[index], encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(path)], cwd=ROOT, env=script_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def report_shape(lines):
    """A stopwatch report's lines from the interpreter line to the timeline's heading (or its end, if
    the timeline is cut), as any run prints them: numbers, ratio words and runs of spaces made alike,
    notes (which come and go) left out."""
    start = next(i for i, line in enumerate(lines) if PYTHON.match(line))
    end = next((i for i, line in enumerate(lines) if line.startswith("When each worker ran")), len(lines))
    shape = []
    for line in lines[start : end + 1]:
        if NOTE.match(line):
            continue
        line = re.sub(r"GIL (enabled|disabled)|start method \w+|\((fork|spawn|forkserver)\)", "FACT", line)
        line = re.sub(r"\d+\.\dx (faster|slower)|about the same", "RATIO", line)
        line = re.sub(r"\d[\d.]*", "9", line)
        shape.append(re.sub(r" +", " ", line))
    return shape


@pytest.mark.parametrize("work", ["sleep", "none"])
def test_the_reports_shown_have_the_shape_of_a_real_run(work):
    """Every report the README shows for this kind of work is laid out as the script lays it out."""
    real = report_shape(run_script("demo_stopwatch.py", "--iterations", 3, "--work", work).stdout.splitlines())
    shown = [text.splitlines() for info, text in BLOCKS if info == "" and "Execute Directly:" in text]
    mine = [lines for lines in shown if ("ms a worker" in "\n".join(lines)) == (work == "none")]
    assert mine, f"the README shows no report of --work {work}"
    for lines in mine:
        shape = report_shape(lines)
        assert shape == real[: len(shape)] and len(shape) >= len(real) - 2  # at most the timeline cut
