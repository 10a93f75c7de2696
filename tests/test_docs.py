"""The docs beside the code: the README stays a five-minute read whose
commands are the ones CI and users run, every relative link in the docs
resolves (file and heading), and the lessons table lists every registered
study with what its `measured` field says."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = [README, ROOT / "benchmarks" / "RESULTS.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces -> '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def without_code_blocks(path: Path) -> str:
    return re.sub(r"```.*?```", "", path.read_text(), flags=re.S)


def prose(path: Path) -> str:
    """``path``'s text without code blocks and inline code (no links there)."""
    return re.sub(r"`[^`\n]*`", "", without_code_blocks(path))


def anchors(path: Path) -> set:
    return {slug(line.lstrip("#")) for line in without_code_blocks(path).splitlines()
            if line.startswith("#")}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(doc):
    for target in LINK.findall(prose(doc)):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        path = (doc.parent / file).resolve() if file else doc
        assert path.exists(), f"{doc.name}: link to {target} names no file"
        if anchor:
            assert anchor in anchors(path), f"{doc.name}: link to {target} names no heading"


def test_readme_is_a_short_read_with_the_commands_ci_and_users_run():
    text = README.read_text()
    assert len(text.splitlines()) <= 220
    assert "pip install -e \".[test]\" && python -m pytest -q\n" in text  # what .ci/run runs
    assert "pip install . && recipes run cifar-resnet --preset fast --epochs 3\n" in text
    assert "python -m pytest -q" in (ROOT / ".ci" / "run").read_text()
    cells = [cell for line in text.splitlines() if line.startswith("|") for cell in line.split("|")]
    assert max(map(len, cells)) < 300  # a table row is read at a glance; details go to docs/


def test_the_lessons_table_lists_every_study_with_its_measured_status():
    from keras_recipes.experiments import list_studies

    rows = {line.split("|")[1].strip(" `"): line for line in (ROOT / "docs" / "lessons.md")
            .read_text().splitlines() if line.startswith("| `")}
    for study in list_studies():
        assert study.name in rows, f"docs/lessons.md has no row for the study {study.name}"
        row = rows[study.name]
        assert f"`recipes study run {study.name} --budget cpu --data DIR`" in row
        assert row.rstrip(" |").endswith(study.measured.get("cpu", "not yet measured"))
