"""Product answers: search with constraints and ranking, questions about a shown item, compare."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from assistant.answers.coverage import RequestCoverage
from assistant.answers.draft import (
    Draft,
    money,
    price_text,
    product_facts,
    product_ref,
    stock_phrase,
    store_label,
)
from assistant.comparatives import BestFirst
from assistant.grounding import evidence_for
from assistant.money import amounts
from assistant.product_types import singular
from assistant.reply import ProductRef
from assistant.session import Constraints, SessionState
from assistant.slots import suits_use
from assistant.stage_times import stage
from knowledge.retrieval.embed import Embedder
from knowledge.retrieval.filters import ProductFilter
from knowledge.retrieval.search import Retriever
from knowledge.schemas import Product
from recommender.diversity import mmr
from recommender.ranker import Ranker
from recommender.store_candidates import HistoryCandidates, gather_candidates
from recommender.types import Candidate, HistoryItem

# Filters (``ProductFilter`` fields) dropped one at a time, softest first, when nothing matches them all.
RELAX_ORDER = ("size", "color", "brand", "in_stock_only", "max_price", "min_price")
# "Cheaper than that" keeps its maximum and the product type: nothing cheaper of the kind is said so
# (``Router._search``), not answered with goods of another kind.
CHEAPER_RELAX_ORDER = ("size", "color", "brand", "in_stock_only", "min_price")
# What a product is for ("flat feet") is a preference, not a filter: items the catalog tags for it get
# this much more relevance (cosine similarity, typically 0.3–0.7), and join the candidates if retrieval missed them.
USE_BOOST = 0.15
USE_EXTRA = 12


# Store text that reads like an instruction or carries its own price (in any currency, see ``suspect``)
# or link is never quoted to the shopper: the real price is on the line above it, and the shopper must
# not be sent anywhere.
SUSPECT_STORE_TEXT = re.compile(
    r"\d\s?%\s*(off|discount)|https?://|www\.|\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|rules?|prompt)\b|"
    r"\b(system|assistant|user)\s*:|\b(coupon|promo code|discount code)\b", re.I)


def suspect(text: str) -> bool:
    """Store text that must not be quoted: ``SUSPECT_STORE_TEXT``, or an amount of money ("$5", "€5", "5 EUR")."""
    return bool(SUSPECT_STORE_TEXT.search(text) or amounts(text))


def _relaxed_phrase(name: str, value: object, currency: str) -> str:
    if name in ("max_price", "min_price"):
        return f"{'your budget of' if name == 'max_price' else 'the minimum of'} {money(float(value), currency)}"  # type: ignore[arg-type]
    if name == "subcategories":
        return f"the product type ({', '.join(value)})"  # type: ignore[arg-type]
    return "in stock only" if name == "in_stock_only" else f"{name} {value}"


class ProductAnswers:
    def __init__(self, retriever: Retriever, ranker: Ranker, embedder: Embedder,
                 history: Callable[[str], list[HistoryItem]], popularity: Callable[[], dict[str, float]],
                 shown: int = 4, candidates: int = 30,
                 history_candidates: Callable[[], HistoryCandidates | None] = lambda: None,
                 vectors: Callable[[], Mapping[str, np.ndarray]] = dict, relevance_floor: float = 0.0,
                 coverage: RequestCoverage | None = None):
        """``history_candidates`` adds what the shopper's history suggests to the retrieval hits;
        ``vectors`` (product embeddings) lets the final list avoid near-duplicates (MMR);
        ``relevance_floor`` leaves out candidates below that share of the best one's relevance
        (``above_floor``); ``coverage`` leaves out those that lack a word of the request the best match has."""
        self.retriever = retriever
        self.ranker = ranker
        self.embedder = embedder
        self.history = history
        self.popularity = popularity
        self.shown = shown
        self.candidates = candidates
        self.history_candidates = history_candidates
        self.vectors = vectors
        self.relevance_floor = relevance_floor
        self.coverage = coverage

    # -- search -------------------------------------------------------------------------------
    def search(self, state: SessionState, query: str, keep_budget: bool = False,
               past: Callable[[Product], bool] | None = None, best_first: BestFirst | None = None) -> Draft:
        """``keep_budget``: never relax the maximum price (it is "cheaper than" an item just shown, so
        anything above it would not answer the request); ``past``: only the items it passes ("better rated
        than the first?", "lighter than that one?"); ``best_first``: the matches in the order a superlative
        asks for ("the cheapest tent", "the lightest sleeping bag"), each with its value.

        A search measured against a shown item ("cheaper", "lighter than that") keeps every match: the words
        of the earlier request name that item, not what the others must say (``RequestCoverage``)."""
        constraints = state.constraints
        hard = constraints.filter
        history = self.history(state.customer_id) if state.customer_id else []
        with stage("retrieval"):
            candidates, dropped = self._gather_relaxing(query, constraints, history, keep_budget)
        candidates = above_floor(candidates, self.relevance_floor)
        catalog = self.retriever.catalog
        if past is not None:
            candidates = [c for c in candidates if (p := catalog.get(c.product_id)) is not None and past(p)]
        elif self.coverage is not None and not keep_budget:
            candidates = self._suited(self.coverage.keep(candidates, query, hard), constraints.use)
        with stage("ranking"):
            ranked = self.ranker.rank(candidates, history)
            if best_first is None:
                ranked = mmr(ranked, self.vectors(), self.shown)
            else:
                ranked = best_first.order(ranked, catalog)[: self.shown]
        products = [p for p in (catalog.get(r.product_id) for r in ranked) if p is not None]
        chips = constraints.describe()
        what = hard.category or "products"
        if not products:
            return Draft(
                intent="product_search",
                fallback_lead=f"I couldn't find {what} matching {', '.join(chips) or 'that'} in our catalog. "
                "Try a wider budget or fewer filters, or describe what you need in other words.",
            )
        use = constraints.use
        color, size = hard.color, hard.size  # prices are quoted for the variants asked for
        avoid = tuple(c.lower() for c in hard.exclude_colors)  # and none of the colours ruled out
        refs = [product_ref(p, f"for {use} (catalog tags); {r.reason}" if use and suits_use(p, use) else r.reason,
                            r.score, color, size, avoid) for p, r in zip(products, ranked, strict=True)]
        if best_first is not None:  # the value each is ordered by, from the listing
            refs = [replace(ref, reason=f"{shown}; {ref.reason}") if (shown := best_first.shown(p)) else ref
                    for p, ref in zip(products, refs, strict=True)]
        lines = []
        for i, (p, ref) in enumerate(zip(products, refs, strict=True), start=1):
            lines.append(f"{i}. **{p.title}** — {product_facts(p, color, size, avoid).split(' · ', 1)[1]}\n   _{ref.reason}_")
        body = "\n".join(lines)
        kind = _plural(products)
        if len(products) == 1:
            kind = " ".join([*kind.split()[:-1], singular(kind.split()[-1])])
        noun = f"{color + ' ' if color else ''}{kind}"
        rest = [c for c in chips if c not in (hard.category, constraints.product_label, color)]
        lead = (f"Here {'is' if len(products) == 1 else 'are'} {len(products)} {noun}"
                f"{' (' + ', '.join(rest) + ')' if rest else ''} for you"
                f"{', ' + best_first.word + ' first' if best_first is not None and len(products) > 1 else ''}:")
        unmet_use = bool(use) and not any(suits_use(p, use or "") for p in products)
        if unmet_use:  # "serum for dry skin" where no serum is tagged for it: say so, show the closest
            lead = (f"None of our {_plural(products)} is listed for {use}, so here "
                    f"{'is' if len(products) == 1 else 'are'} the closest {len(products)}:")
        if dropped:  # say plainly which filters could not be met; no LLM phrasing over that
            lead = (f"Nothing matched all your filters, so I relaxed {' and '.join(dropped)}. "
                    f"Here {'is' if len(products) == 1 else 'are'} the closest {len(products)}:")
        evidence = evidence_for(
            product_ids=[p.id for p in products],
            texts=[query, body],
            extra_numbers=[len(products)],
            price_texts=[" ".join(chips), *[product_facts(p, color, size, avoid) for p in products]],
        )
        return Draft("product_search", lead, body, topic="" if dropped or unmet_use else f"{len(products)} {noun}",
                     products=refs, evidence=evidence)

    def next_best(self, customer_id: str | None, constraints: Constraints, query: str) -> list[ProductRef]:
        """Products for a support agent to suggest: for what the shopper is searching, else for what
        their history points at, ranked by the chat's own code (empty when there is neither)."""
        history = self.history(customer_id) if customer_id else []
        query = query or " ".join(h.title for h in history[:3])
        if not query:
            return []
        return self.search(SessionState(customer_id=customer_id, constraints=constraints), query).products

    def _gather_relaxing(self, query: str, constraints: Constraints, history: list[HistoryItem],
                         keep_budget: bool = False) -> tuple[list[Candidate], list[str]]:
        """Candidates under every filter; if nothing matches, drop the softest filters one at a time
        (never the category, nor the product type unless ``keep_budget``) and say which were dropped."""
        dropped: list[str] = []
        current = constraints
        extra = self.history_candidates() if history else None
        while True:
            found = gather_candidates(self.retriever, query, current.filter, history, self.popularity(),
                                      extra, k=self.candidates)
            if found:
                return self._prefer_use(query, found, current), dropped
            hard = current.filter
            name = next((n for n in (CHEAPER_RELAX_ORDER if keep_budget else RELAX_ORDER) if getattr(hard, n)), None)
            if name is None:
                return [], dropped
            dropped.append(_relaxed_phrase(name, getattr(hard, name), current.currency))
            current = replace(current, filter=replace(hard, **{name: getattr(ProductFilter(), name)}))

    def _prefer_use(self, query: str, candidates: list[Candidate], constraints: Constraints) -> list[Candidate]:
        """Steer toward what the product is for: the catalog's items tagged for the use (under the same
        filters) join the candidates with their real relevance, and every such item ranks a little higher."""
        use = constraints.use
        if not use:
            return candidates
        catalog = self.retriever.catalog
        have = {c.product_id for c in candidates}
        allowed = constraints.filter
        missing = [p.id for p in catalog if p.id not in have and allowed.matches(p) and suits_use(p, use)]
        if missing:
            relevance = self.retriever.relevance(query, missing)
            popularity = self.popularity()
            for pid in sorted(relevance, key=lambda i: -relevance[i])[:USE_EXTRA]:
                product = catalog.require(pid)
                candidates.append(Candidate(pid, product.title, product.search_text(), relevance[pid],
                                            popularity.get(pid, 0.0)))
        suited = {c.product_id for c in candidates if (p := catalog.get(c.product_id)) and suits_use(p, use)}
        return [replace(c, relevance=c.relevance + USE_BOOST) if c.product_id in suited else c for c in candidates]

    def _suited(self, candidates: list[Candidate], use: str | None) -> list[Candidate]:
        """What the product is for counts like a word of the request (``RequestCoverage``): when the best
        match is tagged for it ("for dry skin"), the picks that are not are left out."""
        if not use or len(candidates) < 2:
            return candidates
        catalog = self.retriever.catalog
        suited = {c.product_id for c in candidates if (p := catalog.get(c.product_id)) is not None and suits_use(p, use)}
        best = max(candidates, key=lambda c: c.relevance)
        return [c for c in candidates if c.product_id in suited] if best.product_id in suited else candidates

    # -- question about a shown product ---------------------------------------------------------
    def question(self, state: SessionState, message: str, target: Product,
                 color: str | None = None, size: str | None = None) -> Draft:
        """Facts of one product that answer the question; a color/size asked about is checked."""
        facts = [f"**{target.title}** — {product_facts(target, color, size).split(' · ', 1)[1]}"]
        lowered = message.lower()
        for value, options, what in ((color, target.colors, "color"), (size, target.sizes, "size")):
            if value is None:
                continue
            if value.lower() in [o.lower() for o in options]:
                kw = {what: value.lower() if what == "color" else value}
                have = "in stock" if target.in_stock_for(**kw) else "currently out of stock"
                if len(set(target.prices)) > 1:  # the variants differ in price: quote this one's
                    have += f", {price_text(target, **kw)}"
                facts.append(f"Yes, it comes in {what} {value} ({have}).")
            else:
                facts.append(f"It doesn't come in {what} {value}; available {what}s: {', '.join(options) or 'one only'}.")
        if target.colors and re.search(r"\bcolou?rs?\b|\bcome in\b", lowered):
            facts.append(f"Colors: {', '.join(target.colors)}.")
        if target.sizes and re.search(r"\bsizes?\b|\bfit\b", lowered):
            facts.append(f"Sizes: {', '.join(target.sizes)}.")
        for key in target.attributes:
            if key in ("color", "size"):
                continue
            words = set(re.findall(r"[a-z]+", key.lower()))
            if words & set(re.findall(r"[a-z]+", lowered)) and not suspect(_attr(target, key)):
                facts.append(f"{key.capitalize()}: {_attr(target, key)}.")
        if re.search(r"\b(stock|available|availability)\b", lowered) and target.variants:
            available = [v for v in target.variants if v.stock > 0]
            listed = ", ".join(" ".join(x for x in (v.color, v.size) if x) for v in available[:8])
            facts.append(f"Available variants: {listed or 'none right now'}.")
        variant_prices = _variant_prices(target)
        if variant_prices and re.search(r"\b(prices?|costs?|how much|sizes?|colou?rs?)\b", lowered):
            facts.append(f"Prices by variant: {variant_prices}.")
        sentence = self._best_sentence(message, target)
        if sentence:
            facts.append(f"From the product description: “{sentence}”")
        body = "\n".join(f"- {f}" if i else f for i, f in enumerate(facts))
        evidence = evidence_for(product_ids=[target.id], texts=[message, body, target.search_text()],
                                price_texts=[product_facts(target, color, size), *[f for f in facts if _quotes_price(f)]])
        return Draft("product_question", f"Here's what I know about the {target.title}:", body,
                     topic=f"details of the {store_label(target.subcategory or target.category)}",
                     products=[product_ref(target, "the item you asked about", color=color, size=size)],
                     evidence=evidence)

    def _best_sentence(self, message: str, product: Product) -> str:
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", product.description)
                     if len(s.split()) >= 4 and not suspect(s)]
        if not sentences:
            return ""
        vectors = self.embedder.embed([message, *sentences])
        sims = vectors[1:] @ vectors[0]
        return sentences[int(np.argmax(sims))]

    # -- compare ---------------------------------------------------------------------------------
    def compare(self, products: Sequence[Product]) -> Draft:
        a, b = products[0], products[1]
        rows = [("Price", price_text(a), price_text(b)),
                ("Availability", stock_phrase(a.stock), stock_phrase(b.stock)),
                ("Rating", _rating(a), _rating(b)),
                ("Brand", a.brand, b.brand)]
        keys = [k for k in a.attributes if k in b.attributes] + [
            k for k in (*a.attributes, *b.attributes) if not (k in a.attributes and k in b.attributes)]
        for key in dict.fromkeys(keys):
            rows.append((key.capitalize(), _attr(a, key), _attr(b, key)))
        table = [f"| | {a.title} | {b.title} |", "|---|---|---|"]
        table += [f"| {name} | {x} | {y} |" for name, x, y in rows]
        low_a, low_b = a.price_range[0], b.price_range[0]
        cheaper = a if low_a < low_b else b
        summary = (f"The {cheaper.title} is the cheaper of the two by {money(abs(low_a - low_b), a.currency)}."
                   if a.currency == b.currency else "")
        if a.rating and b.rating and a.rating != b.rating:
            better = a if a.rating > b.rating else b
            summary = f"{summary} The {better.title} is rated higher ({better.rating:.1f}/5).".strip()
        body = "\n".join(table) + "\n\n" + summary
        evidence = evidence_for(product_ids=[a.id, b.id], texts=[body], extra_numbers=[2],
                                price_texts=[product_facts(a), product_facts(b), summary])
        return Draft("compare", f"Here's how the {a.title} and the {b.title} compare:", body,
                     topic=f"a comparison of two {_plural([a, b])}",
                     products=[product_ref(a, "compared"), product_ref(b, "compared")], evidence=evidence)


