"""Every CLI command has --help text, every option is described, and the README documents each command."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from metalearn.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


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


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_readme_documents_every_command(path, command):
    cli_section = README.split("## CLI reference", 1)[1].split("\n## ", 1)[0]
    pattern = r"`metalearn " + re.escape(" ".join(path)) + r"[` ]"
    assert re.search(pattern, cli_section), f"README's CLI reference does not document `metalearn {' '.join(path)}`"


def test_version():
    from metalearn import __version__

    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output
