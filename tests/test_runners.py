"""The runners: every job once, in order; overlap or not; which process ran it."""

import multiprocessing
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from operator import neg

import pytest
from conftest import script_env

import common

RUNNERS = {way.mode: way.runner for way in common.WAYS}
INTERPRETERS = next(way for way in common.WAYS if way.mode == "interpreters")  # by name, not place
needs_interpreters = pytest.mark.skipif(
    bool(INTERPRETERS.missing), reason=str(INTERPRETERS.missing)
)
MODES = [
    pytest.param(way.mode, marks=pytest.mark.skipif(bool(way.missing), reason=str(way.missing)))
    for way in common.WAYS
]  # the ways this Python lacks are skipped, with the reason
START_METHODS = multiprocessing.get_all_start_methods()


def overlapping(spans):
    """True if one instant lies inside every span."""
    return max(span.start for span in spans) < min(span.end for span in spans)


def back_to_back(spans):
    """True if each span ends before the next one starts."""
    return all(a.end <= b.start for a, b in zip(spans, spans[1:]))


@pytest.mark.parametrize("mode", MODES)
def test_each_job_runs_exactly_once(mode, capfd):
    jobs = [partial(common.say, f"job {n}") for n in range(6)]
    runner = RUNNERS[mode]
    if mode == "processes":
        # Not the fork server: started once per session, its children keep the stdout it had then,
        # before this test's capture (3.14's default on Linux).
        runner = partial(
            runner, start_method="spawn" if common.start_method_used() == "forkserver" else None
        )
    runner(jobs)
    lines = capfd.readouterr().out.splitlines()
    assert sorted(lines) == sorted(f"job {n}" for n in range(6))


@pytest.mark.parametrize("mode", MODES)
def test_results_come_back_in_job_order(mode):
    spans = RUNNERS[mode]([partial(neg, n) for n in range(5)])
    assert [span.result for span in spans] == [0, -1, -2, -3, -4]
    assert all(span.start <= span.end for span in spans)


def test_direct_jobs_never_overlap():
    spans = common.run_directly([partial(time.sleep, 0.02)] * 4)
    assert back_to_back(spans)
    assert {span.pid for span in spans} == {os.getpid()}


def meet(barrier):
    """Wait until every job is running, then a moment more: their spans must share an instant,
    however far apart a slow machine starts them."""
    barrier.wait(timeout=60)
    time.sleep(0.01)


def test_thread_jobs_overlap():
    spans = common.run_in_threads([partial(meet, threading.Barrier(4))] * 4)
    assert overlapping(spans)
    assert {span.pid for span in spans} == {os.getpid()}


@pytest.mark.parametrize("method", START_METHODS)
def test_process_jobs_overlap_in_other_processes(method):
    before = time.perf_counter()
    barrier = multiprocessing.get_context(method).Barrier(3)
    spans = common.run_in_processes([partial(meet, barrier)] * 3, method)
    after = time.perf_counter()
    assert overlapping(spans)
    pids = [span.pid for span in spans]
    assert os.getpid() not in pids and len(set(pids)) == 3
    # Times read in the children fall inside the parent's: one clock for all processes.
    assert before < min(span.start for span in spans) and max(span.end for span in spans) < after


@pytest.mark.parametrize("mode", MODES)
def test_a_failing_job_raises_in_the_caller(mode):
    jobs = [partial(neg, 1), partial(int, "not a number")]
    with pytest.raises(ValueError):
        RUNNERS[mode](jobs)


def test_a_failing_thread_stops_its_siblings(capfd):
    """The runner cancels the other threads at their next line, instead of letting them run on."""
    jobs = [partial(common.sleepy_worker, 1, iterations=100000, pause=0.001), partial(int, "x")]
    with pytest.raises(ValueError):
        common.run_in_threads(jobs)
    assert len(capfd.readouterr().out.splitlines()) < 100000
    common.run_in_threads([partial(common.say, "still usable")])
    assert capfd.readouterr().out == "still usable\n"


def test_a_failing_thread_stops_siblings_that_compute_and_never_pause(capfd):
    """A computing thread hears the stop at its next line: printing checks it too."""
    jobs = [partial(common.busy_worker, 1, iterations=100000, steps=100), partial(int, "x")]
    with pytest.raises(ValueError):
        common.run_in_threads(jobs)
    assert len(capfd.readouterr().out.splitlines()) < 100000


