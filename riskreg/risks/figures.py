"""Plotly figure specifications (plain dicts, rendered by static/js/charts.js)."""

from __future__ import annotations

from html import escape

from ..domain.matrix import Scale
from ..models.risks import RiskAssessment


def value_history(assessments: list[RiskAssessment], scale: Scale, title: str) -> dict:
    """A small line of the risk value over the periods, with the band limits as guides."""
    x = [str(a.period) for a in assessments]
    y = [a.value for a in assessments]
    text = [f"{a.period}: {a.value} ({escape(scale.band(a.value).name)}) – "
            f"{a.likelihood} × {a.consequence}" for a in assessments]
    shapes = [
        {"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
         "y0": b.low - 0.5, "y1": b.high + 0.5, "fillcolor": b.colour, "opacity": 0.15,
         "line": {"width": 0}, "layer": "below"}
        for b in scale.bands
    ]
    return {
        "data": [{"type": "scatter", "mode": "lines+markers+text", "x": x, "y": y,
                  "text": [str(v) for v in y], "textposition": "top center",
                  "hovertext": text, "hoverinfo": "text", "line": {"color": "#12355b"},
                  "name": title}],
        "layout": {"height": 260, "margin": {"l": 40, "r": 10, "t": 20, "b": 40},
                   "yaxis": {"range": [0, scale.max_value + 1], "dtick": scale.size},
                   "xaxis": {"type": "category"}, "shapes": shapes, "showlegend": False},
        "config": {"displaylogo": False, "responsive": True},
    }
