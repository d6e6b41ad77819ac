import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from seip.notices.markup import Block, parse, to_html
from seip.notices.wording import (
    DEFAULT_LAWFUL_BASIS,
    DEFAULT_RETENTION,
    DEFAULT_WORDING,
    PLACEHOLDERS,
    check_configuration,
    check_placeholders,
    fill,
    one_line_address,
    readable_categories,
)


def test_default_texts_use_only_known_placeholders():
    check_configuration(
        wording=DEFAULT_WORDING, lawful_basis=DEFAULT_LAWFUL_BASIS, retention=DEFAULT_RETENTION
    )


def test_unknown_placeholder_is_named_in_the_error():
    with pytest.raises(ValidationError) as raised:
        check_placeholders("Call {cordinator_phone}.", allowed=PLACEHOLDERS)
    assert raised.value.messages == [
        "{cordinator_phone} is not a placeholder we know. Did you mean {coordinator_phone}?"
    ]


def test_unknown_placeholder_with_no_near_match_points_to_the_list():
    with pytest.raises(ValidationError) as raised:
        check_placeholders("{favourite_colour}", allowed=PLACEHOLDERS)
    assert raised.value.messages == [
        '{favourite_colour} is not a placeholder we know. See "Placeholders you can use".'
    ]


@pytest.mark.parametrize(
    ("text", "brace"),
    [("Call {phone", "{"), ("Call phone}", "}"), ("Call {{phone}}", "{"), ("{phone} and {", "{")],
)
def test_unbalanced_braces_are_refused(text, brace):
    with pytest.raises(ValidationError) as raised:
        check_placeholders(text, allowed=PLACEHOLDERS)
    assert any(f'a "{brace}" with no matching' in m for m in raised.value.messages)


def test_missing_required_placeholder_is_named():
    with pytest.raises(ValidationError) as raised:
        check_placeholders("No basis here.", allowed=PLACEHOLDERS, required=["lawful_basis"])
    assert raised.value.messages == [
        "The wording must include {lawful_basis}, so that families are told this."
    ]


def test_lawful_basis_may_not_refer_to_itself():
    with pytest.raises(ValidationError) as raised:
        check_configuration(
            wording=DEFAULT_WORDING, lawful_basis="See {lawful_basis}", retention="x"
        )
    assert list(raised.value.message_dict) == ["lawful_basis"]


def test_fill_is_a_single_pass():
    assert fill("Hi {partnership_name}", {"partnership_name": "{phone} SEIP"}) == "Hi {phone} SEIP"


def test_categories_read_as_a_sentence_in_form_order():
    sentence = readable_categories(["voluntary", "school", "health"], local_authority="LA")
    assert sentence == "schools, the health service and voluntary organisations who work with us"
    assert readable_categories(["local_authority"], local_authority="Leics CC") == (
        "the local authority (Leics CC) and its agencies"
    )


def test_address_goes_on_one_line():
    assert one_line_address("The Centre,\n 1 Station Road\n\nLE1 1AB") == (
        "The Centre, 1 Station Road, LE1 1AB"
    )


def test_markup_headings_paragraphs_and_bullets():
    text = "## Who\n\nOne line\nand the next.\n- first\n  continued\n- second\nAfter."
    assert parse(text) == [
        Block("heading", ("Who",)),
        Block("paragraph", ("One line and the next.",)),
        Block("list", ("first continued", "second")),
        Block("paragraph", ("After.",)),
    ]


def test_html_escapes_everything_and_links_addresses():
    html = to_html('## <b>Hi</b>\n\nMail a@b.example or see www.ico.org.uk. <script>x</script>"')
    assert '<h2 class="govuk-heading-m">&lt;b&gt;Hi&lt;/b&gt;</h2>' in html
    assert '<a class="govuk-link" href="mailto:a@b.example">a@b.example</a>' in html
    assert '<a class="govuk-link" href="https://www.ico.org.uk">www.ico.org.uk</a>.' in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_only_web_links_are_made():
    html = to_html("javascript:alert(1) and https://x.example/a?b=1&c=2")
    assert 'href="javascript' not in html
    assert 'href="https://x.example/a?b=1&amp;c=2"' in html


@given(st.text())
def test_no_wording_can_put_its_own_tags_on_the_page(text):
    html = str(to_html(text))
    for tag in ("script", "img", "iframe", "style", "svg"):
        assert f"<{tag}" not in html.lower()


@given(st.text())
def test_parsing_never_loses_words(text):
    words = [w for w in text.split() if w not in {"-", "##"}]
    blocks = parse(text)
    rendered = " ".join(" ".join(b.texts) for b in blocks).split()
    for word in words:
        assert any(word in r for r in rendered)