def test_a_thread_asked_to_stop_wakes_from_its_pause_at_once():
    """Asked while it sleeps, not after: `--pause 100 | head -1` must not wait 100 s."""
    outcomes = []
    thread = threading.Thread(
        target=lambda: outcomes.append(common.outcome(partial(common.sleep_unless_stopped, 100))),
        daemon=True,
    )
    thread.start()
    time.sleep(0.05)  # into its pause, most likely; if not, it must not start one
    common.stop.set()
    try:
        thread.join(30)  # a guard against hanging, not a speed target
    finally:
        common.stop.clear()
    assert not thread.is_alive() and isinstance(outcomes[0], common.Stopped)


class Unpicklable:
    def __reduce__(self):
        raise AttributeError("no way to pickle this")


def unpicklable():
    return Unpicklable()


def local_function():
    def inner():
        pass

    return inner


@pytest.mark.parametrize(
    "job", [threading.Lock, unpicklable, local_function], ids=["lock", "reduce", "local"]
)
def test_a_result_that_cannot_travel_between_processes_is_reported(job):
    """A lock (TypeError), a local function (PicklingError or AttributeError), any other
    refusal."""
    with pytest.raises(RuntimeError, match="^the job's outcome could not be pickled: "):
        common.run_in_processes([job])


def terminate_myself():
    """Send SIGTERM to the process running this job, as `kill PID` does to one worker."""
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)  # time for the signal to arrive and kill; ignored, it returns
    return "still here"


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("method", START_METHODS)
def test_sigterm_to_a_worker_ends_that_worker(method):
    """Ctrl-C and hang-up are left to the parent; SIGTERM, sent to one process, is that
    process's."""
    with pytest.raises(
        ChildProcessError, match=r"^worker 1 \(process \d+\) died \(exit code -15\)$"
    ):
        common.run_in_processes([terminate_myself], method)


@pytest.mark.parametrize("mode", MODES[1:])
def test_a_worker_that_calls_sys_exit_fails_its_run_and_does_not_end_the_caller(mode):
    """A worker's sys.exit is its own: as a thread, it would otherwise end the program that ran
    it."""
    with pytest.raises(RuntimeError, match=r"^a worker called sys.exit\(3\)$"):
        RUNNERS[mode]([partial(neg, 1), partial(sys.exit, 3)])


def nested_worker():
    def inner():
        return 1

    return inner


@pytest.mark.parametrize("method", [m for m in START_METHODS if m != "fork"])
@pytest.mark.parametrize(
    "job, name", [(lambda: 1, "<lambda>"), (nested_worker(), "nested_worker.<locals>.inner")]
)
def test_a_worker_without_a_name_to_import_is_refused_before_any_child_starts(
    method, job, name, monkeypatch
):
    started = []
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", started.append)
    with pytest.raises(
        RuntimeError,
        match=f"^a child process cannot find {re.escape(name)}: a worker must be defined with def",
    ):
        common.run_in_processes([partial(job)], method)
    assert started == []


def test_a_child_that_dies_is_reported():
    with pytest.raises(
        ChildProcessError, match=r"^worker 2 \(process \d+\) died \(exit code 3\)$"
    ):
        common.run_in_processes([partial(neg, 1), partial(os._exit, 3)])


# -- What the runners promise, seen from inside the job ---------------------------------------


def has_module(name):
    """Top level, so every start method can send it to a child."""
    return name in sys.modules


@pytest.mark.parametrize("method", START_METHODS)
def test_the_start_method_asked_for_is_the_one_used(method):
    """A forked child has every module its parent imported; a spawned one, or one forked from
    the fork server, starts afresh and has only what unpickling the job needed."""
    import tabnanny  # noqa: F401  (imported here, after start-up, and by nothing the child needs)

    [span] = common.run_in_processes([partial(has_module, "tabnanny")], method)
    assert span.result is (method == "fork")


def interrupt_myself():
    """Send Ctrl-C to the process running this job, as a terminal sends it to every process."""
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.1)  # time for the signal to arrive and, if it is not ignored, to kill
    return "still here"


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("method", START_METHODS)
def test_a_child_leaves_ctrl_c_to_its_parent(method):
    try:
        [span] = common.run_in_processes([interrupt_myself], method, hooks=common.CommandHooks())
    except KeyboardInterrupt:  # caught here, or it would stop the whole test session
        pytest.fail("Ctrl-C interrupted the child's job")
    assert span.result == "still here"


