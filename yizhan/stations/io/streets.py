"""Streets (街道/乡镇) and districts by the names ledgers give them, inside one officer's
region: exact name first, then the name without its suffix (街道/街道办/镇/乡…), and an
ambiguous name is named with every candidate rather than guessed.

Pure: the regions come in as (code, name, level) rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from yizhan.stations.io.vocabulary import norm

_SUFFIXES = re.compile(
    r"(街道办事处|街道办|街道|办事处|地区办事处|地区|镇人民政府|人民政府|镇|乡|民族乡|苏木|区|县|市|旗)$"
)
STREET_LEVELS = ("street", "community")
DISTRICT_LEVELS = ("district", "city")


def _bare(name: str) -> str:
    folded = norm(name)
    bare = _SUFFIXES.sub("", folded)
    return bare or folded


class StreetError(ValueError):
    """A street or district name that matches none, or more than one, region."""


@dataclass
class StreetIndex:
    """Regions under one root, by name. ``rows`` are (code, name, level)."""

    names: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    bare: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    districts: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    district_bare: dict[str, list[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    codes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, str]]) -> StreetIndex:
        index = cls()
        for code, name, level in rows:
            index.codes[code] = name
            if level in STREET_LEVELS:
                index.names[norm(name)].append((code, name))
                index.bare[_bare(name)].append((code, name))
            elif level in DISTRICT_LEVELS:
                index.districts[norm(name)].append((code, name))
                index.district_bare[_bare(name)].append((code, name))
        return index

    def district(self, text: str, *, within: str = "") -> str:
        """A district's (or city's) code by its name (or code), inside ``within``."""
        return self._find(text, self.districts, self.district_bare, prefix=within)

    def street(self, text: str, *, within: str = "") -> str:
        """A street's (or community's) code by its name, or by its code, inside ``within``
        (a district code) when given. Streets come before communities of the same name."""
        return self._find(text, self.names, self.bare, prefix=within)

    def _find(
        self,
        text: str,
        exact: dict[str, list[tuple[str, str]]],
        loose: dict[str, list[tuple[str, str]]],
        *,
        prefix: str,
    ) -> str:
        raw = text.strip()
        folded = norm(raw)
        if folded.isdigit() and folded in self.codes:
            return folded
        # "朗乡" for 朗乡镇: the text may already be the bare name (and end like a suffix).
        for table, key in ((exact, folded), (loose, folded), (loose, _bare(raw))):
            candidates = [(c, n) for c, n in table.get(key, ()) if c.startswith(prefix)]
            if not candidates:
                continue
            shortest = min(len(c) for c, _ in candidates)  # a street before its communities
            candidates = [(c, n) for c, n in candidates if len(c) == shortest]
            if len(candidates) == 1:
                return candidates[0][0]
            listed = "、".join(f"{n}（{c}）" for c, n in sorted(candidates))
            raise StreetError(f"“{raw}”对应多个区划：{listed}；请写全称或填写区划代码")
        raise StreetError(f"在您的管辖范围内找不到“{raw}”")
