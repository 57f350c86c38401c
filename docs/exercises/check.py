"""Check an exercise: it says plainly whether your answer works, and why not.

  python docs/exercises/check.py faster          # docs/exercises/faster.py
  python docs/exercises/check.py race my_race.py  # your own copy of it

Your file runs in a process of its own, within the exercise's time limit,
and the check prints one line: 'works: ...', 'not yet: ...', or 'cannot
tell: ...' where this machine cannot show it. Exit status 0: it works; 1:
not yet, or cannot tell; 2: no such exercise or file; 130: Ctrl-C.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))  # common.py's

try:  # most of a check's start: Ctrl-C there ends as it does later
    import importlib
    import re
    import shutil
    import subprocess
    import tempfile
    import threading
    import time
    import traceback
    from functools import partial

    import common
    import demo_stopwatch
except KeyboardInterrupt:
    sys.stderr.write("check.py: interrupted\n")
    sys.exit(130)

# Seconds each check may take, with room for a slow machine: beyond it,
# the answer is taken to hang (EXERCISE_LIMIT sets one for all).
LIMITS = {"faster": 60, "race": 30, "choose": 60, "pool": 20, "stop": 30,
          "deadlock": 30, "share": 30, "spawn": 60, "nogil": 60}
VERDICTS = {True: "works: ", False: "not yet: ", None: "cannot tell: "}


def main(argv):
    if argv[:1] == ["--inside"]:  # the check's own process: see outside()
        status = inside(*argv[1:])
        os._exit(status)  # a thread still stuck in the answer cannot hold it
    if not 1 <= len(argv) <= 2 or argv[0] not in CHECKS:
        print(f"usage: check.py {{{','.join(CHECKS)}}} [FILE]",
              file=sys.stderr)
        return 2
    name = argv[0]
    path = os.path.abspath(argv[1] if len(argv) > 1 else
                           os.path.join(HERE, f"{name}.py"))
    if not os.path.isfile(path):
        print(f"check.py: no file {path}", file=sys.stderr)
        return 2
    python = free_threaded_python() if name == "nogil" else sys.executable
    if python is None:
        print("cannot tell: " + NO_FREE_THREADED)
        return 1
    line, status = outside(name, path, python)
    print(line)
    return status


# -- The learner's file in a process of its own -------------------------


def outside(name, path, python):
    """Run the check in a child process: a hang, an exit or a crash in the
    learner's file then ends the check with one line, as does Ctrl-C."""
    report = os.path.join(tempfile.mkdtemp(), "report")
    open(report, "w").close()  # there, even if the child cannot start
    command = [python, os.path.abspath(__file__), "--inside", name, path,
               report]
    env = dict(os.environ, PYTHON_GIL="0") if name == "nogil" else None
    if os.name == "posix":  # its own group: a terminal's Ctrl-C is ours
        child = subprocess.Popen(command, env=env, start_new_session=True)
    else:  # on Windows, a console's Ctrl-C does not reach a new group
        child = subprocess.Popen(command, env=env, creationflags=(
            subprocess.CREATE_NEW_PROCESS_GROUP))
    limit = float(os.environ.get("EXERCISE_LIMIT", LIMITS[name]))
    try:
        child.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        return (f"not yet: {last_doing(report)} did not return within"
                f" {limit:g} s"), 1
    finally:  # the learner's processes too, whatever happened
        end_group(child)
        for group in said_in(report, "group: "):  # spawn's program's
            end_group(int(group))
    with open(report, encoding="utf-8") as lines:
        verdicts = [line for line in lines.read().splitlines()
                    if line.startswith(tuple(VERDICTS.values()))]
    if verdicts and child.returncode in (0, 1):
        return verdicts[-1], child.returncode
    return (f"not yet: {last_doing(report)} ended the check's process (exit"
            f" status {child.returncode}), as sys.exit or os._exit would"), 1


