"""``python -m metalearn.cli``: the same command line as the ``metalearn`` executable."""

from metalearn.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
