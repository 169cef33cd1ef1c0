"""metalearn's OpenML qualities against the OpenML server's own values.

Data and server qualities come from the OpenML fixtures inside scikit-learn's
wheel; every quality the server reports is compared, except OpenML's Weka
landmarkers, which are listed as not reproducible.
"""

import math

import pytest

from metalearn.metafeatures import characterize
from metalearn.metafeatures.fidelity import RTOL, WEKA_LANDMARKER, deviation, load_fixtures

FIXTURES = load_fixtures()
REQUIRED = {3, 61, 62, 561, 40675, 40945, 42585}


def test_the_fixtures_the_issue_names_are_all_usable():
    assert REQUIRED <= {f.openml_id for f in FIXTURES}


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f"{f.openml_id}-{f.name}")
def test_every_non_landmarker_quality_matches_the_server(fixture):
    mf = characterize(fixture.X, fixture.y, groups="openml")
    compared = 0
    for name, server in fixture.qualities.items():
        if WEKA_LANDMARKER.match(name):
            continue
        assert name in mf, f"{name} not computed"
        assert deviation(mf[name], server) <= RTOL, f"{name}: ours {mf[name]!r}, server {server!r}"
        compared += 1
    assert compared >= 19


def test_at_least_55_qualities_reproduced_on_all_datasets():
    """A quality counts when it matches on every dataset whose server values include it."""
    results = [(f, characterize(f.X, f.y, groups="openml")) for f in FIXTURES]
    names = set().union(*(f.qualities for f in FIXTURES))
    reproduced = {
        n
        for n in names
        if all(n in mf and deviation(mf[n], f.qualities[n]) <= RTOL for f, mf in results if n in f.qualities)
    }
    assert len(reproduced) >= 55
    # each counted quality has a defined (non-NaN) server value on at least one dataset
    assert all(any(not math.isnan(f.qualities.get(n, math.nan)) for f in FIXTURES) for n in reproduced)


def test_titanic_missing_nominal_value_counts_as_first_declared_value():
    titanic = next(f for f in FIXTURES if f.name == "Titanic")
    assert titanic.X["embarked"].isna().sum() == 2
    mf = characterize(titanic.X, titanic.y, groups=["info-theory"])
    # with the missing values dropped or kept as their own level the value differs
    assert mf["MaxAttributeEntropy"] == pytest.approx(titanic.qualities["MaxAttributeEntropy"], rel=1e-12)
