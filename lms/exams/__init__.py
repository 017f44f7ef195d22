"""Timed exams: question banks, attempts that never lose an answer, grading."""
