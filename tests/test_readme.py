"""The documents tell the truth: the reports they show look like the scripts' own (their snippets
run in test_lesson.py)."""

import re

import pytest
from conftest import ROOT, fenced_blocks, run_script
from test_stopwatch import NOTE, PYTHON

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = fenced_blocks(README)
DOCUMENTS = BLOCKS + [
    block
    for page in ("evidence.md", "teaching.md")
    for block in fenced_blocks((ROOT / "docs" / page).read_text(encoding="utf-8"))
]


def report_shape(lines):
    """A stopwatch report's lines from the interpreter line to the timeline's heading (or its end,
    if
    the timeline is cut), as any run prints them: numbers, ratio words and runs of spaces made
    alike,
    notes (which come and go) left out."""
    start = next(i for i, line in enumerate(lines) if PYTHON.match(line))
    end = next(
        (i for i, line in enumerate(lines) if line.startswith("When each worker ran")), len(lines)
    )
    shape = []
    for line in lines[start : end + 1]:
        if NOTE.match(line):
            continue
        line = re.sub(
            r" +\*$", "", line
        )  # a phase marked as disturbed, with the gap before the mark
        line = re.sub(
            r"^PyPy [\d.]+ \((Python [^)]*)\)", r"\1", line
        )  # the documents show CPython
        line = re.sub(
            r", a quota of [\d.]+|, quota [\d.]+", "", line
        )  # a container's, in the first line
        line = re.sub(
            r"GIL (enabled|disabled)|start method \w+|\((fork|spawn|forkserver)\)", "FACT", line
        )
        line = re.sub(r"\d+\.\dx (faster|slower)|about the same|\(disturbed\)", "RATIO", line)
        line = re.sub(r"\d[\d.]*", "9", line)
        shape.append(re.sub(r" +", " ", line))
    return shape


@pytest.mark.parametrize("work", ["sleep", "none"])
def test_the_reports_shown_have_the_shape_of_a_real_run(work):
    """Every report the documents show for this kind of work is laid out as the script lays it
    out."""
    real = report_shape(
        run_script("demo_stopwatch.py", "--iterations", 3, "--work", work).stdout.splitlines()
    )
    shown = [
        text.splitlines() for info, text in DOCUMENTS if info == "" and "Execute Directly:" in text
    ]
    mine = [lines for lines in shown if ("ms a worker" in "\n".join(lines)) == (work == "none")]
    assert mine, f"the documents show no report of --work {work}"
    ran_here = {line.split(":")[0] for line in real if line.startswith("Execute ")}
    for lines in mine:
        shown_here = {line.split(":")[0] for line in lines if line.startswith("Execute ")}
        both = (
            ran_here & shown_here
        )  # a report from 3.14 shows interpreters, one from 3.11 does not
        shape, ways = (alike(report_shape(lines), both), alike(real, both))
        assert (
            shape == ways[: len(shape)] and len(shape) >= len(ways) - 2
        )  # at most the timeline cut


def alike(shape, ways):
    """A report's shape with only the result lines of the given ways, and the start cost of the
    first two kinds of worker (the third line, an interpreter's, is 3.14's alone)."""
    kept, costs = [], 0
    for line in shape:
        if line.startswith("Execute ") and line.split(":")[0] not in ways:
            continue
        if line.startswith("Start cost: "):
            costs += 1
            if costs > 1:
                continue
        kept.append(line)
    return kept


COMMAND = re.compile(
    r"`(?:PYTHON_GIL=1 )?python3?(?:\.\d+t?)?"
    r" (demo_stopwatch\.py|demo_visualize\.py|docs/exercises/check\.py)([^`]*)`"
)


@pytest.mark.parametrize("page", ["README.md", "docs/teaching.md", "docs/exercises/README.md"])
def test_every_command_a_page_names_exists_and_takes_its_options(page, parse, tmp_path):
    """A teacher types what the page says: each script is there, and takes the options given."""
    commands = COMMAND.findall((ROOT / page).read_text(encoding="utf-8"))
    assert commands, f"{page} names no command"
    for script, args in commands:
        assert (ROOT / script).is_file(), script
        words = [
            str(tmp_path / "picture.svg") if word.endswith(".svg") or word == "FILE" else word
            for word in args.split()
        ]
        if script.startswith("demo_"):
            result = parse(script, *words)
            assert result.returncode == 0, (page, script, args, result.stderr)
        else:
            assert words[0] in ("faster", "race", "choose", "pool"), args
