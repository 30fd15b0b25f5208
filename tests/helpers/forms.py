"""Form data as a browser would send it, built from the defaults and the demo data."""

from __future__ import annotations

from riskreg.domain.matrix import DEFAULT_SCALE_CONFIG


def scale_form(root: str = "NLL", **changes) -> dict:
    """The scale editor filled in with the default scale, then ``changes`` applied: a row
    per step (``steps-N-likelihood``/``-consequence``) and per band (``bands-N-name``,
    ``-low``, ``-high``, ``-colour``), the version of organisation ``root``'s stored scale
    (1 when it has none), and the Save button."""
    from riskreg.scales import stored_scale
    from tests.conftest import unit

    cfg = {**DEFAULT_SCALE_CONFIG, **changes}
    stored = stored_scale(unit(root).id)
    data = {
        "size": str(cfg["size"]),
        "action_threshold": str(cfg["action_threshold"]),
        "reassess_days": str(changes.get("reassess_days", 14)),
        "version": str(changes.get("version", stored.version if stored else 1)),
        "save": "Spara",
    }
    likelihood, consequence = cfg["likelihood_labels"], cfg["consequence_labels"]
    for i in range(max(len(likelihood), len(consequence))):
        data[f"steps-{i}-likelihood"] = likelihood[i] if i < len(likelihood) else ""
        data[f"steps-{i}-consequence"] = consequence[i] if i < len(consequence) else ""
    for i, b in enumerate(cfg["bands"]):
        data.update({f"bands-{i}-name": b["name"], f"bands-{i}-low": str(b["low"]),
                     f"bands-{i}-high": str(b["high"]), f"bands-{i}-colour": b["colour"]})
    return data


def with_band_gap() -> list[dict]:
    """The default bands with the first value of the second band left uncovered."""
    bands = [dict(b) for b in DEFAULT_SCALE_CONFIG["bands"]]
    bands[1]["low"] += 1
    return bands


def new_user_form(email: str, unit_id: int, role: str = "owner",
                  password: str = "a-long-enough-password", **changes) -> dict:
    return {"email": email, "name": "Test Person", "password": password,
            "confirm": password, "role": role, "unit_id": str(unit_id), **changes}
