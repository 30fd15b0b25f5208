"""Form data as a browser would send it, built from the defaults and the demo data."""

from __future__ import annotations

from riskreg.domain.matrix import DEFAULT_SCALE_CONFIG


def scale_form(**changes) -> dict:
    """The scale form filled in with the default scale, then ``changes`` applied."""
    cfg = {**DEFAULT_SCALE_CONFIG, **changes}
    return {
        "size": str(cfg["size"]),
        "likelihood_labels": "\n".join(cfg["likelihood_labels"]),
        "consequence_labels": "\n".join(cfg["consequence_labels"]),
        "bands": "\n".join(f"{b['name']}; {b['low']}; {b['high']}; {b['colour']}"
                           for b in cfg["bands"]),
        "action_threshold": str(cfg["action_threshold"]),
        "reassess_days": str(changes.get("reassess_days", 14)),
    }


def with_band_gap() -> list[dict]:
    """The default bands with the first value of the second band left uncovered."""
    bands = [dict(b) for b in DEFAULT_SCALE_CONFIG["bands"]]
    bands[1]["low"] += 1
    return bands


def new_user_form(email: str, unit_id: int, role: str = "owner",
                  password: str = "a-long-enough-password", **changes) -> dict:
    return {"email": email, "name": "Test Person", "password": password,
            "confirm": password, "role": role, "unit_id": str(unit_id), **changes}
