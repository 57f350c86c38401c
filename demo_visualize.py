# Assigned, not a docstring: python -OO drops docstrings, and this is --help.
__doc__ = """Three shapes drawn at the same time by three threads.

  python demo_visualize.py                   # threads: the rows interleave
  python demo_visualize.py --mode direct     # one shape after another
  python demo_visualize.py --mode processes  # processes: the same picture
  python demo_visualize.py --mode interpreters  # 3.14+: so do interpreters

Drawing a row is mostly waiting for the next one, and a waiting thread lets
the others run: three threads draw all three shapes in the time of one.
"""

import os
import sys
from functools import partial

try:  # the import is most of a start: Ctrl-C there ends as it does later
    import common
except ModuleNotFoundError:  # python -I or -P, or PYTHONSAFEPATH=1
    sys.exit(f"{os.path.basename(__file__)}: cannot import common.py beside"
             " it: run without -I, -P and PYTHONSAFEPATH")
except KeyboardInterrupt:
    sys.stderr.write("Interrupted\n")
    sys.exit(130)

# 1. The shapes: each is drawn by one worker, told its number, name, symbol.
SHAPES = [(1, "Heart", "♥"), (2, "Rhombus", "♦"), (3, "Sun", "☼")]
MODES = {way.mode: way for way in common.WAYS}  # --mode threads: Threading
LONGEST_PAUSE = 3600  # an hour between rows is no demo (far beyond: overflow)


# 2. Run one job per shape the chosen way.
def main(argv=None):
    args = parse_args(argv)
    way = MODES[args.mode]
    run = common.runner_for(way, args.start_method, common.CommandHooks())
    timing = common.time_jobs(way.name, run, shape_jobs(args.pause))
    took = f"{way.name}: three shapes in {timing.seconds:.3f} sec"
    common.say(took)  # how long drawing all three took: waiting overlapped
    if args.svg:  # when each shape drew each row, as a picture for a slide
        caption = [common.describe_python(args.start_method), f"{took} (" +
                   ", ".join(f"{n} {name}" for n, name, _ in SHAPES) + ")"]
        common.write_picture(args.svg, common.timeline_svg([timing], caption))


# 3. Shape n starts n - 1 thirds of a pause after shape 1: rows go 1, 2, 3.
def shape_jobs(pause):
    return [partial(common.shape_worker, n, name, symbol, pause=pause,
                    delay=(n - 1) * pause / 3)
            for n, name, symbol in SHAPES]


def parse_args(argv=None):
    parser = common.command_parser(prog="demo_visualize.py",
                                   description=__doc__,
                                   epilog=common.START_METHODS)
    parser.add_argument("--mode", choices=MODES, default="threads",
                        help="how to run the shapes (default: threads)")
    parser.add_argument("--pause", default=0.3, help="seconds between rows,"
                        f" at most {LONGEST_PAUSE} (default: 0.3)",
                        type=common.positive_number(float, LONGEST_PAUSE))
    common.add_start_method(parser, note=", with --mode processes")
    parser.add_argument("--svg", metavar="FILE", type=common.picture_file,
                        help="draw when each shape ran in FILE, as SVG")
    args = parser.parse_args(argv)
    common.refuse_unrunnable(parser, MODES[args.mode], args.start_method,
                             len(SHAPES))  # before any start
    return args


if __name__ == "__main__":
    common.run_command(main)
