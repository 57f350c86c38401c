"""A picture for the slide: the timeline as an SVG file, from the same model as the text, checked
by parsing it: every worker's lane, each stretch where its time puts it, the report as caption."""

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as tree
from functools import partial
from multiprocessing import get_all_start_methods

import pytest
from conftest import ROOT, run_script, script_env
from test_stopwatch import HERE, PYTHON, RESULT, found

import common

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(text):
    return tree.fromstring(text)


def pixels_per_ms(svg):
    """The picture's own scale, from two ticks of its time axis: '0 ms' and the last."""
    ticks = {
        float(text.text.split()[0]): float(text.get("x"))
        for text in svg.iter(f"{SVG}text")
        if re.fullmatch(r"[\d.]+ ms", text.text or "")
    }
    last = max(ticks)
    return ticks[0.0], (ticks[last] - ticks[0.0]) / last


def lanes(svg):
    """{(way, worker label): [(class, x, width), ...]} from the picture's lanes (the hatching
    laid over a stretch that waited for a CPU has no class of its own)."""
    found_lanes = {}
    for lane in (lane for lane in svg.iter(f"{SVG}g") if lane.get("data-way")):
        rects = [
            (rect.get("class"), float(rect.get("x")), float(rect.get("width")))
            for rect in lane.iter(f"{SVG}rect")
            if rect.get("class")
            not in (None, "line")  # a line's mark: at its moment, not a stretch
        ]
        found_lanes[lane.get("data-way"), lane.get("data-worker")] = rects
    return found_lanes


def real_timings():
    """Timings of a real run of every way here, small but with turns to draw."""
    jobs = [partial(common.busy_worker, n, 60, 2000) for n in (1, 2, 3)]
    with open(os.devnull, "w") as quiet:
        saved, sys.stdout = sys.stdout, quiet
        try:
            return [
                common.time_jobs(way.name, common.runner_for(way), jobs)
                for way in common.ways_here()
            ]
        finally:
            sys.stdout = saved


def test_each_stretch_is_a_rectangle_at_its_time_on_the_one_scale_within_a_pixel():
    """Stretches narrower than 6 pixels are joined, as a picture cannot show them apart: the
    rectangles tile each span from its start to its end, each 6 pixels wide or more but the
    last, each of the kind its stretches make together."""
    timings = real_timings()
    svg = svg_of(common.timeline_svg(timings, ["a caption"]))
    zero, scale = pixels_per_ms(svg)
    drawn = lanes(svg)
    assert set(drawn) == {
        (timing.name, str(n)) for timing in timings for n in range(1, len(timing.spans) + 1)
    }
    for timing in timings:
        for n, span in enumerate(timing.spans, 1):
            expected, run = [], None
            for start, end, cpu, wait in span.stretches:
                run = (
                    run[0] if run else start,
                    end,
                    (run[2] if run else 0) + cpu,
                    (run[3] if run else 0) + wait,
                )
                if (run[1] - run[0]) * 1000 * scale >= 6:
                    expected.append(run)
                    run = None
            expected += [run] if run else []
            want = [
                (
                    kind_of(end - start, cpu, wait),
                    zero + start * 1000 * scale,
                    (end - start) * 1000 * scale,
                )
                for start, end, cpu, wait in expected
            ]
            got = drawn[timing.name, str(n)]
            assert [kind for kind, _, _ in got] == [kind for kind, _, _ in want]
            for (_, x, width), (_, want_x, want_width) in zip(got, want):
                assert abs(x - want_x) <= 1 and abs(width - want_width) <= 1
            assert all(width >= 6 - 0.01 for _, _, width in got[:-1])
            assert all(abs(a[1] + a[2] - b[1]) <= 0.02 for a, b in zip(got, got[1:])), "tiled"


def kind_of(lasted, cpu, wait):
    """A stretch's class: waiting for a CPU where that outweighed the rest of its waiting and it
    ran less than three quarters of it; else running, for half of it or more, or waiting."""
    if cpu < 0.75 * lasted and wait > lasted - cpu - wait:
        return "cpu-wait"
    return "running" if cpu >= lasted / 2 else "waiting"


