import os

from studio.core.environment import environment


def test_variables_are_set_in_the_block_and_restored_or_unset_after(monkeypatch):
    monkeypatch.setenv("MOTIF_TEST_KEPT", "before")
    monkeypatch.delenv("MOTIF_TEST_NEW", raising=False)
    with environment({"MOTIF_TEST_KEPT": "inside", "MOTIF_TEST_NEW": "1"}):
        assert os.environ["MOTIF_TEST_KEPT"] == "inside" and os.environ["MOTIF_TEST_NEW"] == "1"
    assert os.environ["MOTIF_TEST_KEPT"] == "before" and "MOTIF_TEST_NEW" not in os.environ
