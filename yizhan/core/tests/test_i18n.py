"""English for every one of our strings, and the console's language switch.

Source strings are Simplified Chinese; locale/en/LC_MESSAGES/django.po carries the
English. Compiled catalogues (.mo) are build output and never committed, so the module
compiles them first when they are missing or older than the .po (a fresh clone).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils.translation import trans_real

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
CHANGELIST_ZH = "/console/stations/station/"
CHANGELIST_EN = "/en/console/stations/station/"


@dataclass(frozen=True)
class Entry:
    line: int
    context: str | None
    msgid: str
    msgstrs: tuple[str, ...]
    flags: frozenset[str]


def _unquote(text: str) -> str:
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text)


def po_entries(path: Path) -> list[Entry]:
    """The live entries of a .po file (header and obsolete ``#~`` entries left out).

    Enough of the format for our own file: flags, msgctxt, msgid, msgid_plural, msgstr,
    msgstr[n], each possibly continued on following quoted lines.
    """
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    flags: set[str] = set()
    start = 0
    current: str | None = None

    def flush() -> None:
        if "msgid" in fields and fields["msgid"]:
            msgstrs = tuple(v for k, v in sorted(fields.items()) if k.startswith("msgstr"))
            entries.append(
                Entry(start, fields.get("msgctxt"), fields["msgid"], msgstrs, frozenset(flags))
            )
        fields.clear()
        flags.clear()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        keyword = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+\"(.*)\"$", line)
        if keyword:
            if keyword[1] in ("msgctxt", "msgid") and "msgid" in fields and current != "msgctxt":
                flush()
            if not fields:
                start = number
            current = keyword[1]
            fields[current] = _unquote(keyword[2])
        elif line.startswith('"') and current:
            fields[current] += _unquote(line[1:-1])
        elif line.startswith("#,"):
            flush()
            flags.update(flag.strip() for flag in line[2:].split(","))
            current = None
        elif not line or line.startswith("#"):
            current = None
    flush()
    return entries


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> Iterator[None]:
    """Compile the catalogues if a fresh clone has none (or the .po changed since)."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        call_command(
            "compilemessages", ignore_patterns=[".venv", "node_modules", "var"], verbosity=0
        )
        # Django caches catalogues per process; drop them so the new .mo is read (what
        # django.test.signals does when LOCALE_PATHS changes).
        trans_real._translations = {}
        trans_real._default = None
    yield


def test_every_string_has_english() -> None:
    entries = po_entries(PO)
    assert len(entries) > 100, "makemessages found fewer strings than the registry alone has"
    untranslated = [e for e in entries if not all(e.msgstrs)]
    fuzzy = [e for e in entries if "fuzzy" in e.flags]
    assert not untranslated, "no English for: " + ", ".join(
        f"{e.msgid!r} (line {e.line})" for e in untranslated
    )
    assert not fuzzy, "fuzzy (unchecked) English for: " + ", ".join(
        f"{e.msgid!r} (line {e.line})" for e in fuzzy
    )


def test_english_keeps_every_placeholder() -> None:
    placeholder = re.compile(r"%(?:\([^)]+\))?[sdif]|\{[^{}]*\}")
    for entry in po_entries(PO):
        for msgstr in entry.msgstrs:
            assert sorted(placeholder.findall(msgstr)) == sorted(
                placeholder.findall(entry.msgid)
            ), f"placeholders differ in {entry.msgid!r} -> {msgstr!r}"


def test_msgfmt_accepts_the_catalogue() -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("gettext's msgfmt is not installed (scripts/setup-system installs it)")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        username="root", email="root@example.com", password="pw-root-1"
    )
    client.force_login(user)
    return client


