"""The import forms: upload (layout, unit, plan, period, owner of new risks, file) and the
confirm button (the stash's token rides in the URL)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.validators import InputRequired, Optional

from ..forms import FlaskForm, optional_id


class UploadForm(FlaskForm):
    layout = SelectField(_l("Layout"), validators=[InputRequired()])
    unit = SelectField(_l("Unit"), coerce=optional_id, validators=[InputRequired()])
    plan = SelectField(_l("Plan"), coerce=optional_id, validators=[InputRequired()])
    period = SelectField(_l("Period of the values"), validators=[InputRequired()],
                         description=_l("Likelihood, consequence, status and comment are "
                                        "recorded for this period."))
    owner = SelectField(_l("Risk owner of new risks"), coerce=optional_id,
                        validators=[Optional()])
    file = FileField(_l("Workbook (.xlsx)"), validators=[FileRequired()])


class ConfirmForm(FlaskForm):
    """The confirm button of a preview."""
