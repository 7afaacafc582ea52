"""The Traditional Chinese (Hong Kong) catalogue is complete, compiled, and used by the pages."""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|</?\w+[^>]*>")


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header and obsolete (``#~``) entries left out."""
    entries, entry, last = [], Entry(), None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if last is not None:
                entries.append(entry)
            entry, last = Entry(), None
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(last, int):
                entry.msgstr[last] += value
            else:
                setattr(entry, last, getattr(entry, last) + value)
        else:
            keyword, value = line.split(" ", 1)
            value = ast.literal_eval(value)
            if keyword.startswith("msgstr"):
                last = int(keyword[7:-1]) if "[" in keyword else 0
                entry.msgstr[last] = value
            else:
                last = keyword
                setattr(entry, keyword, value)
    return [entry for entry in entries if entry.msgid]


def test_every_entry_is_translated_and_none_is_fuzzy():
    # given the catalogue as makemessages leaves it after the translators' pass
    entries = parse_po(CATALOGUE)
    assert len(entries) > 900

    # then every entry has a translation (every plural form too) and none is marked fuzzy
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []
    assert [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())] == []
    # and the file declares the one plural form of Chinese
    assert "Plural-Forms: nplurals=1; plural=0;" in CATALOGUE.read_text(encoding="utf-8")


def test_translations_keep_the_placeholders_and_tags():
    for entry in parse_po(CATALOGUE):
        expected = sorted(set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or ""))))
        for msgstr in entry.msgstr.values():
            assert sorted(set(PLACEHOLDER.findall(msgstr))) == expected, entry.msgid


def _lookup(catalogue: gettext.GNUTranslations, entry: Entry) -> str:
    if entry.msgctxt is None:
        if entry.msgid_plural is None:
            return catalogue.gettext(entry.msgid)
        return catalogue.ngettext(entry.msgid, entry.msgid_plural, 1)
    if entry.msgid_plural is None:
        return catalogue.pgettext(entry.msgctxt, entry.msgid)
    return catalogue.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)


def test_the_committed_mo_matches_the_po():
    """The .mo is committed (nothing compiles messages at deploy time): it must not lag behind the .po."""
    with COMPILED.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = []
    for entry in parse_po(CATALOGUE):
        found = _lookup(catalogue, entry)
        if found != entry.msgstr[0]:
            stale.append(entry.msgid)
    assert stale == [], "run `manage.py compilemessages` and commit the .mo"


@pytest.fixture
def _restore_language():
    """A request leaves its language active in the test's thread: give the next tests back the default."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.django_db
@pytest.mark.usefixtures("_restore_language")
def test_pages_render_in_traditional_chinese(client, manager, customer):
    # given an account manager who chose Traditional Chinese
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"

    # when they open the home page and the customer list
    home = client.get("/")
    customers = client.get("/customers/")

    # then both are in Chinese, with Hong Kong wording
    assert home.status_code == 200
    assert '<html lang="zh-hant">' in home.text
    assert "我的客戶名冊" in home.text
    assert "Customers I can see" not in home.text
    assert customers.status_code == 200
    assert "1 位客戶" in customers.text
    assert "所屬店舖" in customers.text
    assert "Chan Tai Man" in customers.text


@pytest.mark.django_db
def test_a_zh_hant_request_does_not_leak_into_the_next_test():
    # the fixture of the test above put the default language back
    assert translation.get_language() == settings.LANGUAGE_CODE
    assert translation.gettext("Customers") == "Customers"


@pytest.mark.django_db
def test_pages_stay_in_english_by_default(client, manager):
    client.force_login(manager)
    response = client.get("/")
    assert "My client book" in response.text
    assert "我的客戶名冊" not in response.text
