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
