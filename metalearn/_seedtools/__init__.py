"""Developer tooling that writes the files shipped with metalearn: not used at run time.

* :mod:`.build_seed`: the knowledge base's seed files (``kb/seed/``) from
  three packages on PyPI (``python scripts/build_seed.py [--check]``), one module
  per source (:mod:`.oboe`, :mod:`.lcdb`, :mod:`.autosklearn` with
  :mod:`.autosklearn_map`) over :mod:`.sources`, written by :mod:`.output`;
* :mod:`.records`: what the seed writers share (the files' columns, the
  provenance record), also used by ``scripts/grow_seed.py``;
* :mod:`.openml_fixtures`: the OpenML server responses under
  ``tests/fixtures/openml/`` (``python scripts/make_openml_fixtures.py``).

Why a private subpackage of metalearn rather than files in ``scripts/`` or a
top-level ``tools`` package: the tests import these modules by name (their
doctests and translations are tested), and only a package that ``pip install``
installs is importable wherever the tests run without editing ``sys.path``.
Shipping them costs about 70 KB of source and nothing at run time: ``import
metalearn`` never imports them. The ``scripts/`` files are thin command-line
wrappers that pass the checkout's root as the default output location.
"""
