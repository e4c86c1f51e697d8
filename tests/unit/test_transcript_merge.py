"""The rule for merging a new transcription pass: edits survive, everything else is replaced."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gim.core.session import Segment, Source, Word
from gim.core.transcript import merge_pass, overlaps


def line(start: float, end: float, text: str = "x", source: Source = Source.LIVE) -> Segment:
    return Segment(start=start, end=end, text=text, source=source)


def test_final_pass_replaces_live_lines_and_keeps_edits() -> None:
    existing = [
        line(0, 2, "live one"),
        line(3, 5, "my corrected line", Source.EDITED),
        line(6, 8, "old final", Source.FINAL),
    ]
    new = [line(0.1, 2.2, "final one"), line(3.5, 4.5, "final two"), line(6, 8, "final three")]
    merged = merge_pass(existing, new)
    assert [s.text for s in merged] == ["final one", "my corrected line", "final three"]
    assert [s.source for s in merged] == [Source.FINAL, Source.EDITED, Source.FINAL]


def test_new_lines_are_copies_without_ids() -> None:
    new = [Segment(0, 1, "hello", id=7, words=[Word(0, 1, "hello")])]
    merged = merge_pass([], new)
    assert merged[0].id is None and merged[0].source is Source.FINAL
    assert merged[0].words == new[0].words and merged[0].words is not new[0].words
    assert new[0].id == 7 and new[0].source is Source.LIVE


def test_touching_lines_do_not_overlap() -> None:
    edited = line(2, 4, "edit", Source.EDITED)
    merged = merge_pass([edited], [line(0, 2, "before"), line(4, 6, "after")])
    assert [s.text for s in merged] == ["before", "edit", "after"]


def test_instant_lines() -> None:
    assert overlaps(line(3, 3), line(2, 4))
    assert overlaps(line(2, 2), line(2, 4))
    assert not overlaps(line(4, 4), line(2, 4))
    assert overlaps(line(5, 5), line(5, 5))
    assert not overlaps(line(1, 1), line(2, 2))


def test_a_live_pass_can_also_be_merged() -> None:
    merged = merge_pass([line(0, 1, "old")], [line(0, 1, "new")], Source.LIVE)
    assert [(s.text, s.source) for s in merged] == [("new", Source.LIVE)]


times = st.floats(min_value=0, max_value=100, allow_nan=False)


@st.composite
def lines(draw: st.DrawFn, sources: list[Source]) -> Segment:
    start = draw(times)
    length = draw(st.floats(min_value=0, max_value=10, allow_nan=False))
    return line(start, start + length, draw(st.text(max_size=5)), draw(st.sampled_from(sources)))


existing_lines = st.lists(lines(list(Source)), max_size=12)
new_lines = st.lists(lines([Source.LIVE, Source.FINAL]), max_size=12)


@given(existing_lines, new_lines)
def test_every_edit_survives_unchanged(existing: list[Segment], new: list[Segment]) -> None:
    merged = merge_pass(existing, new)
    edited = [s for s in existing if s.source is Source.EDITED]
    assert [s for s in merged if s.source is Source.EDITED] == sorted(
        edited, key=lambda s: (s.start, s.end)
    )
    assert all(any(m is e for m in merged) for e in edited)


@given(existing_lines, new_lines)
def test_no_new_line_overlaps_an_edit(existing: list[Segment], new: list[Segment]) -> None:
    merged = merge_pass(existing, new)
    edited = [s for s in merged if s.source is Source.EDITED]
    fresh = [s for s in merged if s.source is not Source.EDITED]
    assert all(not overlaps(f, e) for f in fresh for e in edited)


@given(existing_lines, new_lines)
def test_old_unedited_lines_are_gone_and_free_new_lines_kept(
    existing: list[Segment], new: list[Segment]
) -> None:
    merged = merge_pass(existing, new)
    assert not any(m is s for m in merged for s in existing if s.source is not Source.EDITED)
    edited = [s for s in existing if s.source is Source.EDITED]
    expected = [s for s in new if not any(overlaps(s, e) for e in edited)]
    fresh = [s for s in merged if s.source is Source.FINAL]
    assert len(fresh) == len(expected)
    assert sorted((s.start, s.end, s.text) for s in fresh) == sorted(
        (s.start, s.end, s.text) for s in expected
    )


@given(existing_lines, new_lines)
def test_merged_transcript_is_in_time_order(existing: list[Segment], new: list[Segment]) -> None:
    merged = merge_pass(existing, new)
    assert [s.start for s in merged] == sorted(s.start for s in merged)


@given(existing_lines)
def test_merging_a_pass_twice_is_the_same_as_once(existing: list[Segment]) -> None:
    new = [line(i * 3.0, i * 3.0 + 2, f"n{i}") for i in range(10)]
    once = merge_pass(existing, new)
    twice = merge_pass(once, new)
    assert [(s.start, s.end, s.text, s.source) for s in twice] == [
        (s.start, s.end, s.text, s.source) for s in once
    ]


@given(lines(list(Source)), lines(list(Source)))
def test_overlap_is_symmetric(a: Segment, b: Segment) -> None:
    assert overlaps(a, b) == overlaps(b, a)
