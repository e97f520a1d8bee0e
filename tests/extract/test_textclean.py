"""Text cleaning: Unicode normalisation and line-end hyphen decisions (unit + property tests)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kwaliteitscan.extract.textclean import (HYPHEN_PREFIXES, Vocabulary, count_alnum, join_hyphenated, keeps_hyphen,
                                             normalize)

dutch_letters = st.sampled_from(list("abcdefghijklmnoprstuvwz") + ["ë", "é", "ij"])
words = st.lists(dutch_letters, min_size=4, max_size=18).map("".join)


@pytest.mark.parametrize("before, after, expected", [
    ("het stagedis", "criminatiebeleid", "het stagediscriminatiebeleid"),
    ("alle mbo", "instellingen", "alle mbo-instellingen"),
    ("de taal", "en rekenvaardigheden", "de taal- en rekenvaardigheden"),
    ("onze BOL", "studenten", "onze BOL-studenten"),
    ("de PDCA", "cyclus", "de PDCA-cyclus"),
    ("in 2024", "2027", "in 2024-2027"),
    ("de Noord", "Hollandse", "de Noord-Hollandse"),
    ("de bpv", "begeleider", "de bpv-begeleider"),
    ("de onderwijspro", "fessionals", "de onderwijsprofessionals"),
])
def test_join_hyphenated_without_vocabulary(before, after, expected):
    assert join_hyphenated(before, after) == expected


def test_soft_hyphen_always_joins():
    assert join_hyphenated("mbo", "instellingen", marker="\u00ad") == "mboinstellingen"


def test_vocabulary_decides_before_the_rules():
    vocab = Vocabulary()
    vocab.add_text("De JOB-monitor en de zorg-en-welzijnsteams; het stagepact.")
    assert join_hyphenated("de JO", "B-monitor", vocab) == "de JOB-monitor"
    assert join_hyphenated("het stage", "pact", vocab) == "het stagepact"
    vocab.add_text("een co-teacher")
    assert keeps_hyphen("co", "teacher", vocab) is True


def test_normalize_examples():
    assert normalize("de ﬁnanciering en ﬂexibele ofﬁce") == "de financiering en flexibele office"
    assert normalize("stage\u00addiscriminatie") == "stagediscriminatie"
    assert normalize("e\u0301e\u0308n\u00a0twee") == "éën twee"
    assert normalize("a\x00b\x07c") == "abc"


@given(st.text())
def test_normalize_is_idempotent_and_nfc(text):
    once = normalize(text)
    assert normalize(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert "\u00ad" not in once and "\ufb01" not in once and "\ufffe" not in once


@given(words, st.integers(min_value=1, max_value=17))
def test_a_word_seen_whole_in_the_document_is_rejoined(word, cut):
    assume(cut < len(word))
    vocab = Vocabulary()
    vocab.add_text(f"Elders in het document staat {word} gewoon in een zin.")
    left, right = word[:cut], word[cut:]
    assume(right not in {"en", "of", "tot", "noch", "als", "dan"} and not right.startswith(("en ", "of ")))
    assert join_hyphenated(f"het {left}", right, vocab) == f"het {word}"


@given(words, words)
def test_a_compound_the_document_writes_with_a_hyphen_keeps_it(first, second):
    assume((first + second) != first and first.lower() != second.lower())
    vocab = Vocabulary()
    vocab.add_text(f"Wij noemen dat een {first}-{second} in onze agenda.")
    assume((first + second) not in vocab.words)
    assert join_hyphenated(f"een {first}", second, vocab) == f"een {first}-{second}"


@given(words, words)
def test_without_evidence_a_lowercase_split_joins_unless_the_left_part_is_a_known_prefix(left, right):
    assume(right not in {"en", "of", "tot", "noch", "als", "dan"})
    joined = join_hyphenated(left, right)
    if left in HYPHEN_PREFIXES:
        assert joined == f"{left}-{right}"
    else:
        assert joined == left + right


@given(st.lists(words, min_size=1, max_size=6), words)
def test_suspended_compounds_keep_hyphen_and_space(parts, tail):
    before = " ".join(parts)
    assert join_hyphenated(before, f"en {tail}") == f"{before}- en {tail}"


def test_another_form_of_a_hyphenated_compound_keeps_the_hyphen():
    vocab = Vocabulary()
    vocab.add_text("Wij spreken aspirant-studenten en hun ouders. De werkvloer is veilig.")
    assert join_hyphenated("met iedere aspirant", "student een gesprek", vocab) == "met iedere aspirant-student een gesprek"
    # a compound head that the document also hyphenates elsewhere does not make every break real
    vocab.add_text("de werk-privébalans")
    assert join_hyphenated("op de werk", "vloer", vocab) == "op de werkvloer"


def test_a_prefix_that_is_also_a_syllable_keeps_its_hyphen_only_before_a_word_of_the_document():
    vocab = Vocabulary()
    vocab.add_lines(["Het ex-", "terne panel las mee, met een ex-", "student en een oud-", "student.",
                     "Een ex-partner en een partner."])
    assert join_hyphenated("Het ex", "terne panel", vocab) == "Het externe panel"  # "terne" is only a fragment
    assert join_hyphenated("een ex", "partner", vocab) == "een ex-partner"  # the document also writes "partner"
    assert join_hyphenated("de po", "litie", vocab) == "de politie"
    assert join_hyphenated("alle mbo", "instellingen", vocab) == "alle mbo-instellingen"  # an abbreviation


def test_a_break_inside_a_chain_of_hyphenated_words_keeps_the_hyphen():
    vocab = Vocabulary()
    vocab.add_lines(["Dat is geen ver-van-ons-", "bed-show."])
    assert join_hyphenated("geen ver-van-ons", "bed-show.", vocab) == "geen ver-van-ons-bed-show."
    assert join_hyphenated("de bpv-begelei", "ders komen", vocab) == "de bpv-begeleiders komen"


def test_a_short_common_word_after_an_ambiguous_prefix_is_no_evidence():
    vocab = Vocabulary()
    vocab.add_lines(["ten slotte ging het goed, ten minste", "met de wet-", "ten en een po-", "ging."])
    assert join_hyphenated("met de wet", "ten en", vocab) == "met de wetten en"
    assert join_hyphenated("een po", "ging.", vocab) == "een poging."


def test_a_chain_break_the_document_writes_joined_elsewhere_is_joined():
    vocab = Vocabulary()
    vocab.add_lines(["Alle instellingen doen mee.", "De mbo-instel-", "lingen-campagne start."])
    assert join_hyphenated("De mbo-instel", "lingen-campagne start.", vocab) == "De mbo-instellingen-campagne start."


@given(st.text(alphabet=st.characters(codec=None)))
def test_count_alnum_counts_what_str_isalnum_counts(text):
    assert count_alnum(text) == sum(map(str.isalnum, text))


def test_count_alnum_on_mixed_scripts_and_lone_surrogates():
    text = "Stage-discriminatie: 12 ½ ² ٣ 𝔸 é\u0301 _ \ud835 ﬁ \u00a0 — ëindë"
    assert count_alnum(text) == sum(map(str.isalnum, text))
    assert count_alnum("") == 0 and count_alnum("abc 123") == 6
