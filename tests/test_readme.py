"""The README tells the truth: its snippets run, its outputs look like the scripts' own."""

import subprocess
import sys

import pytest
from conftest import ROOT, fenced_blocks, script_env
from test_visualize import EXPECTED

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = fenced_blocks(README)
SNIPPETS = [text for info, text in BLOCKS if info == "python"]


def test_readme_has_snippets():
    assert len(SNIPPETS) >= 3


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


def test_the_commands_are_the_ones_the_readme_gives():
    commands = [text for info, text in BLOCKS if info == "bash"]
    assert commands[0] == "python demo_visualize.py\npython demo_stopwatch.py\n"
    assert "python -m pip install pytest && python -m pytest\n" in commands


def test_the_visualize_output_shown_is_the_real_one():
    shown = next(text for info, text in BLOCKS if info == "" and text.startswith("1 Heart:"))
    assert shown.splitlines() == EXPECTED  # which test_visualize.py checks the script prints


def test_the_stopwatch_reports_shown_have_the_real_format():
    from test_stopwatch import PYTHON, RESULT, START_COST
    from test_timeline import parse_rows

    outputs = [text.splitlines() for info, text in BLOCKS if info == "" and "Execute Directly:" in text]
    assert len(outputs) >= 5  # waiting work, CPU work, a busy machine, no work, free-threaded
    for lines in outputs:
        python_at = next(i for i, line in enumerate(lines) if line.startswith("Python "))
        assert PYTHON.match(lines[python_at])
        results = [line for line in lines[python_at + 1 :] if line.startswith("Execute ")]
        assert [RESULT.match(line)[1] for line in results] == ["Directly", "Threading", "Multiprocessing"]
        if "" in lines[python_at:]:
            chart = lines[lines.index("", python_at) + 1 :]
            assert set(parse_rows(chart)) == {"Directly", "Threading", "Multiprocessing"}
    assert any(START_COST.match(line) for lines in outputs for line in lines)
    assert any(line.startswith("Note: other programs kept ") for lines in outputs for line in lines)
    assert any("GIL disabled" in line for lines in outputs for line in lines), "the free-threaded run"
