"""The ``aisle`` command: it parses arguments and calls library functions, nothing more."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from aisle.cli_db import db_app
from assistant.config import Settings
from assistant.errors import AisleError, KnowledgeError
from knowledge.sample_stores import DEFAULT_STORE, SAMPLE_STORES

if TYPE_CHECKING:
    from aisle.wiring import Services

app = typer.Typer(help="Aisle: a self-hosted shopping assistant and support copilot.", no_args_is_help=True)

FileOpt = Annotated[Path | None, typer.Option(exists=False, dir_okay=False, help="JSONL or CSV file")]


def _services(data_dir: Path | None = None) -> Services:
    from aisle.wiring import Services

    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    return Services(settings)


def _fail(exc: Exception) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@app.command()
def ingest(
    catalog: FileOpt = None,
    faq: FileOpt = None,
    customers: FileOpt = None,
    orders: FileOpt = None,
    interactions: FileOpt = None,
    policy: Annotated[Path | None, typer.Option(dir_okay=False, help="the store's order policy (TOML or YAML)")] = None,
    store_name: Annotated[str | None, typer.Option(help="the store's name, as the assistant says it")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="state folder (default: settings)")] = None,
    wait: Annotated[float, typer.Option(help="seconds to wait for another running ingest (default: fail at once)")] = 0.0,
) -> None:
    """Import store files (see knowledge/IMPORT_FORMAT.md); bad rows are listed with their line.

    Only what changed is written (content hashes): the report counts added, updated, deleted and
    unchanged records per file and per index. The policy file is checked against the store's FAQ and
    catalog first; without one the default policy applies (the report says so). One ingest runs at a
    time per store."""
    if not any((catalog, faq, customers, orders, interactions, policy)):
        _fail(ValueError("give at least one of --catalog, --faq, --customers, --orders, --interactions, --policy"))
    try:
        report = _services(data_dir).ingest(wait=wait, store_name=store_name, catalog=catalog, faq=faq,
                                            customers=customers, orders=orders, interactions=interactions,
                                            policy=policy)
    except (AisleError, KnowledgeError) as exc:
        _fail(exc)
    for line in report.lines():
        typer.echo(line)
    if report.errors:
        typer.secho(f"{len(report.errors)} bad rows were skipped; the rest was stored.", fg=typer.colors.YELLOW)


@app.command()
def demo(
    data_dir: Annotated[Path | None, typer.Option(help="state folder")] = None,
    scorer: Annotated[bool, typer.Option(help="train the interest scorer now if there is none (minutes); by default "
                                         "`aisle serve` trains it in the background")] = False,
    store: Annotated[str, typer.Option(help=f"which sample store: {', '.join(SAMPLE_STORES)}")] = DEFAULT_STORE,
) -> None:
    """Build a sample store (database, index, LLM cache) if absent; reuse whatever exists."""
    services = _services(data_dir)
    try:
        if store not in SAMPLE_STORES:
            raise AisleError(f"no sample store {store!r}; choose one of: {', '.join(SAMPLE_STORES)}")
        for line in services.build_demo(store=store).lines():
            typer.echo(line)
        if scorer and not services.has_trained_scorer():
            typer.echo("training the interest scorer on the store's interactions...")
            _echo_scorer(services.train_scorer())
        typer.echo("preparing the models (the first run converts the bundled LLM, ~20 s)...")
        services.prepare_models()
    except (AisleError, KnowledgeError) as exc:
        _fail(exc)
    typer.echo(f"sample store {services.store_name!r} ready in {services.settings.data_dir}")


@app.command()
def chat(
    customer: Annotated[str | None, typer.Option(help="act as this customer id, e.g. C001")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="state folder")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print each reply as JSON")] = False,
) -> None:
    """Chat in the terminal (one message per line; Ctrl-D to quit). Whoever can run this can read the
    store's database, so ``--customer`` is trusted as it is."""
    from assistant.identity import GUEST, Identity
    from assistant.reply import PartialText

    services = _services(data_dir)
    try:
        conversations = services.conversations
        services.current.assistant  # noqa: B018  (load now: a missing store fails before the first prompt)
        if customer and services.db.customer(customer) is None:
            raise AisleError(f"unknown customer {customer!r}")
        # stored like a web chat: the copilot sees it
        session_id = conversations.start(Identity(customer, "cli") if customer else GUEST)
    except (AisleError, KnowledgeError) as exc:
        _fail(exc)
    interactive = sys.stdin.isatty()
    while True:
        try:
            message = input("you> " if interactive else "")
        except EOFError:
            break
        if not message.strip() and not interactive:
            continue
        try:
            shown = ""
            if not as_json:
                sys.stdout.write("aisle> ")
            for event in conversations.stream(session_id, message):
                if isinstance(event, PartialText):
                    if not as_json and event.text.startswith(shown):
                        sys.stdout.write(event.text[len(shown):])
                        sys.stdout.flush()
                        shown = event.text
                elif as_json:
                    print(json.dumps(event.to_dict()))
                else:  # the verifier replaced a streamed lead: show the final text
                    print("" if event.text == shown else "\n(corrected) " + event.text)
        except AisleError as exc:
            typer.secho(f"aisle> {exc}", fg=typer.colors.YELLOW)