def end_group(child):
    """Kill a process (or a group, by its number) and every process it
    started: the check's, and the answer's."""
    if os.name == "posix":
        import signal
        try:
            os.killpg(getattr(child, "pid", child), signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # all gone already
    elif hasattr(child, "poll") and child.poll() is None:
        child.kill()
    if hasattr(child, "wait"):
        child.wait()


def said_in(report, what):
    """What the report's lines starting with `what` say, in order."""
    with open(report, encoding="utf-8") as lines:
        return [line[len(what):] for line in lines.read().splitlines()
                if line.startswith(what)]


def last_doing(report):
    """What the check was doing when it stopped: 'crunch_all(steps, 4)'."""
    return (said_in(report, "doing: ") or ["starting the check"])[-1]


def inside(name, path, report):
    """The check itself, in its own process: one verdict line in report."""
    os.environ["EXERCISE_TRACE"] = report + ".trace"  # its children's too
    with open(report, "a", encoding="utf-8") as out:
        def doing(what, group=None):  # group: a process group started
            out.write(f"doing: {what}\n" + (f"group: {group}\n" if group
                                             else ""))
            out.flush()

        doing(f"importing {os.path.basename(path)}")
        try:  # spawn runs the file as a program: the others import it
            works, why = CHECKS[name](path if name == "spawn" else
                                      load(path), doing)
        except SystemExit as leaving:  # sys.exit() in the learner's file
            works, why = False, exited_where(leaving, path)
        except Exception as error:
            works, why = False, failed_where(error, path)
        out.write(VERDICTS[works] + why + "\n")
    return 0 if works else 1


def load(path):
    """Import the learner's file from a copy under a name no other module
    has (a file named random.py must not be the standard library's), in a
    folder that child processes look in too."""
    folder = tempfile.mkdtemp()
    name = "answer_" + re.sub(r"\W", "_", os.path.basename(path)[:-3])
    shutil.copy(path, os.path.join(folder, name + ".py"))
    sys.path[:0] = [folder, os.path.dirname(path)]
    COPIES[os.path.join(folder, name + ".py")] = path
    return importlib.import_module(name)


COPIES = {}  # the copy's path: the learner's file it was made from


def in_learners_file(filename):
    return COPIES.get(filename, filename) in COPIES.values()


def failed_where(error, path):
    """'race.py, line 12: NameError: ...': where in the learner's file it
    failed, at the line nearest the failure."""
    name = os.path.basename(path)
    if isinstance(error, SyntaxError) and in_learners_file(error.filename):
        return f"{name}, line {error.lineno}: SyntaxError: {error.msg}"
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if in_learners_file(frame.filename)]
    where = f"{name}, line {frames[-1].lineno}: " if frames else ""
    return f"{where}{type(error).__name__}: {error}"


def exited_where(leaving, path):
    frames = [frame for frame in traceback.extract_tb(leaving.__traceback__)
              if in_learners_file(frame.filename)]
    where = f", line {frames[-1].lineno}" if frames else ""
    return (f"{os.path.basename(path)}{where}: sys.exit({leaving.code!r})"
            " ends the program: an exercise's file only defines what the"
            " check calls")


def shown(value, most=60):
    text = repr(value)
    return text if len(text) <= most else text[:most - 3] + "..."


# -- 1. Faster: where and when each sum ran, from a trace each call leaves


UNTRACED = common.compute


def traced_compute(steps):
    """common.compute, leaving a line in the trace: which process,
    interpreter and thread ran it, and when. Top level here, so that a
    child process or an interpreter can find it by name."""
    start = time.perf_counter()
    result = UNTRACED(steps)
    try:
        import _interpreters  # 3.13+: which interpreter of the process
        interpreter = _interpreters.get_current()[0]
    except (ImportError, AttributeError, TypeError):
        interpreter = 0
    line = (f"{os.getpid()} {interpreter} {threading.get_ident()} {start}"
            f" {time.perf_counter()}\n")
    with open(os.environ["EXERCISE_TRACE"], "a") as trace:
        trace.write(line)  # one write: whole lines, from anywhere
    return result


# In a child of faster's check (spawn, forkserver), the learner's file is
# imported anew and takes compute from common: the traced one.
if os.environ.get("EXERCISE_TRACED") == "compute":
    common.compute = traced_compute


