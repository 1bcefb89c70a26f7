"""A typed place name matches the way a rider means it: full-width forms and spaces do
not count, 哈尔滨火车站 is 哈尔滨站, and a 驿站 is never taken for a railway station."""

from __future__ import annotations

import pytest

from yizhan.core.placenames import (
    name_bigrams,
    name_key,
    name_likeness,
    name_plain,
    name_rank,
    name_variants,
)


@pytest.mark.parametrize(
    "typed",
    ["哈尔滨站", "哈尔滨火车站", " 哈尔滨 站 ", "哈尔滨　火车站", "哈尔滨高铁站", "哈尔滨站。"],
)
def test_ways_of_typing_harbin_station_are_one_name(typed):
    assert name_key(typed) == name_key("哈尔滨站")
    assert name_rank(typed, ["哈尔滨站"]) == 0
    assert name_rank(typed, ["x"], ["南岗区哈尔滨站"]) == 3


def test_full_width_letters_and_digits_are_the_ordinary_ones():
    assert name_plain("ＨＲＢ－ＤＬ－Ｆ００１") == "HRB-DL-F001"
    assert name_rank("ｈｒｂ-dl-f001", ["HRB-DL-F001"]) == 0
    assert name_key("Harbin  Railway Station") == name_key("harbin railway-station")


def test_a_rest_station_is_not_a_railway_station():
    assert name_variants("中央大街驿站") == ["中央大街驿站"]
    assert name_key("中央大街驿站") != name_key("中央大街火车站")
    assert "火车站" not in "".join(name_variants("道里汽车站"))


def test_variants_try_both_spellings_of_a_railway_station():
    assert name_variants("哈尔滨西站") == ["哈尔滨西站", "哈尔滨西火车站"]
    assert name_variants("哈尔滨 西 火车站") == ["哈尔滨西火车站", "哈尔滨西站"]
    # Latin words keep their spaces (no "CentralStreet" search).
    assert name_variants("Central  Street") == ["Central Street"]


@pytest.mark.parametrize(
    ("names", "rank"),
    [
        (["中央大街"], 0),
        (["中央大街驿站"], 1),
        (["道里中央大街驿站"], 2),
        (["红专街驿站"], None),
        ([], None),
    ],
)
def test_rank_exact_then_starting_then_holding(names, rank):
    assert name_rank("中央大街", names) == rank


def test_nothing_typed_matches_nothing():
    assert name_rank("  ", ["中央大街"]) is None
    assert name_bigrams("。") == []


def test_near_misses_share_most_pieces():
    assert name_bigrams("中央大道") == ["中央", "央大", "大道"]
    assert name_likeness("中央大道", "中央大街") == pytest.approx(2 / 3)
    assert name_likeness("中央大道", "群力大道") == pytest.approx(1 / 3)
    assert name_likeness("火星基地", "中央大街") == 0
    assert name_likeness("Harbin West", "Harbin West Railway Station") == 1
