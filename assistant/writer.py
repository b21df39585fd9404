"""Reply writing: the LLM phrases one opening sentence around facts that code selected.

The sentence streams word by word; each word passes the grounding verifier before it is shown,
and the whole sentence is verified at the end. On any failure (ungrounded number, name or policy
term, refusal, empty text, backend error) the draft's deterministic lead is used instead, and the
``Reply`` records why.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from importlib import resources

import jinja2
import yaml

from assistant.answers.draft import Draft
from assistant.errors import LLMBackendError
from assistant.grounding import REFUSAL, GroundingVerifier
from assistant.lead_gate import LeadGate
from assistant.llm import ChatMessage, ChatModel
from assistant.safety.privacy import mask_personal_data

log = logging.getLogger(__name__)


def new_canary() -> str:
    return f"AISLE-CANARY-{secrets.token_hex(8)}"
_SENTENCE_END = re.compile(r"[.!?:]\s*$")
MAX_LEAD_WORDS = 30


@dataclass
class Lead:
    text: str
    from_llm: bool
    problems: list[str]
    skipped: str = ""  # why the LLM was not asked (the gate: busy, over budget, off); '' = asked, or not needed


# Words a lead may use freely: framing, not claims. Any other word of 4+ letters must come from
# the request, the answer's topic or the selected records, so the LLM cannot add new claims
# ("...headphones that help you sleep").
FRAMING_WORDS = frozenset("""
here there some selection list options option choice choices great good perfect nice look looking take
check these those that this with your you might like love enjoy found find picks pick ideas idea help
happy sure glad quick rundown summary overview details detail info information about works work store
side side-by-side comparison compare question answer favorite favourite right best matching match fit fits need
needs want wanted searching search shop shopping what which have know below following handy useful
popular well they them their from ours show showing just also very really okay alright absolutely
certainly course policy policies thanks thank hope will would could should other more less welcome
""".split())


def _stems(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z]{4,}", text.lower())}


def on_topic(lead: str, message: str, topic: str) -> bool:
    """A lead must mention something the shopper asked about or the answer is about."""
    return bool(_stems(lead) & (_stems(message) | _stems(topic)))


FRAMING_STEMS = frozenset(w.rstrip("s") for w in FRAMING_WORDS)


def known_stems(sources: list[str]) -> set[str]:
    """Word stems a lead may use: those of the sources, and framing."""
    return set().union(*(_stems(s) for s in sources)) | FRAMING_STEMS


def novel_words(lead: str, sources: list[str]) -> set[str]:
    """Content words of the lead found in no source and not mere framing."""
    return _stems(lead) - known_stems(sources)


def _prompt_spec() -> dict:
    raw = resources.files("assistant").joinpath("prompts/reply.yaml").read_text("utf-8")
    return yaml.safe_load(raw)


class ReplyWriter:
    def __init__(self, llm: ChatModel | None, verifier: GroundingVerifier, store_name: str,
                 max_new_tokens: int = 48, canary: str = "", gate: LeadGate | None = None):
        """``canary``: a secret planted in the system prompt; a lead containing it is never shown
        (a fresh random one per process by default). ``gate``: decides whether a turn asks the LLM
        (default: always, waiting for it)."""
        self.llm = llm
        self.gate = gate or LeadGate("always")
        self.canary = canary or new_canary()
        self.verifier = verifier
        self.store_name = store_name
        self.max_new_tokens = max_new_tokens
        self._spec = _prompt_spec()
        self._env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)

    def prompt(self, draft: Draft, message: str) -> list[ChatMessage]:
        """System line, worked examples as earlier turns, then this request."""
        render = self._env.from_string
        messages = [ChatMessage("system", render(self._spec["system"]).render(store=self.store_name,
                                                                            canary=self.canary))]
        user = render(self._spec["user"])
        for shot in self._spec["examples"]:
            messages.append(ChatMessage("user", user.render(request=shot["request"], results=shot["results"])))
            messages.append(ChatMessage("assistant", shot["sentence"]))
        messages.append(ChatMessage("user", user.render(request=mask_personal_data(message), results=draft.topic)))
        return messages

    def leaks_canary(self, text: str) -> bool:
        """The canary, or a long enough piece of its random part, is in ``text``."""
        secret = self.canary.rsplit("-", 1)[-1].lower()
        squashed = re.sub(r"[^a-z0-9]", "", text.lower())
        return self.canary.lower() in text.lower() or any(
            secret[i:i + 8] in squashed for i in range(0, len(secret) - 7))

    def lead(self, draft: Draft, message: str) -> Iterator[str | Lead]:
        """Yield the verified lead text so far (cumulative strings), then a final ``Lead``."""
        if self.llm is None or not draft.topic:
            yield Lead(draft.fallback_lead, False, [])
            return
        with self.gate.admit() as skipped:
            if skipped:
                log.info("deterministic lead for %r: %s", draft.intent, skipped)
                yield Lead(draft.fallback_lead, False, [], skipped)
                return
            yield from self._llm_lead(draft, message)

    def _llm_lead(self, draft: Draft, message: str) -> Iterator[str | Lead]:
        """The LLM's lead, verified word by word as it streams (see ``lead``)."""
        assert self.llm is not None
        shown: list[str] = []
        numbers, money = draft.evidence.numbers(), draft.evidence.money()
        known = known_stems([message, draft.topic, *draft.evidence.texts])

        def word_problem(word: str) -> str | None:
            """Checked before the word is shown: grounding, novelty, and a refusal starting."""
            if self.leaks_canary(" ".join([*shown, word])):
                return "would reveal the system prompt (canary)"
            problem = self.verifier.check_word(word, draft.evidence, numbers, money, shown[-1] if shown else "")
            if problem is None and (novel := _stems(word) - known):
                problem = f"lead adds words found in no record: {', '.join(sorted(novel))}"
            if problem is None and REFUSAL.search(" ".join([*shown, word])):
                problem = "reads like a refusal or talks about the model"
            return problem

        problems: list[str] = []
        buffer = ""
        try:
            stream = self.llm.stream(self.prompt(draft, message), self.max_new_tokens, stop=(".", "!", "?", "\n"))
            with closing(stream) as pieces:  # leaving early stops the generation
                for piece in pieces:
                    buffer += piece
                    *complete, buffer = re.split(r"(\s+)", buffer)
                    for word in (w for w in complete if w.strip()):
                        problem = word_problem(word)
                        if problem:
                            problems.append(problem)
                            break
                        shown.append(word)
                        yield " ".join(shown)
                    if problems or len(shown) > MAX_LEAD_WORDS or (shown and _SENTENCE_END.search(shown[-1])):
                        break
        except LLMBackendError as exc:
            log.warning("LLM failed, using the deterministic lead: %s", exc)
            problems.append(f"LLM backend error: {exc}")
        if not problems and buffer.strip():
            shown.append(buffer.strip())
        text = " ".join(shown).strip()
        if self.leaks_canary(text):
            problems.append("would reveal the system prompt (canary)")
        if not problems:
            if len(shown) > MAX_LEAD_WORDS:
                problems.append("lead sentence too long")
            problems += list(self.verifier.verify(text, draft.evidence).problems)
            if not on_topic(text, message, draft.topic):
                problems.append("lead does not mention the request or the answer")
            novel = _stems(text) - known  # the last word was never checked on its own
            if novel:
                problems.append(f"lead adds words found in no record: {', '.join(sorted(novel))}")
        if problems:
            yield Lead(draft.fallback_lead, False, problems)
        else:
            yield Lead(text, True, [])
