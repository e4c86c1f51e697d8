"""A line cut in two by the guide in review: times from the words, or shared by letters,
and the two halves kept by later passes."""

from __future__ import annotations

import pytest

from gim.core.session import Annotation, AnnotationKind, Segment, Session, Source, Speaker, Word
from gim.core.transcript import merge_pass, split_line, token_words
from gim.store.db import Store


def line() -> Segment:
    words = [
        Word(10.0, 10.3, " I"),
        Word(10.3, 10.8, " see a"),  # one heard word holding two of the text's
        Word(11.0, 11.6, " door."),
        Word(12.5, 12.8, " What"),
        Word(12.8, 13.0, " is"),
        Word(13.0, 13.5, " there?"),
    ]
    return Segment(10.0, 13.6, "I see a door. What is there?", words=words, id=7, piece=0)


def test_a_line_is_cut_at_the_word_with_the_words_times() -> None:
    first, second, timed = split_line(line(), 4)
    assert timed
    assert (first.text, first.start, first.end) == ("I see a door.", 10.0, 11.6)
    assert (second.text, second.start, second.end) == ("What is there?", 12.5, 13.6)
    assert first.source is second.source is Source.EDITED
    assert first.id == 7 and second.id is None
    assert [w.text for w in second.words] == ["What", "is", "there?"]
    assert second.speaker is first.speaker is Speaker.CLIENT


def test_a_heard_word_holding_two_words_shares_its_time() -> None:
    timed = token_words(line())
    assert timed is not None and [w.text for w in timed[:3]] == ["I", "see", "a"]
    first, second, _ = split_line(line(), 2)
    assert first.text == "I see" and second.text == "a door. What is there?"
    assert first.end == pytest.approx(10.3 + 0.5 * 3 / 4, abs=0.001) == second.start


def test_without_word_times_the_time_is_shared_by_letters() -> None:
    edited = Segment(0.0, 10.0, "aaaa bbbb cccc dddd", words=line().words)
    first, second, timed = split_line(edited, 2)
    assert not timed
    assert first.end == second.start == pytest.approx(10 * len("aaaa bbbb") / 19, abs=0.001)
    assert first.text == "aaaa bbbb" and second.text == "cccc dddd"


def test_a_cut_that_leaves_a_side_empty_is_refused() -> None:
    for at in (0, 7):
        with pytest.raises(ValueError):
            split_line(line(), at)


def test_the_split_is_stored_and_a_later_pass_keeps_it() -> None:
    with Store.memory() as store:
        sid = store.create_session(Session(id="", client="C1", program="p", started_at="x")).id
        stored = store.add_segment(sid, replace_source(line(), Source.FINAL))
        store.add_annotation(
            sid, Annotation(10.5, AnnotationKind.TAG, tags=["a"], segment_id=stored)
        )
        store.add_annotation(sid, Annotation(12.6, AnnotationKind.COMMENT, "b", segment_id=stored))
        first, second, _ = split_line(store.segments(sid)[0], 4)
        new = store.split_segment(first, second)
        got = store.segments(sid)
        assert [(s.text, s.source, s.id) for s in got] == [
            ("I see a door.", Source.EDITED, stored),
            ("What is there?", Source.EDITED, new),
        ]
        assert [w.text for w in got[0].words] == ["I", "see", "a", "door."]
        notes = {a.text or a.tags[0]: a.segment_id for a in store.annotations(sid)}
        assert notes == {"a": stored, "b": new}
        assert [(h.kind, h.time) for h in store.search("there")] == [("segment", 12.5)]
        # a final pass heard it as one line again: the guide's split stays
        store.replace_transcript(sid, [Segment(10.0, 13.6, "I see a door what is there")])
        assert [s.text for s in store.segments(sid)] == ["I see a door.", "What is there?"]
        again = merge_pass(store.segments(sid), [Segment(20, 21, "later")])
        assert [s.text for s in again] == ["I see a door.", "What is there?", "later"]


def replace_source(segment: Segment, source: Source) -> Segment:
    from dataclasses import replace

    return replace(segment, source=source, id=None)