def title_of(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match, "the page has no <title>"
    return match[1]


@pytest.mark.django_db
def test_console_is_chinese_by_default(superuser_client) -> None:
    response = superuser_client.get(CHANGELIST_ZH)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "驿站" in title_of(html)
    assert "驿站管理后台" in title_of(html)
    assert "导入表格" in html and "Import spreadsheet" not in html


@pytest.mark.django_db
def test_console_speaks_english_under_en(superuser_client) -> None:
    response = superuser_client.get(CHANGELIST_EN)
    assert response.status_code == 200
    html = response.content.decode()
    title = title_of(html)
    assert '<html lang="en"' in html
    assert "驿站" not in title
    assert "Select station to change" in title and "Yizhan console" in title
    assert "Station registry" in html  # the app, in the breadcrumbs and the sidebar
    assert "Import spreadsheet" in html and "导入表格" not in html
    assert "Add station" in html and "By type" in html and "Fixed station" in html


# Chinese that may stay on an English page: the brand, the name of the other language,
# and the import's column header “坐标系”, which officers type into their spreadsheets.
ALLOWED_CHINESE = {"驿站", "简体中文", "坐标系"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/en/console/",
        CHANGELIST_EN,
        "/en/console/stations/station/map/",
        "/en/console/stations/station/import/",
        "/en/console/stations/station/listing/",
        "/en/console/password_change/",
    ],
)
def test_english_pages_have_no_chinese_of_ours(superuser_client, path: str) -> None:
    response = superuser_client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    chinese = set(re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", html))
    assert chinese <= ALLOWED_CHINESE, f"untranslated on {path}: {chinese - ALLOWED_CHINESE}"
    assert html.count("驿站") == html.count("驿站 Yizhan"), "驿站 outside the brand"


@pytest.mark.django_db
def test_english_model_names_have_plurals(superuser_client) -> None:
    html = superuser_client.get(CHANGELIST_EN).content.decode()
    assert re.search(r'<li aria-current="page">\s*Stations\s*</li>', html)


def language_switch(html: str) -> str:
    match = re.search(r'<form id="language-switch".*?</form>', html, re.S)
    assert match, "no language switch on the console page"
    return match[0]


def next_of(form: str) -> str:
    match = re.search(r'name="next" value="([^"]*)"', form)
    assert match, "the language switch has no next field"
    return unescape(match[1])


@pytest.mark.django_db
@pytest.mark.parametrize("path", [CHANGELIST_ZH, CHANGELIST_EN])
def test_console_pages_have_a_language_switch(superuser_client, path: str) -> None:
    form = language_switch(superuser_client.get(path).content.decode())
    assert 'action="/i18n/setlang/"' in form and 'method="post"' in form
    assert 'name="language" value="zh-hans"' in form and "简体中文" in form
    assert 'name="language" value="en"' in form and "English" in form
    assert "csrfmiddlewaretoken" in form
    assert "<script" not in form
    # The page itself, as set_language can resolve it (without the /en prefix).
    assert next_of(form) == CHANGELIST_ZH


@pytest.mark.django_db
def test_login_page_has_the_language_switch(client) -> None:
    html = client.get("/en/console/login/").content.decode()
    assert 'name="language" value="zh-hans"' in language_switch(html)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "here", "there"),
    [
        ("en", CHANGELIST_ZH, CHANGELIST_EN),
        ("zh-hans", CHANGELIST_EN, CHANGELIST_ZH),
        ("en", CHANGELIST_ZH + "?status__exact=active", CHANGELIST_EN + "?status__exact=active"),
        (
            "zh-hans",
            CHANGELIST_EN + "?status__exact=active",
            CHANGELIST_ZH + "?status__exact=active",
        ),
    ],
)
def test_switching_language_stays_on_the_page(
    superuser_client, language: str, here: str, there: str
) -> None:
    form = language_switch(superuser_client.get(here).content.decode())
    response = superuser_client.post(
        "/i18n/setlang/", {"language": language, "next": next_of(form)}
    )
    assert response.status_code == 302
    assert response["Location"] == there
    assert superuser_client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language
    page = superuser_client.get(there).content.decode()
    assert f'<html lang="{language}"' in page


def test_django_strings_its_chinese_catalogue_lacks_are_chinese_on_chinese_pages():
    """Django 6.1's "- Select an option -" and a few more have no zh_Hans entry in Django
    itself; our locale/zh_Hans adds them, so Chinese pages do not show English."""
    from django.db.models.fields import BLANK_CHOICE_LABEL
    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(BLANK_CHOICE_LABEL) == "- 请选择 -"
        assert translation.gettext("Logout") == "注销"
    with translation.override("en"):
        assert str(BLANK_CHOICE_LABEL) == "- Select an option -"
