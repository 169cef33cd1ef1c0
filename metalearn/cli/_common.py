"""What every ``metalearn`` command shares: the one-line error handling, the common options,
loading DATA with its warnings, and printing JSON."""

from __future__ import annotations

import json
import sys

import click

from metalearn.exceptions import MetaLearnError

EXIT_USAGE = 2


def os_error_line(exc: OSError) -> str:
    """One line for an OSError: what failed, on which path, and the fix."""
    path = exc.filename if exc.filename is not None else ""
    reason = exc.strerror or str(exc)
    where = f" {str(path)!r}" if path else ""
    if isinstance(exc, FileNotFoundError):
        return f"cannot open{where}: {reason}; check the path"
    if isinstance(exc, PermissionError):
        return f"permission denied on{where}: {reason}; choose a path you can read/write"
    if isinstance(exc, IsADirectoryError):
        return f"{where.strip() or 'path'} is a directory; give a file name"
    return f"I/O error on{where}: {reason}; check the path and the free disk space"


def error_line(exc: BaseException) -> str | None:
    """The one-line message the CLI prints for ``exc``, or None if it is not an expected error.

    MetaLearnError carries its own fix; OSError, SQLite and JSON errors from underneath are
    translated here, the one place every command's errors pass through.
    """
    import sqlite3

    if isinstance(exc, MetaLearnError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); fix or regenerate the file"
    if isinstance(exc, OSError):
        return os_error_line(exc)
    if isinstance(exc, sqlite3.Error):
        return (f"SQLite error ({type(exc).__name__}: {exc}); the KB may be in use or damaged: "
                f"run metalearn kb check, or pass another --kb")
    return None


class MetaLearnGroup(click.Group):
    """A click group that reports errors as one ``Error: ...`` line: exit 2, never a traceback.

    MetaLearnError, OSError, sqlite3.Error and JSON errors are expected (bad input, the fix
    is named); anything else is a bug, reported as one line with exit 1 (set METALEARN_DEBUG=1
    for the traceback).
    """

    def invoke(self, ctx: click.Context):
        import os

        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:  # e.g. `metalearn algorithms | head`: the reader left, say nothing
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - the one place errors become one line
            line = error_line(exc)
            if os.environ.get("METALEARN_DEBUG"):
                raise
            if line is None:
                click.echo(f"Error: internal error ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                           f"please report it (METALEARN_DEBUG=1 shows the traceback)", err=True)
                sys.exit(1)
            click.echo(f"Error: {line}", err=True)
            sys.exit(EXIT_USAGE)


def check_output_path(path, what: str):
    """Check before any work that ``what`` (e.g. "the model") can be written at ``path``."""
    from metalearn.paths import check_writable

    return check_writable(path, what=what)


def echo_json(obj) -> None:
    click.echo(json.dumps(obj, indent=2, sort_keys=False, default=str))


kb_option = click.option(
    "--kb",
    "kb_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Knowledge base file. Default: $METALEARN_KB, else the per-user data directory "
    "(created from the bundled seed on first use).",
)
target_option = click.option(
    "--target", "-t", default=None, help="Target column. Default: the OpenML default target, else the last column."
)
task_option = click.option(
    "--task",
    type=click.Choice(["binary", "multiclass", "regression"]),
    default=None,
    help="Override the task inferred from the target.",
)


def load(data: str, target: str | None, task: str | None, encoding: str = "utf-8"):
    """Load DATA and print its warnings to stderr (shared by the commands)."""
    from metalearn.data import load_dataset

    dataset = load_dataset(data, target=target, task=task, encoding=encoding)
    for line in dataset.warnings:
        click.echo(f"Warning: {line}", err=True)
    return dataset


encoding_option = click.option(
    "--encoding", default="utf-8", show_default=True, help="Text encoding of CSV/ARFF files (e.g. latin-1)."
)
