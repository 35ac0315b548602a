"""Chinese is the source language; the English catalogue must be complete and compiled."""

import re
from pathlib import Path

import polib
from django.conf import settings

PO = Path(settings.BASE_DIR) / "hebi" / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def test_the_english_catalogue_is_complete():
    catalogue = polib.pofile(str(PO))
    assert len(catalogue) > 100
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


def test_translations_keep_their_placeholders():
    for entry in polib.pofile(str(PO)):
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            assert sorted(PLACEHOLDER.findall(text)) == expected, entry.msgid


def test_the_compiled_catalogue_matches_the_source():
    source = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.pofile(str(PO)) if e.translated()
    }
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(MO))}
    compiled.pop((None, ""), None)
    assert compiled == source, "run `make messages` to recompile hebi/locale"


def test_every_template_string_is_in_the_catalogue():
    """A string added to a template but not to the catalogue would silently stay Chinese in English."""
    catalogue = {e.msgid for e in polib.pofile(str(PO))}
    pattern = re.compile(r'{%\s*translate\s+"([^"]+)"')
    missing = []
    for template in Path(settings.BASE_DIR, "hebi").rglob("*.html"):
        for msgid in pattern.findall(template.read_text(encoding="utf-8")):
            if msgid not in catalogue:
                missing.append(f"{template.name}: {msgid}")
    assert missing == []
