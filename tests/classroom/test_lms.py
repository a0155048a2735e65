"""Hand-ins as Moodle, Canvas, GitHub Classroom and Gradescope deliver them, built from their documented
formats, recognised, grouped per learner (the latest resubmission wins) and matched to their rosters.

The layouts, as each system writes them:
- Moodle, mod/assign "Download all submissions" (locallib.php, download_submissions): a prefix
  `clean_filename(fullname . '_' . uniqueid)`, then `_assignsubmission_file_` and, with "download
  as folders" (the default since 3.1), a folder holding the learner's files; without it, the file
  name follows the prefix. The unique id is the grading worksheet's "Participant N".
- Canvas, "Download Submissions": `lastfirst[_late]_userid_submissionid_originalname`, a re-uploaded
  file renamed `name-1.ext`, `name-2.ext`; the gradebook CSV export has a "Points Possible" row.
- GitHub Classroom, `gh classroom clone student-repos`: `<assignment>-<username>` repository folders;
  its roster CSV has `identifier` and `github_username`.
- Gradescope, "Export Submissions": `submission_N/` folders and `submission_metadata.yml` naming each
  folder's `:submitters` (`:name`, `:email`, `:sid`).
"""
from __future__ import annotations

import os
import time

import pytest

from grader.classroom.classrun import grade_class
from grader.classroom.gradebook import Gradebook
from grader.classroom.grading import InlineExecutor, close_all_warm
from grader.classroom.intake import discover
from grader.classroom.roster import load_roster
from grader.course import load_course
from tests.classroom import classgen

MODULES = [e.module for e in load_course().exercises]
GOOD = classgen.solution("neurons")
WRONG = classgen.with_task("neurons", "perceptron", "return None")  # fails perceptron, passes dense_forward


def aged(path, seconds_ago: float) -> None:
    stamp = time.time() - seconds_ago
    os.utime(path, (stamp, stamp))


def moodle_download(root):
    """Two learners in folders (one a zip, one loose files), one as flat files, and an online text."""
    (root / "Ann Smith_1001_assignsubmission_file_").mkdir()
    classgen.write_zip(root / "Ann Smith_1001_assignsubmission_file_" / "lab1.zip", {"ws/" + classgen.rel("neurons"): GOOD})
    classgen.write_folder(root / "Bo Jones_1002_assignsubmission_file_", {"neurons.py": WRONG})
    classgen.write_folder(root / "Bo Jones_1002_assignsubmission_onlinetext_", {"onlinetext.html": "<p>see my file</p>"})
    (root / "Cy Lee_1003_assignsubmission_file_neurons.py").write_text(GOOD)
    classgen.write_folder(root / "Participant_1004_assignsubmission_file_", {"neurons.py": GOOD})  # blind marking


def canvas_download(root):
    """Resubmissions (-1, -2): the newest is right, the older ones wrong; a late hand-in; two files of one learner."""
    old = root / "smithann_2001_9001_neurons.py"
    old.write_text(WRONG)
    (root / "smithann_2001_9001_neurons-1.py").write_text(WRONG)
    (root / "smithann_2001_9001_neurons-2.py").write_text(GOOD)
    classgen.write_zip(root / "jonesbo_late_2002_9002_lab1.zip", {classgen.rel("neurons"): WRONG})
    (root / "leecy_2003_9003_neurons.py").write_text(GOOD)
    (root / "leecy_2003_9003_activations.py").write_text(classgen.stub("activations"))


def github_classroom(root):
    for user, code in (("annsmith", GOOD), ("bojones", WRONG)):
        classgen.write_folder(root / f"lab1-{user}", {classgen.rel("neurons"): code, ".git/HEAD": "ref: refs/heads/main\n",
                                                      ".git/hooks/post-checkout.py": "raise SystemExit"})


def test_moodle_download_is_one_submission_per_participant(tmp_path):
    moodle_download(tmp_path)
    found = {s.learner: s for s in discover([tmp_path], MODULES)}
    assert set(found) == {"1001", "1002", "1003", "1004"}
    assert all(s.layout == "moodle" for s in found.values())
    assert found["1001"].kind == "zip" and found["1001"].path.name == "lab1.zip" and found["1001"].name == "Ann Smith"
    assert "lab1.zip" in found["1001"].note
    assert found["1002"].kind == "folder" and found["1002"].path.name.endswith("_file_")  # the file plugin, not the online text
    assert found["1003"].kind == "files" and found["1003"].members == (("Cy Lee_1003_assignsubmission_file_neurons.py", "neurons.py"),)


def test_canvas_download_keeps_the_latest_resubmission(tmp_path):
    canvas_download(tmp_path)
    found = {s.learner: s for s in discover([tmp_path], MODULES)}
    assert set(found) == {"2001", "2002", "2003"} and {s.layout for s in found.values()} == {"canvas"}
    ann = found["2001"]
    assert ann.kind == "files" and ann.members == (("smithann_2001_9001_neurons-2.py", "neurons.py"),)
    assert "neurons-2.py" in ann.note and "superseded" in ann.note and "smithann_2001_9001_neurons.py" in ann.note
    assert found["2002"].kind == "zip" and "late" in found["2002"].note
    assert dict(found["2003"].members) == {"leecy_2003_9003_neurons.py": "neurons.py",
                                              "leecy_2003_9003_activations.py": "activations.py"}