@app.command()
def token(
    customer: Annotated[str, typer.Argument(help="the customer id to sign in, e.g. C001")],
    ttl: Annotated[int, typer.Option(min=30, help="seconds the token is valid")] = 600,
) -> None:
    """Mint a one-time sign-in token with the embed secret (for trying the embed; a store's backend
    mints its own per page view, see README "Run it for a real store")."""
    import os

    from assistant.identity import MIN_SECRET_CHARS, mint_embed_token

    env = Settings().ui.embed_secret_env
    secret = os.environ.get(env, "")
    if len(secret) < MIN_SECRET_CHARS:
        _fail(AisleError(f"set {env} to a secret of at least {MIN_SECRET_CHARS} characters first"))
    typer.echo(mint_embed_token(customer, secret, ttl))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="state folder")] = None,
    train_scorer: Annotated[bool, typer.Option(help="train the interest scorer in the background when the store "
                                               "has none (the chat ranks with embedding affinity until it is done)")
                            ] = True,
    demo: Annotated[bool, typer.Option("--demo", help="first build the demo store if the data folder has none, else "
                                       "bring it up to date, as `aisle demo` does (`make run`)")] = False,
) -> None:
    """Serve the web app: the shopper chat at /, the copilot and admin at /staff, the embed snippet at /embed.js."""
    from aisle.background_scorer import LOG_FILE, scorer_in_background
    from aisle.logs import configure_logging
    from aisle.web import serve as serve_app

    services = _services(data_dir)
    configure_logging(services.settings.ops)  # [ops]: text or JSON lines, a `turn` event per shopper turn
    try:
        if demo:  # in this process: the models it loads to embed the store stay loaded for serving
            for line in services.build_demo().lines():
                typer.echo(line)
        if not services.is_built():
            _fail(AisleError("no store is built yet; run `aisle demo` or `aisle ingest` first (or `make run`)."))
        typer.echo("loading models (a first start converts the bundled LLM once, ~20 s)...")
        services.warm_up()
    except (AisleError, KnowledgeError) as exc:
        _fail(exc)
    s = services.settings.ui
    typer.echo(f"shopper chat: http://{host or s.host}:{port or s.port}/  ·  staff: /staff  ·  embed: /embed.js")
    with scorer_in_background(services, train=train_scorer) as training:
        if training is not None:
            typer.echo(f"training the interest scorer in the background (minutes; progress in the store admin, "
                       f"output in {services.settings.data_dir / LOG_FILE})")
        serve_app(services, host or s.host, port or s.port)


app.add_typer(db_app, name="db")

scorer_app = typer.Typer(help="The fine-tuned interest scorer.", no_args_is_help=True)
app.add_typer(scorer_app, name="scorer")


@scorer_app.command("train")
def scorer_train(
    data_dir: Annotated[Path | None, typer.Option(help="state folder")] = None,
    nice: Annotated[int, typer.Option(min=0, max=19, help="lower this process's CPU priority by this much "
                                      "(`aisle serve` trains in the background at 19)")] = 0,
) -> None:
    """Fine-tune the interest scorer on the store's interaction log; replaces the old one when done.
    One training at a time per store; its progress is shown in the store admin."""
    import os
    import signal

    if nice:
        os.nice(nice)
    # a stop (the server's, or `kill`) is recorded as such in the progress file
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    services = _services(data_dir)
    try:
        _echo_scorer(services.train_scorer())
    except (AisleError, KnowledgeError) as exc:
        _fail(exc)