def test_a_stretch_is_as_solid_as_its_worker_ran_in_it():
    """Threads taking turns at every iteration run half the time each: drawn as ▓ is, not solid."""
    shares = [1.0, 0.8, 0.5, 0.3, 0.05, 0.0]
    span = common.Span(
        0.0,
        6.0,
        0,
        None,
        sum(shares),
        tuple((n, n + 1, share, 0.0) for n, share in enumerate(shares)),
    )
    svg = svg_of(common.timeline_svg([common.Timing("Threading", 6.0, [span])], []))
    rects = next(svg.iter(f"{SVG}g")).iter(f"{SVG}rect")
    assert [(rect.get("class"), rect.get("fill-opacity")) for rect in rects] == [
        ("running", "1.0"),
        ("running", "1.0"),
        ("running", "0.75"),
        ("waiting", "0.5"),
        ("waiting", "0.25"),
        ("waiting", "0.25"),
    ]


def test_grouped_workers_share_a_lane_labelled_as_the_text_labels_them():
    spans = [common.Span(n, n + 1, 0, None, 1.0, ((n, n + 1, 1.0, 0.0),)) for n in range(40)]
    svg = svg_of(common.timeline_svg([common.Timing("Directly", 40.0, spans)], []))
    labels = [worker for _, worker in lanes(svg)]
    assert labels == [f"{n}-{n + 2}" for n in range(1, 38, 3)] + ["40"]
    assert sum(len(rects) for rects in lanes(svg).values()) == 40


def test_neither_no_color_nor_a_pipe_nor_a_terminal_changes_the_picture(monkeypatch):
    timings = [
        common.Timing(
            "Threading", 1.0, [common.Span(0.0, 1.0, 0, None, 0.5, ((0.0, 1.0, 0.5, 0.0),))]
        )
    ]
    plain = common.timeline_svg(timings, ["caption"])
    monkeypatch.setenv("NO_COLOR", "1")
    assert common.timeline_svg(timings, ["caption"]) == plain
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert common.timeline_svg(timings, ["caption"]) == plain


@pytest.mark.parametrize(
    "script, args",
    [
        ("demo_stopwatch.py", ["--work", "cpu", "--iterations", 30]),
        ("demo_visualize.py", ["--pause", 0.02]),
    ],
)
def test_the_demo_writes_the_picture_of_its_run_with_its_report_as_caption(script, args, tmp_path):
    picture = tmp_path / "run.svg"
    result = run_script(script, *args, "--svg", picture)
    assert (result.returncode, result.stderr) == (0, "")
    svg = svg_of(picture.read_text(encoding="utf-8"))
    assert svg.get("width") == "1280" and int(svg.get("height")) >= 720
    caption = [text.text for text in svg.iter(f"{SVG}text")]  # the report's lines come first
    drawn = lanes(svg)
    if script == "demo_stopwatch.py":
        report = result.stdout.splitlines()
        start = next(i for i, line in enumerate(report) if PYTHON.match(line))
        shown = report[start : report.index("", start)]
        assert caption[: len(shown)] == shown and len(found(RESULT, shown)) == len(HERE)
        assert set(drawn) == {(way, str(n)) for way in HERE for n in range(1, 5)}
    else:
        assert PYTHON.match(caption[0]) and caption[1].startswith("Threading: three shapes in ")
        assert set(drawn) == {("Threading", str(n)) for n in (1, 2, 3)}
    kinds = {kind for rects in drawn.values() for kind, _, _ in rects}
    assert kinds <= {"running", "waiting", "cpu-wait"}


def read_only_file(tmp_path):
    """A file this process cannot write: as root, a file of /sys (root may write a chmod 444
    one)."""
    if os.geteuid() == 0 and os.path.exists("/sys/kernel/notes"):
        return "/sys/kernel/notes"
    path = tmp_path / "read-only.svg"
    path.write_text("")
    path.chmod(0o444)
    return str(path)


