"""Models a guide manages: what a path holds, registrations, resolution, languages."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pytest

from gim.core.languages import check_language
from gim.errors import InputError
from gim.transcribe.base_model import base_parts
from gim.transcribe.catalog import list_models
from gim.transcribe.filters import flag_reason, words_of
from gim.transcribe.inspect import inspect_model
from gim.transcribe.models import (
    bundled_model_path,
    check_model_language,
    is_multilingual,
    resolve_model,
)
from gim.transcribe.registry import Registered, Registry


def test_the_bundled_folder_is_an_english_ctranslate2_model() -> None:
    info = inspect_model(bundled_model_path())
    assert (info.kind, info.multilingual, info.engine) == ("ctranslate2", False, "faster-whisper")
    assert info.size > 30_000_000


def test_a_folder_that_is_not_a_model_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"\x06\x00\x00\x00\x05\x00Bert\x00" + bytes(64))
    with pytest.raises(InputError) as caught:
        inspect_model(tmp_path)
    assert "is not a Whisper model" in caught.value.message
    assert "\n" not in caught.value.message
    with pytest.raises(InputError, match=r"no model\.bin"):
        inspect_model(tmp_path / "..")
    with pytest.raises(InputError, match="not a PyTorch checkpoint"):
        inspect_model(tmp_path / "model.bin")


def test_an_openai_checkpoint_is_read_without_loading_it(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "small.pt"
    state = OrderedDict(w=torch.zeros(3))
    torch.save({"dims": {"n_vocab": 51865, "n_mels": 80}, "model_state_dict": state}, path)
    info = inspect_model(path)
    assert (info.kind, info.multilingual, info.engine) == ("openai-whisper", True, "openai-whisper")
    torch.save({"model_state_dict": state}, path)
    with pytest.raises(InputError, match="without Whisper's dims"):
        inspect_model(path)


def test_registered_names_resolve_and_are_forgotten(tmp_path: Path) -> None:
    folder = bundled_model_path()
    registry = Registry(tmp_path)
    registry.add(Registered("mine", str(folder), "ctranslate2", False, 1))
    assert resolve_model("mine", tmp_path) == (str(folder), True)
    assert (tmp_path / "models.json").stat().st_mode & 0o777 == 0o600
    assert [e.name for e in list_models(tmp_path)][-1] == "mine"
    registry.remove("mine")
    with pytest.raises(InputError, match="gim models list"):
        resolve_model("mine", tmp_path)


def test_tiny_en_is_the_bundled_model_and_english_only(tmp_path: Path) -> None:
    assert resolve_model("tiny.en", tmp_path) == (str(bundled_model_path()), True)
    assert is_multilingual("bundled", tmp_path) is False
    check_model_language("bundled", "en", tmp_path)
    with pytest.raises(InputError) as caught:
        check_model_language("bundled", "da", tmp_path)
    assert "English only" in caught.value.message
    assert "Danish" in caught.value.message
    assert "gim models" in caught.value.message


def test_base_comes_from_the_extra_joined_and_checked(tmp_path: Path) -> None:
    parts = base_parts()
    assert parts is not None, "make setup-dev installs gim[base]"
    folder, local = resolve_model("base", tmp_path)
    assert local
    model = Path(folder) / "model.bin"
    assert model.stat().st_size == sum(p.stat().st_size for p in parts.parts)
    info = inspect_model(Path(folder))
    assert info.multilingual
    assert Path(folder).is_relative_to(tmp_path / "cache" / "models")
    check_model_language("base", "fr", tmp_path)
    names = {e.name: e for e in list_models(tmp_path)}
    assert names["base"].multilingual and not names["tiny.en"].multilingual
    assert "fr" in names["base"].to_dict()["languages"]


def test_languages_are_iso_codes_whisper_knows() -> None:
    assert check_language(" DA ") == "da"
    with pytest.raises(InputError, match="Unknown language 'dk'"):
        check_language("dk")


@pytest.mark.parametrize(
    "line",
    [
        "Sous-titres réalisés par la communauté d'Amara.org",
        "Merci d'avoir regardé cette vidéo !",
        "Je vous invite vous à la fin de votre vidéo.",
        "Undertekster af Nicolai Winther",
        "Tak fordi du så med.",
        "Untertitel im Auftrag des ZDF, 2021",
        "Vielen Dank fürs Zuschauen!",
        "Subtítulos realizados por la comunidad de Amara.org",
        "Sottotitoli creati dalla comunità Amara.org",
        "Ondertiteling door de Amara.org gemeenschap",
        "Tack för att du tittade!",
        "Takk for at du så på!",
        "Thanks for watching!",
    ],
)
def test_each_languages_stock_phrases_are_flagged(line: str) -> None:
    assert flag_reason(line).startswith("a phrase Whisper invents")


def test_words_in_any_script_are_words() -> None:
    assert words_of("Jeg føler mig tung, Søren.") == ["jeg", "føler", "mig", "tung", "søren"]
    assert flag_reason("Je vois une lumière dans la forêt.") == ""
    assert flag_reason("我看见一片森林") == ""


def test_the_live_model_must_know_the_language_too(tmp_path: Path) -> None:
    from gim.config import Settings
    from gim.runner.language import session_language
    from gim.store.db import Store

    with Store.memory() as store:
        both = Settings(home=tmp_path, model="base")
        assert session_language(store, "C1", "fr", both) == "fr"
        assert session_language(store, "C1", None, both) == "fr"  # the client's now
        small_live = Settings(home=tmp_path, model="base", live_model="bundled")
        with pytest.raises(InputError, match=r"tiny\.en transcribes English only"):
            session_language(store, "C1", None, small_live)
        assert session_language(store, "C2", None, small_live) == "en"
