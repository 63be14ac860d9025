"""An HTML template with which ``dvc plots show`` draws its Vega plots without internet: DVC's own page
loads Vega, Vega-Lite and vega-embed from a CDN, so on a machine without internet every plot is
blank. This one carries the three libraries inline (vl-convert's bundle, installed from PyPI).

``make install`` writes it to ``.dvc/plots.html``, which ``.dvc/config`` names as DVC's
``plots.html_template``:

    python -m avemo.report.offline .dvc/plots.html
"""
from __future__ import annotations

import sys
from pathlib import Path

PAGE = """<!DOCTYPE html>
<html>
<head>
    <meta charset="utf-8">
    {refresh_tag}
    <title>DVC plots (offline)</title>
    <script type="text/javascript">{libraries}</script>
    <style> table { border-spacing: 15px; } </style>
</head>
<body>
    {plot_divs}
</body>
</html>
"""


def template() -> str:
    """DVC's placeholders ({plot_divs}, {refresh_tag}) around Vega, Vega-Lite and vega-embed, which
    the bundle assigns to ``window`` for the plot divs' scripts."""
    import vl_convert

    return PAGE.replace("{libraries}", vl_convert.javascript_bundle())


def write_template(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(template())


if __name__ == "__main__":
    write_template(Path(sys.argv[1] if len(sys.argv) > 1 else ".dvc/plots.html"))
