"""Instructor mode: grade a whole class safely and in parallel, keep a gradebook, and report.

One module per stage: `intake` (find submissions, extract them safely), `grading` (the per-submission
function and the local/Dask executors), `gradebook` (SQLite, versioned schema), `reports` (HTML, CSV,
JSON, Gradescope), `itemstats` (Moodle's quiz item statistics), `bundle` (the Gradescope autograder
zip) and `cli` (the thin `dlcert class` commands).
"""
