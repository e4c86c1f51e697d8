"""De-identification replaces the client code and listed names in every text field."""

from __future__ import annotations

from dataclasses import asdict, replace

from gim.core.deidentify import Pseudonyms, _letters, deidentify, neutral_id, parse_names
from gim.core.program_parse import program_to_dict
from gim.export import ExportOptions, record_json
from tests.support.sample import sample_program, sample_record


def _all_text(record: object) -> str:
    return repr(asdict(record))  # type: ignore[call-overload]


def test_client_code_and_names_gone_everywhere() -> None:
    record = sample_record("AB12")
    clean = deidentify(record, ["anna", "Bob"])
    text = _all_text(clean)
    for secret in ("AB12", "Anna", "Bob"):
        assert secret.lower() not in text.lower()
    assert clean.session.client == "Client"
    assert clean.segments[2].text == "Person A's gate is open, Person B is there"
    assert clean.session.postlude_notes == "Client spoke about Person A's garden and felt calm."
    assert "Person A" in clean.session.notes


def test_original_is_untouched() -> None:
    record = sample_record("AB12")
    deidentify(record, ["Anna"])
    assert "Anna" in record.segments[2].text and record.session.client == "AB12"


def test_whole_words_only_and_case_insensitive() -> None:
    sub = Pseudonyms("Al", ("Ann", "Mary Jane")).replacer()
    assert sub("ANN and Annabel and al, Alice") == "Person A and Annabel and Client, Alice"
    assert sub("mary jane’s house") == "Person B’s house"


def test_labels_and_names() -> None:
    assert parse_names(" Anna, ,Bob ") == ("Anna", "Bob")
    assert [_letters(i) for i in (0, 25, 26)] == ["A", "Z", "AA"]
    assert Pseudonyms("C1", ("x", "X")).labels() == {"c1": "Client", "x": "Person A"}


def test_session_id_loses_the_client_slug() -> None:
    record = sample_record("Zed 9")
    record.session.id = "20261124-1530-zed-9-2"
    record.segments[0].session_id = record.session.id
    clean = deidentify(record)
    assert clean.session.id == "20261124-1530-client"
    assert clean.segments[0].session_id == "20261124-1530-client"


def test_structured_fields_are_kept_and_the_program_names_the_new_id() -> None:
    """A client code that happens to be the program's slug leaves the slug alone."""
    record = sample_record("sample")  # the sample program's slug is "sample"
    record.session.id = "20261124-1530-sample"
    record.session.program_snapshot = program_to_dict(sample_program())
    record.program = replace(
        sample_program(), origin="session 20261124-1530-sample", title="Sample for sample"
    )
    clean = deidentify(record)
    assert clean.session.program == "sample"
    assert clean.session.program_snapshot["slug"] == "sample"
    assert clean.program is not None and clean.program.slug == "sample"
    assert clean.program.title == "Client for Client"
    assert clean.program.origin == "session 20261124-1530-client"
    data = record_json.json_bytes(clean, ExportOptions()).decode()
    assert "20261124-1530-sample" not in data and '"slug": "sample"' in data


def test_an_id_of_another_shape_becomes_session() -> None:
    assert neutral_id("ab12-by-hand") == "session"
    assert neutral_id("20261124-1530-ab12-2") == "20261124-1530-client"


def test_names_with_diacritics_are_replaced_with_or_without_them() -> None:
    from gim.core.deidentify import Pseudonyms

    sub = Pseudonyms("C07", ("Søren", "José", "Jörg")).replacer()
    text = "SØREN, Soren og Søren's mor; José, Jose and Jose\u0301; Jorg; Sørensen; C07"
    assert sub(text) == (
        "Person A, Person A og Person A's mor; Person B, Person B and Person B; Person C; "
        "Sørensen; Client"
    )
    assert sub("我看见索伦") == "我看见索伦"