def test_a_sleepy_worker_prints_each_bar_after_its_sleep(monkeypatch):
    events = []
    monkeypatch.setattr(
        common, "sleep_unless_stopped", lambda seconds: events.append(("wait", seconds))
    )
    monkeypatch.setattr(common, "say", lambda line: events.append(("say", line)))
    common.sleepy_worker(2, iterations=3, pause=0.25)
    assert events == [("wait", 0.25), ("say", common.bar(2))] * 3


def test_a_busy_worker_prints_each_bar_after_its_work(monkeypatch):
    events = []
    monkeypatch.setattr(common, "compute", lambda steps: events.append(("compute", steps)) or 0)
    monkeypatch.setattr(common, "say", lambda line: events.append(("say", line)))
    common.busy_worker(3, iterations=2, steps=77)
    assert events == [("compute", 77), ("say", common.bar(3))] * 2


def test_each_line_a_worker_prints_ends_an_iteration_of_its_timeline(monkeypatch, capfd):
    """The timing of each iteration is taken in one place, the call that prints its line."""
    events = []
    monkeypatch.setattr(common, "lap", lambda: events.append("lap"))
    common.say("one")
    common.say("two")
    assert events == ["lap", "lap"] and capfd.readouterr().out == "one\ntwo\n"


CELL = """
from functools import partial
import common
def square(n):
    return n * n
try:
    common.run_in_processes([partial(square, 3)], start_method=METHOD)
except RuntimeError as error:
    print(error)
"""
# Each way a learner runs code whose functions a spawned child cannot import from a file:
WHERE = {
    "python -": lambda cell: (["-"], cell),
    "python -c": lambda cell: (["-c", cell], None),
    # a notebook kernel: each cell's text exec'd in a module named __main__ that has no file
    "a notebook cell": lambda cell: (
        [
            "-c",
            (
                "import sys, types; sys.modules['__main__'] = main = types.ModuleType("
                "'__main__'); exec(compile(sys.stdin.read(), '<ipython-input-1>', 'exec'), "
                "main.__dict__)"
            ),
        ],
        cell,
    ),
    # Python 3.13's prompt: __main__ may have a real file, but what is typed there is compiled from
    # none
    "3.13's prompt": lambda cell: (
        [
            "-c",
            (
                "import sys; __file__ = sys.argv[1]; exec(compile(sys.stdin.read(), "
                "'<python-input-0>', 'exec'))"
            ),
            __file__,
        ],
        cell,
    ),
}


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("method", [m for m in START_METHODS if m != "fork"])
def test_a_worker_a_child_cannot_import_is_named_before_any_child_starts(method, where):
    args, stdin = WHERE[where](CELL.replace("METHOD", repr(method)))
    result = subprocess.run(
        [sys.executable, *args],
        input=stdin,
        env=script_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stderr == "" and result.returncode == 0
    assert result.stdout.startswith("a child process cannot find square, defined in __main__;")


# -- Interpreters: one process, a GIL each (Python 3.14+) --------------------------------------


def test_interpreters_are_a_way_from_python_3_14_on_cpython():
    runs_them = sys.version_info >= (3, 14) and sys.implementation.name == "cpython"
    assert (INTERPRETERS in common.ways_here()) is runs_them
    assert INTERPRETERS.missing == (None if runs_them else "interpreters need Python 3.14")


def meet_in(queue, count):
    """Wait until `count` jobs have come, through a queue every interpreter shares (a lock cannot
    be shared), then a moment more: their spans must share an instant."""
    queue.put(1)
    deadline = time.monotonic() + 60  # a guard against hanging, not a speed target
    while queue.qsize() < count and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(0.01)


@needs_interpreters
def test_interpreter_jobs_overlap_in_this_one_process_and_none_is_left_open():
    from concurrent import interpreters

    queue = interpreters.create_queue()
    spans = common.run_in_interpreters([partial(meet_in, queue, 3)] * 3)
    assert overlapping(spans)
    assert {span.pid for span in spans} == {os.getpid()}  # one process: not one each
    assert interpreters.list_all() == [interpreters.get_main()]  # each closed: a fork is safe now


@needs_interpreters
def test_interpreters_compute_at_once_each_counting_its_own_cpu():
    """A GIL each: two computing interpreters keep about two CPUs busy where two are free."""
    from test_numbers import spin

    timing = common.time_jobs("Interpreters", common.run_in_interpreters, [partial(spin, 0.2)] * 2)
    assert all(span.cpu >= 0.2 for span in timing.spans)
    assert all(span.cpu <= span.end - span.start + 0.02 for span in timing.spans)


@needs_interpreters
def test_a_failing_interpreter_job_stops_the_others_and_raises_as_itself(capfd):
    jobs = [partial(common.sleepy_worker, 1, iterations=100000, pause=0.001), partial(int, "x")]
    with pytest.raises(ValueError, match="invalid literal"):
        common.run_in_interpreters(jobs)
    assert len(capfd.readouterr().out.splitlines()) < 100000


@needs_interpreters
def test_a_job_an_interpreter_cannot_import_is_named():
    """An interpreter finds a job's function by its module's name, as a spawned child does."""
    import types

    module = types.ModuleType("nowhere")
    exec(
        "ONE = 1\ndef job():\n    return ONE", module.__dict__
    )  # a global: sent by name, not as code
    sys.modules["nowhere"] = module  # importable here, not in a new interpreter
    try:
        with pytest.raises(RuntimeError, match="^an interpreter cannot run the job: .*nowhere"):
            common.run_in_interpreters([module.job])
    finally:
        del sys.modules["nowhere"]


def test_interpreters_asked_for_where_python_lacks_them_say_which_python_they_need(monkeypatch):
    """A 3.14-only lesson run on 3.11: one clear error, as the stopwatch says it, no ImportError
    raised inside common.py (issue 39)."""
    monkeypatch.setattr(common, "interpreters_missing", lambda: "interpreters need Python 3.14")
    with pytest.raises(RuntimeError) as raised:
        common.run_in_interpreters([partial(common.compute, 3)])
    assert str(raised.value) == "run_in_interpreters: interpreters need Python 3.14"


@needs_interpreters
def test_an_interpreters_phase_waits_on_no_timer_of_ours(monkeypatch):
    """The stop reaches each interpreter through a pipe read in the kernel, and the phase ends when
    its last job does: no relay, no poll, nothing waiting with a timeout in this interpreter."""
    timeouts = []
    for owner, name in [(time, "sleep"), (threading.Event, "wait"), (threading.Thread, "join")]:
        original = getattr(owner, name)

        def recording(*args, original=original, name=name, **kwargs):
            if name == "sleep" or kwargs.get("timeout") is not None or len(args) > 1:
                timeouts.append((name, args[1:], kwargs))
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, recording)
    spans = common.run_in_interpreters([partial(common.idle_worker, n) for n in (1, 2)])
    assert [span.result for span in spans] == [1, 2] and timeouts == []
    assert threading.active_count() == 1, "a thread of the phase outlived it"


