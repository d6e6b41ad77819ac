from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm

from seip.core.forms import GovUKBoundField, GovUKForm


class SignInForm(GovUKForm):
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Password",
        error_messages={"required": "Enter your password"},
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordForm(GovUKForm):
    password = forms.CharField(
        label="Your SEIP password",
        error_messages={"required": "Enter your password"},
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(GovUKForm):
    token = forms.CharField(
        label="Security code",
        error_messages={"required": "Enter your security code"},
        help_text=(
            "The 6-digit code from your authenticator app, or one of your 8-digit backup codes."
        ),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "govuk-input--width-10",
            }
        ),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split())

    def __init__(
        self, *args: Any, label: str | None = None, help_text: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["token"].label = label
        if help_text is not None:
            self.fields["token"].help_text = help_text


class InviteForm(GovUKForm):
    full_name = forms.CharField(
        label="Full name", max_length=200, error_messages={"required": "Enter their full name"}
    )
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
    )
    place = forms.ChoiceField(
        label="Role",
        error_messages={
            "required": "Choose a role",
            "invalid_choice": "Choose a role from the list",
        },
    )

    def __init__(self, *args: Any, options: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        place = self.fields["place"]
        if isinstance(place, forms.ChoiceField):
            place.choices = [("", "Choose a role"), *options]


class NewPasswordForm(GovUKForm):
    password1 = forms.CharField(
        label="Choose a password",
        help_text="At least 12 characters. Not a common password, and not like your name or email.",
        error_messages={"required": "Enter a password"},
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Type the password again",
        error_messages={"required": "Type the password again"},
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") != data["password1"]:
            self.add_error("password2", "The two passwords are not the same")
        return data


class ResetRequestForm(GovUKForm):
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )


class ResetPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    """Django's own new-password form (its validators), drawn the GOV.UK way."""

    bound_field_class = GovUKBoundField
