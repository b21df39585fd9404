"""Named Gradio API endpoints for actions that have no single UI event of their own: each one is a
function, the kinds of its inputs, and its name (``/name`` in ``gradio_client``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import gradio as gr

Kind = Literal["str", "bool", "int", "file"]
Endpoint = tuple[Callable[..., Any], Sequence[Kind], str]


def _component(kind: Kind) -> gr.components.Component:
    if kind == "bool":
        return gr.Checkbox()
    if kind == "int":
        return gr.Number(precision=0)
    if kind == "file":
        return gr.File()
    return gr.Textbox()


def register(endpoints: Sequence[Endpoint], state: gr.State | None = None) -> None:
    """Hidden inputs and a JSON output for each endpoint, inside the current Blocks. With ``state``,
    each function also gets that server-side state last and returns ``(result, new_state)``: the
    caller can neither read nor set it."""
    with gr.Column(visible=False):
        out = gr.JSON()
        for fn, kinds, name in endpoints:
            inputs: list[Any] = [_component(k) for k in kinds]
            outputs: list[Any] = [out]
            if state is not None:
                inputs.append(state)
                outputs.append(state)
            gr.Button().click(fn, inputs or None, outputs, api_name=name)
