"""Forms of the KPI pages. Numbers are typed as Swedes write them (``19,3``), so the outcome
fields are text read by the domain's parser; a non-number is a form error."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError
from wtforms.widgets import CheckboxInput, ListWidget

from ..domain.kpis import parse_number
from ..domain.periods import REPORT_NAMES
from ..forms import TEXT, FlaskForm, optional_id
from ..versioning import VersionedForm


class NumberText(StringField):
    """A number typed the Swedish way; ``.number`` is its value (None when empty)."""

    number: float | None = None

    def pre_validate(self, form) -> None:
        raw = (self.data or "").strip()
        self.number = None
        if raw:
            self.number = parse_number(raw)
            if self.number is None:
                raise FieldError(_l("Not a number: write e.g. 51, 19,3 or 8 520."))


class TableFilter(FlaskForm):
    class Meta:
        csrf = False

    unit = SelectField(_l("Unit"), coerce=optional_id, validators=[Optional()])
    # picked from web.period_choices; a bad value from the URL is shown beside the field
    period = SelectField(_l("Period"), validators=[Optional()], validate_choice=False)


FULFILMENT_CHOICES = [("", _l("– (follows from the target)")), ("met", _l("Met")),
                      ("partly", _l("Partly met")), ("not_met", _l("Not met"))]


def _version_or_none(value):
    """A saved outcome's version, or 0 for one not recorded yet."""
    if value == "0" or value == 0:
        return 0
    return optional_id(value)


class OutcomeForm(VersionedForm):
    """``version`` is 0 when the period has no outcome yet: if someone records one
    meanwhile, this save is a conflict instead of an overwrite."""

    version = HiddenField(filters=[_version_or_none])
    period = SelectField(_l("Follow-up period"), validators=[DataRequired()])
    total = NumberText(_l("Outcome, total"), validators=[Optional(), Length(max=30)])
    women = NumberText(_l("Outcome, women (K)"), validators=[Optional(), Length(max=30)])
    men = NumberText(_l("Outcome, men (M)"), validators=[Optional(), Length(max=30)])
    status = SelectField(_l("Goal fulfilment, set by hand"), choices=FULFILMENT_CHOICES,
                         validators=[Optional()],
                         description=_l("Only where the target does not say it (a relative "
                                        "target, one per sex, or text)."))
    status_comment = TextAreaField(_l("Why (required when set by hand)"),
                                   validators=[Optional(), Length(max=TEXT)])


class NodeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    parent_id = SelectField(_l("Belongs to"), coerce=optional_id, validators=[Optional()])
    position = IntegerField(_l("Position"), validators=[Optional(), NumberRange(0, 999)],
                            description=_l("Lower numbers come first."))
    retired = BooleanField(_l("Retired (kept for the risks and outcomes that refer to it)"))


class PlanForm(FlaskForm):
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[InputRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       description=_l("As the board adopted it, e.g. Verksamhetsplan "
                                      "2025–2027."))
    start_year = IntegerField(_l("First year"), validators=[InputRequired(),
                                                            NumberRange(2000, 2100)])
    end_year = IntegerField(_l("Last year"), validators=[InputRequired(),
                                                         NumberRange(2000, 2100)])


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class KpiForm(FlaskForm):
    name = TextAreaField(_l("KPI (styrmått)"), validators=[DataRequired(), Length(max=TEXT)])
    kind = SelectField(_l("Kind"), choices=[("styrmatt", _l("Styrmått (target-driving)")),
                                            ("kontrollmatt", _l("Kontrollmått (followed)"))],
                       validators=[DataRequired()])
    success_factor_id = SelectField(_l("Success factor"), coerce=optional_id,
                                    validators=[Optional()])
    baseline = StringField(_l("Baseline (Ingångsvärde)"),
                           validators=[Optional(), Length(max=200)])
    source = StringField(_l("Source (Källa)"), validators=[Optional(), Length(max=200)])
    follow_up = MultiCheckbox(_l("Follow-up periods"),
                              choices=[(p, p) for p in REPORT_NAMES.values()])
    target_years = StringField(_l("Targets per year"), validators=[Optional(), Length(max=2000)],
                               description=_l("One per line: year: target, e.g. "
                                              "\"2022: 70 %\", \"2024: Öka\"."))
    direction = SelectField(_l("Which way is better"),
                            choices=[("", _l("Not said (fulfilment set by hand)")),
                                     ("higher", _l("Higher (reach at least the target)")),
                                     ("lower", _l("Lower (stay at most at the target)"))],
                            validators=[Optional()])
    split_by_sex = BooleanField(_l("Split by sex (K and M)"))
    position = IntegerField(_l("Position"), validators=[Optional(), NumberRange(0, 999)])
    retired = BooleanField(_l("Retired (kept for the risks and outcomes that refer to it)"))


class LinkForm(FlaskForm):
    risk_id = SelectField(_l("Risk"), coerce=optional_id, validators=[InputRequired()])


def parse_targets(text: str | None) -> dict[str, str] | None:
    """``2022: 70 %`` per line → {"2022": "70 %"}; None when a line is not of that form."""
    targets: dict[str, str] = {}
    for line in (text or "").replace(";", "\n").splitlines():
        if not line.strip():
            continue
        year, sep, target = line.partition(":")
        year = year.strip()
        if not sep or not (year.isascii() and year.isdigit() and len(year) == 4):
            return None
        targets[year] = target.strip()
    return targets


def format_targets(targets: dict[str, str] | None) -> str:
    return "; ".join(f"{y}: {t}" for y, t in sorted((targets or {}).items()))
