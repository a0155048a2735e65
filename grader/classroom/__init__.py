"""Instructor mode: grade a whole class safely and in parallel, keep a gradebook, and report.

One module per stage: `lms` (hand-ins as Moodle, Canvas, GitHub Classroom and Gradescope deliver
them), `roster` (the class list and which learner a hand-in belongs to), `intake` (find submissions,
extract them safely), `grading` (the per-submission function and the local/Dask executors),
`classrun` (one `class grade` run), `gradebook` (SQLite, versioned schema), `reports` (the data, CSV,
JSON, Gradescope), `pages` (the HTML class and learner pages and the feedback files), `itemstats`
(Moodle's quiz item statistics), `bundle` and `autograder` (the Gradescope autograder zip and its
side) and `cli` (the thin `dlcert class` commands).
"""