@pytest.mark.skipif(os.name != "posix", reason="POSIX paths and devices")
@pytest.mark.parametrize(
    "where, says",
    [
        ("missing folder", "no such folder for "),
        ("read-only file", "cannot write "),
        ("a folder", " is a folder"),
        ("a device", " is not a file"),
    ],
)
@pytest.mark.parametrize("script", ["demo_stopwatch.py", "demo_visualize.py"])
def test_a_picture_that_cannot_be_written_is_refused_before_the_run(script, where, says, tmp_path):
    path = {
        "missing folder": str(tmp_path / "nowhere" / "run.svg"),
        "read-only file": read_only_file(tmp_path),
        "a folder": str(tmp_path),
        "a device": "/dev/full",
    }[where]
    before = sorted(os.listdir(tmp_path))
    result = run_script(script, "--svg", path)
    assert (result.returncode, result.stdout) == (2, "")
    assert (
        len(result.stderr.splitlines()) == 1
        and says in result.stderr
        and result.stderr.startswith(script)
    )
    assert sorted(os.listdir(tmp_path)) == before, "something was written"


def test_a_full_disk_is_refused_before_the_run(tmp_path, monkeypatch, parse):
    full = os.statvfs(tmp_path)
    monkeypatch.setattr(
        os,
        "statvfs",
        lambda path: os.statvfs_result(
            (full.f_bsize, full.f_frsize, full.f_blocks, 0, 0) + tuple(full)[5:]
        ),
    )
    result = parse("demo_stopwatch.py", "--svg", tmp_path / "run.svg")
    assert (
        result.returncode == 2 and "the disk is full" in result.stderr and not os.listdir(tmp_path)
    )


# -- A picture never destroys a file (issue 37, rows 1-5) -----------------------------------


def svg_run(tmp_path, target, **extra):
    """demo_visualize.py --svg target, quickly, run in tmp_path (a short name stays whole)."""
    return run_script("demo_visualize.py", "--pause", 0.01, "--svg", target, cwd=tmp_path, **extra)


@pytest.mark.skipif(os.name != "posix", reason="symbolic links as POSIX makes them")
def test_a_link_is_followed_and_kept_and_its_file_written_in_the_end(tmp_path):
    link = tmp_path / "d.svg"
    link.symlink_to("target.svg")  # dangling: its file is made by the run
    result = svg_run(tmp_path, link)
    assert (result.returncode, result.stderr) == (0, "")
    assert link.is_symlink() and os.readlink(link) == "target.svg"
    svg_of((tmp_path / "target.svg").read_text(encoding="utf-8"))
    assert sorted(os.listdir(tmp_path)) == ["d.svg", "target.svg"]


@pytest.mark.parametrize("name", ["demo_stopwatch.py", "common.py", "notes.txt"])
def test_a_file_that_is_not_a_picture_is_refused_and_kept(tmp_path, name):
    kept = tmp_path / name
    kept.write_text("print('a script a learner wrote')\n", encoding="utf-8")
    result = svg_run(tmp_path, name)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"demo_visualize.py: --svg: {name!r} is not a picture: name another\n"
    assert kept.read_text(encoding="utf-8") == "print('a script a learner wrote')\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_is_refused_without_waiting_for_a_reader(tmp_path):
    os.mkfifo(tmp_path / "f.svg")
    result = svg_run(tmp_path, tmp_path / "f.svg")  # before: blocked for ever opening it
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.endswith("is not a file\n") and len(result.stderr.splitlines()) == 1


def test_a_dash_is_refused_in_one_line_and_makes_no_file(tmp_path):
    result = run_script("demo_visualize.py", "--svg", "-", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert (
        result.stderr
        == "demo_visualize.py: --svg: '-': the picture goes to a file; name one, such as run.svg\n"
    )
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="ulimit -f")
@pytest.mark.parametrize("script", ["demo_stopwatch.py", "demo_visualize.py"])
def test_a_picture_too_large_to_write_leaves_the_old_one_whole(script, tmp_path):
    import resource

    old = tmp_path / "pic.svg"
    old.write_text("<svg>an old picture</svg>\n", encoding="utf-8")
    quick = {
        "demo_stopwatch.py": ["--work", "cpu", "--iterations", 5],
        "demo_visualize.py": ["--pause", 0.01],
    }
    args = quick[script]
    result = run_script(
        script,
        *args,
        "--svg",
        old,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024)),
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == f"{script}: cannot write the picture: File too large"
    assert old.read_text(encoding="utf-8") == "<svg>an old picture</svg>\n"
    assert os.listdir(tmp_path) == ["pic.svg"], "a partial file was left"