def _echo_scorer(out: Path) -> None:
    from recommender.cross_encoder import read_card

    card = read_card(out)
    typer.echo(f"scorer saved to {out}: {card.get('pairs')} pairs, {card.get('train_seconds')} s "
               f"({card.get('data')})")
    validation = card.get("validation") or {}
    for name, result in validation.get("results", {}).items():
        typer.echo(f"  held-out customers, {name}: NDCG@10 {result['ndcg10']:.4f}, HR@10 {result['hr10']:.4f}, "
                   f"weights {result['weights']}")
    if validation.get("chosen"):
        typer.echo(f"  the chat ranks with: {validation['chosen']} ({validation['cases']} held-out cases)")


recommender_app = typer.Typer(help="Evaluate the recommender on next-item data.", no_args_is_help=True)
app.add_typer(recommender_app, name="recommender")


@recommender_app.command("evaluate")
def recommender_evaluate(
    items: Annotated[Path, typer.Option(help="items JSONL/CSV: id, title, description, brand, category")],
    train: Annotated[Path, typer.Option(help="next-item cases to fit on: user_id, history, target")],
    test: Annotated[Path, typer.Option(help="next-item cases to score")],
    limit: Annotated[int | None, typer.Option(help="score only the first N test cases")] = None,
    scorer: Annotated[bool, typer.Option(help="fine-tune the interest scorer (minutes) for the full pipeline")] = True,
    scorer_out: Annotated[Path | None, typer.Option(help="keep the fine-tuned scorer in this folder")] = None,
    scorer_use: Annotated[str, typer.Option(help="how the list model uses the scorer: feature or blend")] = "feature",
    rerank_depth: Annotated[int, typer.Option(min=1, help="candidates the scorer's hard negatives come from")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """HR@5/10 and NDCG@5/10 over full-catalogue ranking, for the pipeline and its baselines."""
    import tempfile

    from knowledge.bundled import minilm_dir
    from knowledge.retrieval.embed import SentenceTransformerEmbedder
    from recommender.offline.cases import load_cases, load_items
    from recommender.offline.evaluate import evaluate
    from recommender.offline.pipeline import ScorerOptions

    settings = Settings()
    try:
        options = ScorerOptions(use=scorer_use, rerank_depth=rerank_depth)
    except ValueError as exc:
        _fail(exc)
    try:
        catalogue = load_items(items)
        train_cases, test_cases = load_cases(train, catalogue), load_cases(test, catalogue)
    except KnowledgeError as exc:
        _fail(exc)
    embedder = SentenceTransformerEmbedder(settings.embedder.model or None, settings.embedder.device)
    with tempfile.TemporaryDirectory(prefix="aisle-scorer-") as scratch:
        report = evaluate(catalogue, train_cases, test_cases, embedder, limit=limit, progress=not as_json,
                          scorer_dir=(scorer_out or Path(scratch) / "scorer") if scorer else None,
                          base_model=(settings.embedder.model or minilm_dir()) if scorer else None,
                          scorer_options=options)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    typer.echo(f"{report.items} items, {report.train_cases} train cases, {report.test_cases} test cases; "
               f"item embedding {report.embed_seconds}s; fitting (s): {report.fit_seconds}")
    if scorer:
        typer.echo(f"interest scorer: {report.scorer_pairs} pairs; as a fixed weight, held-out NDCG@10 by weight: "
                   f"{report.interest_tuning_ndcg10}")
        if report.interest_feature_gain:
            typer.echo(f"  as a list-model feature, cross-validated on train: {report.interest_feature_gain}")
        for name, gain in report.scorer_variants.items():
            typer.echo(f"  {name} vs the list model alone (test): {gain['relative']:+.1%} NDCG@10 "
                       f"(95% interval {gain['relative_low']:+.1%} to {gain['relative_high']:+.1%})")
    typer.echo(f"{'method':<28}{'HR@5':>8}{'NDCG@5':>8}{'HR@10':>8}{'NDCG@10':>9}{'ms/case':>9}")
    for name, m in report.methods.items():
        typer.echo(f"{name:<28}{m['HR@5']:>8.4f}{m['NDCG@5']:>8.4f}{m['HR@10']:>8.4f}{m['NDCG@10']:>9.4f}"
                   f"{report.per_case_ms[name]:>9.2f}")


intents_app = typer.Typer(help="Intent classification on a store's own examples.", no_args_is_help=True)
app.add_typer(intents_app, name="intents")


@intents_app.command("evaluate")
def intents_evaluate(
    train: Annotated[Path, typer.Option(help="CSV with a 'sentence,label' header: the examples to learn from")],
    test: Annotated[Path, typer.Option(help="CSV with a 'sentence,label' header: the utterances to score")],
    oos_label: Annotated[str | None, typer.Option(help="label of out-of-scope rows (must be rejected)")] = None,
    limit: Annotated[int | None, typer.Option(help="score only the first N test rows")] = None,
    llm: Annotated[bool, typer.Option("--llm/--no-llm", help="add the local LLM's vote (label scoring; "
                                      "weight chosen by cross-validation, 0 allowed; ~0.3 s per utterance)")] = False,
    finetune: Annotated[bool, typer.Option("--finetune/--no-finetune", help="try SetFit-style fine-tuning of the "
                                           "embedder (minutes on CPU); kept only if it wins on training rows")] = False,
    negatives: Annotated[bool, typer.Option("--negatives/--no-negatives", help="when --train has no --oos-label "
                                            "rows, use Aisle's bundled out-of-scope messages instead")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Accuracy, in-scope accuracy, OOS recall, macro-F1, MCC and latency of the few-shot intent model."""
    from assistant.intents.evaluate import evaluate_intents
    from assistant.intents.model import read_intent_csv
    from knowledge.retrieval.embed import SentenceTransformerEmbedder

    settings = Settings()
    try:
        train_rows, test_rows = read_intent_csv(train), read_intent_csv(test)
        embedder = SentenceTransformerEmbedder(settings.embedder.model or None, settings.embedder.device)
        scorer = None
        if llm:
            from assistant.backends.transformers_chat import TransformersChatModel
            from assistant.intents.llm_scorer import LlmLabelScorer

            assert settings.models_dir is not None
            if settings.llm.backend != "transformers":
                raise AisleError("--llm scores labels with a local model: it needs llm.backend = 'transformers'")
            scorer = LlmLabelScorer(TransformersChatModel(settings.llm, settings.models_dir))
        report = evaluate_intents(train_rows, test_rows, embedder, oos_label, limit, llm=scorer, finetune=finetune,
                                  bundled_negatives=negatives)
    except AisleError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    typer.echo(f"chosen by cross-validation: {report.chosen}")
    typer.echo(f"{report.train_examples} training examples, {report.labels} labels, {report.test_examples} test rows; "
               f"fit {report.fit_seconds}s, rejection threshold {report.threshold}")
    for name, value in report.metrics.items():
        typer.echo(f"{name:<20}{'n/a' if value is None else f'{value:.4f}'}")
    typer.echo(f"latency: {report.latency_ms}")


support_app = typer.Typer(help="Handoff tickets and the audit log of order actions.", no_args_is_help=True)
app.add_typer(support_app, name="support")
DataDir = Annotated[Path | None, typer.Option(help="state folder (default: settings)")]


@support_app.command("tickets")
def support_tickets(
    include_closed: Annotated[bool, typer.Option("--all", help="closed tickets too")] = False,
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The handoff queue, oldest first, with each ticket's summary."""
    services = _services(data_dir)
    if as_json:
        typer.echo(json.dumps(services.copilot.tickets_json(include_closed), indent=2))
        return
    tickets = services.tickets.queue(None if include_closed else "open")
    for ticket in tickets:
        typer.echo(f"{ticket.id} [{ticket.status}] {ticket.created:%Y-%m-%d %H:%M} {ticket.reason.value}")
        typer.echo("    " + ticket.summary.replace("\n", "\n    "))
    if not tickets:
        typer.echo("no tickets")


@support_app.command("audit")
def support_audit(
    order: Annotated[str | None, typer.Option(help="one order id")] = None,
    session: Annotated[str | None, typer.Option(help="one chat session id")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Order actions, newest first: lookups, failed verifications, proposals, refusals and writes."""
    entries = _services(data_dir).order_log.entries(session_id=session, order_id=order and order.upper(), limit=limit)
    if as_json:
        typer.echo(json.dumps([{**e.__dict__, "outcome": e.outcome.value, "ts": e.ts.isoformat() if e.ts else None}
                               for e in entries], indent=2))
        return
    for e in entries:
        typer.echo(f"{e.ts:%Y-%m-%d %H:%M:%S} {e.session_id} {e.actor} {e.order_id or '-'} {e.action} "
                   f"{e.outcome.value}: {e.detail}")
    if not entries:
        typer.echo("no order actions logged")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
