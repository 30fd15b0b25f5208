from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import TEXT, FlaskForm, optional_id
from ..models.controls import CONCLUSIONS, FREQUENCIES, METHODS, SEVERITIES
from ..versioning import VersionedForm
from . import labels

AMENDMENT = _l("Reason for the amendment")
AMENDMENT_DESC = _l("The plan is adopted: a change is an amendment, shown as such with its "
                    "reason.")


def _checkboxes(label):
    return SelectMultipleField(label, coerce=optional_id, option_widget=CheckboxInput(),
                               widget=ListWidget(prefix_label=False), validate_choice=False)


class PlanForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(1990, 2100)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    risks = _checkboxes(_l("Risks the plan covers"))


class PlanEditForm(VersionedForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    risks = _checkboxes(_l("Risks the plan covers"))
    amendment_reason = TextAreaField(AMENDMENT, description=AMENDMENT_DESC,
                                     validators=[Optional(), Length(max=TEXT)])


class AdoptForm(VersionedForm):
    decided_on = DateField(_l("Date of the decision"), validators=[InputRequired()])
    paragraph = StringField(_l("Paragraph (§)"), validators=[Optional(), Length(max=40)],
                            description=_l("e.g. § 123"))
    dnr = StringField(_l("Case number (dnr)"), validators=[Optional(), Length(max=60)])


class PlanFollowUpForm(VersionedForm):
    period = SelectField(_l("Report"), validators=[DataRequired()])
    reported_on = DateField(_l("Reported to the board on"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=TEXT)])


class ClosePlanForm(VersionedForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=TEXT)])


class ControlForm(FlaskForm):
    title = StringField(_l("Control"), validators=[DataRequired(), Length(max=300)])
    method = SelectField(_l("Method"), choices=[(m, labels.METHODS[m]) for m in METHODS],
                         validators=[DataRequired()])
    method_text = TextAreaField(_l("Control method (text)"),
                                validators=[Optional(), Length(max=TEXT)],
                                description=_l("How it is checked, in the plan's words."))
    frequency = SelectField(_l("Frequency"),
                            choices=[(f, labels.FREQUENCIES[f]) for f in FREQUENCIES],
                            validators=[DataRequired()])
    responsible_id = SelectField(_l("Responsible"), coerce=optional_id, validators=[Optional()])
    sample_size = IntegerField(_l("Default sample size"),
                               validators=[Optional(), NumberRange(1, 1000)])
    measure_id = SelectField(_l("Measure (optional)"), coerce=optional_id,
                             validators=[Optional()])
    risks = _checkboxes(_l("Risks the control handles"))
    units = _checkboxes(_l("Units the control covers"))
    amendment_reason = TextAreaField(AMENDMENT, description=AMENDMENT_DESC,
                                     validators=[Optional(), Length(max=TEXT)])


class ControlEditForm(ControlForm, VersionedForm):
    pass


class RunForm(FlaskForm):
    unit = SelectField(_l("Unit"), coerce=optional_id, validators=[InputRequired()])
    period = SelectField(_l("Period"), validators=[DataRequired()])
    occasion = IntegerField(_l("Occasion (month of the tertial, 1–4)"),
                            validators=[Optional(), NumberRange(1, 4)])
    performed_on = DateField(_l("Performed on"), validators=[Optional()])
    population_description = TextAreaField(_l("Population"),
                                           validators=[Optional(), Length(max=TEXT)],
                                           description=_l("What was sampled from, e.g. "
                                                          "'supplier invoices in April'."))
    items = TextAreaField(_l("Items of the population, one per line"),
                          validators=[Optional(), Length(max=2_000_000)],
                          description=_l("Pasted text is limited to about 500 kB (some "
                                         "20,000 invoice numbers); upload a larger "
                                         "population as a file."))
    population_file = FileField(_l("…or a CSV or xlsx file"))
    column = StringField(_l("Column (header, letter or number)"),
                         validators=[Optional(), Length(max=100)])
    has_header = BooleanField(_l("The first row is a header"), default=True)
    sample_size = IntegerField(_l("Sample size"), validators=[Optional(), NumberRange(1, 1000)])
    seed = StringField(_l("Seed"), validators=[Optional(), Length(max=64)],
                       description=_l("Leave empty for a new random seed; it is recorded."))
    not_performed_reason = TextAreaField(_l("Not performed: why"),
                                         validators=[Optional(), Length(max=TEXT)],
                                         description=_l("Only when the control was not "
                                                        "performed (then no items)."))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=TEXT)])


class ItemForm(FlaskForm):
    class Meta:
        csrf = False

    item_id = HiddenField(filters=[optional_id])
    result = SelectField(_l("Result"), choices=[("", "–"), ("ok", _l("OK")),
                                                ("deviation", _l("Deviation"))],
                         validators=[Optional()], validate_choice=False)
    severity = SelectField(_l("Severity"), choices=[("", "–")] + [
        (s, labels.SEVERITIES[s]) for s in SEVERITIES], validators=[Optional()],
        validate_choice=False)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=1000)])


class ResultsForm(VersionedForm):
    items = FieldList(FormField(ItemForm), min_entries=0, max_entries=1000)
    conclusion = SelectField(_l("Conclusion"), choices=[("", _l("From the results"))] + [
        (c, labels.CONCLUSIONS[c]) for c in CONCLUSIONS], validators=[Optional()],
        validate_choice=False)
    not_performed_reason = TextAreaField(_l("Not performed: why"),
                                         validators=[Optional(), Length(max=TEXT)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=TEXT)])


class EvidenceForm(FlaskForm):
    file = FileField(_l("Evidence file (PDF, xlsx, docx, PNG, JPEG, CSV)"))


class DashboardForm(FlaskForm):
    class Meta:
        csrf = False

    unit = SelectField(_l("Unit"), coerce=optional_id, validators=[Optional()])
