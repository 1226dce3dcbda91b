"""`graphrun run --report FILE.html`: one self-contained page with the outputs' plots, the
graph drawn with its fusion groups and the profile. Checked as HTML (always) and as a browser
shows it (headless Chromium: skipped, exit 77, when it is absent).
Run by ctest: report_page.py GRAPHRUN SOURCE_DIR."""

from __future__ import annotations

import html.parser
import os
import shutil
import subprocess
import sys
import tempfile

from png_pixels import read_png

SKIP = 77
GRAPH = "graphs/examples/standardize.yaml"  # 8 rows of noise, standardized: two fused groups


class Page(html.parser.HTMLParser):
    """The page's tags, the figures' SVG elements, the texts inside each figure."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.figure: str | None = None
        self.svgs: dict[str, int] = {}
        self.texts: dict[str, list[str]] = {}
        self.profile_rows = 0
        self.in_profile = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "figure":
            self.figure = a.get("id")
        if tag == "svg" and self.figure:
            self.svgs[self.figure] = self.svgs.get(self.figure, 0) + 1
        if tag == "table" and a.get("class") == "profile":
            self.in_profile = True
        if tag == "tr" and self.in_profile:
            self.profile_rows += 1

    def handle_endtag(self, tag):
        if tag == "figure":
            self.figure = None
        if tag == "table":
            self.in_profile = False

    def handle_data(self, data):
        if self.figure and data.strip():
            self.texts.setdefault(self.figure, []).append(data.strip())


def first_row_with(rows, colour, at_least):
    """The first pixel row holding `at_least` pixels of `colour` (within 6 per channel)."""
    for y, row in enumerate(rows):
        if sum(1 for p in row if all(abs(p[i] - colour[i]) <= 6 for i in range(3))) >= at_least:
            return y
    return None


def main() -> int:
    exe, source = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        page_path = os.path.join(tmp, "report.html")
        done = subprocess.run([exe, "run", os.path.join(source, GRAPH), "--report", page_path, "-q"],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            print("FAIL: run --report:", done.stderr)
            return 1
        profile = subprocess.run([exe, "run", os.path.join(source, GRAPH), "--profile", "-q"],
                                 capture_output=True, text=True, timeout=600).stderr
        steps = len(profile.split("\n", 1)[1].split("\ntotal")[0].splitlines())
        text = open(page_path, encoding="utf-8").read()
        page = Page()
        page.feed(text)

        # Self-contained: no script, stylesheet, image or frame fetched from anywhere.
        for tag, attrs in page.tags:
            if tag in ("script", "link", "img", "iframe", "object", "embed"):
                failures.append(f"a <{tag}> element: the page must stand alone")
            for name, value in attrs.items():
                if name in ("src", "href", "xlink:href") and value and not value.startswith("#"):
                    failures.append(f"<{tag} {name}={value!r}> refers outside the page")
        if page.svgs.get("plots", 0) < 1:
            failures.append("no plot in figure#plots")
        if page.svgs.get("graph-drawing", 0) < 1:
            failures.append("no graph drawing in figure#graph-drawing")
        graph_words = " ".join(page.texts.get("graph-drawing", []))
        for node in ("centered", "sq", "z_mean", "z_max", "(fused)"):
            if node not in graph_words:
                failures.append(f"the graph drawing does not show {node!r}")
        if page.profile_rows != steps + 1:  # + the header row
            failures.append(f"the profile has {page.profile_rows - 1} rows, --profile lists {steps} steps")
        for name in ("z: f64 (8, 4096)", "z_max: f64 ()"):
            if name not in text:
                failures.append(f"the outputs' summary lacks {name!r}")

        # As a browser shows it.
        chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not chromium:
            for f in failures:
                print("FAIL:", f)
            if failures:
                return 1
            print("SKIP: no Chromium to render the page (the HTML checks passed)")
            return SKIP
        shot = os.path.join(tmp, "page.png")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={tmp}/profile", f"--screenshot={shot}", "--window-size=1100,2600",
                        "file://" + page_path], capture_output=True, timeout=300)
        if not os.path.exists(shot):
            failures.append("Chromium wrote no screenshot")
        else:
            _, _, rows = read_png(shot)
            plot_line = first_row_with(rows, (255, 127, 14), 3)     # a plotted line (Tableau orange)
            fused_fill = first_row_with(rows, (255, 255, 224), 40)  # a fused group's output node
            profile_bar = first_row_with(rows, (78, 121, 167), 30)  # the profile's share bars
            print(f"rendered: plot line at y={plot_line}, fused node at y={fused_fill}, profile bar at y={profile_bar}")
            if plot_line is None:
                failures.append("the rendered page shows no plot line")
            if fused_fill is None:
                failures.append("the rendered page shows no fused group in the graph")
            if profile_bar is None:
                failures.append("the rendered page shows no profile bars")
            if None not in (plot_line, fused_fill, profile_bar) and not plot_line < fused_fill < profile_bar:
                failures.append("outputs, graph and profile are not in that order on the page")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
