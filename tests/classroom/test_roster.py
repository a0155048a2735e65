"""Rosters as LMSs and spreadsheets export them: separators, encodings, Canvas's extra rows, duplicates."""
from __future__ import annotations

import pytest

from grader.classroom.roster import RosterError, load_roster


def write(tmp_path, text: str, encoding: str = "utf-8", name: str = "roster.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_semicolons_and_latin1_as_excel_writes_them(tmp_path):
    path = write(tmp_path, "Student ID;Name;Email\nS1;Zoë Müller;zoe@uni.example\nS2;José García;jose@uni.example\n", "cp1252")
    roster = load_roster(path)
    assert [(l.id, l.name) for l in roster.learners] == [("S1", "Zoë Müller"), ("S2", "José García")]
    assert roster.match("jose").id == "S2"  # the email's local part


def test_a_utf8_bom_is_not_part_of_the_first_column(tmp_path):
    path = write(tmp_path, "id,name\nann,Ann\n", "utf-8-sig")
    assert load_roster(path).learners[0].id == "ann"


def test_tabs_and_a_latin1_byte_that_cp1252_lacks(tmp_path):
    path = tmp_path / "r.tsv"
    path.write_bytes(b"id\tname\nann\tAnn \x81\n")
    assert load_roster(path).learners[0].name == "Ann \x81"


def test_canvas_points_possible_row_is_skipped_and_ids_aliased(tmp_path):
    path = write(tmp_path, "Student,ID,SIS User ID,SIS Login ID,Section,Lab 1 (77)\n    Points Possible,,,,,10\n"
                           "\"Smith, Ann\",2001,S-1,asmith,Lab,\n")
    roster = load_roster(path)
    assert len(roster.learners) == 1
    ann = roster.learners[0]
    assert (ann.id, ann.name, ann.aliases) == ("2001", "Smith, Ann", ("S-1", "asmith"))
    assert roster.match("S-1") is ann and roster.match("asmith") is ann
    assert roster.match("unknown", name="smithann") is ann  # Canvas's lastfirst in file names


def test_moodle_participant_identifier_matches_the_download_id(tmp_path):
    path = write(tmp_path, "Identifier,Full name,Email address\nParticipant 1001,Ann Smith,ann@uni.example\n")
    roster = load_roster(path)
    assert roster.match("1001").id == "Participant 1001"
    assert roster.match("9999", name="Ann Smith").id == "Participant 1001"
    assert roster.match("9999", name="Bo Jones") is None


def test_duplicate_ids_name_both_lines(tmp_path):
    path = write(tmp_path, "id,name\nann,Ann\nbo,Bo\nann,Ann again\n")
    with pytest.raises(RosterError) as info:
        load_roster(path)
    assert "roster.csv:4" in str(info.value) and "already on line 2" in str(info.value)


@pytest.mark.parametrize("text, message", [("name\nann\n", "no id column"), ("id,name\n,Ann\n", "empty learner id")])
def test_bad_rosters_say_why(tmp_path, text, message):
    with pytest.raises(RosterError, match=message):
        load_roster(write(tmp_path, text))


def test_binary_is_not_a_roster(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(RosterError, match="binary"):
        load_roster(path)