def above_floor(candidates: list[Candidate], floor: float) -> list[Candidate]:
    """The candidates whose relevance is at least ``floor`` times the best one's (all of them when
    ``floor`` is 0 or the best relevance is not positive). History-based candidates carry the same
    measure as retrieval hits (cosine similarity of the request to the product, ``Retriever.relevance``),
    so one floor serves both: a past purchase far from the request is left out like any weak hit."""
    if floor <= 0 or not candidates:
        return candidates
    best = max(c.relevance for c in candidates)
    if best <= 0:
        return candidates
    return [c for c in candidates if c.relevance >= floor * best]


def _plural(products: Sequence[Product]) -> str:
    """What the products are, in shopper words: 'running shoes', or the category if they differ."""
    kinds = {store_label(p.subcategory) for p in products if p.subcategory}
    if len(kinds) == 1 and len({store_label(p.subcategory) for p in products}) == 1:
        kind = kinds.pop()
        return kind if kind.endswith("s") else f"{kind}s"
    categories = {p.category for p in products}
    if len(categories) == 1:
        category = categories.pop()
        return category if category.endswith("s") else f"{category} items"
    return "products"


def _quotes_price(fact: str) -> bool:
    """The facts of a product question that code wrote with a catalog price (never store text)."""
    return fact.startswith(("Yes, it comes in", "Prices by variant:"))


def _variant_prices(p: Product) -> str:
    """"S €39.00, M €45.00": each variant's price, when the variants differ in price (else "")."""
    if len(set(p.prices)) < 2:
        return ""
    return ", ".join(f"{' '.join(x for x in (v.color, v.size) if x) or v.sku} {money(p.price_of(v), p.currency)}"
                     for v in p.variants[:12])


def _rating(p: Product) -> str:
    return f"{p.rating:.1f}/5 ({p.review_count})" if p.rating is not None else "—"


def _attr(p: Product, key: str) -> str:
    value = p.attributes.get(key)
    if value is None:
        return "—"
    return ", ".join(value) if isinstance(value, list) else value


def popularity_scores(counts: dict[str, float]) -> dict[str, float]:
    """Log-scaled event counts in [0, 1]."""
    if not counts:
        return {}
    top = math.log1p(max(counts.values()))
    return {k: math.log1p(v) / top for k, v in counts.items()} if top else {}
