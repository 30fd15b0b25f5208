"""Forms shared across features, and the base class of every feature form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from markupsafe import Markup, escape
from wtforms import SelectField
from wtforms.validators import InputRequired
from wtforms.widgets import Select

from .ids import parse_id

TEXT = 4000  # the longest free text a form takes


def optional_id(value):
    """A select's coerce for ids: empty is None, anything but a valid id is None too (the
    field's validators or the service then say what is missing)."""
    if value in (None, ""):
        return None
    return parse_id(value)


class QuickSelect(Select):
    """WTForms' select, a plain option written directly: the same HTML as
    ``html_params`` makes it (``selected`` before ``value``, both escaped), without its
    sorting and Markup formatting per option, most of a filter form's cost (the register's
    unit choice has an option per unit; issue 14). Options with attributes of their own
    go the library's way."""

    @classmethod
    def _dispatch_render_option(cls):
        # WTForms inspects render_option's signature on every select it writes (for
        # overrides of the pre-3.3 signature); this one has the current signature
        return cls.render_option

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        return Markup(  # nosec B704: the value and the label are escaped here
            f'<option {selected}value="{escape(value)}">'
            f"{escape(choice.label or choice.value)}</option>")


class FlaskForm(_FlaskForm):
    """Flask-WTF's form, plus one thing: a form shown again after a sign-in that timed out
    while it was being filled in gets the input that was posted then (``?restore=1``;
    riskreg/auth/sessions.py keeps it). The views' own defaults are set before
    ``validate_on_submit``, so the kept input is applied there, over them."""

    def validate_on_submit(self, extra_validators=None) -> bool:
        if not self.is_submitted():
            self._restore_kept_input()
            return False
        return super().validate_on_submit(extra_validators)

    def _restore_kept_input(self) -> None:
        from .auth.sessions import restored_formdata

        kept = restored_formdata()
        if kept is None:
            return
        for name, field in self._fields.items():
            if name in kept and field.type not in ("PasswordField", "CSRFTokenField"):
                field.process(kept)


class PickUnitForm(FlaskForm):
    """The first step of creating something: the unit it will belong to (a GET form)."""

    class Meta:
        csrf = False

    unit = SelectField(_l("Unit"), coerce=optional_id, validators=[InputRequired()])


class EmptyForm(FlaskForm):
    """A POST-only button: carries the CSRF token and nothing else."""


def button_form() -> EmptyForm:
    """The form of a template's POST buttons (language, sign-out, revoke): it renders the
    CSRF token and never reads the request's body, so that an error page can show it even
    when the body itself was refused (413: larger than Werkzeug's form limit)."""
    return EmptyForm(formdata=None)
