"""Every CLI command has --help text (ending with examples), every option is described, and docs/cli.md,
the CLI reference generated from --help, documents each command and is in sync with it.

Regenerate the reference after changing a command: ``python tests/test_cli_docs.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from metalearn.cli import main

ROOT = Path(__file__).resolve().parents[1]
CLI_DOC = ROOT / "docs" / "cli.md"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        path = prefix + (name,)
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


COMMANDS = list(_commands(main))


def test_there_are_commands():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"characterize", "recommend", "search", "kb", "inspect"} <= names


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_and_documented_options(path, command):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert (command.help or "").strip(), f"metalearn {' '.join(path)} has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert (param.help or "").strip(), f"option {param.opts} of metalearn {' '.join(path)} has no help"


def _help(path) -> str:
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="metalearn", terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output.rstrip() + "\n"


def render_cli_reference() -> str:
    """docs/cli.md: an intro, then each command's --help as printed at 100 columns."""
    parts = [
        "# CLI reference\n",
        "Generated from `--help` by `python tests/test_cli_docs.py`; `tests/test_cli_docs.py` fails when it is out of sync.",
        "DATA is a CSV/TSV, Parquet or ARFF file, or `openml:<id>`. Bad input prints one `Error: ...` line naming the file,",
        "column, parameter or value and the fix, and exits with code 2 (see [reliability.md](reliability.md)).\n",
    ]
    for path in [()] + [p for p, _ in COMMANDS]:
        title = " ".join(("metalearn",) + path)
        parts.append(f"## `{title}`\n\n```text\n{_help(path)}```\n")
    return "\n".join(parts)


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_cli_reference_documents_every_command(path, command):
    doc = CLI_DOC.read_text(encoding="utf-8")
    assert f"## `metalearn {' '.join(path)}`" in doc, f"docs/cli.md does not document `metalearn {' '.join(path)}`"


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_help_ends_with_examples(path, command):
    text = _help(path)
    assert "Examples:" in text and "metalearn " in text.split("Examples:", 1)[1], (
        f"metalearn {' '.join(path)} --help shows no example")


def test_cli_reference_is_in_sync_with_help():
    assert CLI_DOC.read_text(encoding="utf-8") == render_cli_reference(), (
        "docs/cli.md is out of date: run python tests/test_cli_docs.py")


def test_readme_links_the_docs():
    for name in ("docs/cli.md", "docs/guide.md", "docs/api.md", "docs/reliability.md"):
        assert name in README and (ROOT / name).is_file(), name


def test_version():
    from metalearn import __version__

    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


if __name__ == "__main__":
    CLI_DOC.write_text(render_cli_reference(), encoding="utf-8")
    print(f"wrote {CLI_DOC}")