def test_github_classroom_repositories_are_keyed_by_username(tmp_path):
    github_classroom(tmp_path)
    found = {s.learner: s for s in discover([tmp_path], MODULES)}
    assert set(found) == {"annsmith", "bojones"} and found["annsmith"].layout == "github-classroom"


def test_gradescope_export_is_keyed_by_email(tmp_path):
    classgen.write_folder(tmp_path / "submission_501", {"neurons.py": GOOD})
    classgen.write_folder(tmp_path / "submission_502", {"neurons.py": WRONG})
    (tmp_path / "submission_metadata.yml").write_text(
        "submission_501:\n  :submitters:\n  - :name: Ann Smith\n    :email: ann@uni.example\n    :sid: '42'\n"
        "  :created_at: 2026-01-01 10:00:00.000000000 -08:00\n"
        "submission_502:\n  :submitters:\n  - :name: Bo Jones\n    :email: bo@uni.example\n    :sid: '43'\n")
    found = {s.learner: s for s in discover([tmp_path], MODULES)}
    assert set(found) == {"ann@uni.example", "bo@uni.example"}
    assert found["ann@uni.example"].aliases == ("42",) and found["ann@uni.example"].name == "Ann Smith"


def test_a_plain_folder_of_hand_ins_is_not_mistaken_for_a_layout(tmp_path):
    classgen.write_folder(tmp_path / "lab1-ann", {"neurons.py": GOOD})  # no .git: not GitHub Classroom
    classgen.write_folder(tmp_path / "lab1-bo", {"neurons.py": GOOD})
    (tmp_path / "cy_3_4_neurons.py").write_text(GOOD)  # one Canvas-like name among three is not Canvas
    found = {s.learner: s.layout for s in discover([tmp_path], MODULES)}
    assert found == {"lab1-ann": "plain", "lab1-bo": "plain", "cy_3_4_neurons": "plain"}


def statuses(book: Gradebook) -> dict[str, tuple[str, str]]:
    """Learner → (perceptron status, the note of the graded hand-in), for each latest submission."""
    out = {}
    for learner, sub in book.latest_submissions().items():
        results = {r["task"]: r["status"] for r in book.results(sub.id)}
        out[learner] = (results.get("neurons.perceptron", sub.status), sub.note)
    return out


@pytest.mark.slow
def test_three_lms_downloads_are_graded_and_matched_to_their_rosters(tmp_path):
    moodle, canvas, github = tmp_path / "moodle", tmp_path / "canvas", tmp_path / "github"
    for folder, make in ((moodle, moodle_download), (canvas, canvas_download), (github, github_classroom)):
        folder.mkdir()
        make(folder)
    rosters = tmp_path / "rosters"
    rosters.mkdir()
    (rosters / "moodle.csv").write_text(  # Moodle's grading worksheet
        "Identifier,Full name,Email address,Status,Grade\nParticipant 1001,Ann Smith,ann@uni.example,Submitted,\n"
        "Participant 1002,Bo Jones,bo@uni.example,Submitted,\nParticipant 1003,Cy Lee,cy@uni.example,Submitted,\n"
        "Participant 1005,Di Absent,di@uni.example,No submission,\n", encoding="utf-8-sig")
    (rosters / "canvas.csv").write_text(  # Canvas's gradebook export
        "Student,ID,SIS User ID,SIS Login ID,Section,Lab 1 (77)\n    Points Possible,,,,,10\n"
        "\"Smith, Ann\",2001,S-1,asmith,Lab,\n\"Jones, Bo\",2002,S-2,bjones,Lab,\n\"Lee, Cy\",2003,S-3,clee,Lab,\n")
    (rosters / "github.csv").write_text(  # GitHub Classroom's roster
        "\"identifier\",\"github_username\",\"github_id\",\"name\"\n\"ann@uni.example\",\"annsmith\",\"1\",\"Ann Smith\"\n"
        "\"bo@uni.example\",\"bojones\",\"2\",\"Bo Jones\"\n")
    want = {
        "moodle": {"Participant 1001": "passed", "Participant 1002": "failed", "Participant 1003": "passed", "1004": "passed"},
        "canvas": {"2001": "passed", "2002": "failed", "2003": "passed"},
        "github": {"ann@uni.example": "passed", "bo@uni.example": "failed"},
    }
    try:
        for name, folder in (("moodle", moodle), ("canvas", canvas), ("github", github)):
            with Gradebook(tmp_path / f"{name}.sqlite") as book:
                run = grade_class([folder], gradebook=book, targets=["neurons"], roster=load_roster(rosters / f"{name}.csv"),
                                  executor=InlineExecutor())
                got = statuses(book)
                assert {k: v[0] for k, v in got.items()} == want[name], name
                assert run.not_graded == []
                people = {p["id"]: p for p in book.learners()}
                if name == "moodle":
                    assert people["1004"]["on_roster"] == 0 and people["Participant 1005"]["on_roster"] == 1
                    assert people["1004"]["name"] is None  # blind marking: no name
                if name == "canvas":
                    assert "neurons-2.py" in got["2001"][1] and "late" in got["2002"][1]
                    assert people["2001"]["name"] == "Smith, Ann"
    finally:
        close_all_warm()