def test_a_bare_file_name_and_the_null_device_are_taken(tmp_path):
    bare = run_script("demo_visualize.py", "--pause", 0.01, "--svg", "run.svg", cwd=tmp_path)
    assert bare.returncode == 0
    svg_of((tmp_path / "run.svg").read_text(encoding="utf-8"))
    assert svg_run(tmp_path, os.devnull).returncode == 0 and os.path.exists(os.devnull)


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="/dev/stdout")
def test_a_picture_into_the_reports_own_output_is_refused_and_the_report_kept(tmp_path):
    """`--svg /dev/stdout > out.txt` would have put the picture where the report goes (row 13)."""
    with open(tmp_path / "out.txt", "w") as out:
        command = [sys.executable, str(ROOT / "demo_visualize.py"), "--svg", "/dev/stdout"]
        result = subprocess.run(
            command, stdout=out, stderr=subprocess.PIPE, text=True, env=script_env(), timeout=60
        )
    assert result.returncode == 2
    assert (
        result.stderr
        == "demo_visualize.py: --svg: '/dev/stdout' is the report's output: name another\n"
    )
    assert (tmp_path / "out.txt").read_text() == ""


def test_the_caption_keeps_its_columns_in_a_browser():
    """XML keeps the report's runs of spaces (xml:space), but a browser collapses them unless
    the text says white-space: pre (Chromium: 'Execute Directly: 0.396 sec 1.0 of 2 CPUs busy')."""
    caption = ["Execute Directly:        0.396 sec                    1.0 of 2 CPUs busy"]
    svg = svg_of(common.timeline_svg(real_timings()[:1], caption))
    [shown] = [text for text in svg.iter(f"{SVG}text") if text.text == caption[0]]
    assert "white-space: pre" in (shown.get("style") or "")
    legend = next(text for text in svg.iter(f"{SVG}text") if text.text.startswith("solid: "))
    assert "white-space: pre" in legend.get("style")


# -- As a reader's browser shows it, and the drawing of the shapes --------------------------------

BROWSER = next(
    (
        path
        for name in ("chromium", "chromium-browser", "google-chrome")
        for path in [__import__("shutil").which(name)]
        if path
    ),
    None,
)
MEASURE = """<!DOCTYPE html><html><head><title>?</title></head><body>%s
<script>
const lines = [...document.querySelectorAll("text")].filter(t => t.textContent.length > 20);
const perChar = lines.map(t => t.getComputedTextLength() / t.textContent.length);
document.title = JSON.stringify(perChar);
</script></body></html>"""


@pytest.mark.skipif(BROWSER is None, reason="needs a headless Chromium")
def test_a_browser_keeps_the_captions_columns(tmp_path):
    """Each long text, caption and legend, is as wide as its characters in a monospace font: a
    browser that collapsed the report's runs of spaces would draw its lines narrower."""
    caption = [
        "Python 3.11.7, GIL enabled, 2 CPUs, start method fork",
        "Execute Directly:        0.396 sec                    1.0 of 2 CPUs busy",
    ]
    page = tmp_path / "page.html"
    svg = common.timeline_svg(real_timings()[:1], caption)
    page.write_text(MEASURE % svg, encoding="utf-8")
    result = subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    widths = json.loads(re.search(r"<title>(.*?)</title>", result.stdout)[1])
    assert len(widths) >= 3 and max(widths) - min(widths) <= 0.02 * max(widths), widths


