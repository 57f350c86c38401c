"""The documents tell the truth: the reports they show look like the scripts' own (their snippets
run in test_lesson.py)."""

import re

import pytest
from conftest import ROOT, fenced_blocks, run_script
from test_stopwatch import NOTE, PYTHON

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = fenced_blocks(README)
DOCUMENTS = BLOCKS + fenced_blocks((ROOT / "docs" / "evidence.md").read_text(encoding="utf-8"))


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
        line = re.sub(r" +\*$", "", line)  # a phase marked as disturbed, with the gap before the mark
        line = re.sub(r"^PyPy [\d.]+ \((Python [^)]*)\)", r"\1", line)  # the documents show CPython
        line = re.sub(r"GIL (enabled|disabled)|start method \w+|\((fork|spawn|forkserver)\)", "FACT", line)
        line = re.sub(r"\d+\.\dx (faster|slower)|about the same", "RATIO", line)
        line = re.sub(r"\d[\d.]*", "9", line)
        shape.append(re.sub(r" +", " ", line))
    return shape


@pytest.mark.parametrize("work", ["sleep", "none"])
def test_the_reports_shown_have_the_shape_of_a_real_run(work):
    """Every report the documents show for this kind of work is laid out as the script lays it out."""
    real = report_shape(run_script("demo_stopwatch.py", "--iterations", 3, "--work", work).stdout.splitlines())
    shown = [text.splitlines() for info, text in DOCUMENTS if info == "" and "Execute Directly:" in text]
    mine = [lines for lines in shown if ("ms a worker" in "\n".join(lines)) == (work == "none")]
    assert mine, f"the documents show no report of --work {work}"
    for lines in mine:
        shape = report_shape(lines)
        shown = {line.split(":")[0] for line in lines if line.startswith("Execute ")}
        costs = {line.split(" ms")[0].rsplit(" ", 1)[0] for line in lines if line.startswith("Start cost: ")}
        ways = [line for line in real if (line.split(":")[0] in shown if line.startswith("Execute ") else
                                          line.split(" 9")[0] in costs if line.startswith("Start cost: ") else True)]
        assert shape == ways[: len(shape)] and len(shape) >= len(ways) - 2  # at most the timeline cut
