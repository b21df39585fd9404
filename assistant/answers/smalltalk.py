"""Greetings, thanks and out-of-scope messages: fixed, friendly text that states no facts."""

from __future__ import annotations

import re

from assistant.answers.draft import Draft

_THANKS = re.compile(r"\b(thanks|thank you|thx|cheers|appreciate)\b", re.I)
_BYE = re.compile(r"\b(bye|goodbye|see you|that'?s all)\b", re.I)


def capabilities(example: str) -> str:
    """What the assistant does, with an example search from the store's own catalog."""
    return (f"I can find products for you (try \"{example}\"), answer questions about shipping, returns and "
            "other policies, and look up your orders.")


def greeting(message: str, store: str, customer_name: str | None, example: str) -> Draft:
    if _THANKS.search(message) or _BYE.search(message):
        text = "You're welcome! Anything else I can help you find?" if _THANKS.search(message) else (
            "Thanks for visiting — come back any time!")
        return Draft("greeting", text)
    hello = f"Hi {customer_name.split()[0]}, welcome back to {store}!" if customer_name else f"Hi, welcome to {store}!"
    return Draft("greeting", f"{hello} {capabilities(example)}")


_TO_US = re.compile(r"\b(you|your|store|shop|order|account)\b", re.I)


def out_of_scope(store: str, message: str, example: str) -> Draft:
    """Declines politely. A request to the store that we cannot answer ("how do I apply for a job at your
    warehouse?") counts toward handing over to a person; idle chat ("write me a poem") does not."""
    return Draft("out_of_scope", f"Sorry, that's outside what I can help with as the {store} shopping assistant. "
                 + capabilities(example), failed=bool(_TO_US.search(message)))