def test_the_visualize_picture_marks_each_row_at_the_moment_it_was_drawn(tmp_path):
    """Eight rows a shape, each a mark in its shape's lane; taken in time order, the marks go
    1, 2, 3 round after round, as the rows were printed; the caption names the shapes."""
    picture = tmp_path / "shapes.svg"
    result = run_script("demo_visualize.py", "--pause", 0.12, "--svg", picture)  # 40 ms apart
    assert (result.returncode, result.stderr) == (0, "")
    svg = svg_of(picture.read_text(encoding="utf-8"))
    marks = [
        (float(mark.get("x")), lane.get("data-worker"))
        for lane in svg.iter(f"{SVG}g")
        if lane.get("data-way")
        for mark in lane.iter(f"{SVG}rect")
        if mark.get("class") == "line"
    ]
    assert len(marks) == 24
    assert [worker for _, worker in sorted(marks)] == ["1", "2", "3"] * 8
    texts = [text.text or "" for text in svg.iter(f"{SVG}text")]
    assert any("1 Heart, 2 Rhombus, 3 Sun" in text for text in texts), texts
    last = result.stdout.splitlines()[-1]
    assert re.fullmatch(r"Threading: three shapes in \d+\.\d{3} sec", last), last


# -- The picture as a reader sees it: every text, lane, colour and tick -------------------------

ANSI_HUES = ["red", "green", "yellow", "blue", "magenta", "cyan"]  # codes 31-36, as paint() uses


def hue_name(colour):
    """The colour a reader would name, from '#rrggbb'."""
    import colorsys

    red, green, blue = (int(colour[at : at + 2], 16) / 255 for at in (1, 3, 5))
    hue = colorsys.rgb_to_hsv(red, green, blue)[0] * 360
    names = [(15, "red"), (70, "yellow"), (160, "green"), (200, "cyan"), (260, "blue")]
    return next((name for most, name in names if hue < most), "magenta" if hue < 340 else "red")


def synthetic(ways, workers, seconds=1.0):
    """Timings of `workers` each, every worker running its whole span, a little later each."""
    return [
        common.Timing(
            way,
            seconds,
            [
                common.Span(0.01 * n, seconds, 100 + n, None, seconds - 0.01 * n, (), 200 + n)
                for n in range(workers)
            ],
        )
        for way in ways
    ]


def texts(svg):
    return [text.text for text in svg.iter(f"{SVG}text")]


def boxes(svg):
    """(top, bottom) of every stretch drawn in a lane."""
    return [
        (float(rect.get("y")), float(rect.get("y")) + float(rect.get("height")))
        for lane in svg.iter(f"{SVG}g")
        if lane.get("data-way")
        for rect in lane.iter(f"{SVG}rect")
    ]


def axis(svg):
    """The time axis: its y, and its ticks' labels with their (x, y)."""
    line = next(line for line in svg.iter(f"{SVG}line") if line.get("x1") != line.get("x2"))
    ticks = [
        (text.text, float(text.get("x")), float(text.get("y")))
        for text in svg.iter(f"{SVG}text")
        if re.fullmatch(r"[\d.]+ ms", text.text or "")
    ]
    return float(line.get("y1")), ticks


@pytest.mark.parametrize("workers", [1, 3, 16, 40])
def test_every_way_is_named_once_beside_its_first_lane_and_the_axis_is_under_them_all(workers):
    ways = [way.name for way in common.WAYS]
    svg = svg_of(common.timeline_svg(synthetic(ways, workers), ["a caption line"]))
    shown = texts(svg)
    assert [name for name in shown if name in ways] == ways, "each way, once, in order"
    assert "a caption line" in shown and any(t.startswith("solid: running") for t in shown)
    y, ticks = axis(svg)
    assert y > max(bottom for _, bottom in boxes(svg)), "the axis is under every lane"
    height = float(svg.get("height"))
    assert all(label_y <= height for _, _, label_y in ticks), "no tick label is cut off"
    lanes_shown = len([lane for lane in svg.iter(f"{SVG}g") if lane.get("data-way")])
    if lanes_shown * common.LANE <= 720 / 2:  # room to spare on a slide
        assert height == 720, "a slide's height, unless the lanes need more"


