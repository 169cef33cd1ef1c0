"""``python -m metalearn``: the same command line as the ``metalearn`` executable."""

from metalearn.cli import main

if __name__ == "__main__":
    main(prog_name="metalearn")
