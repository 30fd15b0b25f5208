"""The plotly figure of a matrix (a plain dict; static/js/charts.js renders it)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from .queries import Matrix

HOVER_LISTED = 15  # risks named in a cell's hover label before "… (+N)"


def matrix_figure(m: Matrix, labels: dict[str, str],
                  moves: list[tuple[int, int, int, int, int]] | None = None,
                  risk_word: Callable[[int], str] = lambda n: f"{n} risks") -> dict:
    """A heat map: x = consequence, y = likelihood; colours are the bands', and each cell
    also carries its count and band name as text (colour is never the only signal)."""
    scale = m.scale
    bands = sorted(scale.bands, key=lambda b: b.low)
    index = {b.name: i for i, b in enumerate(bands)}
    n = scale.size
    # Labels and band names are administrators' text: plotly renders some HTML in them.
    xs = [f"{c} {escape(scale.consequence_label(c))}" for c in range(1, n + 1)]
    ys = [f"{lk} {escape(scale.likelihood_label(lk))}" for lk in range(1, n + 1)]
    z, text, hover = [], [], []
    for lk in range(1, n + 1):
        z_row, t_row, h_row = [], [], []
        for c in range(1, n + 1):
            cell = m.cell(lk, c)
            z_row.append(index[cell.band.name])
            band = escape(cell.band.name)
            t_row.append(f"{cell.count}<br>{band}")
            numbers = "".join(f"<br>#{num} {escape(cell.titles.get(rid, ''))}".rstrip()
                              for rid, num in cell.risks[:HOVER_LISTED])
            more = f"<br>… (+{cell.count - HOVER_LISTED})" if cell.count > HOVER_LISTED else ""
            h_row.append(
                f"{labels['likelihood']} {lk} × {labels['consequence']} {c} = {cell.value} "
                f"({band})<br>{risk_word(cell.count)}"
                + (f":{numbers}{more}" if numbers else "")
            )
        z.append(z_row)
        text.append(t_row)
        hover.append(h_row)
    k = max(len(bands) - 1, 1)
    colourscale = []
    for i, b in enumerate(bands):
        colourscale += [[i / k if len(bands) > 1 else 0, b.colour],
                        [i / k if len(bands) > 1 else 1, b.colour]]
    if len(bands) == 1:
        colourscale = [[0, bands[0].colour], [1, bands[0].colour]]
    annotations = []
    steps = range(1, n + 1)
    for ol, oc, nl, nc, count in moves or []:
        if not all(s in steps for s in (ol, oc, nl, nc)):
            continue  # assessed outside the current scale: no cell to draw it from or to
        annotations.append({
            "x": xs[nc - 1], "y": ys[nl - 1], "ax": xs[oc - 1], "ay": ys[ol - 1],
            "xref": "x", "yref": "y", "axref": "x", "ayref": "y", "showarrow": True,
            "arrowhead": 3, "arrowwidth": 2, "arrowcolor": "#12355b", "opacity": 0.7,
            "text": "", "hovertext": f"{count}",
        })
    return {
        "data": [{
            "type": "heatmap", "x": xs, "y": ys, "z": z, "zmin": 0, "zmax": k,
            "colorscale": colourscale, "showscale": False, "text": text,
            "texttemplate": "%{text}", "textfont": {"size": 16, "color": "#111"},
            "hovertext": hover, "hoverinfo": "text", "xgap": 3, "ygap": 3,
        }],
        "layout": {
            "height": 460, "margin": {"l": 120, "r": 20, "t": 20, "b": 70},
            "xaxis": {"title": {"text": labels["consequence"]}, "type": "category",
                      "fixedrange": True},
            "yaxis": {"title": {"text": labels["likelihood"]}, "type": "category",
                      "fixedrange": True},
            "annotations": annotations,
        },
        "config": {"displaylogo": False, "responsive": True,
                   "modeBarButtonsToRemove": ["zoom2d", "pan2d", "select2d", "lasso2d"]},
    }
