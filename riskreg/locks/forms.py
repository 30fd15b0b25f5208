"""Forms of the reported-periods page: report a period to the board, reopen it."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import TEXT, FlaskForm, optional_id


class LockForm(FlaskForm):
    unit = SelectField(_l("Unit"), coerce=optional_id, validators=[InputRequired()],
                       description=_l("The period is locked for the unit and every unit "
                                      "beneath it."))
    period = SelectField(_l("Period"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=TEXT)],
                         description=_l("E.g. the board meeting and its paragraph (§)."))


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Why is the period reopened?"),
                           validators=[DataRequired(), Length(max=TEXT)])
