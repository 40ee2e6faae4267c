"""``python -m local_sweeps sweep|agent|results``: the counterparts of ``wandb sweep`` and ``wandb agent``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .config import SweepConfigError
from .controller import agent, results, sweep
from .state import SweepNotFoundError, SweepStateError, folder_error


def _import_function(spec):
    """``module:attr`` -> the callable, importing the module from the working directory."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ValueError(f"--function must look like module:function, got {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    target = importlib.import_module(module_name)
    for part in attr.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f"{spec} is not callable")
    return target


def _positive_int(text):
    """argparse type for ``--count``: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of trials, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"must be at least 1, got {value} (leave --count out to run until the sweep is done)")
    return value


def main(argv=None):
    """``python -m local_sweeps sweep|agent|results ...``; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m local_sweeps",
        description="W&B sweeps offline: the counterparts of `wandb sweep` and `wandb agent`.")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("sweep", help="create a sweep from a YAML config; prints its id")
    create.add_argument("config", help="sweep config YAML file")
    create.add_argument("--seed", type=int, help="seed the search, to draw the same trials again "
                        "(default: random)")
    run = commands.add_parser("agent", help="run trials of a sweep")
    run.add_argument("sweep_id")
    run.add_argument("--function", required=True, metavar="MODULE:FUNCTION",
                     help="the training function, e.g. train_mnist:train (importable from here)")
    run.add_argument("--count", type=_positive_int, help="trials for this agent (default: until done)")
    show = commands.add_parser("results", help="print a sweep's trials")
    show.add_argument("sweep_id")
    for command in (create, run, show):
        command.add_argument("--project")
        command.add_argument("--entity")
    args = parser.parse_args(argv)
    # From a terminal nothing has chosen a W&B mode yet, and wandb.init() would stop
    # at a login prompt (or fail with no terminal). Local sweeps log offline runs;
    # an explicit WANDB_MODE=online hands the command to W&B's own sweep and agent.
    os.environ.setdefault("WANDB_MODE", "offline")
    try:
        if args.command == "sweep":
            sweep_id = sweep(args.config, entity=args.entity, project=args.project, seed=args.seed)
            print(sweep_id)
        elif args.command == "agent":
            try:
                function = _import_function(args.function)
            except (ImportError, AttributeError, ValueError) as e:
                parser.exit(2, f"error: cannot use --function {args.function}: {e}\n")
            agent(args.sweep_id, function=function, entity=args.entity, project=args.project,
                  count=args.count)
        else:
            df = results(args.sweep_id, entity=args.entity, project=args.project)
            if df.empty:
                print(f"sweep {args.sweep_id}: no trials yet")
            else:
                print(df.drop(columns=["start", "end", "error"]).to_string(index=False))
    except (SweepConfigError, SweepNotFoundError) as e:
        parser.exit(2, f"error: {e}\n")
    except SweepStateError as e:  # not a usage error: the sweep's files are damaged
        parser.exit(1, f"error: {e}\n")
    except OSError as e:  # the sweep's folder cannot be written: a full disk, permissions
        parser.exit(1, f"error: {folder_error(e)}\n")
    except ValueError as e:  # an argument the functions refuse, such as --seed -1
        parser.exit(2, f"error: {e}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