def check_faster(module, doing, times=4):
    steps = demo_stopwatch.steps_for(0.003) * 30  # 0.1 s: beats the starts
    doing(f"computing {times} sums one after another, to compare")
    start = time.perf_counter()
    expected = [common.compute(steps) for _ in range(times)]
    alone = time.perf_counter() - start
    module.compute = traced_compute  # what crunch_all calls, by its name
    os.environ["EXERCISE_TRACED"] = "compute"  # and a spawned child's copy
    open(os.environ["EXERCISE_TRACE"], "w").close()
    doing(f"crunch_all(steps, {times})")
    start = time.perf_counter()
    results = module.crunch_all(steps, times)
    took = time.perf_counter() - start
    if results != expected:
        return False, (f"crunch_all gave {shown(results)}, not the {times}"
                       f" sums in order: {shown(expected)}")
    with open(os.environ["EXERCISE_TRACE"]) as trace:
        calls = [line.split() for line in trace]
    if len(calls) != times:
        return False, (
            "compute never ran where the check can see it: call it by the"
            " name the file imports it as" if not calls else
            f"compute ran {len(calls)} time{'s' * (len(calls) > 1)} for"
            f" {times} sums: compute each one, do not copy a result")
    if common.available_cpus() == 1:  # at once or not, as fast either way
        return None, ("Python has one CPU here, and on one CPU nothing"
                      " computes faster: check on a machine with two or more")
    spans = sorted((float(start), float(end)) for *_, start, end in calls)
    if not any(later[0] < earlier[1]
               for earlier, later in zip(spans, spans[1:])):
        return False, (f"the {times} sums ran one after another ({took:.2f}"
                       " s): start them all before waiting for any")
    return faster_verdict(calls, took, alone, times)


def faster_verdict(calls, took, alone, times):
    """Right if the sums ran at once, each with a GIL of its own, and kept
    computing through the run: the share of it with a sum computing does
    not change on a busy machine, as seconds do."""
    pids = {pid for pid, *_ in calls}
    places = {(pid, interpreter) for pid, interpreter, *_ in calls}
    where = (f"{len(pids)} processes" if len(pids) > 1 else
             f"{len(places)} interpreters" if len(places) > 1 else
             f"{len({call[2] for call in calls})} threads")
    if len(places) == 1 and common.gil_enabled():
        return False, (
            f"the {times} sums ran in one process, in threads: with the GIL"
            " they take turns at one CPU. Run them in processes"
            " (multiprocessing's Pool, or ProcessPoolExecutor)")
    computing = covered(sorted((float(call[3]), float(call[4]))
                               for call in calls)) / took
    said = (f"{took:.2f} s against {alone:.2f} s one after another"
            f" ({alone / took:.1f}x)")
    if computing < 0.5:
        return False, (f"the sums ran at once in {where}, but a sum was"
                       f" computing for only {computing:.0%} of the"
                       f" {took:.2f} s: does each wait before computing?")
    gil = "no GIL in this Python" if len(places) == 1 else "a GIL each"
    slow = "; no faster this time: were other programs busy?" if (
        alone / took < 1.1) else ""
    return True, f"the sums ran at once in {where}, {gil}: {said}{slow}"


def covered(spans):
    """Seconds in which at least one of the sorted (start, end) spans ran."""
    total, reached = 0.0, float("-inf")
    for start, end in spans:
        total += max(0.0, end - max(start, reached))
        reached = max(reached, end)
    return total


# -- 2. Race: the account watched, every read and write of its balance


class Watched:
    """An Account whose balance remembers who read and wrote it, and when:
    a deposit is a read, a wait, and a write of one more, by one thread,
    with no other thread's write between them. (Each event keeps its
    thread itself: an ident is reused once its thread has ended.)"""

    def __init__(self, *args, **kwargs):
        self.events, self.watching = [], threading.Lock()
        super().__init__(*args, **kwargs)

    @property
    def balance(self):
        with self.watching:  # the check's own lock: events in true order
            value = self.__dict__.get("_balance", 0)
            self.events.append(("read", threading.current_thread(),
                                time.perf_counter(), value))
        return value

    @balance.setter
    def balance(self, value):
        with self.watching:
            self.__dict__["_balance"] = value
            self.events.append(("write", threading.current_thread(),
                                time.perf_counter(), value))


def deposits(events):
    """(deposits made whole, lost, made with no wait, the threads) from the
    events: a write counts if its thread read just before, alone."""
    whole = lost = hasty = 0
    last_read, last_write, threads = {}, -1, set()
    for at, (what, thread, moment, value) in enumerate(events):
        if what == "read":
            last_read[thread] = (at, moment, value)
            continue
        threads.add(thread)
        read_at, read_moment, read = last_read.pop(thread, (-1, 0, None))
        if read is None or read_at < last_write:
            lost += 1  # another thread wrote after this one read
        elif moment - read_moment < 0.00005:  # asked to wait 0.1 ms
            hasty += 1
        elif value == read + 1:
            whole += 1
        last_write = at
    return whole, lost, hasty, threads


