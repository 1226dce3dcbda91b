"""Every relative link of README.md and docs/*.md names a file of the repository, and no link
leaves it (users have the repository, nothing beside it). Web links are allowed.
Run by ctest: links_stay_inside.py SOURCE_DIR."""

import pathlib
import re
import sys

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def main() -> int:
    source = pathlib.Path(sys.argv[1]).resolve()
    pages = [source / "README.md", *sorted((source / "docs").glob("*.md"))]
    failures, checked = [], 0
    for page in pages:
        for target in LINK.findall(page.read_text()):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            checked += 1
            path = (page.parent / target.split("#")[0]).resolve()
            if source not in path.parents and path != source:
                failures.append(f"{page.relative_to(source)}: {target} leaves the repository")
            elif not path.exists():
                failures.append(f"{page.relative_to(source)}: {target} does not exist")
    print(f"{checked} links in {len(pages)} pages")
    if checked < 10:
        failures.append("too few links checked")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
