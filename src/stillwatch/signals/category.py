"""Capability category of an exchange: what kind of skill the request exercises.

Structure decides first, because it is unambiguous: a computer-use tool offered (click,
screenshot, type, ...) means ``computer_use``; images without tools mean ``vision``; any
other tool offered or tool message present means ``agentic_tool_use``. Otherwise a linear
model over hashed n-grams of the prompt and the system prompt (``models/category.*``,
trained by ``python -m stillwatch.signals.train``) picks among the text categories.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from stillwatch.signals._linear import LinearModel, load_model, softmax
from stillwatch.signals._text import Distinct, int_column, list_column, string_column
from stillwatch.signals.base import Signal

#: Every value the ``category`` column takes.
CATEGORIES: tuple[str, ...] = (
    "reasoning_math",
    "coding",
    "agentic_tool_use",
    "computer_use",
    "vision",
    "rubric_grading",
    "sensitive_rewrite",
    "general_chat",
)

#: Tool names (lowercased) that drive a screen, browser, mouse or keyboard.
COMPUTER_USE_TOOLS = (
    r"^(computer|computer_use|screenshot|take_screenshot|click|left_click|right_click"
    r"|double_click|mouse_move|move_mouse|left_click_drag|drag|scroll|type|type_text|key"
    r"|keypress|press_key|hotkey|cursor_position|open_app|open_url|navigate)$"
    r"|^(computer|browser|mouse|keyboard|desktop|screen|gui)[_.]"
)


def text_logits(model: LinearModel, prompt: pa.Array, system: pa.Array) -> np.ndarray:
    """Per-row logits of the text model: prompt and system features, each text once."""
    out = np.tile(model.bias, (len(prompt), 1))
    for namespace, col in enumerate((prompt, system)):
        distinct = Distinct.of(col)
        if len(distinct.values) == 0:
            continue
        partial = model.partial_logits(distinct.values, namespace)
        rows = distinct.index >= 0
        out[rows] += partial[distinct.index[rows]]
    return out


def computer_use_rows(tools: pa.Array) -> np.ndarray:
    """Rows offering at least one computer-use tool."""
    hit = np.zeros(len(tools), dtype=bool)
    flat = pc.list_flatten(tools)
    if len(flat):
        parents = np.asarray(pc.list_parent_indices(tools))
        match = pc.fill_null(pc.match_substring_regex(pc.utf8_lower(flat), COMPUTER_USE_TOOLS), False)
        hit[parents[np.asarray(match, dtype=bool)]] = True
    return hit


#: Agentic and computer-use traffic carries tool definitions, tool messages or
#: screenshots. Without any of them the text alone is weak evidence for those two, so
#: their probabilities are scaled by this likelihood ratio before the choice.
NO_STRUCTURE_FACTOR = 0.2


def choose(
    probs: np.ndarray,
    outputs: tuple[str, ...],
    n_tools: np.ndarray,
    n_tool_messages: np.ndarray,
    computer: np.ndarray,
    images: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(labels, confidence) from text probabilities and the structural evidence."""
    agentic = (n_tools > 0) | (n_tool_messages > 0)
    bare = ~(agentic | images | computer)
    probs = probs.copy()
    for name in ("agentic_tool_use", "computer_use"):
        probs[bare, outputs.index(name)] *= NO_STRUCTURE_FACTOR
    probs[bare] /= probs[bare].sum(axis=1, keepdims=True)
    best = probs.argmax(axis=1)
    labels = np.asarray(outputs, dtype=object)[best]
    conf = probs[np.arange(len(best)), best]
    for rows, label in (
        (agentic & ~computer, "agentic_tool_use"),
        (images & (n_tools == 0), "vision"),
        (computer, "computer_use"),
    ):
        labels[rows] = label
        conf[rows] = 1.0
    return labels, conf


class CapabilityCategory(Signal):
    """Capability category of the exchange, one of ``CATEGORIES``, with a confidence.

    ``category_conf`` is the text model's probability for the category it chose (after
    the structural adjustment, see ``NO_STRUCTURE_FACTOR``), and 1.0 when structure
    decided. Both are null for an exchange with no text and no structural evidence.

    Examples
    --------
    >>> sig = CapabilityCategory()
    >>> sig.score_one({"prompt_text": "What is 17 * 23? Show your work."})["category"]
    'reasoning_math'
    >>> sig.score_one({"prompt_text": "Open the settings", "tools": ["screenshot", "click"]})
    {'category': 'computer_use', 'category_conf': 1.0}
    >>> sig.score_one({"prompt_text": "What is in this picture?", "n_images": 1})["category"]
    'vision'
    """

    name: ClassVar[str] = "category"
    version: ClassVar[int] = 1
    inputs: ClassVar[tuple[str, ...]] = ("prompt_text", "system_text", "tools", "n_tool", "n_images")
    fields: ClassVar[tuple[pa.Field, ...]] = (
        pa.field("category", pa.string()),
        pa.field("category_conf", pa.float32()),
    )

    def score_batch(self, batch: pa.RecordBatch) -> dict[str, pa.Array]:
        model = load_model("category")
        prompt = string_column(batch, "prompt_text")
        system = string_column(batch, "system_text")
        tools = list_column(batch, "tools")
        n_tools = np.asarray(pc.fill_null(pc.list_value_length(tools), 0), dtype=np.int64)
        computer = computer_use_rows(tools)
        images = int_column(batch, "n_images") > 0
        n_tool = int_column(batch, "n_tool")
        labels, conf = choose(
            softmax(text_logits(model, prompt, system)), model.outputs, n_tools, n_tool, computer, images
        )
        no_text = np.asarray(pc.and_(prompt.is_null(), system.is_null()), dtype=bool)
        unknown = no_text & (n_tools == 0) & (n_tool == 0) & ~images
        return {
            "category": pa.array(labels, type=pa.string(), mask=unknown),
            "category_conf": pa.array(conf.astype(np.float32), type=pa.float32(), mask=unknown),
        }
