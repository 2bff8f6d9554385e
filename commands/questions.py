"""How each questionnaire words its questions: the stand-up, the hearing (ヒアリング), the 振り返り.

renkei.yml lists a questionnaire's questions; a default one is a code (`problems`) worded by the catalog
(`hearing.question.problems`), any other is asked as written. One rule, used by the forms, cards, summaries, the
board and the report's sheets.
"""

from __future__ import annotations

from typing import Callable, Iterable

from commands.base import Translate
from storage.projectfile import DEFAULT_HEARING_QUESTIONS, DEFAULT_RETROSPECTIVE_QUESTIONS, DEFAULT_STANDUP_QUESTIONS

Label = Callable[[Translate, str], str]


def question_labels(prefix: str, defaults: Iterable[str]) -> Label:
    """The wording of one questionnaire: a default code by the catalog's `<prefix><code>`, others as written."""
    codes = frozenset(defaults)

    def label(t: Translate, question: str) -> str:
        return t(f"{prefix}{question}") if question in codes else question

    return label


standup_question = question_labels("standup.q_", DEFAULT_STANDUP_QUESTIONS)
hearing_question = question_labels("hearing.question.", DEFAULT_HEARING_QUESTIONS)
retro_question = question_labels("retro.question.", DEFAULT_RETROSPECTIVE_QUESTIONS)
