"""Matching a place name a person typed against the names places are kept under, the
way a rider means it: full-width letters and digits are the ordinary ones, spaces and
dots do not count, and a railway station is the same place whether it is typed
"哈尔滨站" or "哈尔滨火车站".

Pure functions over strings (no database): `name_key` is the form two names are compared
in, `name_variants` the few spellings a database search should try for a typed text,
`name_rank` how well a place's names answer it, and `name_bigrams` the pieces a search
for near misses ("您是不是要找") looks for.

>>> name_key("哈尔滨 火车站") == name_key("哈尔滨站") == name_key("哈尔滨站")
True
>>> name_rank("中央大街", ["中央大街"]), name_rank("中央大街", ["中央大街驿站"])
(0, 1)
>>> name_rank("大街", ["中央大街驿站"]), name_rank("西站", ["中央大街驿站"]) is None
(2, True)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# A railway station is called all of these; the key keeps the short form (哈尔滨站).
_RAILWAY = ("火车站", "高铁站", "动车站", "铁路站")
# Words that end in 站 but are not railway stations: never lengthened to 火车站.
_OTHER_STATIONS = (
    "驿站",
    "汽车站",
    "客运站",
    "地铁站",
    "公交站",
    "加油站",
    "充电站",
    "换电站",
    "服务站",
    "工作站",
)
_NOT_IN_KEY = re.compile(r"[\s·・.,，。、\-_—–()（）\[\]【】\"'“”‘’]+")
_WIDE = r"[\u3000-\u9fff\uff00-\uffef]"
_SPACE_BY_CJK = re.compile(rf"\s+(?={_WIDE})|(?<={_WIDE})\s+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z0-9]{3,}")


def name_plain(text: str) -> str:
    """The text as typed, tidied: full-width forms folded (NFKC), runs of spaces made one,
    spaces next to Chinese characters dropped.

    >>> name_plain("  哈尔滨　站 "), name_plain("Ｃｅｎｔｒａｌ  Street")
    ('哈尔滨站', 'Central Street')
    """
    text = unicodedata.normalize("NFKC", text).strip()
    text = re.sub(r"\s+", " ", text)
    return _SPACE_BY_CJK.sub("", text)


def name_key(text: str) -> str:
    """The form names are compared in: `name_plain`, lower case, without spaces and
    punctuation, railway stations under their short name.

    >>> name_key("Harbin Railway-Station"), name_key("哈尔滨西高铁站")
    ('harbinrailwaystation', '哈尔滨西站')
    """
    key = _NOT_IN_KEY.sub("", name_plain(text).casefold())
    for long in _RAILWAY:
        key = key.replace(long, "站")
    return key


def name_variants(text: str, *, most: int = 6) -> list[str]:
    """The spellings a database search (a case-insensitive "contains") should try for
    ``text``, the tidied text first: without spaces, and a railway station both ways.

    >>> name_variants("哈尔滨站")
    ['哈尔滨站', '哈尔滨火车站']
    >>> name_variants("哈尔滨 火车站")
    ['哈尔滨火车站', '哈尔滨站']
    >>> name_variants("中央大街驿站")
    ['中央大街驿站']
    """
    plain = name_plain(text)
    out: list[str] = []

    def add(v: str) -> None:
        if v and v not in out:
            out.append(v)

    add(plain)
    add(plain.replace(" ", "") if _CJK.search(plain) else plain)
    for v in list(out):
        for long in _RAILWAY:
            if long in v:
                add(v.replace(long, "站"))
        if v.endswith("站") and not v.endswith(_RAILWAY + _OTHER_STATIONS) and len(v) >= 3:
            add(v[:-1] + "火车站")
    return out[:most]


def name_rank(typed: str, names: Iterable[str], addresses: Iterable[str] = ()) -> int | None:
    """How well a place kept under ``names`` (and ``addresses``) answers ``typed``:
    0 a name is it, 1 a name starts with it, 2 a name holds it, 3 only an address holds
    it; None: not at all. Compared as `name_key`.

    >>> name_rank("哈尔滨火车站", ["哈尔滨站"]), name_rank("哈尔滨站", ["x"], ["南岗区哈尔滨站旁"])
    (0, 3)
    """
    want = name_key(typed)
    if not want:
        return None
    best: int | None = None
    for name in names:
        key = name_key(name)
        if not key:
            continue
        rank = 0 if key == want else 1 if key.startswith(want) else 2 if want in key else None
        if rank is not None and (best is None or rank < best):
            best = rank
    if best is None and any(want in name_key(a) for a in addresses if a):
        best = 3
    return best


def name_bigrams(text: str, *, most: int = 8) -> list[str]:
    """The pieces of ``text`` a near-miss search looks for: each two Chinese characters
    side by side, and each Latin word of three letters or more.

    >>> name_bigrams("中央大道"), name_bigrams("Harbin West")
    (['中央', '央大', '大道'], ['harbin', 'west'])
    """
    key = name_key(text)
    out: list[str] = []
    for word in _WORD.findall(name_plain(text).casefold()):
        if word not in out:
            out.append(word)
    chars = [c for c in key if _CJK.match(c)]
    for a, b in zip(chars, chars[1:], strict=False):
        if a + b not in out:
            out.append(a + b)
    return out[:most]


def name_likeness(typed: str, name: str) -> float:
    """The share of ``typed``'s pieces (`name_bigrams`) that ``name`` holds, 0 to 1.

    >>> name_likeness("中央大道", "中央大街"), name_likeness("火星基地", "中央大街")
    (0.6666666666666666, 0.0)
    """
    pieces = name_bigrams(typed)
    if not pieces:
        return 0.0
    key = name_key(name)
    return sum(p in key for p in pieces) / len(pieces)