def check_race(module, doing, rounds=3, times=200):
    for _ in range(rounds):
        accounts = []
        base = module.Account

        class Account(Watched, base):  # what run() makes, by its name
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.events.clear()  # its first balance is no deposit
                accounts.append(self)

        module.Account = Account
        doing(f"run({times})")
        try:
            balance = module.run(times)
        finally:
            module.Account = base
        if len(accounts) != 1:
            return False, (f"run() made {len(accounts)} accounts: make one,"
                           " as the starting point does, for four threads")
        why = race_verdict(accounts[0], balance, times)
        if why:
            return False, why
    return True, (f"{rounds} runs of four threads, {4 * times} deposits each"
                  " time, each a read, a wait and a write, none lost")


def race_verdict(account, balance, times):
    whole, lost, hasty, threads = deposits(account.events)
    held = account.__dict__.get("_balance", 0)
    if len(threads) != 4:
        return (f"the deposits ran in {len(threads)} thread"
                f"{'s' * (len(threads) != 1)}, not four: keep four threads,"
                " and lock the update")
    if hasty:
        return (f"{hasty} deposits wrote without waiting after their read:"
                " a race hidden, not fixed. Keep the wait, and hold a"
                " threading.Lock across the read, the wait and the write")
    if lost:
        return (f"{4 * times} deposited, the balance is {held}:"
                f" {4 * times - held} lost. Another thread wrote between a"
                " read and its write: hold a threading.Lock across the read,"
                " the wait and the write")
    if whole != 4 * times or held != 4 * times:
        return (f"{whole} deposits of one were made, the balance is {held}:"
                f" {4 * times} of one each are expected")
    if balance != held:
        return (f"run() returned {shown(balance)}, but the account holds"
                f" {held}: return the account's balance")
    return None


# -- 3. Choose: the choices, and their reasons, measured here


def check_choose(module, doing):
    wrong, timed = [], []
    for job, count in (("download", 64), ("render", 4)):
        chosen = module.WAY_FOR.get(job)
        way = str(chosen).strip().lower()
        if way not in ("threads", "processes"):
            wrong.append(f"{job}: {shown(chosen)} is not a way: write"
                         " 'threads' or 'processes'")
            continue
        doing(f"timing {count} of {job} in threads, then in processes")
        jobs = [partial(getattr(module, job), n) for n in range(count)]
        seconds = {w: common.time_jobs(w, runner, jobs).seconds
                   for w, runner in (("threads", common.run_in_threads),
                                     ("processes", common.run_in_processes))}
        said = (f"{count} {job}s: threads {seconds['threads']:.2f} s,"
                f" processes {seconds['processes']:.2f} s") + (
                    ", on one CPU, where neither computes faster"
                    if job == "render" and common.available_cpus() == 1
                    else "")
        right, why = choice_verdict(job, way)
        if not right:
            wrong.append(f"{job}: you chose {way}, but {why} ({said})")
        timed.append(said)
    if wrong:
        return False, "; ".join(wrong)
    return True, (f"{module.WAY_FOR['download'].lower()} for waiting,"
                  f" {module.WAY_FOR['render'].lower()} for computing ("
                  + "; ".join(timed) + " here)")


def choice_verdict(job, way):
    """(right, why not) for the way chosen for a job."""
    if job == "download":
        return way == "threads", (
            "a waiting thread lets go of the GIL, so threads wait at once as"
            " processes do, and a thread starts far sooner than a process")
    return way == "processes" or not common.gil_enabled(), (
        "computing holds the GIL: threads take turns at one CPU, processes"
        " each have a GIL")


# -- 4. Pool: sizes for every machine of 1 to 64 CPUs


def check_pool(module, doing):
    downloads, crunches = module.DOWNLOADS, module.CRUNCHES
    for cpus in range(1, 65):
        doing(f"sizes({cpus})")
        got = module.sizes(cpus)
        expected = (downloads, min(crunches, cpus))
        why = pool_verdict(got, cpus, downloads, crunches)
        if why:
            return False, (f"sizes({cpus}) gave {shown(got)}: {why};"
                           f" expected {expected}")
    return True, ("a thread per download, and processes up to the CPUs (or"
                  " the jobs, if fewer), for 1 to 64 CPUs")


