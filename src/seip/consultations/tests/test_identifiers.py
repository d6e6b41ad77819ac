"""The identifier checker that keeps names, dates of birth and UPNs out of consultations."""

import string

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from seip.consultations.identifiers import (
    Finding,
    Kind,
    find_identifiers,
    first_names,
    not_surnames,
    refusal_message,
)

CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def kinds(text):
    return [finding.kind for finding in find_identifiers(text)]


def check_letter(rest):
    """The DfE UPN check letter: weights 2 to 13 over the other twelve characters."""
    total = sum(
        weight * (int(char) if char.isdigit() else CHECK_LETTERS.index(char))
        for weight, char in enumerate(rest, start=2)
    )
    return CHECK_LETTERS[total % 23]


@st.composite
def upns(draw):
    digits = draw(st.text(string.digits, min_size=11, max_size=11))
    last = draw(st.sampled_from(string.digits + CHECK_LETTERS))
    rest = digits + last
    upn = check_letter(rest) + rest
    return upn.lower() if draw(st.booleans()) else upn


@given(before=st.text(), upn=upns(), after=st.text())
@example(before="", upn="A123456789012", after="")
def test_any_valid_upn_in_any_text_is_found(before, upn, after):
    text = f"{before} {upn} {after}"
    start = len(before) + 1
    assert Finding(Kind.UPN, start, start + 13) in find_identifiers(text)


safe_words = st.text(string.ascii_lowercase + "'-", min_size=1, max_size=12).filter(
    lambda word: word[0].isalpha()
)
separators = st.sampled_from([" ", "  ", ", ", ". ", "; ", "\n", "! ", "? ", " - "])


@st.composite
def safe_texts(draw):
    """Text without digits in which no capitalised word follows another."""
    words = draw(st.lists(st.tuples(safe_words, st.booleans()), max_size=40))
    out, previous_capital = [], False
    for word, capital in words:
        capital = capital and not previous_capital
        out.append(word.capitalize() if capital else word)
        out.append(draw(separators))
        previous_capital = capital
    return "".join(out)


@given(safe_texts())
@example("Jordan said mum is worried. Priya thinks the school could help")
def test_text_without_digits_or_capitalised_pairs_has_no_findings(text):
    assert find_identifiers(text) == []


@given(
    first=st.sampled_from(sorted(first_names())),
    surname=st.text(string.ascii_lowercase, min_size=2, max_size=12).map(str.capitalize),
)
def test_a_listed_first_name_before_a_capitalised_word_is_found(first, surname):
    if surname.lower() in not_surnames():
        return
    text = f"Mum says {first} {surname} is struggling"
    assert find_identifiers(text) == [Finding(Kind.NAME, 9, 9 + len(first) + 1 + len(surname))]


@pytest.mark.parametrize(
    "text",
    [
        "UPN A123456789012",
        "temporary upn h12345678901a",
        "ref:B123456789012.",
    ],
)
def test_upns(text):
    assert kinds(text) == [Kind.UPN]


@pytest.mark.parametrize(
    "text",
    [
        "A12345678901",  # too short
        "A1234567890123",  # too long
        "I123456789012",  # I is never a check letter
        "XA123456789012",  # not on a word boundary
        "123456789012A",  # letter at the wrong end
    ],
)
def test_not_upns(text):
    assert Kind.UPN not in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "born 12/03/2011",
        "dob 12-3-11",
        "12.03.2011",
        "2011-03-12",
        "on 12 March 2011 at home",
        "12th Mar 2011",
        "the 3rd of September 2010",
        "12 Mar '11",
        "12-Mar-2011",
        "March 12, 2011",
        "Sept 1st 2012",
        "03/12/2011",  # month first is still a date
        "29/02/2012",
        "DOB:12/03/2011",
    ],
)
def test_full_dates_count_as_possible_dates_of_birth(text):
    assert kinds(text) == [Kind.DATE_OF_BIRTH]


@pytest.mark.parametrize(
    "text",
    [
        "13/13/2011",
        "32/01/2011",
        "0/1/2011",
        "seen in March 2011",  # month and year alone do not identify
        "on 12 March",
        "scored 3-2 at half time",
        "10.30 to 11.30",
        "call 0116 496 0000",
        "12/03/1850",
        "2011-13-01",
        "32 March 2011",
    ],
)
def test_things_that_are_not_full_dates(text):
    assert Kind.DATE_OF_BIRTH not in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Jordan Smith",
        "Mum said Jordan Smith was upset",
        "worried about Priya O'Brien's attendance",
        "Mohammed McDonald",
        "Mary-Jane Smith-Jones",
        "Mum Aisha Khan",
    ],
)
def test_listed_first_name_and_surname(text):
    assert kinds(text) == [Kind.NAME]


@pytest.mark.parametrize(
    "text",
    [
        "Mum said she is worried",
        "Jordan is in Year 9",
        "Jordan The",
        "Jordan School",
        "Jordan Academy",
        "Jordan Year 9",
        "Sam Mr Khan",
        "Mrs Patel from Alpha Academy",
        "Sophie\nSmith",  # a line break ends a pair
        "Sophie, Smith",
        "jordan smith",
        "JORDAN SMITH",
        "Thomas Monday",
        "Keira SENCO",
        "Olivia Mum",
        "Harry Q",
        "Discussed at the Inclusion Forum",
    ],
)
def test_no_name_where_there_is_none(text):
    assert Kind.NAME not in kinds(text)


def test_findings_are_in_order_of_position_and_do_not_repeat():
    text = "A123456789012 then Jordan Smith, born 12/03/2011"
    found = find_identifiers(text)
    assert [f.kind for f in found] == [Kind.UPN, Kind.NAME, Kind.DATE_OF_BIRTH]
    assert [text[f.start : f.end] for f in found] == [
        "A123456789012",
        "Jordan Smith",
        "12/03/2011",
    ]


def test_a_finding_holds_no_text():
    finding = find_identifiers("Jordan Smith")[0]
    assert "Jordan" not in repr(finding)
    assert set(vars(finding)) == {"kind", "start", "end"}


def test_message_names_the_kind_and_the_position_counting_from_one():
    text = "x" * 40 + "12/03/2011"
    assert refusal_message(find_identifiers(text)) == (
        "The advice looks like it contains a date of birth (at character 41). Remove it: "
        "nothing that identifies a child can be recorded before the referral form is signed."
    )


def test_message_lists_several_findings_without_their_text():
    message = refusal_message(find_identifiers("Jordan Smith, 12/03/2011, A123456789012"))
    assert message.startswith(
        "The advice looks like it contains a child's name (at character 1), a date of birth "
        "(at character 15) and a unique pupil number (UPN) (at character 27). Remove them:"
    )
    assert "Jordan" not in message
    assert "2011" not in message


def test_the_name_list_is_a_few_hundred_names_without_common_words():
    names = first_names()
    assert 300 <= len(names) <= 1000
    assert {"Muhammad", "Olivia", "Priya", "Kacper", "Kwame", "Siobhan", "Dafydd"} <= names
    assert {"Will", "May", "Mark", "Hope"}.isdisjoint(names)
    assert all(name[0].isupper() and " " not in name for name in names)


def test_the_stop_list_is_lower_case_single_words():
    words = not_surnames()
    assert {"the", "school", "academy", "year", "mr", "mrs"} <= words
    assert all(word == word.lower() and " " not in word for word in words)
    assert words.isdisjoint(name.lower() for name in first_names())
