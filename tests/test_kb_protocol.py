"""The KBReader protocol matches what KnowledgeBase offers (names and signatures)."""

import inspect

from metalearn.kb import KBReader, KnowledgeBase

MEMBERS = [name for name in vars(KBReader) if not name.startswith("_") and name not in ("path",)]


def test_protocol_lists_what_the_recommender_reads():
    assert set(MEMBERS) >= {"change_token", "stats", "datasets_frame", "meta_features_frame", "runs_frame",
                            "run_scores", "configurations", "derived", "store_derived"}


def test_every_protocol_method_has_the_same_signature_on_knowledgebase():
    for name in MEMBERS:
        ours = inspect.signature(getattr(KnowledgeBase, name))
        theirs = inspect.signature(getattr(KBReader, name))
        assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
            (p.name, p.kind, p.default) for p in theirs.parameters.values()
        ], name
        assert getattr(KBReader, name).__doc__, f"KBReader.{name} has no contract"
    assert isinstance(KnowledgeBase.path, property)


def test_an_open_kb_is_a_kbreader_and_an_unrelated_object_is_not(tmp_path):
    with KnowledgeBase.open(tmp_path / "kb.sqlite", create="empty") as kb:
        assert isinstance(kb, KBReader)
    assert not isinstance(object(), KBReader)