STOPPED_INTERPRETERS = """
import signal, sys, os
from functools import partial
import common
sys.stdout.write("started\\n")
sys.stdout.flush()
try:
    common.run_in_interpreters([partial(common.sleep_unless_stopped, 600)] * 2)
except KeyboardInterrupt:
    from concurrent import interpreters
    print("stopped", len(interpreters.list_all()))
"""


@needs_interpreters
@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("after", [0.3, 1.5])  # a job running over a second still hears it
def test_ctrl_c_reaches_each_running_interpreter_and_every_one_is_closed(after):
    """Each interpreter's `stop` is its own: Ctrl-C in the caller must reach the jobs inside, which
    wake from a 600 s sleep, and every interpreter is closed before the caller goes on."""
    process = subprocess.Popen(
        [sys.executable, "-c", STOPPED_INTERPRETERS],
        cwd=common.__file__.rsplit("/", 1)[0],
        env=script_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline() == "started\n"
    time.sleep(after)  # the interpreters are made and their jobs asleep
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)  # not 600 s: the stop reached them
    assert (out, err, process.returncode) == ("stopped 1\n", "", 0)


@needs_interpreters
@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_interpreters_slow_to_stop_are_waited_for_and_nothing_is_named(tmp_path):
    """Within the second every stopped worker is given, a job that ends is not a deaf one: Ctrl-C
    ends in one line, naming no job (and never the runner's own worker_interpreter)."""
    process = lesson_started(tmp_path, SLOW_TO_STOP)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, err) == (130, "Interrupted\n")


