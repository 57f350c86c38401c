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
    for page in ("evidence.md", "teaching.md", "lessons.md")
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


# -- The front page: short, its commands and the GIL's why first; links that lead somewhere -----

PAGES = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "docs/exercises/README.md",
]


def test_the_front_page_fits_200_lines_with_the_commands_and_the_gils_why_in_its_first_40():
    lines = README.splitlines()
    assert len(lines) <= 200, len(lines)
    first = "\n".join(lines[:40])
    for words in ("git clone ", "\npython demo_visualize.py\n", "\npython demo_stopwatch.py\n"):
        assert words in first, words
    assert "global interpreter lock" in first and "CPython has it because" in first


def slug(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_between_the_pages_finds_its_file_and_heading():
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"\w+://", target):
                continue
            path, _, anchor = target.partition("#")
            found = (page.parent / path).resolve() if path else page
            assert found.exists(), f"{page.name}: {target}"
            if anchor and found.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", found.read_text(encoding="utf-8"), re.M)
                assert anchor in {slug(heading) for heading in headings}, f"{page.name}: {target}"


def test_the_start_costs_quoted_are_those_of_the_saved_run():
    """The front page quotes the teacher's page's saved `--work none` run, rounded."""
    teaching = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    thread, process = re.search(
        r"^Start cost: a thread (\d+\.\d+) ms, a process \(fork\) (\d+\.\d+) ms", teaching, re.M
    ).groups()
    quoted = re.search(
        r"a\s+thread\s+took\s+([\d.]+)\s+ms\s+to\s+start\s+and\s+join,\s+a\s+process\s+([\d.]+)",
        README,
    )
    assert quoted, "the front page quotes no start cost"
    assert quoted.groups() == (f"{float(thread):.2f}", f"{float(process):.1f}")

