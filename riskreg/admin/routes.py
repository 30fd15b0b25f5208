"""Administration pages: units, users and roles, the risk scale."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.permissions import PermissionDenied, can_administer_scale, is_admin
from ..extensions import db
from ..forms import EmptyForm
from ..ids import parse_id
from ..models.org import Unit
from ..models.users import RoleAssignment
from ..scales import scale_and_deadline, stored_scale
from ..uow import attempt
from ..web import form_status
from . import queries, services
from .forms import MAX_BANDS, AssignmentForm, ScaleForm, UnitEditForm, UnitForm, UserForm

bp = Blueprint("admin", __name__)

def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not is_admin(current_user):
            raise PermissionDenied()
        return view(*args, **kwargs)

    return wrapper


@bp.route("/")
@admin_required
def index():
    units = queries.administrable_units(current_user)
    roots = [u for u in units if u.parent_id is None and can_administer_scale(current_user, u)]
    return render_template("admin/index.html", units=units, roots=roots)


@bp.route("/units/new", methods=["GET", "POST"])
@admin_required
def unit_new():
    form = UnitForm()
    form.parent_id.choices = queries.unit_choices(current_user)
    if request.method == "GET" and parse_id(request.args.get("parent", "")) is not None:
        form.parent_id.data = parse_id(request.args["parent"])
    if form.validate_on_submit():
        parent = queries.administrable_unit_or_404(current_user, form.parent_id.data)
        added = attempt(lambda: services.add_unit(current_user, parent, form.code.data,
                                                  form.name.data, form.kind.data), form)
        if added:
            flash(_("The unit %(name)s was added.", name=added.value.name), "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/unit_form.html", form=form, unit=None), form_status(form)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@admin_required
def unit_edit(unit_id: int):
    unit = queries.administrable_unit_or_404(current_user, unit_id)
    form = UnitEditForm(obj=unit)
    if form.validate_on_submit() and attempt(lambda: services.update_unit(
            current_user, unit, form.code.data, form.name.data, form.kind.data), form):
        flash(_("The unit was saved."), "success")
        return redirect(url_for("admin.index"))
    return render_template("admin/unit_form.html", form=form, unit=unit), form_status(form)


@bp.route("/users")
@admin_required
def users():
    return render_template("admin/users.html", users=queries.users_in_scope(current_user),
                           admin=current_user)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    form = UserForm()
    form.unit_id.choices = queries.unit_choices(current_user)
    if form.validate_on_submit():
        unit = queries.administrable_unit_or_404(current_user, form.unit_id.data)
        created = attempt(lambda: services.create_user(
            current_user, form.email.data, form.name.data, form.password.data, form.role.data,
            unit), form)
        if created:
            user = created.value
            flash(_("The user %(name)s was added.", name=user.name), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_form.html", form=form), form_status(form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_detail(user_id: int):
    user = queries.user_in_scope_or_404(current_user, user_id)
    form = AssignmentForm()
    form.unit_id.choices = queries.unit_choices(current_user)
    if form.validate_on_submit():
        unit = queries.administrable_unit_or_404(current_user, form.unit_id.data)
        if attempt(lambda: services.assign_role(current_user, user, form.role.data, unit), form):
            flash(_("The role was added."), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template(
        "admin/user_detail.html", user=user, form=form, button=EmptyForm(),
        assignments=queries.visible_assignments(current_user, user),
    ), form_status(form)


@bp.route("/assignments/<int:assignment_id>/delete", methods=["POST"])
@admin_required
def assignment_delete(assignment_id: int):
    assignment = db.session.get(RoleAssignment, assignment_id)
    if assignment is None:
        abort(404)
    user = queries.user_in_scope_or_404(current_user, assignment.user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if attempt(lambda: services.remove_role(current_user, assignment)):
        flash(_("The role was removed."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def user_active(user_id: int):
    user = queries.user_in_scope_or_404(current_user, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if request.form.get("active") not in ("0", "1"):
        abort(400)
    active = request.form.get("active") == "1"
    if attempt(lambda: services.set_user_active(current_user, user, active)):
        flash(_("The user was activated.") if active else _("The user was deactivated."),
              "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


def _scale_config(form: ScaleForm) -> dict:
    """The posted rows as a scale configuration: empty band rows are left out, every step
    row counts (an empty label is an error of the scale)."""
    bands = [{"name": (row.form.name.data or "").strip(), "low": row.form.low.data,
              "high": row.form.high.data, "colour": (row.form.colour.data or "").lower()}
             for row in form.bands
             if (row.form.name.data or "").strip() or row.form.low.data is not None
             or row.form.high.data is not None]
    return {
        "size": form.size.data,
        "likelihood_labels": [(r.form.likelihood.data or "").strip() for r in form.steps],
        "consequence_labels": [(r.form.consequence.data or "").strip() for r in form.steps],
        "bands": bands,
        "action_threshold": form.action_threshold.data,
        "reassess_days": form.reassess_days.data,
    }


def _fit_rows(form: ScaleForm) -> None:
    """A row per step of the chosen size, and one empty band row to add a band with."""
    size = form.size.data
    if isinstance(size, int) and 2 <= size <= 10:
        while len(form.steps) < size:
            form.steps.append_entry()
        while len(form.steps) > size:
            form.steps.pop_entry()
    last = form.bands.entries[-1].form if form.bands.entries else None
    if (last is None or (last.name.data or "").strip()) and len(form.bands) < MAX_BANDS:
        form.bands.append_entry()


@bp.route("/scale/<int:unit_id>", methods=["GET", "POST"])
@admin_required
def scale(unit_id: int):
    root = db.session.get(Unit, unit_id)
    if root is None or root.parent_id is not None or not can_administer_scale(current_user, root):
        abort(404)
    current, reassess_days = scale_and_deadline(root.id)
    stored = stored_scale(root.id)
    if request.method == "GET":
        form = ScaleForm(data={
            "size": current.size,
            "steps": [{"likelihood": lk, "consequence": co} for lk, co in
                      zip(current.likelihood_labels, current.consequence_labels, strict=True)],
            "bands": [{"name": b.name, "low": b.low, "high": b.high, "colour": b.colour}
                      for b in current.bands],
            "action_threshold": current.action_threshold,
            "reassess_days": reassess_days,
            # an organisation still on the default scale gets version 1 when first saved
            "version": stored.version if stored is not None else 1,
        })
    else:
        form = ScaleForm()
    preview = None
    if form.validate_on_submit():
        config = _scale_config(form)
        if form.preview.data:  # re-render with the matrix of the posted scale, save nothing
            checked = attempt(lambda: services.check_scale(config), form)
            preview = checked.value if checked else None
        elif attempt(lambda: services.update_scale(current_user, root, config,
                                                   form.version.data), form):
            flash(_("The risk scale was saved."), "success")
            return redirect(url_for("admin.scale", unit_id=root.id))
    _fit_rows(form)
    return render_template("admin/scale.html", form=form, root=root, scale=current,
                           preview=preview, reassess_days=reassess_days), form_status(form)
