from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import TEXT, FlaskForm, optional_id
from ..versioning import VersionedForm


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    unit = SelectField(_l("Unit"), coerce=optional_id, validators=[Optional()])
    # picked from web.period_choices; a bad value from the URL is shown beside the field
    period = SelectField(_l("Period"), validators=[Optional()], validate_choice=False)
    status = SelectField(_l("Status"), validators=[Optional()])
    responsible = SelectField(_l("Responsible"), coerce=optional_id, validators=[Optional()])
    due = SelectField(_l("Due date"), validators=[Optional()])
    state = SelectField(_l("State"), validators=[Optional()])
    q = StringField(_l("Search text"), validators=[Optional(), Length(max=200)])


class MeasureFieldsMixin:
    title = StringField(_l("Measure"), validators=[DataRequired(), Length(max=500)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=TEXT)])
    background = TextAreaField(_l("Background"), validators=[Optional(), Length(max=TEXT)])
    success_factor_id = SelectField(_l("Success factor"), coerce=optional_id,
                                    validators=[Optional()])
    goal_text = StringField(_l("Goal (free text)"), validators=[Optional(), Length(max=300)],
                            description=_l("When the goal is not a success factor of the plan."))
    responsible_id = SelectField(_l("Responsible"), coerce=optional_id,
                                 validators=[Optional()])
    start_date = DateField(_l("Start date"), validators=[Optional()])
    due_date = DateField(_l("Due date"), validators=[Optional()])


class MeasureForm(MeasureFieldsMixin, FlaskForm):
    plan_id = SelectField(_l("Plan"), coerce=optional_id, validators=[InputRequired()])
    number = IntegerField(_l("Number"), validators=[Optional(), NumberRange(1, 100000)],
                          description=_l("Leave empty for the next free number."))


class MeasureEditForm(MeasureFieldsMixin, VersionedForm):
    pass


class LinkForm(VersionedForm):
    risks = SelectMultipleField(_l("Risks the measure addresses"), coerce=int,
                                option_widget=CheckboxInput(),
                                widget=ListWidget(prefix_label=False),
                                validate_choice=False)


class FollowUpForm(VersionedForm):
    period = SelectField(_l("Period"), validators=[DataRequired()])
    status = SelectField(_l("Status"), validators=[Optional()], validate_choice=False)
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=TEXT)])
    result = TextAreaField(_l("Result"), validators=[Optional(), Length(max=TEXT)])


class CloseForm(VersionedForm):
    state = SelectField(_l("Close as"), choices=[("finished", _l("Finished")),
                                                 ("cancelled", _l("Cancelled"))],
                        validators=[DataRequired()], validate_choice=False)
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=TEXT)])


class CarryForwardForm(FlaskForm):
    period = StringField(_l("Period"), validators=[DataRequired(), Length(max=10)])
    measures = SelectMultipleField(_l("Measures"), coerce=int, validate_choice=False)



class StatusRowForm(FlaskForm):
    class Meta:
        csrf = False

    code = StringField(_l("Code"), validators=[Optional(), Length(max=30)])
    symbol = StringField(_l("Symbol"), validators=[Optional(), Length(max=8)])
    label = StringField(_l("Label"), validators=[Optional(), Length(max=100)])
    colour = StringField(_l("Colour"), validators=[Optional(), Length(max=7)])
    means_finished = BooleanField(_l("Means finished"))
    position = IntegerField(_l("Order"), validators=[Optional(), NumberRange(0, 1000)])


class StatusScaleForm(FlaskForm):
    rows = FieldList(FormField(StatusRowForm), min_entries=1)
