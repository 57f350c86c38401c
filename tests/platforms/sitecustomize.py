"""Another platform, simulated on Linux for tests: with this folder on PYTHONPATH and PLATFORM_LIKE
set, every Python that starts (a demo, and each child it spawns) lacks what that platform lacks.

PLATFORM_LIKE=macos: no /proc and no /dev/fd; processes start by spawn unless asked otherwise.
PLATFORM_LIKE=windows: that, and no os.fork, no POSIX-only signals or signal calls, no fcntl,
resource or termios; spawn is the only start method. What it cannot make is Windows itself: a
console's Ctrl-C (CTRL_C_EVENT), its own signal delivery, its paths."""

import builtins
import os
import signal
import sys

LIKE = os.environ.get("PLATFORM_LIKE")


def hidden(path):
    return str(path).startswith(("/proc", "/dev/fd"))


def refusing(function):
    def refused(path, *args, **kwargs):
        if hidden(path if not isinstance(path, int) else ""):
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return function(path, *args, **kwargs)

    return refused


if LIKE in ("macos", "windows"):  # neither has /proc
    builtins.open, os.open, os.listdir, os.stat, os.scandir = map(
        refusing, (builtins.open, os.open, os.listdir, os.stat, os.scandir)
    )
    os.path.isdir = lambda path, isdir=os.path.isdir: not hidden(path) and isdir(path)
    os.path.exists = lambda path, exists=os.path.exists: not hidden(path) and exists(path)

if LIKE == "windows":
    for name in ("fork", "forkpty", "register_at_fork", "getpgid", "killpg", "setsid"):
        if hasattr(os, name):
            delattr(os, name)
    # SIGKILL stays: the POSIX multiprocessing that runs here kills with it (Windows terminates)
    for name in ("setitimer", "getitimer", "pthread_sigmask", "pthread_kill", "sigwait", "alarm",
                 "pause", "siginterrupt", "ITIMER_REAL", "SIGHUP", "SIGQUIT", "SIGALRM",
                 "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGUSR1", "SIGUSR2"):
        if hasattr(signal, name):
            delattr(signal, name)
    for name in ("fcntl", "resource", "termios"):
        sys.modules[name] = None  # import raises ImportError, as on Windows

if LIKE in ("macos", "windows"):
    import multiprocessing
    import multiprocessing.context as context

    spawn = context._concrete_contexts["spawn"]
    context._default_context._default_context = spawn  # the default there
    if LIKE == "windows":
        context._concrete_contexts = {"spawn": spawn}
        multiprocessing.get_all_start_methods = lambda: ["spawn"]
