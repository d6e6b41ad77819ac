from django import forms

from seip.core.forms import GovUKForm


class ExampleForm(GovUKForm):
    name = forms.CharField(label="School name", help_text="As on the DfE register")
    notes = forms.CharField(widget=forms.Textarea, required=False)


def test_fields_render_as_govuk_form_groups():
    html = str(ExampleForm())
    assert 'class="govuk-label"' in html
    assert 'class="govuk-input"' in html
    assert 'class="govuk-textarea"' in html
    assert 'id="id_name_helptext" class="govuk-hint"' in html


def test_errors_mark_the_field_and_link_the_message():
    form = ExampleForm(data={})
    html = str(form)
    assert "govuk-form-group--error" in html
    assert "govuk-input govuk-input--error" in html
    assert 'id="id_name_error"' in html
    assert "id_name_error" in html.split('name="name"')[1].split(">")[0]


def test_widget_width_classes_survive():
    class Narrow(GovUKForm):
        code = forms.CharField(widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}))

    assert 'class="govuk-input govuk-input--width-10"' in str(Narrow())


class DatedForm(GovUKForm):
    held_on = forms.DateField(label="Date of the meeting")
    kind = forms.ChoiceField(choices=[("", "---------"), ("a", "A")], label="Kind")


def test_a_missing_answer_names_the_field():
    form = DatedForm(data={})
    assert form.errors["held_on"] == ["Enter date of the meeting"]
    assert form.errors["kind"] == ["Choose kind"]
    assert "---------" not in str(form)
    assert "Choose one" in str(form)


def test_the_date_input_is_three_boxes_in_a_fieldset():
    html = str(DatedForm())
    assert (
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Date of the meeting'
        in html
    )
    for part in ("day", "month", "year"):
        assert f'name="held_on_{part}"' in html
    assert 'type="date"' not in html


def test_the_date_input_reads_its_boxes_or_one_iso_field():
    boxes = DatedForm(data={"held_on_day": "7", "held_on_month": "12", "held_on_year": "2026"})
    iso = DatedForm(data={"held_on": "2026-12-07"})
    for form in (boxes, iso):
        form.is_valid()
        assert str(form.cleaned_data["held_on"]) == "2026-12-07"


def test_an_impossible_date_names_the_field_and_keeps_what_was_typed():
    form = DatedForm(data={"held_on_day": "31", "held_on_month": "2", "held_on_year": "2026"})
    assert not form.is_valid()
    assert form.errors["held_on"] == [
        "Date of the meeting must be a real date, for example 27 3 2026"
    ]
    html = str(form)
    assert (
        'name="held_on_day" type="text" inputmode="numeric" spellcheck="false" value="31"' in html
    )
    assert 'href="#id_held_on_0"' in str(form.render("core/forms/error_summary.html"))


class RevealingForm(GovUKForm):
    reveal = {"choice": {"other": ["details"]}}
    choice = forms.ChoiceField(
        choices=[("one", "One"), ("other", "Something else")], widget=forms.RadioSelect
    )
    details = forms.CharField(label="Say what", required=False)


def test_an_option_reveals_its_question_inside_the_radios():
    html = str(RevealingForm())
    radios, after = html.split('id="conditional-id_choice_1"')
    assert 'data-seip-reveals="conditional-id_choice_1"' in radios
    assert 'name="details"' in after
    assert 'name="details"' not in radios
    assert html.count('name="details"') == 1
