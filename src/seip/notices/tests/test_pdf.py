"""The printable notice: a tagged PDF (ADR 0043), read back as a reader would."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from seip.core.tests.pdfcheck import assert_tagged, pdf_images, pdf_text
from seip.notices.pdf import notice_pdf
from seip.notices.services import notice_configuration_update, notice_publish
from seip.organisations.services import partnership_logo_set


def pdf_lines(pdf: bytes) -> list[str]:
    """Every line of text the PDF shows, in order."""
    return [line.strip() for line in pdf_text(pdf).replace("\f", "\n").splitlines()]


def png(width=120, height=60) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (11, 79, 138)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.promise("P26")
def test_two_partnerships_print_two_notices_with_their_own_contacts(county):
    county.b.coordinator_phone = "0116 496 4242"
    county.b.save()
    lines_a = pdf_lines(notice_pdf(notice_publish(partnership=county.a, actor=None)))
    lines_b = pdf_lines(notice_pdf(notice_publish(partnership=county.b, actor=None)))

    assert lines_a[0] == "Alpha Vale SEIP"  # the letterhead
    assert lines_b[0] == "Beta Heath SEIP"
    assert "Telephone: 0116 496 0000" in lines_a
    assert "Email: office@alpha-vale.example" in lines_a
    assert "Email: office@beta-heath.example" in lines_b
    text_b = " ".join(lines_b)
    assert "0116 496 4242" in text_b
    assert "coordinator@beta-heath.example" in text_b
    assert not any("Beta" in line for line in lines_a)
    assert not any("Alpha" in line for line in lines_b)


@pytest.mark.promise("P24")
def test_pdf_names_the_lawful_basis_and_the_retention_periods(county):
    notice_configuration_update(
        partnership=county.a,
        wording="{lawful_basis}\n\n## Keeping\n\n{retention}\n\n{shares_with}\n\n{ico_details}",
        lawful_basis="Public task (UK GDPR Article 6(1)(e)).",
        retention="- Attendance: 3 years.",
        shares_with=["school"],
        actor=None,
    )
    lines = pdf_lines(notice_pdf(notice_publish(partnership=county.a, actor=None)))
    assert "Public task (UK GDPR Article 6(1)(e))." in lines
    assert "Keeping" in lines
    assert "Attendance: 3 years." in lines
    text = " ".join(lines)  # a wrapped line breaks where a space was
    assert "Post: Information Commissioner's Office, Wycliffe House, Water Lane" in text


def test_every_page_has_the_version_date_and_page_number_in_the_footer(county):
    version = notice_publish(partnership=county.a, actor=None)
    pages = pdf_text(notice_pdf(version)).split("\f")
    assert len(pages) >= 2
    date = f"{version.published_at.astimezone():%-d %B %Y}"
    footer = f"Alpha Vale SEIP · Privacy notice version 1, published {date}"
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page
        assert page.count(footer) == 1


def test_the_same_version_always_gives_the_same_file(county):
    version = notice_publish(partnership=county.a, actor=None)
    assert notice_pdf(version) == notice_pdf(version)


def test_a_png_logo_is_printed_and_an_svg_logo_is_not(county):
    partnership_logo_set(partnership=county.a, filename="a.png", content=png(), actor=None)
    partnership_logo_set(partnership=county.b, filename="b.svg", content=b"<svg/>", actor=None)
    version_a = notice_publish(partnership=county.a, actor=None)
    pdf_a = notice_pdf(version_a)
    pdf_b = notice_pdf(notice_publish(partnership=county.b, actor=None))
    assert pdf_images(pdf_a) == 1
    assert pdf_images(pdf_b) == 0
    assert pdf_lines(pdf_b)[0] == "Beta Heath SEIP"
    roles = assert_tagged(pdf_a, title=version_a.title)
    assert roles["/Figure"] == 1  # the logo, named by its alternative text


@pytest.mark.parametrize("content", [b"not a png", png(4000, 2)[:40]])
def test_a_broken_png_logo_is_left_out_rather_than_failing(county, content):
    # partnership_logo_set now refuses a .png without the PNG signature, but a logo
    # stored before that check (or truncated on disk) must still not break the notice.
    county.a.logo.save("a.png", ContentFile(content))
    pdf = notice_pdf(notice_publish(partnership=county.a, actor=None))
    assert pdf.startswith(b"%PDF-")
    assert pdf_images(pdf) == 0


def test_a_very_wide_logo_still_fits(county):
    partnership_logo_set(partnership=county.a, filename="a.png", content=png(2000, 20), actor=None)
    pdf = notice_pdf(notice_publish(partnership=county.a, actor=None))
    assert pdf_images(pdf) == 1


def test_wording_cannot_inject_markup(county):
    notice_configuration_update(
        partnership=county.a,
        wording='<font size="40">Big</font> & (brackets)\n\n{lawful_basis} {retention} '
        "{shares_with} {ico_details}",
        lawful_basis="Public task.",
        retention="One year.",
        shares_with=["school"],
        actor=None,
    )
    pdf = notice_pdf(notice_publish(partnership=county.a, actor=None))
    # Printed as text: never read as markup.
    assert "".join(pdf_lines(pdf)).count('<font size="40">Big</font> & (brackets)') == 1


@pytest.mark.promise("P26")
def test_the_notice_is_a_tagged_pdf(county):
    """ADR 0043: headings, paragraphs and the bullets as a list, in English, titled."""
    version = notice_publish(partnership=county.a, actor=None)
    roles = assert_tagged(notice_pdf(version), title=version.title)
    assert roles["/H1"] == 1
    assert roles["/H2"] >= 3
    assert roles["/L"] >= 1
    assert roles["/LI"] >= 2
    assert roles["/P"] >= 5
