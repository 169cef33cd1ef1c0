"""The ``metalearn`` command line: thin click commands over the library.

Every command is a few lines: parse options, call one library function,
print its result. A :class:`~metalearn.exceptions.MetaLearnError` becomes a
one-line ``Error: ...`` on stderr and exit code 2, never a traceback
(:class:`~metalearn.cli._common.MetaLearnGroup`, the one place errors pass through).

One module per command group: ``dataset`` (inspect, characterize), ``recommend``, ``search``,
``model`` (predict, export), ``algorithms``, ``kb`` (the kb group) and ``build`` (kb build);
``_common`` holds what they share. Each module imports only click and metalearn's light
modules at import time, so ``metalearn --help`` starts fast.
"""

from __future__ import annotations

import click

from metalearn._version import __version__
from metalearn.cli import algorithms, build, dataset, kb, model, recommend, search
from metalearn.cli._common import EXIT_USAGE, MetaLearnGroup, check_output_path, error_line

__all__ = ["EXIT_USAGE", "MetaLearnGroup", "check_output_path", "error_line", "main"]


@click.group(cls=MetaLearnGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="metalearn")
def main() -> None:
    """metalearn: meta-learning recommendations for tabular machine learning.

    DATA arguments take a CSV/TSV, Parquet or ARFF file, or openml:<dataset id>.

    \b
    Examples:
      metalearn recommend data/examples/kr-vs-kp.csv --target class
      metalearn search data/examples/kr-vs-kp.csv --target class --trials 10
    """


for _command in (dataset.inspect, dataset.characterize, recommend.recommend, search.search, model.predict,
                 model.export_model, algorithms.algorithms, kb.kb):
    main.add_command(_command)
kb.kb.add_command(build.build)
del _command