def numbers():
    """A generator: a job's result that cannot be pickled."""
    yield 1


@needs_interpreters
@pytest.mark.parametrize("job", [threading.Lock, numbers], ids=["lock", "generator"])
def test_an_interpreters_result_that_cannot_be_shared_is_named_as_such(job):
    """The job ran: what failed is sending its result back, as processes say it (issue 37, row
    10)."""
    with pytest.raises(RuntimeError, match="^the job's outcome could not be shared: ") as raised:
        common.run_in_interpreters([job])
    assert len(str(raised.value)) < 120 and "\n" not in str(raised.value)


def lesson_started(tmp_path, source):
    """A learner's file, with common.py copied beside it, run until both its interpreters run."""
    (tmp_path / "lesson.py").write_text(source, encoding="utf-8")
    (tmp_path / "common.py").write_text(
        open(common.__file__, encoding="utf-8").read(), encoding="utf-8"
    )
    process = subprocess.Popen(
        [sys.executable, "lesson.py"],
        cwd=tmp_path,
        env=script_env(PYTHONPATH=None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline() == "started\n"
    time.sleep(0.3)  # both interpreters made and running
    return process


INTERPRETERS_LESSON = """
import time
from functools import partial
import common

{job}

if __name__ == "__main__":
    print("started", flush=True)
    common.run_command(lambda: common.run_in_interpreters([partial({name}, n) for n in range(2)],
                                                          hooks=common.CommandHooks()))
"""
DEAF_INTERPRETERS = INTERPRETERS_LESSON.format(
    name="forever",
    job="""def forever(n):  # a learner's job that never looks at common.stop
    while True:
        time.sleep(0.1)""",
)

SLOW_TO_STOP = INTERPRETERS_LESSON.format(
    name="slow",
    job="""def slow(n):  # it looks at common.stop, and takes 0.4 s to finish once asked
    while not common.stop.is_set():
        time.sleep(0.01)
    time.sleep(0.4)""",
)


@needs_interpreters
@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_interpreters_whose_job_never_checks_stop_are_named_and_the_program_ends(tmp_path):
    """As run_in_threads: one line naming the job; an interpreter cannot be killed, and the program
    ends without waiting for it, with no traceback or warning (issue 37, row 9)."""
    process = lesson_started(tmp_path, DEAF_INTERPRETERS)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 143
    assert (
        err == "interpreters 1, 2 did not stop: an interpreter cannot be killed, and forever never"
        " checks"
        " common.stop\nTerminated\n"
    )


@needs_interpreters
def test_an_interpreter_that_cannot_be_made_fails_the_run_in_the_caller(monkeypatch):
    """As a thread's start failing: the error comes back to the caller, never a traceback from
    the worker thread and a missing Span."""
    from concurrent import interpreters

    def refused():
        raise interpreters.InterpreterError("interpreter creation failed")

    monkeypatch.setattr(interpreters, "create", refused)
    with pytest.raises(interpreters.InterpreterError, match="creation failed"):
        common.run_in_interpreters([partial(common.idle_worker, 1)] * 2)


def test_a_thread_in_our_own_pause_is_slow_not_deaf_and_is_not_named(capfd):
    """On a busy machine a stopped thread may wait over its second for a CPU to run on: one still
    inside sleep_unless_stopped hears the stop, and is not named as a job that never checks it;
    one in a plain time.sleep is."""

    def pause():
        with contextlib.suppress(common.Stopped):  # what a worker's stop raises
            common.sleep_unless_stopped(5)

    pausing = threading.Thread(target=pause, daemon=True)
    deaf = threading.Thread(target=time.sleep, args=(0.5,), daemon=True)
    for thread in (pausing, deaf):
        thread.start()
    try:
        common.CommandHooks().not_stopped([pausing], [partial(common.sleepy_worker, 1)])
        assert capfd.readouterr().err == ""
        common.CommandHooks().not_stopped([deaf], [time.sleep])
        assert capfd.readouterr().err.startswith("threads 1 did not stop: ")
    finally:
        common.stop.set()
        pausing.join()
        common.stop.clear()
