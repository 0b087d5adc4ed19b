"""Turning a listening into play or skip feedback."""

from studio.gui.listening import Listening


def listen(track_seconds: float, positions: list[float]) -> Listening:
    listening = Listening(track_id=7, duration=track_seconds)
    for seconds in positions:
        listening.position(seconds)
    return listening


def test_moving_on_within_thirty_seconds_is_a_skip_with_the_seconds_heard():
    listening = listen(180.0, [0.0 + 0.5 * i for i in range(25)])  # 12 s heard
    assert listening.finish() == ("skip", 12.0)


def test_a_longer_listen_is_a_play_with_the_fraction_heard():
    listening = listen(100.0, [0.5 * i for i in range(121)])  # 60 s of 100
    assert listening.finish() == ("play", 0.6)


def test_a_short_track_heard_to_the_end_is_a_whole_play():
    listening = listen(20.0, [0.5 * i for i in range(41)])
    assert listening.ended and listening.finish() == ("play", 1.0)


def test_seeking_ahead_counts_no_listening():
    listening = listen(200.0, [0.0, 0.5, 1.0, 150.0, 150.5, 151.0])  # a jump to 150 s
    assert listening.finish() == ("skip", 2.0)  # the jump itself counts nothing


def test_pausing_then_playing_again_keeps_counting_without_the_pause():
    listening = listen(200.0, [0.5 * i for i in range(41)])  # 20 s
    listening.paused()
    for i in range(41):
        listening.position(20.0 + 0.5 * i)  # 20 s more, after the pause
    assert listening.heard == 40.0 and listening.finish() == ("play", 0.2)


def test_play_then_stop_at_once_says_nothing():
    assert listen(100.0, [0.0]).finish() is None
    assert Listening(track_id=1, duration=100.0).finish() is None