def pool_verdict(got, cpus, downloads, crunches):
    try:
        threads, processes = got
        if not all(isinstance(n, int) and n >= 1 for n in got):
            raise ValueError
    except (TypeError, ValueError):
        return "two whole numbers of workers, each 1 or more, are expected"
    if threads < downloads:
        rounds = -(-downloads // threads)  # whole rounds, rounded up
        return (f"{downloads} downloads in {threads} threads wait in"
                f" {rounds} rounds: waiting threads cost little, give each"
                " download one")
    if threads > downloads:
        return (f"{threads} threads for {downloads} downloads: more than"
                " one a download are never used")
    if processes > min(crunches, cpus):
        return (f"{processes} processes for {crunches} jobs on {cpus} CPUs:"
                " beyond the " + ("CPUs they take turns at them, no more"
                                  " computing at once, and each costs a"
                                  " start" if crunches > cpus else
                                  "jobs they sit idle"))
    if processes < min(crunches, cpus):
        return (f"{processes} processes for {crunches} jobs on {cpus} CPUs:"
                " CPUs are left idle")
    return None


# -- 5. Stop: a worker that looks, a pool that cancels on Ctrl-C


def check_stop(module, doing):
    readings, sensor = [], module.check_sensor
    module.check_sensor = lambda: readings.append(1) or sensor()
    stop = threading.Event()
    watcher = threading.Thread(target=module.watch, args=(stop,),
                               daemon=True)
    doing("watch(stop) in a thread")
    watcher.start()
    time.sleep(0.2)
    before = len(readings)
    stop.set()
    watcher.join(1.0)  # a moment: a few of its 10 ms readings
    if not before:
        return False, ("watch() did not read the sensor once in 0.2 s: keep"
                       " it reading until stop is set")
    if watcher.is_alive():
        return False, ("watch() went on for over a second after stop was"
                       " set: check stop.is_set() in its loop")
    return cancelled_on_ctrl_c(module, doing)


def cancelled_on_ctrl_c(module, doing, jobs=100):
    """Ctrl-C, as a terminal sends it, into process_all midway through a
    job (after 0.225 s: four threads of 50 ms jobs)."""
    import signal
    started, job = [], module.job
    module.job = lambda n: started.append(n) or job(n)
    main = threading.get_ident()
    if hasattr(signal, "pthread_kill"):  # wakes the main thread's wait
        press = partial(signal.pthread_kill, main, signal.SIGINT)
    else:
        import _thread
        press = _thread.interrupt_main
    pressed = []
    timer = threading.Timer(0.225, lambda: pressed.append(
        (len(started), time.perf_counter())) or press())
    doing(f"process_all({jobs}), and Ctrl-C 0.225 s into it")
    timer.start()
    try:
        module.process_all(jobs)
    except KeyboardInterrupt:
        pass
    else:
        timer.join()
        return False, ("process_all() returned after Ctrl-C, as if it had"
                       " not been pressed: let the KeyboardInterrupt go on")
    ended = time.perf_counter()
    (seen, at), = pressed
    more = len(started) - seen
    if more > 4:  # one job more in each thread, at most
        return False, (f"after Ctrl-C, {more} more jobs started and"
                       f" process_all took {ended - at:.2f} s to end: drop"
                       " the jobs not yet started (shutdown(cancel_futures="
                       "True))")
    return True, (f"watch() ended once stop was set; after Ctrl-C,"
                  f" process_all ended in {ended - at:.2f} s, {more} jobs"
                  " more")


# -- 6. The race without the GIL: every update counted where threads run
# Python code at once


NO_FREE_THREADED = (
    "this check runs your file on a free-threaded Python (3.13t or later),"
    " and none is here: python.org's installers for Windows and macOS have"
    " it as an option; pyenv install 3.13.1t (or a later 3.13.Nt) and uv"
    " python install 3.13t make one. Then check again")


def free_threaded_python():
    """This Python if it runs without the GIL, else one found by name."""
    if not common.gil_enabled():
        return sys.executable
    for minor in range(13, 30):
        python = shutil.which(f"python3.{minor}t")
        if python and subprocess.run(
                [python, "-c", "import sys; sys.exit(sys._is_gil_enabled())"],
                env=dict(os.environ, PYTHON_GIL="0")).returncode == 0:
            return python
    return None


def check_nogil(module, doing, rounds=3, times=20_000):
    add, threads = module.add, set()
    together = threading.Barrier(4, timeout=1)

    def counted(*args, **kwargs):
        threads.add(threading.current_thread())
        try:  # four threads start their updates at once, as if each had
            together.wait()  # far more to do than the check asks of it
        except threading.BrokenBarrierError:
            pass  # fewer than four: said below
        return add(*args, **kwargs)

    module.add = counted  # what run() hands its threads, by its name
    python = f"Python {sys.version.split()[0]} without the GIL"
    for _ in range(rounds):
        threads.clear()
        together.reset()
        doing(f"run({times}) on {python}")
        count = module.run(times)
        if len(threads) != 4:
            return False, (f"add ran in {len(threads)} thread"
                           f"{'s' * (len(threads) != 1)}, not four: keep"
                           " four, and lock the update")
        if count != 4 * times:
            return False, (f"{4 * times} added, the count is {shown(count)}"
                           f" on {python}: another thread wrote between a"
                           " read and its write. Hold a threading.Lock"
                           " across the +=")
    doing(f"a bare += in four threads of the check's own, {times} times each")
    if not races_here(times):  # no loss, and so no proof, is possible now
        return None, (f"four threads did not run at once here (a busy"
                      f" machine?): even a bare += lost no update on"
                      f" {python}. Check again when the CPUs are free")
    return True, (f"{rounds} runs of four threads on {python}, {4 * times}"
                  " updates each time, none lost")


class Tally:
    count = 0


def races_here(times, tries=3):
    """Whether four threads that += with no lock lose an update here and
    now: where none is lost, threads are not running at once."""
    def add(tally, together):
        together.wait()
        for _ in range(times):
            tally.count += 1

    for _ in range(tries):
        tally, together = Tally(), threading.Barrier(4, timeout=5)
        common.run_in_threads([partial(add, tally, together)] * 4)
        if tally.count != 4 * times:
            return True
    return False


# -- 7. Spawn: the file run as a program, its processes started by spawn

SPAWNED = """
import multiprocessing, multiprocessing.process as process, runpy, sys
started = []
start = process.BaseProcess.start
process.BaseProcess.start = lambda self: started.append(1) or start(self)
multiprocessing.set_start_method("spawn", force=True)
sys.argv = [sys.argv[1]]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    sys.stderr.write(f"\\n{multiprocessing.get_start_method()}"
                     f" {len(started)}\\n")
"""

SPAWN_FAULTS = [  # (what the program printed, why, in the learner's words)
    ("pickle <function <lambda>",
     "a lambda cannot be pickled, and a pool sends each job pickled: define"
     " the job with def, at the top level of the file"),
    ("<locals>",  # 'local object' in CPython's words, PyPy's differ
     "a function defined inside another cannot be found by its name:"
     " define the job at the top level of the file"),
    ("bootstrapping phase",
     "each spawned child imports your file again, and its top level starts"
     " processes once more: put the start under"
     " if __name__ == \"__main__\":"),
]


def check_spawn(module_path, doing, limit=20):
    group = {"start_new_session": True} if os.name == "posix" else {}
    program = subprocess.Popen(
        [sys.executable, "-c", SPAWNED, module_path], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, **group)
    doing(f"python {os.path.basename(module_path)}, processes by spawn",
          group=program.pid if group else None)  # for Ctrl-C to end it
    out, err = spawned_output(program, limit)
    faults = [why for said, why in SPAWN_FAULTS if said in err]
    if faults:
        return False, "; ".join(faults)
    if program.returncode is None or program.returncode < 0:
        return False, f"the program did not end within {limit} s"
    ran = re.search(r"\n(\w+) (\d+)\n$", err)  # what SPAWNED wrote last
    if program.returncode or "Traceback" in err or not ran:
        last = [line for line in err.splitlines() if line.strip()][-1:]
        return False, (f"the program failed (exit status"
                       f" {program.returncode}): {''.join(last)}")
    method, started = ran.groups()
    if out.strip().split("\n")[-1:] != ["[0, 1, 4, 9]"]:
        return False, (f"the program printed {shown(out.strip())}, not"
                       " [0, 1, 4, 9]")
    if method != "spawn" or started == "0":
        return False, ("no process was started, " if started == "0" else
                       f"its processes started by {method}, ") + (
                           "and the lesson is what spawn needs: keep the"
                           " pool of processes, started by spawn")
    return True, (f"[0, 1, 4, 9] from {started} processes started by spawn:"
                  " the job found by its name, the start behind the guard")


def spawned_output(program, limit):
    """(stdout, stderr) once the program ends, or as soon as it has shown
    a fault (a pool whose children fail at their start starts more for
    ever), or after `limit` seconds."""
    deadline = time.monotonic() + limit
    while True:
        try:
            return program.communicate(timeout=0.2)
        except subprocess.TimeoutExpired as late:
            err = (late.stderr or b"").decode(errors="replace")
            if (any(said in err for said, _ in SPAWN_FAULTS)
                    or time.monotonic() > deadline):
                end_group(program)
                return program.communicate()


# -- 8. Share: the sum back in the parent, added by add() in the children


def traced_add(*args, **kwargs):
    """The learner's add, leaving its process's id in the trace: top level
    here, so that a spawned child finds it by name, and then the file's
    own add in the file it imports anew."""
    module = sys.modules.get(os.environ["EXERCISE_MODULE"]) or \
        importlib.import_module(os.environ["EXERCISE_MODULE"])
    add = getattr(module, "original_add", module.add)
    with open(os.environ["EXERCISE_TRACE"], "a") as trace:
        trace.write(f"{os.getpid()}\n")
    return add(*args, **kwargs)


def check_share(module, doing, numbers=(3, 14, 15, 92, 65, 35)):
    os.environ["EXERCISE_MODULE"] = module.__name__
    module.original_add, module.add = module.add, traced_add
    open(os.environ["EXERCISE_TRACE"], "w").close()
    doing(f"run({list(numbers)})")
    total = module.run(list(numbers))
    with open(os.environ["EXERCISE_TRACE"]) as trace:
        pids = [int(line) for line in trace]
    if not pids:
        return False, ("add never ran where the check can see it: keep add"
                       " as what each child process does")
    if os.getpid() in pids:
        return False, ("add ran in this process, not in child processes:"
                       " the lesson is getting a child's work back")
    if total != sum(numbers):
        return False, (f"run({list(numbers)}) gave {shown(total)}, not"
                       f" {sum(numbers)}: " + (
                           "each child added to its own copy of the"
                           " global" if total == 0 else "parts are missing"))
    children = len(set(pids))
    return True, (f"the sum, {sum(numbers)}, came back from {children}"
                  f" child process{'es' * (children > 1)}")


# -- 9. Deadlock: two locks, one order


def check_deadlock(module, doing, rounds=3, times=100, wait=2):
    for _ in range(rounds):
        result = []
        runner = threading.Thread(
            target=lambda: result.append(module.run(times)), daemon=True)
        doing(f"run({times})")
        runner.start()
        runner.join(wait)
        if runner.is_alive():
            return False, stuck_at(wait)
        if result != [(100, 100)]:
            return False, (f"run({times}) gave {shown(result[0])}, not (100,"
                           " 100): hold both accounts' locks for a"
                           " transfer" if result else "run() failed")
    return True, (f"{rounds} runs of {2 * times} transfers in two threads,"
                  " none stuck, no money lost")


def stuck_at(wait):
    """Where the learner's threads wait, in one line."""
    lines = sorted({frame.lineno for frames in sys._current_frames().values()
                    for frame in traceback.extract_stack(frames)
                    if in_learners_file(frame.filename)
                    and frame.name != "run"})
    return (f"run() did not return within {wait} s: its threads wait at"
            f" line {', '.join(map(str, lines))}, each for a lock another"
            " holds. Take the two locks in one order in every transfer")


CHECKS = {"faster": check_faster, "race": check_race,
          "choose": check_choose, "pool": check_pool, "stop": check_stop,
          "nogil": check_nogil, "spawn": check_spawn, "share": check_share,
          "deadlock": check_deadlock}

if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:  # the check's process is already killed
        print("check.py: interrupted", file=sys.stderr)
        sys.exit(130)
