"""Who wrote a reply's lead, and why not the LLM: in short fixed names, for logs and metric labels.

The verifier's and the gate's own messages carry numbers and words of the lead; these labels do not,
so they are safe to count and to log (``assistant/operations.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assistant.lead_gate import skip_label
from assistant.reply import Reply

# The start of each rejection message (assistant/grounding.py, assistant/writer.py) → its label.
PROBLEM_LABELS: tuple[tuple[str, str], ...] = (
    ("number ", "number_not_in_records"),
    ("price ", "price_not_in_records"),
    ("brand ", "brand_not_selected"),
    ("policy term ", "policy_term_unsupported"),
    ("names ", "product_not_selected"),
    ("empty text", "empty"),
    ("reads like a refusal", "refusal"),
    ("would reveal the system prompt", "canary"),
    ("lead adds words found in no record", "novel_words"),
    ("lead sentence too long", "too_long"),
    ("lead does not mention", "off_topic"),
    ("LLM backend error", "backend_error"),
)


def problem_label(problem: str) -> str:
    return next((label for start, label in PROBLEM_LABELS if problem.startswith(start)), "other")


@dataclass(frozen=True)
class LeadOutcome:
    source: Literal["llm", "deterministic"]
    why: Literal["", "not_needed", "skipped", "rejected"]  # '' = the LLM's lead was used
    reasons: tuple[str, ...] = ()  # the gate's skip label, or the verifier's rejection labels

    @property
    def fell_back(self) -> bool:
        """The deterministic lead replaced one the LLM was to write (not: none was needed)."""
        return self.why in ("skipped", "rejected")


def lead_outcome(reply: Reply) -> LeadOutcome:
    if not reply.used_fallback:
        return LeadOutcome("llm", "")
    if reply.lead_skipped:
        return LeadOutcome("deterministic", "skipped", (skip_label(reply.lead_skipped),))
    if reply.problems:
        return LeadOutcome("deterministic", "rejected", tuple(dict.fromkeys(map(problem_label, reply.problems))))
    return LeadOutcome("deterministic", "not_needed")
