"""See the GIL take turns: each worker's running and waiting stretches, from its own laps, say
that threads with the GIL run one at a time, while processes (and threads without the GIL) run
at once."""

import sys
from functools import partial

import pytest
from conftest import reported, script_env
from test_pythons import PYTHONS

import common

TURNS = """
import json, sys
import common, demo_stopwatch

def solid(span):
    '''The stretches a worker ran for three quarters of or more: drawn solid (█ in the text).
    Threads that take turns at every iteration run about half of each: not solid, nor at once.'''
    return [(begun, ended) for begun, ended, cpu, _ in span.stretches
            if cpu >= 0.75 * (ended - begun)]

def at_once(spans):
    '''Seconds in which two workers or more were running, by a sweep over their solid stretches.'''
    edges = sorted((moment, step) for span in spans for begun, ended in solid(span)
                   for moment, step in ((begun, 1), (ended, -1)))
    together, count, last = 0.0, 0, None
    for moment, step in edges:
        if count >= 2:
            together += moment - last
        count, last = count + step, moment
    return together

common.stdout_to_null()  # the bars: not what is measured
jobs = demo_stopwatch.make_jobs("cpu", 2, 800)  # 0.16 s each: long beside their start
shares = {}
for way in common.ways_here()[1:]:
    phase = demo_stopwatch.watched(way, common.runner_for(way), jobs)
    free = (phase.seen.other or 0.0) < 0.25 and common.available_cpus() >= 2  # two CPUs to run on
    spans = phase.timing.spans  # all under way from the last start to the first end:
    together = min(span.end for span in spans) - max(span.start for span in spans)
    shares[way.name] = {"phase": at_once(spans) / phase.timing.seconds, "free": free,
                        "together": at_once(spans) / together if together > 0 else None}
print(json.dumps(dict(shares, gil=common.gil_enabled())), file=sys.stderr)
"""


def overlaps(python=sys.executable, env=None):
    """{way: {"phase": the share of its phase in which two workers ran at once, "together": the
    share
    of the time both jobs were under way, or None, "free": whether two CPUs were free}}."""
    return reported(TURNS, python, env)


def test_with_the_gil_threads_take_turns_and_processes_run_at_once():
    """Processes and interpreters are judged while both jobs were under way: a start (a fork
    server's,
    an interpreter's) can take a good part of a phase of 0.16 s jobs, and says nothing of running
    at once."""
    shares = overlaps(env=script_env(PYTHON_GIL="1"))  # a free-threaded build told to keep it too
    threads = shares["Threading"]["phase"]
    assert (
        shares["gil"] and threads < 0.10
    ), f"threads ran at once for {threads:.0%} of their phase"
    for name in ("Multiprocessing", "Interpreters"):
        if name in shares and shares[name]["free"]:  # where other programs left two CPUs free
            together = shares[name]["together"]
            assert (
                together is not None and together > 0.5
            ), f"{name}: at once for {together} of the time both ran"


FREE_THREADED = [(label, path) for label, path in PYTHONS if label.endswith("t")]


@pytest.mark.parametrize("label, python", FREE_THREADED, ids=[label for label, _ in FREE_THREADED])
def test_without_the_gil_threads_run_at_once(label, python):
    shares = overlaps(python, script_env(PYTHON_GIL="0"))
    threads = shares["Threading"]
    assert not shares["gil"]
    if threads["free"]:
        assert threads["together"] is not None and threads["together"] > 0.5, threads


def test_a_lap_joins_a_run_of_iterations_into_one_stretch(monkeypatch):
    """Computing throughout, then waiting throughout: two stretches, however many iterations."""
    clock = {"wall": 0.0, "cpu": 0.0}
    monkeypatch.setattr(common.time, "perf_counter", lambda: clock["wall"])

    def job():
        for wall, cpu in [(1, 1)] * 5 + [(1, 0.1)] * 5:  # five running iterations, five waiting
            clock["wall"] += wall
            clock["cpu"] += cpu
            common.lap()

    span = common.outcome(job, cpu_clock=lambda: clock["cpu"])
    assert [stretch[:3] for stretch in span.stretches] == [
        (0.0, 5.0, 5.0),
        (5.0, 10.0, pytest.approx(0.5)),
    ]
    assert (span.start, span.end, span.cpu) == (0.0, 10.0, pytest.approx(5.5))


def test_a_job_without_laps_is_one_stretch_and_every_stretch_is_in_its_span():
    [span] = common.run_directly([partial(common.compute, 10000)])
    assert len(span.stretches) == 1 and span.stretches[0][:2] == (span.start, span.end)
    timing = common.time_jobs(
        "Threading", common.run_in_threads, [partial(common.sleepy_worker, 1, 5, 0.001)]
    )
    [span] = timing.spans
    assert span.stretches[0][0] == span.start and span.stretches[-1][1] == span.end
    assert all(a[1] == b[0] for a, b in zip(span.stretches, span.stretches[1:])), "back to back"
