"""Compressed size of every GET page for every demo role, against the 14 KB budget.

python bench/page_weight.py
"""

import gzip
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._app import demo_app, login  # noqa: E402

BUDGET = 14 * 1024
ROLES = [None, "199001012015031001", "mitra@kampus.demo", "supervisor@bina.demo", "admin@bina.demo"]
#: The same sample arguments as the access test, pointing at demo rows.
from tests.test_access import ARGS  # noqa: E402


def main() -> None:
    app = demo_app()
    worst = 0
    for who in ROLES:
        client = app.test_client()
        if who:
            login(client, who)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint in ("static", "core.set_language"):
                continue
            with app.test_request_context():
                from flask import url_for

                url = url_for(rule.endpoint, **{a: ARGS[a] for a in rule.arguments})
            r = client.get(url)
            if r.status_code != 200 or r.mimetype != "text/html":
                continue
            size = len(gzip.compress(r.data, 6))
            worst = max(worst, size)
            flag = "OVER" if size > BUDGET else "ok"
            print(
                f"{who or 'anonymous':<22} {url:<32} {len(r.data):>7} B raw {size:>6} B gzip {flag}"
            )
    static = sum(
        len(gzip.compress((Path(app.static_folder) / f).read_bytes(), 6))
        for f in ("app.css", "vendor/htmx-2.0.11.min.js")
    )
    print(
        f"RESULT worst_page_gzip_bytes={worst} budget={BUDGET} static_gzip_bytes={static} "
        f"static_budget={30 * 1024}"
    )


if __name__ == "__main__":
    main()
