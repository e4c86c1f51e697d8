"""Export from the review screen: the dialog, the thread worker, real files that parse back."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Select

from gim.ui.dialogs.export import ExportDialog
from gim.ui.screens.review import ReviewScreen
from gim.ui.widgets.session_tasks import SessionTasks


@pytest.fixture
def exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The guide's home folder is tmp: exports go to its ``gim-exports``."""
    (tmp_path / "guide").mkdir()  # a guide's home folder exists; gim-exports is made
    monkeypatch.setenv("HOME", str(tmp_path / "guide"))
    return tmp_path / "guide" / "gim-exports"


async def export(app: Any, *keys: str, what: str | None = None) -> list[Path]:
    """Open the export dialog in review, press ``keys`` there, export, wait for the files."""
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        if what is not None:
            dialog.query_one("#export-what", Select).value = what
            await pilot.pause()
        await pilot.press(*keys, "ctrl+s")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        return list(screen.query_one(SessionTasks).exported)


async def test_markdown_export_writes_the_transcript_to_the_exports_folder(
    make_app: Any, exports: Path
) -> None:
    written = await export(make_app(lambda app: ReviewScreen("s-sample")))
    assert written == [exports / "s-sample.md"]
    text = written[0].read_text(encoding="utf-8")
    assert "Bach, Air on the G String" in text and "I see a garden" in text
    assert "AB12" in text  # not de-identified unless asked


async def test_a_second_export_takes_a_free_name_and_replaces_nothing(
    make_app: Any, exports: Path
) -> None:
    exports.mkdir(parents=True)
    (exports / "s-sample.md").write_text("the guide's own file")
    written = await export(make_app(lambda app: ReviewScreen("s-sample")))
    assert written == [exports / "s-sample-2.md"]
    assert (exports / "s-sample.md").read_text() == "the guide's own file"
    assert oct(written[0].stat().st_mode & 0o777) == "0o600"


async def test_deidentified_export_names_neither_the_client_nor_listed_names(
    make_app: Any, exports: Path
) -> None:
    # tab to the de-identify box, tick it, tab to the names, list one
    written = await export(
        make_app(lambda app: ReviewScreen("s-sample")), "tab", "space", "tab", *"Anna"
    )
    assert written == [exports / "session-deidentified.md"]
    text = written[0].read_text(encoding="utf-8")
    assert "I see a garden" in text
    assert "AB12" not in text and "Anna" not in text
    assert "Client" in text and "Person A" in text


async def test_supervision_packet_is_deidentified_by_default(make_app: Any, exports: Path) -> None:
    written = await export(make_app(lambda app: ReviewScreen("s-sample")), what="packet")
    assert written == [exports / "session-supervision.zip"]
    with zipfile.ZipFile(written[0]) as archive:
        names = archive.namelist()
        text = b"".join(archive.read(n) for n in names).decode("utf-8")
    assert {"transcript.md", "program.md", "session-note.md", "README.txt"} <= set(names)
    assert not any(n.startswith("excerpts/") for n in names)
    assert "AB12" not in text and "I see a garden" in text


async def test_client_copy_leaves_out_the_guides_comments(
    make_app: Any, exports: Path, store: Any
) -> None:
    from gim.core.session import AnnotationKind

    comments = [a.text for a in store.annotations("s-sample") if a.kind is AnnotationKind.COMMENT]
    assert comments
    written = await export(make_app(lambda app: ReviewScreen("s-sample")), what="client-copy")
    folder = exports / "s-sample-client-copy"
    assert sorted(written) == [folder / "transcript.html", folder / "transcript.md"]
    text = (folder / "transcript.md").read_text(encoding="utf-8")
    assert "I see a garden" in text
    assert not any(c in text for c in comments)


async def test_escape_closes_the_dialog_without_writing(make_app: Any, exports: Path) -> None:
    app = make_app(lambda app: ReviewScreen("s-sample"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, ReviewScreen)
    assert not exports.exists()


async def test_the_dialog_remembers_the_folder_and_format(
    make_app: Any, exports: Path, tmp_path: Path, settings: Any
) -> None:
    import stat

    from textual.widgets import Input

    elsewhere = tmp_path / "for-supervision"
    app = make_app(lambda app: ReviewScreen("s-sample"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#export-what", Select).value = "html"
        dialog.query_one("#export-folder", Input).value = str(elsewhere)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (elsewhere / "s-sample.html").is_file()
        await pilot.press("x")
        await pilot.pause()
        again = app.screen
        assert isinstance(again, ExportDialog)
        assert again.query_one("#export-what", Select).value == "html"
        assert again.query_one("#export-folder", Input).value == str(elsewhere)
    kept = settings.home / "last-export.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


async def test_checkboxes_show_their_state_without_colour(make_app: Any, exports: Path) -> None:
    app = make_app(lambda app: ReviewScreen("s-sample"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        box = app.screen.query_one("#export-deidentify")
        assert "✓" not in str(box.render())
        await pilot.press("tab", "space")
        await pilot.pause()
        assert box.value and "✓" in str(box.render())  # type: ignore[attr-defined]


async def test_a_refi_qda_project_from_the_dialog(make_app: Any, exports: Path) -> None:
    written = await export(make_app(lambda app: ReviewScreen("s-sample")), what="qdpx")
    assert written == [exports / "s-sample.qdpx"]
    with zipfile.ZipFile(written[0]) as archive:
        assert "project.qde" in archive.namelist()
        assert any(n.startswith("sources/") and n.endswith(".txt") for n in archive.namelist())
