"""The catalogue loader: the real catalogue loads; malformed copies are refused by name."""

import re
import shutil

import pytest
import yaml

from nlp.catalogue import CatalogueError, collapse_whitespace, load_catalogue

FIRST_ID = "th.parenting.l3.domestic_abuse"


@pytest.fixture
def broken_copy(tmp_path, mini_catalogue_dir):
    """A writable copy of the mini catalogue; call it with a function that edits the entries."""
    target = tmp_path / "catalogue"
    shutil.copytree(mini_catalogue_dir, target)

    def edit(change):
        path = target / "mini.yaml"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(document["entries"])
        path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return target

    edit.directory = target
    return edit


def test_catalogue_loader_real_catalogue_is_valid():
    catalogue = load_catalogue()
    ids = [entry.id for entry in catalogue]
    assert len(ids) >= 600
    assert len(ids) == len(set(ids))
    for entry in catalogue:
        assert set(entry.themes) <= catalogue.theme_ids, entry.id
        assert 1 <= entry.level <= 4
        assert entry.text == collapse_whitespace(entry.text)
    frameworks = {entry.framework for entry in catalogue}
    assert frameworks == {"tower_hamlets_indicators", "pan_london_matrix", "sutton_tier_summary", "section_47"}


def test_catalogue_loader_version_has_semver_and_content_hash():
    catalogue = load_catalogue()
    assert re.fullmatch(r"\d+\.\d+\.\d+\+[0-9a-f]{8}", catalogue.version)
    assert catalogue.version.endswith("+" + catalogue.content_hash[:8])


def test_catalogue_loader_mini_catalogue_lookup(mini_catalogue):
    assert len(mini_catalogue) == 10
    assert mini_catalogue.get("th.social.l4.cse").screening_tools == ("CSE",)
    with pytest.raises(KeyError, match="no.such.id"):
        mini_catalogue.get("no.such.id")


def test_catalogue_loader_content_hash_follows_content(broken_copy, mini_catalogue):
    def reword(entries):
        entries[0]["text"] = "Domestic abuse in the household"

    changed = load_catalogue(broken_copy(reword))
    assert changed.content_hash != mini_catalogue.content_hash
    assert changed.version != mini_catalogue.version
    assert load_catalogue(broken_copy.directory).content_hash == changed.content_hash  # deterministic


def test_catalogue_loader_rejects_level_5(broken_copy):
    def level_five(entries):
        entries[0]["level"] = 5

    with pytest.raises(CatalogueError, match=rf"mini\.yaml.*{re.escape(FIRST_ID)}.*field 'level'"):
        load_catalogue(broken_copy(level_five))


def test_catalogue_loader_rejects_missing_text(broken_copy):
    def no_text(entries):
        del entries[1]["text"]

    with pytest.raises(CatalogueError, match=r"th\.social\.l4\.cse.*field 'text'.*required"):
        load_catalogue(broken_copy(no_text))


def test_catalogue_loader_rejects_unknown_theme(broken_copy):
    def unknown_theme(entries):
        entries[2]["themes"] = ["gangs_youth_violence", "astrology"]

    with pytest.raises(CatalogueError, match=r"th\.social\.l4\.gang.*field 'themes'.*astrology"):
        load_catalogue(broken_copy(unknown_theme))


def test_catalogue_loader_rejects_duplicate_id(broken_copy):
    def duplicate(entries):
        entries[3]["id"] = entries[0]["id"]

    with pytest.raises(CatalogueError, match=rf"{re.escape(FIRST_ID)}.*field 'id'.*duplicate"):
        load_catalogue(broken_copy(duplicate))


def test_catalogue_loader_rejects_text_with_line_break(broken_copy):
    def line_break(entries):
        entries[0]["text"] = "Domestic abuse\nin the home"

    with pytest.raises(CatalogueError, match=rf"{re.escape(FIRST_ID)}.*field 'text'.*whitespace collapsed"):
        load_catalogue(broken_copy(line_break))


def test_catalogue_loader_rejects_unknown_field(broken_copy):
    def extra(entries):
        entries[0]["severity"] = "high"

    with pytest.raises(CatalogueError, match=rf"{re.escape(FIRST_ID)}.*field 'severity'"):
        load_catalogue(broken_copy(extra))


def test_catalogue_loader_rejects_blank_pattern(broken_copy):
    def blank(entries):
        entries[0]["hints"]["patterns"] = ["domestic violence", "   "]

    with pytest.raises(CatalogueError, match=rf"{re.escape(FIRST_ID)}.*field 'hints\.patterns'"):
        load_catalogue(broken_copy(blank))


def test_catalogue_loader_rejects_bad_yaml(broken_copy):
    (broken_copy.directory / "mini.yaml").write_text("entries:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"mini\.yaml: not valid YAML"):
        load_catalogue(broken_copy.directory)


def test_catalogue_loader_rejects_missing_file(broken_copy):
    (broken_copy.directory / "mini.yaml").unlink()
    with pytest.raises(CatalogueError, match=r"catalogue file missing: .*mini\.yaml"):
        load_catalogue(broken_copy.directory)


def test_catalogue_loader_rejects_entries_not_a_list(broken_copy):
    (broken_copy.directory / "mini.yaml").write_text("entries: {id: x}\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"mini\.yaml: expected a mapping with an 'entries' list"):
        load_catalogue(broken_copy.directory)


def test_catalogue_loader_rejects_bad_manifest_version(broken_copy):
    manifest = broken_copy.directory / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("version: 1.0.0", "version: one"), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"manifest\.yaml: field 'version'"):
        load_catalogue(broken_copy.directory)


def test_collapse_whitespace_rejoins_words_hyphenated_across_lines():
    assert collapse_whitespace("  emotional well-\n  being and\n\tsafety  ") == "emotional well-being and safety"
