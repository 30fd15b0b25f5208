from flask_babel import lazy_gettext as _l
from wtforms import (
    FieldList,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields import ColorField
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from ..forms import FlaskForm
from ..versioning import VersionedForm

PASSWORDS_DIFFER = _l("The passwords do not match.")
OUT_OF_RANGE = _l("Choose a value from %(min)s to %(max)s.")

KIND_CHOICES = [
    ("region", _l("Region")),
    ("board", _l("Board or committee")),
    ("division", _l("Division")),
    ("unit", _l("Area or unit")),
]
ROLE_CHOICES = [
    ("admin", _l("Administrator")),
    ("coordinator", _l("Internal-control coordinator")),
    ("owner", _l("Risk owner")),
    ("board", _l("Board reviewer")),
]


class UnitForm(FlaskForm):
    parent_id = SelectField(_l("Parent unit"), coerce=int, validators=[DataRequired()])
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("Short and unique, e.g. PV-STRNAS. A–Z, digits, hyphens."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, validators=[DataRequired()])


class UnitEditForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, validators=[DataRequired()])


class UserForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=10, max=500)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=PASSWORDS_DIFFER)],
        render_kw={"autocomplete": "new-password"},
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()])
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])


class AssignmentForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()])
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])


class BandRow(Form):
    """One band of the scale: a row of the editor (an empty row is left out)."""

    name = StringField(_l("Band name"), validators=[Optional(), Length(max=40)])
    low = IntegerField(_l("From value"),
                       validators=[Optional(), NumberRange(1, 100, message=OUT_OF_RANGE)])
    high = IntegerField(_l("To value"),
                        validators=[Optional(), NumberRange(1, 100, message=OUT_OF_RANGE)])
    colour = ColorField(_l("Colour"), validators=[
        Optional(), Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Choose a colour as #rrggbb."))])


class StepRow(Form):
    """The descriptions of one step of the scale, lowest first."""

    likelihood = StringField(_l("Likelihood"), validators=[Optional(), Length(max=60)])
    consequence = StringField(_l("Consequence"), validators=[Optional(), Length(max=60)])


MAX_BANDS = 10


class ScaleForm(VersionedForm):
    size = IntegerField(
        _l("Matrix size"), validators=[DataRequired(), NumberRange(2, 10, message=OUT_OF_RANGE)],
        description=_l("Steps per axis. After a change, press Preview to get a row per step."),
    )
    steps = FieldList(FormField(StepRow), min_entries=2, max_entries=10)
    bands = FieldList(FormField(BandRow), min_entries=1, max_entries=MAX_BANDS)
    action_threshold = IntegerField(
        _l("Action threshold"),
        validators=[DataRequired(), NumberRange(1, 100, message=OUT_OF_RANGE)],
        description=_l("Risks with this value or higher need a measure."),
    )
    reassess_days = IntegerField(
        _l("Re-assessment deadline, days after the tertial"),
        validators=[InputRequired(), NumberRange(0, 120, message=OUT_OF_RANGE)],
        description=_l("Risk owners re-assess every tertial; this many days after it ends, "
                       "what is not re-assessed is overdue."),
    )
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))