def test_a_group_of_workers_is_labelled_by_its_range_in_the_picture_as_in_the_text():
    timings = synthetic(["Threading"], 40)  # 16 rows at most: three workers a row
    svg = svg_of(common.timeline_svg(timings, ["caption"]))
    labels = [lane.get("data-worker") for lane in svg.iter(f"{SVG}g") if lane.get("data-way")]
    assert labels[:2] == ["1-3", "4-6"] and labels[-1] == "40-40"[: len(labels[-1])]
    shown = texts(svg)
    assert all(label in shown for label in labels)
    text_rows = [
        row[1]
        for row in map(
            re.compile(r"^(?:Threading)? +(\d+(?:-\d+)?) ").match, common.timeline(timings)
        )
        if row
    ]
    assert labels == text_rows, "the text labels its rows the same"


@pytest.mark.parametrize(
    "seconds, most", [(0.0004, 10), (0.05, 10), (1.0, 10), (2.3, 10), (7.7, 10), (95.0, 10)]
)
def test_the_time_axis_has_round_ticks_enough_to_read_from_zero_to_the_end(seconds, most):
    svg = svg_of(common.timeline_svg(synthetic(["Directly"], 1, seconds), ["caption"]))
    _, ticks = axis(svg)
    values = [float(label.split()[0]) for label, _, _ in ticks]
    assert values[0] == 0 and 4 <= len(values) <= most + 1, values
    step = values[1] - values[0]
    assert all(abs(b - a - step) < 1e-6 * max(1.0, step) for a, b in zip(values, values[1:]))
    assert re.fullmatch(r"[125]0*(\.0*)?|0\.0*[125]", f"{step:g}"), step
    assert values[-1] <= seconds * 1000 + 1e-6 < values[-1] + step


def test_a_workers_colour_in_the_picture_is_its_colour_in_the_terminal():
    timings = synthetic(["Threading"], 12)
    svg = svg_of(common.timeline_svg(timings, ["caption"]))
    for lane in (lane for lane in svg.iter(f"{SVG}g") if lane.get("data-way")):
        n = int(lane.get("data-worker"))
        fills = {rect.get("fill") for rect in lane.iter(f"{SVG}rect") if rect.get("class")}
        code = 31 + (n - 1) % 6  # paint()'s escape code for worker n
        assert [hue_name(fill) for fill in fills] == [ANSI_HUES[code - 31]], (n, fills)


def test_the_same_file_drawn_twice_holds_one_whole_picture(tmp_path):
    path = tmp_path / "run.svg"
    for workers in (16, 1):  # the second, shorter one must not leave the first's tail
        common.write_picture(
            str(path), common.timeline_svg(synthetic(["Directly"], workers), ["c"])
        )
    svg = svg_of(path.read_text(encoding="utf-8"))
    assert len([lane for lane in svg.iter(f"{SVG}g") if lane.get("data-way")]) == 1


@pytest.mark.parametrize(
    "method", [m for m in ("spawn", "forkserver") if m in get_all_start_methods()]
)
def test_the_visualize_picture_names_the_start_method_it_ran_with(method, tmp_path):
    path = tmp_path / "shapes.svg"
    result = run_script(
        "demo_visualize.py",
        "--mode",
        "processes",
        "--pause",
        "0.02",
        "--start-method",
        method,
        "--svg",
        path,
    )
    assert result.returncode == 0, result.stderr
    assert any(f"start method {method}" in text for text in texts(svg_of(path.read_text())))


def test_a_disk_with_room_for_a_picture_is_not_called_full(tmp_path, monkeypatch):
    """100 MiB free, in 4 KiB blocks: 25,600 of them, fewer than a mebibyte's count of bytes."""
    real = os.statvfs(tmp_path)
    blocks = (100 * 2**20) // real.f_frsize
    monkeypatch.setattr(
        os,
        "statvfs",
        lambda path: os.statvfs_result(
            (real.f_bsize, real.f_frsize, real.f_blocks, blocks, blocks) + tuple(real)[5:]
        ),
    )
    assert common.picture_file(str(tmp_path / "run.svg")) == str(tmp_path / "run.svg")
