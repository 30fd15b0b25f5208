from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import TEXT, FlaskForm, QuickSelect, optional_id
from ..versioning import VersionedForm
from .texts import TITLE_MAX

KIND_CHOICES = [("success_factor", _l("Success-factor risk")), ("unit", _l("Unit risk"))]
HANDLING_CHOICES = [("", "–"), ("control", _l("Control")), ("measure", _l("Measure"))]



class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    unit = SelectField(_l("Unit"), coerce=optional_id, validators=[Optional()],
                       widget=QuickSelect())  # an option per readable unit
    include_subunits = BooleanField(_l("Include units beneath"), default=True)
    kind = SelectField(_l("Kind"), validators=[Optional()], widget=QuickSelect())
    band = SelectField(_l("Band"), validators=[Optional()], widget=QuickSelect())
    owner = SelectField(_l("Risk owner"), coerce=optional_id, validators=[Optional()],
                        widget=QuickSelect())
    perspective = SelectField(_l("Perspective"), coerce=optional_id, validators=[Optional()],
                              widget=QuickSelect())
    # The choices come from web.period_choices; a bad value from the URL is refused by
    # web.parse_period and shown beside the field (the page is kept).
    period = SelectField(_l("Period"), validators=[Optional()], validate_choice=False,
                         widget=QuickSelect())
    awaiting = BooleanField(_l("Only risks not re-assessed in the period"))
    q = StringField(_l("Search text"), validators=[Optional(), Length(max=200)])
    sort = SelectField(_l("Sort by"), validators=[Optional()], widget=QuickSelect())


class TextsMixin:
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)],
                        description=_l("A short name, shown in lists and on the heat map."))
    event = TextAreaField(_l("What can happen? (the risk)"),
                          validators=[DataRequired(), Length(max=TEXT)])
    consequence_text = TextAreaField(_l("What is the consequence?"),
                                     validators=[Optional(), Length(max=TEXT)])
    cause = TextAreaField(_l("Cause"), validators=[Optional(), Length(max=TEXT)])
    mitigation = TextAreaField(_l("What needs to be done?"),
                               validators=[Optional(), Length(max=TEXT)])
    control_method = TextAreaField(_l("Control method"), validators=[Optional(), Length(max=TEXT)],
                                   description=_l("How is it checked that the measure is "
                                                  "carried out?"))
    handling_question = TextAreaField(_l("Handling of the risk"),
                                      validators=[Optional(), Length(max=TEXT)],
                                      description=_l("The question to ask."))
    handling_type = SelectField(_l("Type of handling"), choices=HANDLING_CHOICES,
                                validators=[Optional()])
    method = TextAreaField(_l("Method of risk handling"), validators=[Optional(),
                                                                      Length(max=TEXT)])


class RiskForm(TextsMixin, FlaskForm):
    # risk-form.js shows only the chosen kind's fields (all are shown without it)
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, validators=[DataRequired()],
                       render_kw={"data-kind-select": True})
    plan_id = SelectField(_l("Plan"), coerce=optional_id, validators=[InputRequired()])
    number = IntegerField(_l("Number"), validators=[Optional(), NumberRange(1, 100000)],
                          description=_l("Leave empty for the next free number."))
    owner_id = SelectField(_l("Risk owner"), coerce=optional_id, validators=[InputRequired()])
    success_factor_id = SelectField(_l("Success factor"), coerce=optional_id,
                                    validators=[Optional()],
                                    description=_l("Required for success-factor risks."))
    period = SelectField(_l("First assessment, period"), validators=[Optional()])
    likelihood = SelectField(_l("Likelihood"), coerce=optional_id, validators=[Optional()])
    consequence = SelectField(_l("Consequence"), coerce=optional_id, validators=[Optional()])


class RiskEditForm(TextsMixin, VersionedForm):
    success_factor_id = SelectField(_l("Success factor"), coerce=optional_id,
                                    validators=[Optional()])


class AssessForm(VersionedForm):
    period = SelectField(_l("Period"), validators=[DataRequired()])
    likelihood = SelectField(_l("Likelihood"), coerce=optional_id, validators=[InputRequired()])
    consequence = SelectField(_l("Consequence"), coerce=optional_id,
                              validators=[InputRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=TEXT)])


class OwnerForm(VersionedForm):
    owner_id = SelectField(_l("New risk owner"), coerce=optional_id,
                           validators=[InputRequired()])


class ArchiveForm(VersionedForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=TEXT)])

